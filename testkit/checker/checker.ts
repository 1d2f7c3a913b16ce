/**
 * An independent schedule checker for the Wattplan model (docs/model.md).
 *
 * Given a validated request and a response, it recomputes everything the
 * response reports from `sessions[].powerKw` and `site.curtailedPvKw` alone:
 * availability windows, battery trajectories, feasibility rules 1-5,
 * shortfall, the four cost terms, net import and the peak. It shares no code
 * with the scheduler (assembly/) or the service's compiler: only the request
 * and response types.
 */
import type { Request, Response } from "../../engine/model/schema.js";
import { instantNs, NS_PER_HOUR, NS_PER_MINUTE } from "./time.js";

/** Feasibility tolerance, kW / kWh. */
export const TOLERANCE = 1e-6;
/** Reported numbers must match the recomputation to this, relative or absolute. */
export const MATCH_TOLERANCE = 1e-6;

/** Rules 1-5 of spec §5; 6 is spec §11 (phase currents and unbalance); 7 is spec §12 (a battery's final energy). */
export type Rule = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A broken rule of feasibility, located by session, circuit and slot. */
export interface Violation {
  rule: Rule;
  slot: number;
  session?: string;
  circuit?: string;
  /** By how much (kW or kWh; A for rule 6) the rule is broken. */
  amount: number;
  message: string;
}

/** A reported figure that does not match its recomputation, or a malformed response. */
export interface Mismatch {
  field: string;
  reported: unknown;
  expected: unknown;
  message: string;
}

export interface RecomputedSession {
  id: string;
  /** Available slots (ascending). */
  available: number[];
  energyKwh: number[];
  deliveredKwh: number;
  requiredKwh: number;
  shortfallKwh: number;
}

/** Spec §12: a site battery's recomputed trajectory. */
export interface RecomputedStorage {
  id: string;
  energyKwh: number[];
  finalEnergyKwh: number;
}

export interface Recomputed {
  sessions: RecomputedSession[];
  storage: RecomputedStorage[];
  netImportKw: number[];
  peakImportKw: number;
  /** Slots where the net import exceeds the import limit beyond tolerance. */
  overImportSlots: number[];
  /** Slots where even no EV power and no curtailment leave B − S above I (no V2G). */
  baseOverImportSlots: number[];
  cost: { total: number; energy: number; demand: number; degradation: number; shortfall: number };
  clampedExportSlots: number[];
}

export interface CheckResult {
  /** Every broken feasibility rule, including import-limit overruns (rule 5). */
  violations: Violation[];
  /** Violations a valid response may not have: everything but import overruns that an `infeasible` status names. */
  errors: Violation[];
  mismatches: Mismatch[];
  recomputed: Recomputed;
  /** No errors and no mismatches. */
  ok: boolean;
}

const perSlot = (value: number | number[], T: number): number[] =>
  Array.isArray(value) ? value.slice() : new Array<number>(T).fill(value);

export function close(a: number, b: number, tol = MATCH_TOLERANCE): boolean {
  return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Slots lying wholly inside [arrival, departure] (exact instants). */
export function availableSlots(request: Request, arrival: string | undefined, departure: string): number[] {
  const start = instantNs(request.horizon.start);
  const slot = BigInt(request.horizon.slotMinutes) * NS_PER_MINUTE;
  const from = arrival === undefined ? start : instantNs(arrival, "up");
  const to = instantNs(departure, "down");
  const out: number[] = [];
  for (let t = 0; t < request.horizon.slots; t++) {
    const begin = start + BigInt(t) * slot;
    if (begin >= from && begin + slot <= to) out.push(t);
  }
  return out;
}

/** Recompute a response's figures from its powers and curtailment; list every violation and mismatch. */
export function checkSchedule(request: Request, response: Response): CheckResult {
  const T = request.horizon.slots;
  const dt = request.horizon.slotMinutes / 60;
  const violations: Violation[] = [];
  const mismatches: Mismatch[] = [];
  const mismatch = (field: string, reported: unknown, expected: unknown, message = "does not match the recomputation") =>
    mismatches.push({ field, reported, expected, message });
  const compare = (field: string, reported: number, expected: number) => {
    if (!close(reported, expected)) mismatch(field, reported, expected);
  };
  const slotArray = (field: string, value: unknown): number[] => {
    if (!Array.isArray(value) || value.length !== T || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
      mismatch(field, value, `${T} finite numbers`, "malformed per-slot array");
      return new Array<number>(T).fill(0);
    }
    return value as number[];
  };

  const B = perSlot(request.site.baseLoadKw, T);
  const S = perSlot(request.site.pvKw, T);
  const I = perSlot(request.site.importLimitKw, T);
  const E = perSlot(request.site.exportLimitKw, T);
  const price = perSlot(request.tariff.importPrice, T);
  const exportRaw = perSlot(request.tariff.exportPrice, T);
  const exportPrice = exportRaw.map((x, t) => Math.min(x, price[t]));
  const clampedExportSlots = exportRaw.flatMap((x, t) => (x > price[t] ? [t] : []));

  if (response.sessions.length !== request.sessions.length) {
    mismatch("sessions", response.sessions.length, request.sessions.length, "one result per request session, in request order");
  }
  const u = slotArray("site.curtailedPvKw", response.site.curtailedPvKw);
  const sessionSum = new Array<number>(T).fill(0);
  const circuitOwn = new Map<string, number[]>(request.circuits.map((c) => [c.id, new Array<number>(T).fill(0)]));
  // Spec §11: per circuit (and "" for sessions directly under the grid connection), each phase's signed
  // current and the |current| of one-phase sessions on an unknown phase, from the sessions' own powers.
  const siteVolts = request.site.voltageV ?? 230;
  const phaseOwn = new Map<string, { phase: number[][]; unknown: number[] }>(
    ["", ...request.circuits.map((c) => c.id)].map((id) => [
      id,
      { phase: [0, 1, 2].map(() => new Array<number>(T).fill(0)), unknown: new Array<number>(T).fill(0) },
    ]),
  );

  const endNs = instantNs(request.horizon.start) + BigInt(T) * BigInt(request.horizon.slotMinutes) * NS_PER_MINUTE;
  let degradation = 0;
  let shortfallCost = 0;
  const sessions: RecomputedSession[] = request.sessions.map((s, v) => {
    const out = response.sessions[v];
    const at = `sessions[${v}]`;
    if (out === undefined) return { id: s.id, available: [], energyKwh: [], deliveredKwh: 0, requiredKwh: 0, shortfallKwh: 0 };
    if (out.id !== s.id) mismatch(`${at}.id`, out.id, s.id);
    if (out.evseId !== s.evseId) mismatch(`${at}.evseId`, out.evseId, s.evseId);
    const p = slotArray(`${at}.powerKw`, out.powerKw);
    const available = availableSlots(request, s.arrival, s.departure);
    const isAvailable = new Set(available);
    const e0 = s.initialEnergyKwh;
    const capacity = s.capacityKwh ?? Math.max(e0, s.targetEnergyKwh);
    const floor = Math.min(s.minEnergyKwh, e0);
    const energy: number[] = [];
    let e = e0;
    for (let t = 0; t < T; t++) {
      const x = p[t];
      const where = { slot: t, session: s.id };
      if (!isAvailable.has(t)) {
        if (Math.abs(x) > TOLERANCE)
          violations.push({ rule: 1, ...where, amount: Math.abs(x), message: `power ${x} kW outside availability` });
      } else {
        if (x > s.maxChargeKw + TOLERANCE)
          violations.push({ rule: 1, ...where, amount: x - s.maxChargeKw, message: `power ${x} kW above maxChargeKw ${s.maxChargeKw}` });
        if (x < -s.maxDischargeKw - TOLERANCE)
          violations.push({
            rule: 1,
            ...where,
            amount: -s.maxDischargeKw - x,
            message: `power ${x} kW below −maxDischargeKw ${-s.maxDischargeKw}`,
          });
        if (x > TOLERANCE && x < s.minChargeKw - TOLERANCE)
          violations.push({
            rule: 2,
            ...where,
            amount: s.minChargeKw - x,
            message: `charging at ${x} kW, below minChargeKw ${s.minChargeKw}`,
          });
      }
      e += dt * (s.chargeEfficiency * Math.max(x, 0) - Math.max(-x, 0) / s.dischargeEfficiency);
      energy.push(e);
      if (e > capacity + TOLERANCE)
        violations.push({ rule: 3, ...where, amount: e - capacity, message: `energy ${e} kWh above capacity ${capacity}` });
      if (e < floor - TOLERANCE)
        violations.push({
          rule: 3,
          ...where,
          amount: floor - e,
          message: `energy ${e} kWh below the floor min(minEnergyKwh, e0) = ${floor}`,
        });
      degradation += dt * s.degradationCostPerKwh * Math.max(-x, 0);
      sessionSum[t] += x;
      if (s.circuitId !== undefined) circuitOwn.get(s.circuitId)![t] += x;
      const amps = (x * 1000) / (s.voltageV ?? siteVolts);
      const own = phaseOwn.get(s.circuitId ?? "")!;
      for (let phi = 0; phi < 3; phi++) {
        const share = s.phases !== 1 ? 1 / 3 : s.phase === undefined || s.phase === `L${phi + 1}` ? 1 : 0;
        own.phase[phi][t] += share * amps;
      }
      if (s.phases === 1 && s.phase === undefined) own.unknown[t] += Math.abs(amps);
    }
    let required = s.targetEnergyKwh;
    const departureNs = instantNs(s.departure, "down");
    if (departureNs > endNs) required -= s.chargeEfficiency * s.maxChargeKw * (Number(departureNs - endNs) / Number(NS_PER_HOUR));
    // e at the last available slot equals e after the horizon: power is zero outside availability.
    const last = available.length === 0 ? e0 : energy[available[available.length - 1]];
    const shortfall = available.length === 0 ? 0 : Math.max(0, required - last);
    shortfallCost += s.shortfallPenaltyPerKwh * shortfall;

    const reportedEnergy = slotArray(`${at}.energyKwh`, out.energyKwh);
    for (let t = 0; t < T; t++) compare(`${at}.energyKwh[${t}]`, reportedEnergy[t], energy[t]);
    const delivered = (T === 0 ? e0 : energy[T - 1]) - e0;
    compare(`${at}.deliveredKwh`, out.deliveredKwh, delivered);
    compare(`${at}.shortfallKwh`, out.shortfallKwh, shortfall);
    return { id: s.id, available, energyKwh: energy, deliveredKwh: delivered, requiredKwh: required, shortfallKwh: shortfall };
  });

  // Spec §12: each battery is a session present in every slot, without a shortfall and with a hard final energy.
  const reportedStorage = response.storage ?? [];
  if (reportedStorage.length !== request.storage.length)
    mismatch("storage", reportedStorage.length, request.storage.length, "one result per request battery, in request order");
  const storage: RecomputedStorage[] = request.storage.map((b, i) => {
    const out = reportedStorage[i];
    const at = `storage[${i}]`;
    const final = b.finalEnergyKwh ?? b.initialEnergyKwh;
    if (out === undefined) return { id: b.id, energyKwh: [], finalEnergyKwh: final };
    if (out.id !== b.id) mismatch(`${at}.id`, out.id, b.id);
    const p = slotArray(`${at}.powerKw`, out.powerKw);
    const floor = Math.min(b.minEnergyKwh, b.initialEnergyKwh);
    const energy: number[] = [];
    let e = b.initialEnergyKwh;
    for (let t = 0; t < T; t++) {
      const x = p[t];
      const where = { slot: t, session: b.id };
      if (x > b.maxChargeKw + TOLERANCE)
        violations.push({
          rule: 1,
          ...where,
          amount: x - b.maxChargeKw,
          message: `battery power ${x} kW above maxChargeKw ${b.maxChargeKw}`,
        });
      if (x < -b.maxDischargeKw - TOLERANCE)
        violations.push({
          rule: 1,
          ...where,
          amount: -b.maxDischargeKw - x,
          message: `battery power ${x} kW below −maxDischargeKw ${-b.maxDischargeKw}`,
        });
      e += dt * (b.chargeEfficiency * Math.max(x, 0) - Math.max(-x, 0) / b.dischargeEfficiency);
      energy.push(e);
      if (e > b.capacityKwh + TOLERANCE)
        violations.push({
          rule: 3,
          ...where,
          amount: e - b.capacityKwh,
          message: `battery energy ${e} kWh above capacity ${b.capacityKwh}`,
        });
      if (e < floor - TOLERANCE)
        violations.push({ rule: 3, ...where, amount: floor - e, message: `battery energy ${e} kWh below minEnergyKwh ${floor}` });
      degradation += dt * b.degradationCostPerKwh * Math.max(-x, 0);
      sessionSum[t] += x;
      if (b.circuitId !== undefined) circuitOwn.get(b.circuitId)![t] += x;
      const amps = (x * 1000) / (b.voltageV ?? siteVolts);
      const own = phaseOwn.get(b.circuitId ?? "")!;
      for (let phi = 0; phi < 3; phi++) own.phase[phi][t] += (b.phases === 1 ? 1 : 1 / 3) * amps;
      if (b.phases === 1) own.unknown[t] += Math.abs(amps);
    }
    const last = T === 0 ? b.initialEnergyKwh : energy[T - 1];
    if (last < final - TOLERANCE)
      violations.push({
        rule: 7,
        slot: T - 1,
        session: b.id,
        amount: final - last,
        message: `battery energy ${last} kWh after the last slot below finalEnergyKwh ${final}`,
      });
    const reportedEnergy = slotArray(`${at}.energyKwh`, out.energyKwh);
    for (let t = 0; t < T; t++) compare(`${at}.energyKwh[${t}]`, reportedEnergy[t], energy[t]);
    return { id: b.id, energyKwh: energy, finalEnergyKwh: final };
  });

  // Rule 4 over subtrees: each circuit's own sessions plus its descendants'.
  const children = new Map<string, string[]>();
  for (const c of request.circuits) if (c.parentId !== undefined) children.set(c.parentId, [...(children.get(c.parentId) ?? []), c.id]);
  const subtreeSum = new Map<string, number[]>();
  const sumOf = (id: string): number[] => {
    const known = subtreeSum.get(id);
    if (known) return known;
    const sum = circuitOwn.get(id)!.slice();
    for (const child of children.get(id) ?? []) sumOf(child).forEach((x, t) => (sum[t] += x));
    subtreeSum.set(id, sum);
    return sum;
  };
  for (const c of request.circuits) {
    const L = perSlot(c.limitKw, T);
    sumOf(c.id).forEach((x, t) => {
      if (Math.abs(x) > L[t] + TOLERANCE) {
        violations.push({
          rule: 4,
          slot: t,
          circuit: c.id,
          amount: Math.abs(x) - L[t],
          message: `|Σ power| ${Math.abs(x)} kW above circuit limit ${L[t]}`,
        });
      }
    });
  }

  // Spec §11 (rule 6): phase currents over subtrees against phase and unbalance limits; the site's include
  // base load − PV + curtailment, balanced. Amps are allowed the tolerance's worth of kW on one phase.
  const ampTolerance = (TOLERANCE * 1000) / siteVolts;
  const phaseSum = new Map<string, { phase: number[][]; unknown: number[] }>();
  const phaseOf = (id: string): { phase: number[][]; unknown: number[] } => {
    const known = phaseSum.get(id);
    if (known) return known;
    const own = phaseOwn.get(id)!;
    const sum = { phase: own.phase.map((x) => x.slice()), unknown: own.unknown.slice() };
    const kids = id === "" ? request.circuits.filter((c) => c.parentId === undefined).map((c) => c.id) : (children.get(id) ?? []);
    for (const child of kids) {
      const c = phaseOf(child);
      for (let t = 0; t < T; t++) {
        for (let phi = 0; phi < 3; phi++) sum.phase[phi][t] += c.phase[phi][t];
        sum.unknown[t] += c.unknown[t];
      }
    }
    if (id === "")
      for (let t = 0; t < T; t++) for (let phi = 0; phi < 3; phi++) sum.phase[phi][t] += ((B[t] - S[t] + u[t]) * 1000) / (3 * siteVolts);
    phaseSum.set(id, sum);
    return sum;
  };
  const phaseNodes: { id: string; name: string; limit?: number | number[]; unbalance?: number }[] = [
    { id: "", name: "site", limit: request.site.phaseLimitA },
    ...request.circuits.map((c) => ({ id: c.id, name: c.id, limit: c.phaseLimitA, unbalance: c.unbalanceLimitA })),
  ];
  for (const node of phaseNodes) {
    if (node.limit === undefined && node.unbalance === undefined) continue;
    const { phase, unknown } = phaseOf(node.id);
    const limit = node.limit === undefined ? undefined : perSlot(node.limit, T);
    const where = node.id === "" ? {} : { circuit: node.id };
    for (let t = 0; t < T; t++) {
      for (let phi = 0; phi < 3; phi++) {
        const a = Math.abs(phase[phi][t]);
        if (limit !== undefined && a > limit[t] + ampTolerance)
          violations.push({
            rule: 6,
            slot: t,
            ...where,
            amount: a - limit[t],
            message: `${node.name} L${phi + 1} current ${a} A above phaseLimitA ${limit[t]}`,
          });
        if (node.unbalance !== undefined) {
          const psi = (phi + 1) % 3;
          const d = Math.abs(phase[phi][t] - phase[psi][t]) + unknown[t];
          if (d > node.unbalance + ampTolerance)
            violations.push({
              rule: 6,
              slot: t,
              ...where,
              amount: d - node.unbalance,
              message: `${node.name} L${phi + 1}/L${psi + 1} unbalance ${d} A above unbalanceLimitA ${node.unbalance}`,
            });
        }
      }
    }
  }

  // Rule 5 and the cost of §7.
  const net: number[] = [];
  const overImportSlots: number[] = [];
  let energyCost = 0;
  let peak = 0;
  for (let t = 0; t < T; t++) {
    if (u[t] < -TOLERANCE) violations.push({ rule: 5, slot: t, amount: -u[t], message: `negative curtailment ${u[t]} kW` });
    if (u[t] > S[t] + TOLERANCE)
      violations.push({ rule: 5, slot: t, amount: u[t] - S[t], message: `curtailment ${u[t]} kW above PV ${S[t]}` });
    const n = B[t] - S[t] + u[t] + sessionSum[t];
    net.push(n);
    if (n < -E[t] - TOLERANCE)
      violations.push({ rule: 5, slot: t, amount: -E[t] - n, message: `export ${-n} kW above exportLimitKw ${E[t]}` });
    if (n > I[t] + TOLERANCE) {
      overImportSlots.push(t);
      violations.push({ rule: 5, slot: t, amount: n - I[t], message: `import ${n} kW above importLimitKw ${I[t]}` });
    }
    energyCost += dt * (price[t] * Math.max(n, 0) - exportPrice[t] * Math.max(-n, 0));
    peak = Math.max(peak, n);
  }
  const demand = request.tariff.demandChargePerKw * Math.max(0, peak - request.tariff.peakThresholdKw);
  const cost = {
    energy: energyCost,
    demand,
    degradation,
    shortfall: shortfallCost,
    total: energyCost + demand + degradation + shortfallCost,
  };

  const reportedNet = slotArray("site.netImportKw", response.site.netImportKw);
  for (let t = 0; t < T; t++) compare(`site.netImportKw[${t}]`, reportedNet[t], net[t]);
  compare("peakImportKw", response.peakImportKw, peak);
  for (const k of ["total", "energy", "demand", "degradation", "shortfall"] as const) compare(`cost.${k}`, response.cost[k], cost[k]);
  // The reported parts must add up to the reported total, not only each match on its own.
  const parts = response.cost.energy + response.cost.demand + response.cost.degradation + response.cost.shortfall;
  compare("cost.total (sum of the reported parts)", response.cost.total, parts);

  // Import overruns are allowed only under status infeasible, and exactly the overrun slots are named.
  const named = response.infeasibleSlots ?? [];
  const excused = response.status === "infeasible" ? new Set(named) : new Set<number>();
  const errors = violations.filter((x) => !(x.rule === 5 && x.message.startsWith("import") && excused.has(x.slot)));
  if (JSON.stringify(named) !== JSON.stringify(overImportSlots))
    mismatch("infeasibleSlots", named, overImportSlots, "must name exactly the slots whose net import exceeds the limit");
  if ((response.status === "infeasible") !== overImportSlots.length > 0) {
    mismatch(
      "status",
      response.status,
      overImportSlots.length > 0 ? "infeasible" : "optimal|feasible",
      "status infeasible exactly when some slot's net import exceeds the limit",
    );
  }
  const warnsClamp = response.warnings.some((w) => w.includes("exportPrice"));
  if (warnsClamp !== clampedExportSlots.length > 0) {
    mismatch(
      "warnings",
      response.warnings,
      clampedExportSlots.length > 0 ? "a warning about exportPrice clamping" : "no exportPrice warning",
    );
  }
  if (!Number.isInteger(response.solver.iterations) || !(response.solver.solveMs >= 0))
    mismatch("solver", response.solver, "iterations integer, solveMs ≥ 0");

  const baseOverImportSlots = B.flatMap((b, t) => (b - S[t] > I[t] + TOLERANCE ? [t] : []));
  return {
    violations,
    errors,
    mismatches,
    recomputed: { sessions, storage, netImportKw: net, peakImportKw: peak, overImportSlots, baseOverImportSlots, cost, clampedExportSlots },
    ok: errors.length === 0 && mismatches.length === 0,
  };
}

/** A short human-readable account of what failed, for test messages. */
export function describeCheck(result: CheckResult, limit = 10): string {
  const lines = [
    ...result.errors
      .slice(0, limit)
      .map(
        (v) =>
          `rule ${v.rule} slot ${v.slot}${v.session ? ` session ${v.session}` : ""}${v.circuit ? ` circuit ${v.circuit}` : ""}: ${v.message}`,
      ),
    ...result.mismatches
      .slice(0, limit)
      .map((m) => `${m.field}: ${m.message} (reported ${JSON.stringify(m.reported)}, expected ${JSON.stringify(m.expected)})`),
  ];
  return lines.length === 0 ? "ok" : lines.join("\n");
}
