/**
 * Expected arrivals for `optimal+forecast` (issue 12, "with expected arrivals
 * reserving capacity and setting the peak"): at a re-plan, the arrivals the
 * site's forecast (service/forecast/arrivals.ts) still expects within the
 * horizon become a few phantom sessions of the request, one per block of
 * `blockMinutes`: arriving in the middle of the block, with the block's
 * expected (or quantile) energy, staying the site's forecast stay for that
 * hour of arrival, at the power of as many EVs as the block's count. The
 * solver then keeps room for them under the import limit and, with a demand
 * charge, plans the peak they will need instead of discovering it later.
 * Phantoms are only ever in the request: the simulator applies the plan of
 * the real sessions only, and no phantom reaches a setpoint or the metrics.
 */
import type { Request } from "../../engine/model/schema.js";
import { predictArrivals, predictSession, type ForecastModel } from "../forecast/index.js";
import { MINUTE_MS, isoUtc } from "./time.js";

/** `none`: plan present EVs only; `mean`: the expected count and energy per block; a number: that quantile of each block's count and energy. */
export type ForecastArrivals = "none" | "mean" | number;

/** How the phantoms enter the plan (SimulationForecast.arrivalsRole). */
export type ArrivalsRole = "plan" | "peak";
export const ARRIVALS_ROLES: readonly ArrivalsRole[] = ["plan", "peak"];

/** `simulate --forecast-arrivals` when not given (bench/RESULTS.md §12 says why). */
export const DEFAULT_FORECAST_ARRIVALS: ForecastArrivals = "none";

/** Id prefix of a phantom session in a request (never a real session's: ACN ids are hex or numeric). */
export const PHANTOM_PREFIX = "forecast-arrival-";

export function isPhantom(id: string): boolean {
  return id.startsWith(PHANTOM_PREFIX);
}

export interface PhantomSettings {
  mode: ForecastArrivals;
  /** Length of a block aggregated into one phantom, minutes. @defaultValue 60 */
  blockMinutes: number;
  /** Power of one expected EV, kW (the site's typical EVSE). */
  evKw: number;
  /** Quantile of the stay the phantoms are planned to (the real cars' departure level). */
  departureLevel: number;
  /** Shortfall penalty of a phantom, currency/kWh: below a real car's, so that a real car's energy always comes first. */
  shortfallPenaltyPerKwh: number;
}

/** Smallest phantom worth planning, kWh. */
const MIN_PHANTOM_KWH = 0.05;
const HOUR_MS = 3_600_000;

/** Parse `none|mean|median|Q` (Q in (0, 1)); undefined when it is none of them. */
export function parseForecastArrivals(text: string): ForecastArrivals | undefined {
  if (text === "none" || text === "mean") return text;
  if (text === "median") return 0.5;
  const x = Number(text);
  return text.trim() !== "" && Number.isFinite(x) && x > 0 && x < 1 ? x : undefined;
}

/**
 * The phantom sessions of a re-plan at `nowMs` whose first plannable slot
 * starts at `fromMs` (arrivals before it are already known) and whose
 * horizon ends at `endMs`; `slotMs` aligns their arrivals to the plan's slots.
 */
export function phantomSessions(
  model: ForecastModel,
  settings: PhantomSettings,
  fromMs: number,
  endMs: number,
  slotMs: number,
): Request["sessions"] {
  if (settings.mode === "none" || !(endMs > fromMs)) return [];
  const blockMs = settings.blockMinutes * MINUTE_MS;
  const blocks = Math.ceil((endMs - fromMs) / blockMs);
  const level = settings.mode === "mean" ? undefined : settings.mode;
  const forecast = predictArrivals(model, fromMs, blocks, settings.blockMinutes, level === undefined ? [0.5] : [level]);
  const out: Request["sessions"] = [];
  forecast.slots.forEach((b, i) => {
    const count = level === undefined ? b.meanCount : b.count[0];
    const energyKwh = level === undefined ? b.meanEnergyKwh : b.energyKwh[0];
    if (!(energyKwh > MIN_PHANTOM_KWH) || !(count > 0)) return;
    const blockEnd = Math.min(endMs, b.startMs + blockMs);
    // The middle of the block, on the slot grid (a phantom arriving before `fromMs` would be known already).
    const arrivalMs = fromMs + Math.round((b.startMs + (blockEnd - b.startMs) / 2 - fromMs) / slotMs) * slotMs;
    if (arrivalMs >= endMs) return;
    const maxChargeKw = Math.max(1, Math.ceil(count - 1e-9)) * settings.evKw;
    // The site's forecast stay for this hour of arrival, and at least the time the energy takes at full power
    // (a block's energy may be more than one median stay holds: the EVs that take much also stay long).
    const stayH = Math.max(predictSession(model, { arrivalMs, levels: [settings.departureLevel] }).durationH[0], energyKwh / maxChargeKw);
    const departureMs = arrivalMs + Math.max(1, Math.ceil((stayH * HOUR_MS) / slotMs - 1e-9)) * slotMs;
    out.push({
      id: `${PHANTOM_PREFIX}${i}`,
      arrival: isoUtc(arrivalMs),
      departure: isoUtc(departureMs),
      initialEnergyKwh: 0,
      targetEnergyKwh: energyKwh,
      capacityKwh: energyKwh,
      minEnergyKwh: 0,
      maxChargeKw,
      minChargeKw: 0,
      maxDischargeKw: 0,
      chargeEfficiency: 1,
      dischargeEfficiency: 1,
      degradationCostPerKwh: 0,
      shortfallPenaltyPerKwh: settings.shortfallPenaltyPerKwh,
    });
  });
  return out;
}
