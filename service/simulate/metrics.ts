/**
 * The figures of merit of a replay, as ACN-Sim and EV2Gym report them: the
 * share of requested energy delivered, the sessions fully served, what the
 * site pays (energy at the real prices, the demand charge on each billing
 * period's peak), the peak, V2G throughput and solver time.
 */
import type { RunResult, SimSession, SimStrategy, SiteGrid } from "./simulator.js";

/** A session counts as fully served within this much energy of its request (kWh). */
export const FULLY_SERVED_TOLERANCE_KWH = 0.01;

export interface StrategyMetrics {
  strategy: SimStrategy;
  capacityKw: number;
  /** Σ min(delivered, requested) / Σ requested, 0..1. */
  energyDeliveredShare: number;
  sessionsFullyServedShare: number;
  /** Sessions that left at least one slot before their announced departure. */
  earlyLeavers: number;
  /** Σ max(0, requested − delivered) over those sessions, kWh: what leaving early cost them. */
  earlyLeaverShortfallKwh: number;
  /** The same over every other session, kWh. */
  otherShortfallKwh: number;
  energyRequestedKwh: number;
  energyDeliveredKwh: number;
  /** Σ_t Δ·(π_t·max(n_t,0) − min(ε_t,π_t)·max(−n_t,0)) at the real prices. */
  energyCost: number;
  /** Σ over billing periods of the demand rate × the period's peak import. */
  demandCharge: number;
  degradationCost: number;
  /** energyCost + demandCharge + degradationCost: what the site pays. */
  totalCost: number;
  peakImportKw: number;
  v2gEnergyKwh: number;
  solveMsMedian: number;
  solveMsP99: number;
  solves: number;
  nonOptimalSolves: number;
  planFallbacks: number;
  /** Spec §11: the largest |current| on each phase at the grid connection, A (what was applied, EVs and base load). */
  phaseL1MaxA: number;
  phaseL2MaxA: number;
  phaseL3MaxA: number;
  /** Spec §12, all site batteries together (0 without them): capacity, kWh. */
  storageCapacityKwh: number;
  /** Energy held at the start of the replay and after its last slot, kWh. */
  storageStartKwh: number;
  storageEndKwh: number;
  /** The least energy held after any slot, kWh. */
  storageMinKwh: number;
  /** Grid-side energy charged into and discharged from the batteries, kWh (throughput: discharged). */
  storageChargedKwh: number;
  storageThroughputKwh: number;
  /** Throughput over capacity: equivalent full cycles. */
  storageCycles: number;
  /**
   * Against the same strategy replayed without the batteries (NaN, null in
   * JSON, when there are none): peak import lowered (kW), demand charge and
   * total cost saved (currency).
   */
  peakSavingKw: number;
  demandChargeSaving: number;
  totalCostSaving: number;
  runSeconds: number;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function computeMetrics(run: RunResult, sessions: SimSession[], grid: SiteGrid): StrategyMetrics {
  const dt = grid.slotMinutes / 60;
  let requested = 0;
  let delivered = 0;
  let served = 0;
  let earlyLeavers = 0;
  let earlyShort = 0;
  let otherShort = 0;
  const slotMs = grid.slotMinutes * 60_000;
  sessions.forEach((s, v) => {
    const d = run.deliveredKwh[v];
    requested += s.requestedKwh;
    delivered += Math.min(Math.max(d, 0), s.requestedKwh);
    if (d >= s.requestedKwh - FULLY_SERVED_TOLERANCE_KWH) served++;
    const short = Math.max(0, s.requestedKwh - Math.max(d, 0));
    if (s.departureMs <= s.declaredDepartureMs - slotMs) {
      earlyLeavers++;
      earlyShort += short;
    } else {
      otherShort += short;
    }
  });
  let energyCost = 0;
  let peakImport = 0;
  const peaks = new Map<number, { peak: number; rate: number }>();
  for (let k = 0; k < grid.slots; k++) {
    const n = run.netImportKw[k];
    const pi = grid.importPrice[k];
    const eps = Math.min(grid.exportPrice[k], pi);
    energyCost += dt * (n > 0 ? pi * n : eps * n);
    peakImport = Math.max(peakImport, n);
    const period = grid.billingPeriod[k];
    const p = peaks.get(period) ?? { peak: 0, rate: grid.demandRate[k] };
    p.peak = Math.max(p.peak, n);
    peaks.set(period, p);
  }
  let demandCharge = 0;
  for (const p of peaks.values()) demandCharge += p.rate * p.peak;
  const times = Array.from(run.solveMs)
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  return {
    strategy: run.strategy,
    capacityKw: run.capacityKw,
    energyDeliveredShare: requested > 0 ? delivered / requested : 1,
    sessionsFullyServedShare: sessions.length > 0 ? served / sessions.length : 1,
    earlyLeavers,
    earlyLeaverShortfallKwh: earlyShort,
    otherShortfallKwh: otherShort,
    energyRequestedKwh: requested,
    energyDeliveredKwh: delivered,
    energyCost,
    demandCharge,
    degradationCost: run.degradationCost,
    totalCost: energyCost + demandCharge + run.degradationCost,
    peakImportKw: peakImport,
    v2gEnergyKwh: run.v2gEnergyKwh,
    solveMsMedian: quantile(times, 0.5),
    solveMsP99: quantile(times, 0.99),
    solves: run.solves,
    nonOptimalSolves: run.nonOptimalSolves,
    planFallbacks: run.planFallbacks,
    phaseL1MaxA: run.phaseMaxA[0],
    phaseL2MaxA: run.phaseMaxA[1],
    phaseL3MaxA: run.phaseMaxA[2],
    ...storageMetrics(run, grid),
    peakSavingKw: Number.NaN,
    demandChargeSaving: Number.NaN,
    totalCostSaving: Number.NaN,
    runSeconds: run.runMs / 1000,
  };
}

/** Spec §12 figures of a run, summed over its batteries. */
function storageMetrics(
  run: RunResult,
  grid: SiteGrid,
): Pick<
  StrategyMetrics,
  | "storageCapacityKwh"
  | "storageStartKwh"
  | "storageEndKwh"
  | "storageMinKwh"
  | "storageChargedKwh"
  | "storageThroughputKwh"
  | "storageCycles"
> {
  const capacity = run.storage.reduce((sum, b) => sum + b.capacityKwh, 0);
  const start = run.storage.reduce((sum, b) => sum + b.initialEnergyKwh, 0);
  let min = start;
  let end = start;
  for (let k = 0; k < grid.slots; k++) {
    let e = 0;
    for (const series of run.storageEnergyKwh) e += series[k];
    min = Math.min(min, e);
    end = e;
  }
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
  const throughput = sum(run.storageDischargedKwh);
  return {
    storageCapacityKwh: capacity,
    storageStartKwh: start,
    storageEndKwh: end,
    storageMinKwh: min,
    storageChargedKwh: sum(run.storageChargedKwh),
    storageThroughputKwh: throughput,
    storageCycles: capacity > 0 ? throughput / capacity : 0,
  };
}

/** Fills the saving fields of `withStorage` against the same strategy replayed without the batteries. */
export function withStorageSaving(withStorage: StrategyMetrics, without: StrategyMetrics): StrategyMetrics {
  return {
    ...withStorage,
    peakSavingKw: without.peakImportKw - withStorage.peakImportKw,
    demandChargeSaving: without.demandCharge - withStorage.demandCharge,
    totalCostSaving: without.totalCost - withStorage.totalCost,
  };
}

/** The mean of each figure over a capacity sweep (ACN-Sim reports the mean share). */
export function meanOverSweep(entries: StrategyMetrics[]): StrategyMetrics {
  const n = entries.length;
  const mean = (f: (m: StrategyMetrics) => number) => entries.reduce((s, m) => s + f(m), 0) / n;
  return {
    strategy: entries[0].strategy,
    capacityKw: Number.NaN,
    energyDeliveredShare: mean((m) => m.energyDeliveredShare),
    sessionsFullyServedShare: mean((m) => m.sessionsFullyServedShare),
    earlyLeavers: mean((m) => m.earlyLeavers),
    earlyLeaverShortfallKwh: mean((m) => m.earlyLeaverShortfallKwh),
    otherShortfallKwh: mean((m) => m.otherShortfallKwh),
    energyRequestedKwh: mean((m) => m.energyRequestedKwh),
    energyDeliveredKwh: mean((m) => m.energyDeliveredKwh),
    energyCost: mean((m) => m.energyCost),
    demandCharge: mean((m) => m.demandCharge),
    degradationCost: mean((m) => m.degradationCost),
    totalCost: mean((m) => m.totalCost),
    peakImportKw: mean((m) => m.peakImportKw),
    v2gEnergyKwh: mean((m) => m.v2gEnergyKwh),
    solveMsMedian: mean((m) => m.solveMsMedian),
    solveMsP99: mean((m) => m.solveMsP99),
    solves: entries.reduce((s, m) => s + m.solves, 0),
    nonOptimalSolves: entries.reduce((s, m) => s + m.nonOptimalSolves, 0),
    planFallbacks: entries.reduce((s, m) => s + m.planFallbacks, 0),
    phaseL1MaxA: mean((m) => m.phaseL1MaxA),
    phaseL2MaxA: mean((m) => m.phaseL2MaxA),
    phaseL3MaxA: mean((m) => m.phaseL3MaxA),
    storageCapacityKwh: mean((m) => m.storageCapacityKwh),
    storageStartKwh: mean((m) => m.storageStartKwh),
    storageEndKwh: mean((m) => m.storageEndKwh),
    storageMinKwh: mean((m) => m.storageMinKwh),
    storageChargedKwh: mean((m) => m.storageChargedKwh),
    storageThroughputKwh: mean((m) => m.storageThroughputKwh),
    storageCycles: mean((m) => m.storageCycles),
    peakSavingKw: mean((m) => m.peakSavingKw),
    demandChargeSaving: mean((m) => m.demandChargeSaving),
    totalCostSaving: mean((m) => m.totalCostSaving),
    runSeconds: entries.reduce((s, m) => s + m.runSeconds, 0),
  };
}
