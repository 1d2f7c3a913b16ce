/**
 * Replay real charging sessions against a strategy, as a rolling horizon:
 * at each slot only the EVs already plugged in are known (with what their
 * drivers declared), the strategy is re-solved through the same `solve()`
 * and registry as the API, the first slot of its schedule is applied to the
 * real EVs, and time advances. `offline` is the perfect-foresight bound:
 * every session known in advance with its real departure and energy.
 *
 * see: Lee, Li & Low, "ACN-Sim" (e-Energy 2019 / IEEE TSG 2021) for the
 * replay protocol; EV2Gym (Orfanoudakis et al. 2024) for the metrics.
 */
import { readFileSync } from "node:fs";
import { mulberry32 } from "./random.js";
import type { Request, StrategyName } from "../../engine/model/schema.js";
import { MAX_SLOTS } from "../../engine/model/schema.js";
import { solve } from "../../engine/scheduler/solve.js";
import { STRATEGIES } from "../../engine/scheduler/strategies.js";
import type { Scheduler } from "../../engine/scheduler/wasm.js";
import { WarmState } from "../../engine/scheduler/warm.js";
import type { ReplaySession } from "./sessions.js";
import type { StepSeries, TouRates } from "./series.js";
import { MINUTE_MS, isoUtc, localParts } from "./time.js";
import { updateMeterCap, type MeterCap } from "../sites/events.js";
import {
  plugInForecast,
  predictSession,
  recalibrate,
  type ForecastModel,
  type PlugInForecast,
  type Recalibration,
} from "../forecast/index.js";
import { sessionPhases, type PhaseLayout, type SessionPhases } from "./phases.js";
import { phantomSessions, type ArrivalsRole, type ForecastArrivals } from "./expected-arrivals.js";

/** A strategy of the registry, run online; `optimal+forecast` (the same planning to forecast departures); or the offline bound. */
export type SimStrategy = StrategyName | typeof OPTIMAL_FORECAST | "offline";

export const OFFLINE = "offline";
/** Online `optimal` planning each car to the earlier of its announced and its forecast departure (`--forecast`). */
export const OPTIMAL_FORECAST = "optimal+forecast";

/** Every name `--strategies` accepts: the registry's, `optimal+forecast` (needs `--forecast`) and `offline`. */
export function simStrategyNames(): SimStrategy[] {
  return [...(Object.keys(STRATEGIES) as StrategyName[]), OPTIMAL_FORECAST, OFFLINE];
}

/** What `optimal+forecast` plans with (service/forecast). */
export interface SimulationForecast {
  model: ForecastModel;
  /** Quantile of the departure forecast planned to (lower is more cautious). */
  departureLevel: number;
  /**
   * Quantile of the energy forecast a car that announced no energy is planned
   * to (instead of a full battery of the EV model); undefined keeps the full
   * battery.
   */
  energyLevel?: number;
  /** Driver ids by session id, where the data has them. */
  users: ReadonlyMap<string, string>;
  /**
   * Online recalibration (`--forecast-recalibration`, service/forecast/recalibrate.ts):
   * the state to start from; as the replay's sessions end, their forecasts at
   * plug-in are compared with what happened and the levels adjusted. Undefined:
   * the model's levels as trained.
   */
  recalibration?: Recalibration;
  /**
   * Expected arrivals (service/simulate/expected-arrivals.ts): at each re-plan
   * the arrivals the forecast still expects within the horizon are added as
   * phantom sessions (never applied, never in the metrics), by their expected
   * (`mean`) or quantile count and energy per hour; `none` or undefined plans
   * the EVs present only.
   */
  arrivals?: ForecastArrivals;
  /**
   * `plan` (default): the phantoms are planned with the real EVs (they reserve capacity and set the peak);
   * `peak`: a first solve with them sets the demand-charge peak, and the real EVs are planned alone under it.
   */
  arrivalsRole?: ArrivalsRole;
}

/** Minutes of forecast arrivals aggregated into one phantom session. */
export const PHANTOM_BLOCK_MINUTES = 60;
/** A phantom's shortfall penalty as a share of a real car's: a real car's energy comes first. */
export const PHANTOM_PENALTY_SHARE = 0.5;

export function isSimStrategy(name: string): name is SimStrategy {
  return (simStrategyNames() as string[]).includes(name);
}

export interface SimulationOptions {
  /** Slot length, minutes. @defaultValue 5 */
  slotMinutes: number;
  /** Look-ahead of each online solve, slots. @defaultValue 12 h */
  horizonSlots: number;
  /**
   * Online strategies: a plan's horizon is extended past `horizonSlots`, up
   * to this many slots, to the latest planned departure of the EVs plugged
   * in (as ACN-Sim's MPC sizes its horizon). Spec §6 lets a car leaving after
   * the horizon take after it whatever it can, and that energy costs nothing
   * in this plan: with a flat price the plan charges such a car nothing now,
   * and it leaves short when it leaves earlier than announced (a car that
   * announced 15 h but stayed 50 min took 0 of 21 kWh). Equal to
   * `horizonSlots` (or absent): a fixed horizon. @defaultValue 48 h
   */
  maxHorizonSlots?: number;
  /** Grid-connection (transformer) import capacity, kW. */
  capacityKw: number;
  /** Export allowed to the grid, kW (V2G and PV beyond the site's load). @defaultValue 0 */
  exportLimitKw: number;
  /** Share of sessions (drawn with `seed`) whose EV can discharge. @defaultValue 0 */
  v2gShare: number;
  seed: number;
  /** Battery wear charged per kWh discharged, currency/kWh. @defaultValue 0.05 */
  degradationCostPerKwh: number;
  /** Spec §4 shortfall penalty, currency/kWh. @defaultValue 1000 */
  shortfallPenaltyPerKwh: number;
  /**
   * Online `optimal` only: added to the import price per hour of delay
   * (currency/kWh/h), so that among equally cheap schedules the one charging
   * sooner wins: energy held back for a flat price block is at risk when
   * more EVs arrive (ACN-Sim's "quick charge" regulariser). @defaultValue 1e-5
   */
  quickChargePerKwhHour: number;
  /**
   * Online strategies re-solve at every event (an EV arrives or leaves,
   * stops by itself or has its meter cap changed, would be planned to
   * another departure or energy than its plan was, or a billing period
   * begins) and at least every this many slots; between
   * them they run the last plan, as ACN-Sim's `max_recompute` does (1:
   * every slot; bench/RESULTS.md §13 measures larger ones). @defaultValue 1
   */
  recomputeEvery: number;
  /** Offline bound: slots each solve sees, and slots it commits before the next. */
  offlineLookaheadSlots: number;
  offlineStrideSlots: number;
  /**
   * Online strategies: close the loop on meter values as a live site does
   * (docs/sites.md): an EV that takes clearly less than its setpoint for three
   * slots is planned with what it takes. @defaultValue false
   */
  meterCaps?: boolean;
  /**
   * Online strategies: `reported`, an EV that stops by itself (it took what it
   * really took) is reported as a station reports `SuspendedEV`, so from the
   * next slot it is planned for nothing more and the site is re-planned;
   * `silent`, it keeps being planned as if it still wanted energy (stations
   * that do not report it). @defaultValue "reported"
   */
  evStops?: "reported" | "silent";
  /**
   * Strategies solved by `optimal`: each re-plan starts from the previous
   * one's interior-point iterate (engine/scheduler/warm.ts); the schedules
   * and their certificates are a cold solve's, within spec §7's tolerance.
   * @defaultValue false
   */
  warmStart?: boolean;
  /** The model `optimal+forecast` plans with; required for that strategy. */
  forecast?: SimulationForecast;
  /** Spec §11: how sessions sit on the phases (service/simulate/phases.ts). @defaultValue "three" */
  phaseLayout?: PhaseLayout;
  /** Spec §11: the site's phase-to-neutral voltage, V. @defaultValue 230 */
  voltageV?: number;
  /** Spec §11: current limit on each phase at the grid connection, A (base load and PV count, balanced). @defaultValue none */
  phaseLimitA?: number;
  /**
   * Spec §12: stationary batteries at the grid connection. Strategies solved
   * by `optimal` (optimal, optimal+forecast, offline) use them; baselines
   * leave them idle. See `SimStorage` for the rolling-horizon rule.
   */
  storage?: SimStorage[];
}

/**
 * A site battery in the replay (spec §12 fields). Its energy carries over
 * from slot to slot: every plan starts from what the battery really holds
 * (the first slot of each plan is applied), and every plan must bring it back
 * to at least `initialEnergyKwh` (its energy at the start of the replay) at
 * the end of its horizon, where horizons of strategies that use storage end
 * at the replay's end at the latest. So the battery never lends its energy
 * to a plan for free, and the replay ends with at least what it started with.
 */
export interface SimStorage {
  id: string;
  capacityKwh: number;
  /** At the start of the replay; also the final energy of every plan. */
  initialEnergyKwh: number;
  minEnergyKwh: number;
  maxChargeKw: number;
  maxDischargeKw: number;
  chargeEfficiency: number;
  dischargeEfficiency: number;
  degradationCostPerKwh: number;
  /** Spec §11: 1 or 3 (default 3); one-phase counts on every phase. */
  phases?: 1 | 3;
}

/** Whether a strategy plans the site batteries (spec §12: baselines leave them idle). */
export function usesStorage(strategy: SimStrategy): boolean {
  return strategy === "optimal" || strategy === OPTIMAL_FORECAST || strategy === OFFLINE;
}

export const DEFAULT_SIMULATION_OPTIONS: Omit<SimulationOptions, "capacityKw"> = {
  slotMinutes: 5,
  horizonSlots: 144,
  maxHorizonSlots: 576,
  exportLimitKw: 0,
  v2gShare: 0,
  seed: 1,
  degradationCostPerKwh: 0.05,
  shortfallPenaltyPerKwh: 1000,
  quickChargePerKwhHour: 0,
  recomputeEvery: 1,
  offlineLookaheadSlots: 576,
  offlineStrideSlots: 288,
};

/** Site data on the slot grid, from the start of the replay to its end plus one horizon. */
export interface SiteGrid {
  startMs: number;
  slotMinutes: number;
  /** Slots replayed. */
  slots: number;
  /** Length of the arrays: slots + look-ahead. */
  length: number;
  importPrice: Float64Array;
  exportPrice: Float64Array;
  baseLoadKw: Float64Array;
  pvKw: Float64Array;
  /** Demand charge in force, currency/kW. */
  demandRate: Float64Array;
  /** Billing period (local calendar month) of each slot, 0-based from the first. */
  billingPeriod: Int32Array;
  timeZone: string;
}

export interface GridSources {
  timeZone: string;
  /** Day-ahead (or any) energy price, currency/kWh; also the export price. */
  prices?: StepSeries;
  /** Time-of-use energy rate added to the price, and the demand charge. */
  tariff?: TouRates;
  baseLoad?: StepSeries;
  pv?: StepSeries;
}

export function buildGrid(startMs: number, slots: number, lookahead: number, slotMinutes: number, sources: GridSources): SiteGrid {
  const length = slots + lookahead;
  const f = () => new Float64Array(length);
  const grid: SiteGrid = {
    startMs,
    slotMinutes,
    slots,
    length,
    timeZone: sources.timeZone,
    importPrice: f(),
    exportPrice: f(),
    baseLoadKw: f(),
    pvKw: f(),
    demandRate: f(),
    billingPeriod: new Int32Array(length),
  };
  const slotMs = slotMinutes * MINUTE_MS;
  let firstMonth = -1;
  for (let k = 0; k < length; k++) {
    const t = startMs + k * slotMs;
    const spot = sources.prices ? sources.prices.at(t) : 0;
    grid.importPrice[k] = spot + (sources.tariff ? sources.tariff.energyRate(t) : 0);
    grid.exportPrice[k] = spot;
    grid.demandRate[k] = sources.tariff ? sources.tariff.demandRate(t) : 0;
    grid.baseLoadKw[k] = sources.baseLoad ? Math.max(0, sources.baseLoad.at(t)) : 0;
    grid.pvKw[k] = sources.pv ? Math.max(0, sources.pv.at(t)) : 0;
    const p = localParts(t, sources.timeZone);
    const month = p.year * 12 + p.month - 1;
    if (firstMonth < 0) firstMonth = month;
    grid.billingPeriod[k] = month - firstMonth;
  }
  return grid;
}

/** A session as the replay sees it: the truth, and what the scheduler is told. */
export interface SimSession {
  id: string;
  /** The EVSE (ACN station) it used: what the forecast knows it by. */
  stationId: string;
  /** First and one-past-last slot the EV is really plugged in for (whole slots). */
  firstSlot: number;
  endSlot: number;
  arrivalMs: number;
  departureMs: number;
  declaredDepartureMs: number;
  maxChargeKw: number;
  maxDischargeKw: number;
  /** Battery energy at arrival, kWh (0 unless the EV is V2G: then a drawn state of charge). */
  initialEnergyKwh: number;
  /** The battery's real capacity (the offline bound and the replay's physics may use it). */
  capacityKwh: number;
  /**
   * The capacity an online scheduler is told: from the announced target and
   * the EV model (the default one unless V2G), never from the real energy.
   */
  announcedCapacityKwh: number;
  minEnergyKwh: number;
  /**
   * What the driver asked for, as a battery energy target (initial + declared
   * energy). Without an announcement the CSMS knows no energy: it asks for a
   * full battery of the EV model (the EV stops when it is really full).
   */
  declaredTargetKwh: number;
  /** Whether the driver announced an energy (declaredTargetKwh is then initial + it; else the EV model's battery). */
  energyAnnounced: boolean;
  /** The energy the replay counts as requested: min(declared, real) when declared, else real. */
  requestedKwh: number;
  /** The battery cannot take more than this (initial + real energy): it was full when it stopped. */
  physicalMaxKwh: number;
  v2g: boolean;
  /** Spec §11: the phases the scheduler is told (three-phase unless a phase layout says otherwise). */
  phases: SessionPhases;
}

/** Deterministic PRNG (the bench generators' mulberry32): replays are reproducible from `--seed`. */
export const randomSource = mulberry32;

export interface EvModel {
  name: string;
  batteryKwh: number;
  maxDischargeKw: number;
  weight: number;
}

/** EV2Gym's EV spec JSON: battery and AC discharge power per model, weighted by registrations. */
export function loadEvModels(file: string): EvModel[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  return Object.entries(raw)
    .map(([name, spec]) => ({
      name,
      batteryKwh: Number(spec.battery_capacity),
      maxDischargeKw: Number(spec.max_ac_discharge_power ?? spec.max_ac_charge_power ?? 0),
      weight: Number(spec.number_of_registrations ?? 1),
    }))
    .filter((m) => m.batteryKwh > 0);
}

/** Used when no EV spec file is given: a mid-size EV with 11 kW bidirectional AC. */
export const DEFAULT_EV_MODEL: EvModel = { name: "generic 60 kWh", batteryKwh: 60, maxDischargeKw: 11, weight: 1 };

/**
 * Place sessions on the slot grid and draw which are V2G (and their state of
 * charge at arrival: 20-50 % of the battery, leaving room for the energy
 * they take). V2G EVs keep 20 % of the battery as the discharge floor.
 */
export function prepareSessions(
  replay: ReplaySession[],
  grid: SiteGrid,
  options: Pick<SimulationOptions, "v2gShare" | "seed" | "phaseLayout">,
  models: EvModel[] = [DEFAULT_EV_MODEL],
): SimSession[] {
  const slotMs = grid.slotMinutes * MINUTE_MS;
  const random = randomSource(options.seed);
  const totalWeight = models.reduce((s, m) => s + m.weight, 0);
  const pick = (u: number) => {
    let acc = 0;
    for (const m of models) {
      acc += m.weight / totalWeight;
      if (u < acc) return m;
    }
    return models[models.length - 1];
  };
  return replay.map((s) => {
    const phases = sessionPhases(options.phaseLayout ?? "three", s.spaceId ?? s.stationId);
    const firstSlot = Math.max(0, Math.ceil((s.arrivalMs - grid.startMs) / slotMs));
    const endSlot = Math.max(firstSlot, Math.floor((s.departureMs - grid.startMs) / slotMs));
    // Online strategies are told only what a CSMS knows: the announced energy, or, without one,
    // "until full" (the EV model's battery). The real energy stays with the replay's physics.
    const announced = s.declaredEnergyKwh;
    const requested = announced === undefined ? s.energyKwh : Math.min(announced, s.energyKwh);
    const v2g = random() < options.v2gShare;
    const model = pick(random());
    const soc = 0.2 + 0.3 * random();
    if (!v2g || options.v2gShare <= 0) {
      return {
        id: s.id,
        stationId: s.stationId,
        firstSlot,
        endSlot,
        arrivalMs: s.arrivalMs,
        departureMs: s.departureMs,
        declaredDepartureMs: s.declaredDepartureMs ?? s.departureMs,
        maxChargeKw: s.maxChargeKw,
        maxDischargeKw: 0,
        initialEnergyKwh: 0,
        capacityKwh: Math.max(announced ?? 0, s.energyKwh),
        announcedCapacityKwh: Math.max(announced ?? 0, DEFAULT_EV_MODEL.batteryKwh),
        minEnergyKwh: 0,
        declaredTargetKwh: announced ?? DEFAULT_EV_MODEL.batteryKwh,
        energyAnnounced: announced !== undefined,
        requestedKwh: requested,
        physicalMaxKwh: s.energyKwh,
        v2g: false,
        phases,
      };
    }
    const capacity = Math.max(model.batteryKwh, s.energyKwh, announced ?? 0);
    const e0 = Math.max(0, Math.min(soc * capacity, capacity - Math.max(s.energyKwh, announced ?? 0)));
    const announcedTarget = announced === undefined ? model.batteryKwh : e0 + announced;
    return {
      id: s.id,
      stationId: s.stationId,
      firstSlot,
      endSlot,
      arrivalMs: s.arrivalMs,
      departureMs: s.departureMs,
      declaredDepartureMs: s.declaredDepartureMs ?? s.departureMs,
      maxChargeKw: s.maxChargeKw,
      maxDischargeKw: Math.min(s.maxChargeKw, model.maxDischargeKw),
      initialEnergyKwh: e0,
      capacityKwh: capacity,
      announcedCapacityKwh: Math.max(model.batteryKwh, announcedTarget),
      minEnergyKwh: 0.2 * capacity,
      declaredTargetKwh: announcedTarget,
      energyAnnounced: announced !== undefined,
      requestedKwh: requested,
      physicalMaxKwh: e0 + s.energyKwh,
      v2g: true,
      phases,
    };
  });
}

/** What one replay of one strategy produced, slot by slot and in total. */
export interface RunResult {
  strategy: SimStrategy;
  capacityKw: number;
  netImportKw: Float64Array;
  evChargeKw: Float64Array;
  evDischargeKw: Float64Array;
  curtailedPvKw: Float64Array;
  /** Wall time of the solve made at each slot (NaN when none was made there). */
  solveMs: Float64Array;
  /** EVs plugged in during each slot. */
  pluggedIn: Int32Array;
  /** Per session, in the order given: energy delivered (kWh, net of V2G). */
  deliveredKwh: Float64Array;
  v2gEnergyKwh: number;
  degradationCost: number;
  solves: number;
  /** `optimal` solves that ended without proven optimality (iteration or time limit, infeasible steps). */
  nonOptimalSolves: number;
  /** Solves that hit a limit, after which the previous plan was kept. */
  planFallbacks: number;
  /** Spec §11: the largest |current| on L1, L2, L3 at the grid connection over the replay, A (EVs, base load and PV). */
  phaseMaxA: Float64Array;
  /** Spec §12: the batteries replayed (options.storage). */
  storage: SimStorage[];
  /** Per battery, its energy after each slot, kWh. */
  storageEnergyKwh: Float64Array[];
  /** `optimal+forecast` with online recalibration: the state at the replay's end (what it learned). */
  recalibration?: Recalibration;
  /** Per battery: grid-side energy charged and discharged over the replay, kWh. */
  storageChargedKwh: Float64Array;
  storageDischargedKwh: Float64Array;
  /** All batteries: grid-side power per slot, kW (positive charging). */
  storagePowerKw: Float64Array;
  runMs: number;
}

export type ProgressCallback = (slot: number, slots: number) => void;

/** Sees every request a replay solves, at its slot (tests: what the scheduler was told). */
export type RequestObserver = (slot: number, request: Request) => void;

/** What an online plan planned an EV to: the request's departure (ms) and energy target (kWh). */
interface PlannedWith {
  departureMs: number;
  targetKwh: number;
}

interface Plan {
  startSlot: number;
  /** Slots the plan covers. */
  slots: number;
  /** Session index → power per plan slot. */
  power: Map<number, number[]>;
  /** Session index → the departure and energy it was planned to: when either moves, the plan is solved again. */
  plannedWith: Map<number, PlannedWith>;
  /** Battery index → power per plan slot (empty when the strategy leaves storage idle). */
  storage: number[][];
}

function baseRequest(
  grid: SiteGrid,
  k: number,
  slots: number,
  options: SimulationOptions,
  peakSoFar: number,
  strategy: StrategyName,
  quickCharge: number,
): Omit<Request, "sessions"> {
  const slotHours = grid.slotMinutes / 60;
  const importPrice = Array.from(grid.importPrice.subarray(k, k + slots));
  if (quickCharge > 0) for (let j = 0; j < slots; j++) importPrice[j] += quickCharge * j * slotHours;
  return {
    horizon: { start: isoUtc(grid.startMs + k * grid.slotMinutes * MINUTE_MS), slotMinutes: grid.slotMinutes, slots },
    site: {
      importLimitKw: options.capacityKw,
      exportLimitKw: options.exportLimitKw,
      ...(options.voltageV !== undefined && { voltageV: options.voltageV }),
      ...(options.phaseLimitA !== undefined && { phaseLimitA: options.phaseLimitA }),
      baseLoadKw: Array.from(grid.baseLoadKw.subarray(k, k + slots)),
      pvKw: Array.from(grid.pvKw.subarray(k, k + slots)),
    },
    circuits: [],
    storage: [],
    tariff: {
      importPrice,
      exportPrice: Array.from(grid.exportPrice.subarray(k, k + slots)),
      demandChargePerKw: grid.demandRate[k],
      peakThresholdKw: peakSoFar,
    },
    strategy,
  };
}

function sessionRequest(
  s: SimSession,
  energy: number,
  arrivalMs: number | undefined,
  departureMs: number,
  targetKwh: number,
  capacityKwh: number,
  options: SimulationOptions,
): Request["sessions"][number] {
  return {
    id: s.id,
    ...(arrivalMs !== undefined && { arrival: isoUtc(arrivalMs) }),
    departure: isoUtc(departureMs),
    initialEnergyKwh: energy,
    targetEnergyKwh: targetKwh,
    capacityKwh: Math.max(capacityKwh, energy, targetKwh),
    minEnergyKwh: s.v2g ? s.minEnergyKwh : 0,
    maxChargeKw: s.maxChargeKw,
    minChargeKw: 0,
    maxDischargeKw: s.maxDischargeKw,
    chargeEfficiency: 1,
    dischargeEfficiency: 1,
    degradationCostPerKwh: s.v2g ? options.degradationCostPerKwh : 0,
    shortfallPenaltyPerKwh: options.shortfallPenaltyPerKwh,
    ...(s.phases.phases === 1 && { phases: 1 as const }),
    ...(s.phases.phase !== undefined && { phase: s.phases.phase }),
    ...(s.phases.voltageV !== undefined && { voltageV: s.phases.voltageV }),
  };
}

/**
 * Spec §12: a battery in a per-slot request, from the energy it holds now.
 * When the strategy plans it, the plan must end with at least the energy the
 * battery had at the start of the replay (`finalEnergyKwh`); baselines get
 * the spec default (their own initial energy: they leave it idle).
 */
function storageRequest(b: SimStorage, energyKwh: number, planned: boolean): Request["storage"][number] {
  const e = Math.min(b.capacityKwh, Math.max(b.minEnergyKwh, energyKwh));
  return {
    id: b.id,
    capacityKwh: b.capacityKwh,
    initialEnergyKwh: e,
    minEnergyKwh: b.minEnergyKwh,
    maxChargeKw: b.maxChargeKw,
    maxDischargeKw: b.maxDischargeKw,
    chargeEfficiency: b.chargeEfficiency,
    dischargeEfficiency: b.dischargeEfficiency,
    degradationCostPerKwh: b.degradationCostPerKwh,
    ...(planned && { finalEnergyKwh: b.initialEnergyKwh }),
    ...(b.phases !== undefined && { phases: b.phases }),
  };
}

/**
 * Replay one strategy over the grid. Online strategies see, at slot k, the
 * EVs plugged in during slot k, told with their declared departure (at least
 * the end of this slot: an EV staying past its declared departure is due now)
 * and declared energy; the schedule's first slot is applied to the real EVs,
 * which take no more than they really took.
 */
export function simulate(
  strategy: SimStrategy,
  sessions: SimSession[],
  grid: SiteGrid,
  options: SimulationOptions,
  scheduler?: Scheduler,
  onProgress?: ProgressCallback,
  onRequest?: RequestObserver,
): RunResult {
  const started = performance.now();
  const N = grid.slots;
  const slotMs = grid.slotMinutes * MINUTE_MS;
  const offline = strategy === OFFLINE;
  const forecasting = strategy === OPTIMAL_FORECAST;
  const solver: StrategyName = offline || forecasting ? "optimal" : strategy;
  const forecast = options.forecast;
  if (forecasting && forecast === undefined) throw new Error("optimal+forecast needs options.forecast (simulate --forecast)");
  /**
   * What an EV still plugged in at `tk` is planned with: the announced
   * departure, or the forecast's quantile when earlier; the announced target,
   * or, for an EV that announced no energy, the forecast's energy quantile.
   */
  /** What the forecast is told of an EV at plug-in. */
  const queryAtArrival = (s: SimSession, users: ReadonlyMap<string, string>) => {
    const userId = users.get(s.id);
    return {
      evseId: s.stationId,
      arrivalMs: s.arrivalMs,
      ...(userId !== undefined && { userId }),
      ...(s.declaredDepartureMs > s.arrivalMs && { announcedDepartureMs: s.declaredDepartureMs }),
    };
  };
  // Online recalibration: the forecast of each EV at plug-in, kept until it leaves; the state learns an EV's
  // outcome only once its real departure is before the simulated time, as a live site learns of a session.ended.
  let recalibration = forecasting ? forecast?.recalibration : undefined;
  const atPlugIn = new Map<number, PlugInForecast>();
  const plannedFor = (s: SimSession, tk: number, energyNow: number): { departureMs: number; targetKwh: number } => {
    if (!forecasting || forecast === undefined) return { departureMs: s.declaredDepartureMs, targetKwh: s.declaredTargetKwh };
    const energyLevel = s.energyAnnounced ? undefined : forecast.energyLevel;
    const levels = [...new Set([forecast.departureLevel, ...(energyLevel === undefined ? [] : [energyLevel])])].sort((a, b) => a - b);
    const predicted = predictSession(
      forecast.model,
      {
        ...queryAtArrival(s, forecast.users),
        nowMs: Math.max(tk, s.arrivalMs),
        // Still taking energy (an EV that stopped by itself is not planned here): it wants more than it has had.
        ...(energyLevel !== undefined && energyNow > s.initialEnergyKwh && { drawingPastKwh: energyNow - s.initialEnergyKwh }),
        levels,
      },
      recalibration,
    );
    const departureMs = Math.min(s.declaredDepartureMs, predicted.departureMs[levels.indexOf(forecast.departureLevel)]);
    if (energyLevel === undefined) return { departureMs, targetKwh: s.declaredTargetKwh };
    // An EV still taking energy (it has not stopped by itself) wants at least one more slot of it.
    const slotEnergy = (s.maxChargeKw * grid.slotMinutes) / 60;
    const energy = Math.max(predicted.energyKwh[levels.indexOf(energyLevel)], energyNow - s.initialEnergyKwh + slotEnergy);
    return { departureMs, targetKwh: Math.min(s.announcedCapacityKwh, s.initialEnergyKwh + energy) };
  };
  /** The departure and target an online request gives EV v at tk: past its planned departure, due at the slot's end; stopped by itself, what it has. */
  const plannedWith = (v: number, tk: number): PlannedWith => {
    const planned = plannedFor(sessions[v], tk, energy[v]);
    return {
      departureMs: Math.max(planned.departureMs, tk + slotMs),
      targetKwh: suspended[v] === 1 ? energy[v] : planned.targetKwh,
    };
  };
  const arrivalsMode = forecasting ? (forecast?.arrivals ?? "none") : "none";
  const arrivalsRole = forecast?.arrivalsRole ?? "plan";
  // The power of one expected EV: the median rating of the site's EVSEs (what a CSMS knows of its stations).
  const ratings = sessions.map((s) => s.maxChargeKw).sort((a, b) => a - b);
  const evKw = ratings.length > 0 ? ratings[ratings.length >> 1] : 6.6;
  const H = Math.min(offline ? options.offlineLookaheadSlots : options.horizonSlots, MAX_SLOTS, grid.length);
  const maxH = offline ? H : Math.max(H, Math.min(options.maxHorizonSlots ?? H, MAX_SLOTS, grid.length));
  const stride = offline ? (N <= H ? N : Math.max(1, Math.min(options.offlineStrideSlots, H))) : Math.max(1, options.recomputeEvery);
  const quickCharge = !offline && solver === "optimal" ? options.quickChargePerKwhHour : 0;

  const energy = Float64Array.from(sessions, (s) => s.initialEnergyKwh);
  const batteries = options.storage ?? [];
  const storageEnergy = Float64Array.from(batteries, (b) => b.initialEnergyKwh);
  // Strategies that plan the batteries solve every slot they are due, EVs or not (the battery serves the base
  // load too), and end every horizon by the replay's end, where each plan's final energy is then met.
  const planStorage = batteries.length > 0 && usesStorage(strategy);
  const result = emptyRunResult(strategy, options.capacityKw, N, sessions.length, batteries);
  // EVs that stopped by themselves (full, or done): a CSMS sees SuspendedEV and plans them for nothing more.
  const suspended = new Uint8Array(sessions.length);
  let eventSincePlan = false;
  const meterLoop = !offline && options.meterCaps === true;
  const caps: MeterCap[] = sessions.map(() => ({ slowReadings: 0 }));
  const dtHours = grid.slotMinutes / 60;
  // Sessions by first slot, so each slot finds who is plugged in without a full scan.
  const order = sessions.map((_, v) => v).sort((a, b) => sessions[a].firstSlot - sessions[b].firstSlot);
  let next = 0;
  let present: number[] = [];
  const peak = new Map<number, number>();
  let plan: Plan | undefined;
  let lastReport = performance.now();
  // Warm re-plans: one state per sequence of similar problems (the phantoms' peak solve is another).
  const warm = options.warmStart === true && solver === "optimal" ? new WarmState() : undefined;
  const warmPeak = warm && new WarmState();

  for (let k = 0; k < N; k++) {
    if (recalibration !== undefined && atPlugIn.size > 0) {
      // Learn, in order of departure, from the EVs that left before this slot's start (never a later outcome).
      const tk = grid.startMs + k * slotMs;
      const left = [...atPlugIn.keys()].filter((v) => sessions[v].departureMs < tk);
      left.sort((a, b) => sessions[a].departureMs - sessions[b].departureMs || a - b);
      for (const v of left) {
        const s = sessions[v];
        // What it really took (the file's energy), not what this replay delivered: the model learned the same.
        recalibration = recalibrate(recalibration, atPlugIn.get(v)!, {
          departureMs: s.departureMs,
          energyKwh: s.physicalMaxKwh - s.initialEnergyKwh,
        });
        atPlugIn.delete(v);
      }
    }
    let arrived = false;
    while (next < order.length && sessions[order[next]].firstSlot <= k) {
      const v = order[next++];
      if (sessions[v].endSlot > k) {
        present.push(v);
        arrived = true;
        if (recalibration !== undefined && forecast !== undefined)
          atPlugIn.set(v, plugInForecast(forecast.model, recalibration, queryAtArrival(sessions[v], forecast.users)));
      }
    }
    // A departure is an event (ACN-Sim's unplug): capacity the plan held for that EV is free from this slot.
    const staying = present.filter((v) => sessions[v].endSlot > k);
    const departed = staying.length < present.length;
    present = staying;
    result.pluggedIn[k] = present.length;
    const period = grid.billingPeriod[k];
    const peakSoFar = peak.get(period) ?? 0;

    const tk = grid.startMs + k * slotMs;
    // What each EV plugged in would be planned with now. It moves when an EV stays past the departure it
    // was planned to (it is then due at the end of this slot) or, with forecasts, when one has taken more
    // than its forecast energy or outstayed its forecast departure: the kept plan no longer fits it.
    const plannedNow = offline ? [] : present.map((v): PlannedWith => plannedWith(v, tk));
    const kept = plan;
    const moved = kept !== undefined && present.some((v, i) => plannedMoved(kept.plannedWith.get(v), plannedNow[i]));
    // A request charges its whole horizon's peak at this period's rate above this period's peak: a plan
    // made before a new billing period began took that period's peak as already paid.
    const newPeriod = kept !== undefined && grid.billingPeriod[kept.startSlot] !== period;
    const due =
      !plan ||
      k - plan.startSlot >= stride ||
      k - plan.startSlot >= plan.slots ||
      (!offline && (arrived || departed || eventSincePlan || moved || newPeriod));
    if (due && (present.length > 0 || offline || planStorage)) {
      // The horizon reaches the latest of the planned departures.
      const reach = plannedNow.reduce((most, p) => Math.max(most, Math.ceil((p.departureMs - tk) / slotMs)), 0);
      const slots = Math.min(Math.max(H, Math.min(reach, maxH)), (planStorage ? N : grid.length) - k);
      const request = baseRequest(grid, k, slots, options, peakSoFar, solver, quickCharge) as Request;
      // Spec §10's tie-break is for cars that may leave early; the offline bound knows every departure, so
      // no schedule among the ties delivers more. Off, its windows solve 2.5× faster, and the kept half of
      // a 48 h window no longer charges early at the next window's expense (March 2019 at 50 kW under
      // TOU-EV-4: 1,272.90 → 1,229.80 $, the same energy; bench/RESULTS.md §13).
      if (offline) request.solverOptions = { tieBreak: "none" };
      request.storage = batteries.map((b, i) => storageRequest(b, storageEnergy[i], planStorage));
      eventSincePlan = false;
      const known: number[] = [];
      if (offline) {
        for (let v = 0; v < sessions.length; v++) {
          const s = sessions[v];
          if (s.endSlot > k && s.firstSlot < k + slots && s.endSlot > s.firstSlot) known.push(v);
        }
        request.sessions = known.map((v) => {
          const s = sessions[v];
          return sessionRequest(
            s,
            energy[v],
            s.arrivalMs > tk ? s.arrivalMs : undefined,
            s.departureMs,
            s.initialEnergyKwh + s.requestedKwh,
            s.capacityKwh,
            options,
          );
        });
      } else {
        known.push(...present);
        request.sessions = known.map((v, i) => {
          const s = sessions[v];
          const full = suspended[v] === 1;
          const planned = plannedNow[i];
          const request = sessionRequest(
            s,
            energy[v],
            undefined,
            planned.departureMs,
            planned.targetKwh,
            full ? energy[v] : s.announcedCapacityKwh,
            options,
          );
          const learned = caps[v].learnedMaxKw;
          return learned === undefined ? request : { ...request, maxChargeKw: Math.min(request.maxChargeKw, learned) };
        });
        if (arrivalsMode !== "none" && forecast !== undefined && known.length > 0)
          // After the real sessions: the plan below takes response.sessions[i] for known[i] only.
          request.sessions.push(
            ...phantomSessions(
              forecast.model,
              {
                mode: arrivalsMode,
                blockMinutes: PHANTOM_BLOCK_MINUTES,
                evKw,
                departureLevel: forecast.departureLevel,
                shortfallPenaltyPerKwh: PHANTOM_PENALTY_SHARE * options.shortfallPenaltyPerKwh,
              },
              tk + slotMs,
              tk + slots * slotMs,
              slotMs,
            ),
          );
      }
      if (known.length > 0 || planStorage) {
        onRequest?.(k, request);
        let solved = request;
        let phantomMs = 0;
        if (arrivalsRole === "peak" && request.sessions.length > known.length) {
          // The phantoms set the peak only: the plan with them gives the peak the day will need, and the real
          // EVs are then planned alone with that peak as already paid (they may use it at no demand charge).
          const withPhantoms = solve(request, { strategy: solver, ...(scheduler && { scheduler }), ...(warmPeak && { warm: warmPeak }) });
          phantomMs = withPhantoms.solver.solveMs;
          solved = {
            ...request,
            sessions: request.sessions.slice(0, known.length),
            tariff: { ...request.tariff, peakThresholdKw: Math.max(peakSoFar, withPhantoms.peakImportKw) },
          };
        }
        const response = solve(solved, { strategy: solver, ...(scheduler && { scheduler }), ...(warm && { warm }) });
        result.solveMs[k] = response.solver.solveMs + phantomMs;
        result.solves++;
        if (solver === "optimal" && response.status !== "optimal") result.nonOptimalSolves++;
        const stalled = response.warnings.some((w) => /iteration limit|time limit/.test(w));
        if (stalled && plan && k - plan.startSlot < H) {
          // A solve that ran out of iterations keeps the last plan, as a controller would.
          result.planFallbacks++;
        } else {
          plan = {
            startSlot: k,
            slots,
            power: new Map(known.map((v, i) => [v, response.sessions[i].powerKw])),
            plannedWith: new Map(offline ? [] : known.map((v, i) => [v, plannedNow[i]])),
            storage: planStorage ? (response.storage ?? []).map((b) => b.powerKw) : [],
          };
        }
      } else {
        plan = { startSlot: k, slots, power: new Map(), plannedWith: new Map(), storage: [] };
      }
    }

    const planned = (v: number) => plan?.power.get(v)?.[k - plan.startSlot] ?? 0;
    const before = meterLoop ? present.map((v) => energy[v]) : [];
    const storageKw = (i: number) => plan?.storage[i]?.[k - plan.startSlot] ?? 0;
    const n = applySlot(k, present, planned, sessions, energy, grid, options, result, { plannedKw: storageKw, energy: storageEnergy });
    if (meterLoop)
      present.forEach((v, i) => {
        const learned = caps[v].learnedMaxKw;
        updateMeterCap(caps[v], (energy[v] - before[i]) / dtHours, Math.max(0, planned(v)), sessions[v].maxChargeKw);
        // A cap learned or lifted changes what the EV is planned with.
        if (caps[v].learnedMaxKw !== learned) eventSincePlan = true;
      });
    if (n > peakSoFar) peak.set(period, n);
    if (!offline && options.evStops !== "silent")
      for (const v of present) {
        if (suspended[v] === 0 && evStopped(sessions[v], energy[v])) {
          suspended[v] = 1;
          eventSincePlan = true;
        }
      }

    if (onProgress && performance.now() - lastReport > 1000) {
      lastReport = performance.now();
      onProgress(k + 1, N);
    }
  }
  sessions.forEach((s, v) => {
    result.deliveredKwh[v] = energy[v] - s.initialEnergyKwh;
  });
  if (recalibration !== undefined) result.recalibration = recalibration;
  result.runMs = performance.now() - started;
  onProgress?.(N, N);
  return result;
}

/** Whether an EV's request would differ from the one its plan was solved for: its departure (to the second) or its target. */
function plannedMoved(before: PlannedWith | undefined, now: PlannedWith): boolean {
  if (before === undefined) return true;
  return Math.abs(now.departureMs - before.departureMs) >= 1000 || Math.abs(now.targetKwh - before.targetKwh) > 1e-9;
}

/** Energy within which an EV counts as having stopped by itself (kWh). */
const STOPPED_TOLERANCE_KWH = 1e-6;

/**
 * Whether the EV stopped taking energy by itself: it reached what it really
 * took (its battery full, or its own limit). A station reports it
 * (`SuspendedEV`), so online strategies are told, from the next slot on.
 */
export function evStopped(s: SimSession, energyKwh: number): boolean {
  return energyKwh >= Math.min(s.physicalMaxKwh, s.capacityKwh) - STOPPED_TOLERANCE_KWH;
}

/**
 * Apply slot k's planned power to the real EVs: an EV takes no more than it
 * really took (it was full), and gives back no more than it has. Records the
 * slot in `result` and returns the site's net import.
 */
export function applySlot(
  k: number,
  present: readonly number[],
  plannedKw: (v: number) => number,
  sessions: readonly SimSession[],
  energy: Float64Array,
  grid: SiteGrid,
  options: SimulationOptions,
  result: RunResult,
  storage?: { plannedKw: (i: number) => number; energy: Float64Array },
): number {
  const dt = grid.slotMinutes / 60;
  let charge = 0;
  let discharge = 0;
  const siteV = options.voltageV ?? 230;
  const amps = [0, 0, 0];
  let batteryKw = 0;
  (options.storage ?? []).forEach((b, i) => {
    if (storage === undefined) return;
    const e = storage.energy[i];
    let p = storage.plannedKw(i);
    // The battery holds what the plan says, within its power and energy limits (a plan never asks more but rounding).
    if (p > 0) p = Math.min(p, b.maxChargeKw, Math.max(0, (b.capacityKwh - e) / (b.chargeEfficiency * dt)));
    else if (p < 0) p = Math.max(p, -b.maxDischargeKw, -Math.max(0, ((e - b.minEnergyKwh) * b.dischargeEfficiency) / dt));
    storage.energy[i] = p > 0 ? e + b.chargeEfficiency * p * dt : e + (p * dt) / b.dischargeEfficiency;
    result.storageEnergyKwh[i][k] = storage.energy[i];
    if (p > 0) result.storageChargedKwh[i] += p * dt;
    else result.storageDischargedKwh[i] -= p * dt;
    if (p < 0) result.degradationCost += -p * dt * b.degradationCostPerKwh;
    batteryKw += p;
    const a = (p * 1000) / siteV;
    for (let phi = 0; phi < 3; phi++) amps[phi] += b.phases === 1 ? a : a / 3;
  });
  result.storagePowerKw[k] = batteryKw;
  for (const v of present) {
    const s = sessions[v];
    let p = plannedKw(v);
    if (p > 0) p = Math.min(p, Math.max(0, (Math.min(s.physicalMaxKwh, s.capacityKwh) - energy[v]) / dt));
    else if (p < 0) p = Math.max(p, -Math.max(0, (energy[v] - Math.min(s.minEnergyKwh, s.initialEnergyKwh)) / dt));
    energy[v] += p * dt;
    const a = (p * 1000) / (s.phases.voltageV ?? siteV);
    for (let phi = 0; phi < 3; phi++)
      amps[phi] += s.phases.phases === 3 ? a / 3 : s.phases.phase === undefined || s.phases.phase === `L${phi + 1}` ? a : 0;
    if (p > 0) charge += p;
    else discharge -= p;
    if (p < 0) result.degradationCost += -p * dt * options.degradationCostPerKwh;
  }
  let n = grid.baseLoadKw[k] - grid.pvKw[k] + charge - discharge + batteryKw;
  let u = 0;
  if (n < -options.exportLimitKw) {
    u = Math.min(grid.pvKw[k], -options.exportLimitKw - n);
    n += u;
  }
  result.netImportKw[k] = n;
  result.evChargeKw[k] = charge;
  result.evDischargeKw[k] = discharge;
  result.curtailedPvKw[k] = u;
  const balanced = ((grid.baseLoadKw[k] - grid.pvKw[k] + u) * 1000) / (3 * siteV);
  for (let phi = 0; phi < 3; phi++) result.phaseMaxA[phi] = Math.max(result.phaseMaxA[phi], Math.abs(amps[phi] + balanced));
  result.v2gEnergyKwh += discharge * dt;
  return n;
}

/** An empty result of `slots` slots for `sessions` sessions. */
export function emptyRunResult(
  strategy: SimStrategy,
  capacityKw: number,
  slots: number,
  sessions: number,
  batteries: SimStorage[] = [],
): RunResult {
  return {
    strategy,
    capacityKw,
    netImportKw: new Float64Array(slots),
    evChargeKw: new Float64Array(slots),
    evDischargeKw: new Float64Array(slots),
    curtailedPvKw: new Float64Array(slots),
    solveMs: new Float64Array(slots).fill(Number.NaN),
    pluggedIn: new Int32Array(slots),
    deliveredKwh: new Float64Array(sessions),
    v2gEnergyKwh: 0,
    degradationCost: 0,
    solves: 0,
    nonOptimalSolves: 0,
    planFallbacks: 0,
    phaseMaxA: new Float64Array(3),
    storage: batteries,
    storageEnergyKwh: batteries.map(() => new Float64Array(slots)),
    storageChargedKwh: new Float64Array(batteries.length),
    storageDischargedKwh: new Float64Array(batteries.length),
    storagePowerKw: new Float64Array(slots),
    runMs: 0,
  };
}

/** The replay's grid span: from `fromMs` until every session in it has left. */
export function replaySpan(
  sessions: ReplaySession[],
  fromMs: number,
  toMs: number,
  slotMinutes: number,
): { startMs: number; slots: number } {
  const slotMs = slotMinutes * MINUTE_MS;
  let end = toMs;
  for (const s of sessions) end = Math.max(end, s.departureMs);
  return { startMs: fromMs, slots: Math.max(1, Math.ceil((end - fromMs) / slotMs)) };
}
