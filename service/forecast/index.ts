/**
 * Forecasts learned from a site's session history (docs/forecast.md):
 * `trainForecast(history)` → a JSON-serialisable model;
 * `predictSession(model, car)` → departure and energy quantiles of a car
 * that just plugged in; `predictArrivals(model, fromMs, slots, slotMinutes)`
 * → per-slot quantiles of the arrivals (count, energy) still to come;
 * `newRecalibration()` / `recalibrate(state, plugInForecast(…), outcome)` →
 * online recalibration of the session quantiles as sessions end.
 */
export { predictArrivals, type ArrivalForecast, type ArrivalSlotForecast } from "./arrivals.js";
export { historyFromReplay, loadHistory } from "./history.js";
export { plugInForecast, predictSession, trainForecast, type ForecastModel, type SessionForecast } from "./model.js";
export {
  DEFAULT_RECALIBRATION_GAMMA,
  newRecalibration,
  recalibrate,
  recalibratedLevels,
  type PlugInForecast,
  type Recalibration,
  type RecalibrationOptions,
} from "./recalibrate.js";
export { pinball, quantiles, weightedQuantiles } from "./quantile.js";
export {
  DEFAULT_LEVELS,
  DEFAULT_OPTIONS,
  ForecastInputError,
  type ForecastOptions,
  type HistorySession,
  type SessionQuery,
} from "./schema.js";
