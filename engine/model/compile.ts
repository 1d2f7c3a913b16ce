/**
 * Compile a valid request into the flat numeric problem the scheduler reads:
 * per-slot arrays, the circuit tree as a parent index array (parents first),
 * each session's availability window and parameters (spec §1-6).
 */
import { DEFAULT_VOLTAGE_V, PHASE_NAMES, type PerSlot, type Request } from "./schema.js";
import { parseInstant, unitsBetween } from "./time.js";

export interface CompiledProblem {
  slots: number;
  /** Δ, hours per slot. */
  slotHours: number;
  startMs: number;
  importLimit: Float64Array;
  exportLimit: Float64Array;
  baseLoad: Float64Array;
  pv: Float64Array;
  importPrice: Float64Array;
  /** ε'_t = min(ε_t, π_t). */
  exportPrice: Float64Array;
  /** Slots where ε_t > π_t and the export price was clamped (spec §3). */
  clampedExportSlots: number[];
  demandCharge: number;
  peakThreshold: number;
  circuitIds: string[];
  /** Parent index per circuit (in this order), -1 under the grid connection. */
  circuitParent: Int32Array;
  /** circuits × slots, row-major. */
  circuitLimit: Float64Array;
  /**
   * Spec §11: per-phase current limit (A) of each node, (circuits + 1) × slots
   * row-major, the site last (node C); +Infinity where the node has none.
   */
  phaseLimit: Float64Array;
  /** Spec §11: unbalance limit (A) per node (site last, always +Infinity); +Infinity where none. */
  unbalanceLimit: Float64Array;
  /** 1000 / site voltage: A per kW on one phase, for base load and PV (a third of it per phase). */
  siteAmpsPerKw: number;
  /** True when any node has a phase or unbalance limit (the scheduler skips phase rules otherwise). */
  hasPhaseLimits: boolean;
  sessions: CompiledSessions;
}

/** CompiledSessions.phase: a three-phase session. */
export const THREE_PHASE = -1;
/** CompiledSessions.phase: a one-phase session on an unknown phase (counts on every phase). */
export const UNKNOWN_PHASE = 3;

export interface CompiledSessions {
  /** EV sessions and site batteries (spec §12): the request's sessions first, then its storage. */
  count: number;
  /** The request's EV sessions: indices 0..evCount−1; storage follows from evCount. */
  evCount: number;
  /** Σ window lengths: the size of the window-slot arrays. */
  windowSlots: number;
  start: Int32Array;
  end: Int32Array;
  circuit: Int32Array;
  offset: Int32Array;
  initialEnergy: Float64Array;
  requiredEnergy: Float64Array;
  targetEnergy: Float64Array;
  capacity: Float64Array;
  energyFloor: Float64Array;
  maxCharge: Float64Array;
  minCharge: Float64Array;
  maxDischarge: Float64Array;
  chargeEfficiency: Float64Array;
  dischargeEfficiency: Float64Array;
  degradationCost: Float64Array;
  shortfallPenalty: Float64Array;
  /** Departure in slots from the horizon start (may be past the end). */
  departure: Float64Array;
  /** Spec §11: THREE_PHASE, 0-2 (one-phase on L1-L3) or UNKNOWN_PHASE. */
  phase: Int32Array;
  /** 1000 / the session's voltage: A per kW on one phase. */
  ampsPerKw: Float64Array;
  /**
   * Hard lower bound on the energy after the last window slot: the battery's
   * finalEnergyKwh (spec §12) for storage, the energy floor for EV sessions.
   */
  finalEnergy: Float64Array;
  /** 1 for a site battery (spec §12), 0 for an EV session. */
  storage: Int32Array;
}

export function perSlotArray(value: PerSlot, slots: number): Float64Array {
  return Array.isArray(value) ? Float64Array.from(value) : new Float64Array(slots).fill(value);
}

/** Circuits ordered so that every parent comes before its children. */
function topologicalOrder(request: Request): number[] {
  const children = new Map<string | undefined, number[]>();
  request.circuits.forEach((c, i) => {
    const list = children.get(c.parentId) ?? [];
    list.push(i);
    children.set(c.parentId, list);
  });
  const order: number[] = [];
  const queue = [...(children.get(undefined) ?? [])];
  while (queue.length > 0) {
    const i = queue.shift()!;
    order.push(i);
    queue.push(...(children.get(request.circuits[i].id) ?? []));
  }
  return order;
}

export function compile(request: Request): CompiledProblem {
  const T = request.horizon.slots;
  const slotSeconds = request.horizon.slotMinutes * 60;
  const slotHours = request.horizon.slotMinutes / 60;
  const start = parseInstant(request.horizon.start);
  const startMs = Date.parse(request.horizon.start);

  const importPrice = perSlotArray(request.tariff.importPrice, T);
  const exportRaw = perSlotArray(request.tariff.exportPrice, T);
  const exportPrice = new Float64Array(T);
  const clampedExportSlots: number[] = [];
  for (let t = 0; t < T; t++) {
    exportPrice[t] = Math.min(exportRaw[t], importPrice[t]);
    if (exportRaw[t] > importPrice[t]) clampedExportSlots.push(t);
  }

  const order = topologicalOrder(request);
  const position = new Map<string, number>();
  order.forEach((i, k) => position.set(request.circuits[i].id, k));
  const C = order.length;
  const circuitParent = new Int32Array(C);
  const circuitLimit = new Float64Array(C * T);
  const phaseLimit = new Float64Array((C + 1) * T).fill(Infinity);
  const unbalanceLimit = new Float64Array(C + 1).fill(Infinity);
  let hasPhaseLimits = request.site.phaseLimitA !== undefined;
  order.forEach((i, k) => {
    const c = request.circuits[i];
    circuitParent[k] = c.parentId === undefined ? -1 : position.get(c.parentId)!;
    circuitLimit.set(perSlotArray(c.limitKw, T), k * T);
    if (c.phaseLimitA !== undefined) phaseLimit.set(perSlotArray(c.phaseLimitA, T), k * T);
    if (c.unbalanceLimitA !== undefined) unbalanceLimit[k] = c.unbalanceLimitA;
    if (c.phaseLimitA !== undefined || c.unbalanceLimitA !== undefined) hasPhaseLimits = true;
  });
  if (request.site.phaseLimitA !== undefined) phaseLimit.set(perSlotArray(request.site.phaseLimitA, T), C * T);
  const siteVoltage = request.site.voltageV ?? DEFAULT_VOLTAGE_V;

  const V = request.sessions.length + request.storage.length;
  const f = () => new Float64Array(V);
  const s: CompiledSessions = {
    count: V,
    evCount: request.sessions.length,
    windowSlots: 0,
    start: new Int32Array(V),
    end: new Int32Array(V),
    circuit: new Int32Array(V),
    offset: new Int32Array(V),
    initialEnergy: f(),
    requiredEnergy: f(),
    targetEnergy: f(),
    capacity: f(),
    energyFloor: f(),
    maxCharge: f(),
    minCharge: f(),
    maxDischarge: f(),
    chargeEfficiency: f(),
    dischargeEfficiency: f(),
    degradationCost: f(),
    shortfallPenalty: f(),
    departure: f(),
    phase: new Int32Array(V),
    ampsPerKw: f(),
    finalEnergy: f(),
    storage: new Int32Array(V),
  };
  let offset = 0;
  request.sessions.forEach((session, v) => {
    const arrival = session.arrival === undefined ? start : parseInstant(session.arrival);
    const departure = unitsBetween(parseInstant(session.departure), start, slotSeconds);
    // Slot t is available when [start + tΔ, start + (t+1)Δ) lies inside [arrival, departure].
    const a = Math.max(0, unitsBetween(arrival, start, slotSeconds).ceil);
    const b = Math.min(T, departure.floor);
    s.start[v] = Math.min(a, T);
    s.end[v] = Math.max(b, s.start[v]);
    s.offset[v] = offset;
    offset += s.end[v] - s.start[v];
    s.circuit[v] = session.circuitId === undefined ? -1 : position.get(session.circuitId)!;
    const e0 = session.initialEnergyKwh;
    const eT = session.targetEnergyKwh;
    s.initialEnergy[v] = e0;
    s.targetEnergy[v] = eT;
    s.capacity[v] = session.capacityKwh ?? Math.max(e0, eT);
    s.energyFloor[v] = Math.min(session.minEnergyKwh, e0);
    s.maxCharge[v] = session.maxChargeKw;
    s.minCharge[v] = session.minChargeKw;
    s.maxDischarge[v] = session.maxDischargeKw;
    s.chargeEfficiency[v] = session.chargeEfficiency;
    s.dischargeEfficiency[v] = session.dischargeEfficiency;
    s.degradationCost[v] = session.degradationCostPerKwh;
    s.shortfallPenalty[v] = session.shortfallPenaltyPerKwh;
    s.departure[v] = departure.value;
    s.phase[v] = session.phases !== 1 ? THREE_PHASE : session.phase === undefined ? UNKNOWN_PHASE : PHASE_NAMES.indexOf(session.phase);
    s.ampsPerKw[v] = 1000 / (session.voltageV ?? siteVoltage);
    // Spec §6: what cannot be delivered after the horizon must be delivered within it.
    const hoursAfter = departure.floor >= T ? Math.max(0, departure.value - T) * slotHours : 0;
    s.requiredEnergy[v] = eT - session.chargeEfficiency * session.maxChargeKw * hoursAfter;
    s.finalEnergy[v] = s.energyFloor[v];
  });
  // Spec §12: a battery is a session present in every slot, with no shortfall
  // term (required energy at its floor, no penalty) and a hard final energy.
  // Its target is its initial energy: a baseline charging "to the target"
  // leaves it idle.
  request.storage.forEach((battery, i) => {
    const v = request.sessions.length + i;
    const e0 = battery.initialEnergyKwh;
    s.start[v] = 0;
    s.end[v] = T;
    s.offset[v] = offset;
    offset += T;
    s.circuit[v] = battery.circuitId === undefined ? -1 : position.get(battery.circuitId)!;
    s.initialEnergy[v] = e0;
    s.targetEnergy[v] = e0;
    s.capacity[v] = battery.capacityKwh;
    s.energyFloor[v] = Math.min(battery.minEnergyKwh, e0);
    s.requiredEnergy[v] = s.energyFloor[v];
    s.finalEnergy[v] = battery.finalEnergyKwh ?? e0;
    s.maxCharge[v] = battery.maxChargeKw;
    s.minCharge[v] = 0;
    s.maxDischarge[v] = battery.maxDischargeKw;
    s.chargeEfficiency[v] = battery.chargeEfficiency;
    s.dischargeEfficiency[v] = battery.dischargeEfficiency;
    s.degradationCost[v] = battery.degradationCostPerKwh;
    s.shortfallPenalty[v] = 0;
    s.departure[v] = T;
    s.phase[v] = battery.phases === 1 ? UNKNOWN_PHASE : THREE_PHASE;
    s.ampsPerKw[v] = 1000 / (battery.voltageV ?? siteVoltage);
    s.storage[v] = 1;
  });
  s.windowSlots = offset;

  const problem: CompiledProblem = {
    slots: T,
    slotHours,
    startMs,
    importLimit: perSlotArray(request.site.importLimitKw, T),
    exportLimit: perSlotArray(request.site.exportLimitKw, T),
    baseLoad: perSlotArray(request.site.baseLoadKw, T),
    pv: perSlotArray(request.site.pvKw, T),
    importPrice,
    exportPrice,
    clampedExportSlots,
    demandCharge: flushSubnormal(request.tariff.demandChargePerKw),
    peakThreshold: flushSubnormal(request.tariff.peakThresholdKw),
    circuitIds: order.map((i) => request.circuits[i].id),
    circuitParent,
    circuitLimit,
    phaseLimit,
    unbalanceLimit,
    siteAmpsPerKw: 1000 / siteVoltage,
    hasPhaseLimits,
    sessions: s,
  };
  for (const values of [...Object.values(problem), ...Object.values(s)]) {
    if (values instanceof Float64Array) values.forEach((x, i) => (values[i] = flushSubnormal(x)));
  }
  return problem;
}

/**
 * Subnormal magnitudes (below 2.2e-308) are zero for every physical purpose,
 * but they wreck the interior point's scaling (a price of -1e-323 stalled it
 * at its iteration limit). Flushing them moves any cost by less than 1e-300,
 * far inside the model's tolerances. Warnings are decided on the raw values.
 */
function flushSubnormal(x: number): number {
  return Math.abs(x) < 2.2250738585072014e-308 ? 0 : x;
}
