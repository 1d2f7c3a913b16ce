/**
 * Online recalibration of the session forecast's quantiles (docs/forecast.md,
 * "Online recalibration"): Adaptive Conformal Inference.
 *
 * see: I. Gibbs, E. Candès, "Adaptive Conformal Inference Under Distribution
 * Shift", NeurIPS 2021 (arXiv:2106.00170), eq. (2).
 *
 * For each tracked level α and target (stay, energy) the state keeps an
 * adjusted level α_t: a forecast asked for level α reads the model's
 * quantile at α_t instead. When a session ends, its forecast made at plug-in
 * time (at the α_t of then) is compared with what happened, and
 *
 *   α_{t+1} = α_t + γ (α − 1[y_t ≤ q_t(α_t)])
 *
 * so a quantile that held too many actuals moves down, one that held too
 * few moves up. Whatever the drift, the long-run share of actuals below the
 * quantile is α within (max(α_1, 1 − α_1) + γ) / (γ T) after T outcomes
 * (the paper's Proposition 4.1), and the guarantee holds for any sequence of
 * models, so the state is kept across retraining.
 *
 * Why ACI rather than a rolling conformal shift (each quantile shifted by
 * the empirical quantile of the last N residuals): measured on both Caltech
 * files (bench/RESULTS.md §6, "Online recalibration"); and a level map
 * applies unchanged to a query the shift does not fit: a car still plugged
 * in (`nowMs`, the conditional distribution), any level (interpolated), and
 * the energy's scale, which varies by driver far more than a fixed kWh shift.
 *
 * The state is a plain JSON record; every update is a pure function of the
 * state and an outcome, so replaying the same outcomes gives the same state.
 */
import * as z from "zod";
import { DEFAULT_LEVELS, parseOrThrow } from "./schema.js";

/** The two recalibrated targets. */
export const RECALIBRATED_TARGETS = ["stay", "energy"] as const;
export type RecalibratedTarget = (typeof RECALIBRATED_TARGETS)[number];

/**
 * The step γ: the share of a level an outcome moves it by. Chosen by
 * bench:forecast on the validation folds inside the training months of both
 * Caltech files (bench/RESULTS.md §6): the smallest step that kept every
 * level of stay and energy within ±5 points there (0.01 missed by 5.8 on
 * 2019-03); larger ones follow a drift faster but wander more (0.05 costs
 * 2–4 % pinball).
 */
export const DEFAULT_RECALIBRATION_GAMMA = 0.02;

/** Model levels are read in [MIN_LEVEL, 1 − MIN_LEVEL]: the state may step past 0 or 1, the lookup never does. */
const MIN_LEVEL = 0.005;

export interface RecalibrationOptions {
  /**
   * ACI's step γ.
   * @defaultValue DEFAULT_RECALIBRATION_GAMMA (0.02)
   */
  gamma?: number;
  /**
   * Nominal levels tracked, ascending; a level between two is read through
   * the linear interpolation of the map (0 → 0, 1 → 1 at the ends).
   * @defaultValue DEFAULT_LEVELS (0.1, 0.25, 0.5, 0.75, 0.9)
   */
  levels?: readonly number[];
}

export interface Recalibration {
  kind: "wattplan.recalibration";
  version: 1;
  gamma: number;
  /** Nominal levels tracked, ascending. */
  levels: number[];
  /** Adjusted level α_t per nominal level, per target (may step slightly outside (0, 1)). */
  adjusted: Record<RecalibratedTarget, number[]>;
  /** Outcomes learned from. */
  outcomes: number;
  /** Departure of the latest outcome learned, ms; null before the first. */
  lastDepartureMs: number | null;
}

/** What a recalibrated forecast was at plug-in time: kept until the session ends, then given to `recalibrate`. */
export interface PlugInForecast {
  arrivalMs: number;
  /** The model's quantiles at the state's tracked levels (as adjusted then), one per tracked level. */
  durationH: number[];
  energyKwh: number[];
}

const optionsSchema = z
  .object({
    gamma: z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)"),
    levels: z
      .array(z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)"))
      .min(1)
      .refine((l) => l.every((x, i) => i === 0 || x > l[i - 1]), "must be strictly ascending"),
  })
  .strict();

/** A fresh state: every adjusted level equal to its nominal one (the model as trained). */
export function newRecalibration(options: RecalibrationOptions = {}): Recalibration {
  const o = parseOrThrow(
    optionsSchema,
    { gamma: options.gamma ?? DEFAULT_RECALIBRATION_GAMMA, levels: [...(options.levels ?? DEFAULT_LEVELS)] },
    "recalibration",
  );
  return {
    kind: "wattplan.recalibration",
    version: 1,
    gamma: o.gamma,
    levels: o.levels,
    adjusted: { stay: [...o.levels], energy: [...o.levels] },
    outcomes: 0,
    lastDepartureMs: null,
  };
}

const clampLevel = (x: number) => Math.min(1 - MIN_LEVEL, Math.max(MIN_LEVEL, x));

/**
 * The model levels to read for the asked levels: the piecewise-linear map
 * through (0, 0), (α_i, α_t,i) and (1, 1), made non-decreasing (levels
 * updated apart may cross; a running maximum keeps the quantiles ordered).
 */
export function recalibratedLevels(r: Recalibration, target: RecalibratedTarget, levels: readonly number[]): number[] {
  const xs = [0, ...r.levels, 1];
  const ys = [0, ...r.adjusted[target].map(clampLevel), 1];
  for (let i = 1; i < ys.length; i++) ys[i] = Math.max(ys[i], ys[i - 1]);
  return levels.map((p) => {
    let i = 1;
    while (i < xs.length - 1 && xs[i] < p) i++;
    const t = (p - xs[i - 1]) / (xs[i] - xs[i - 1]);
    return clampLevel(ys[i - 1] + t * (ys[i] - ys[i - 1]));
  });
}

/**
 * Learn from one ended session: its plug-in forecast (made with this state,
 * or an earlier one) against its real departure and energy. Returns the new
 * state; the given one is not changed.
 */
export function recalibrate(
  r: Recalibration,
  atPlugIn: PlugInForecast,
  outcome: { departureMs: number; energyKwh: number },
): Recalibration {
  const stayH = (outcome.departureMs - atPlugIn.arrivalMs) / 3_600_000;
  // α_{t+1} = α_t + γ (α − err_t), err_t = 1[y_t ≤ q_t(α_t)] (the share below, as calibration is measured).
  const step = (adjusted: number[], quantile: number[], y: number) =>
    adjusted.map((a, i) => a + r.gamma * (r.levels[i] - (y <= quantile[i] ? 1 : 0)));
  return {
    ...r,
    adjusted: {
      stay: step(r.adjusted.stay, atPlugIn.durationH, stayH),
      energy: step(r.adjusted.energy, atPlugIn.energyKwh, outcome.energyKwh),
    },
    outcomes: r.outcomes + 1,
    lastDepartureMs: Math.max(r.lastDepartureMs ?? -Infinity, outcome.departureMs),
  };
}
