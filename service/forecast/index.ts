/**
 * Forecasts learned from a site's session history (docs/forecast.md):
 * `trainForecast(history)` → a JSON-serialisable model;
 * `predictSession(model, car)` → departure and energy quantiles of a car
 * that just plugged in; `predictArrivals(model, fromMs, slots, slotMinutes)`
 * → per-slot quantiles of the arrivals (count, energy) still to come.
 */
export { predictArrivals, type ArrivalForecast, type ArrivalSlotForecast } from "./arrivals.js";
export { historyFromReplay, loadHistory } from "./history.js";
export { predictSession, trainForecast, type ForecastModel, type SessionForecast } from "./model.js";
export { pinball, quantiles, weightedQuantiles } from "./quantile.js";
export {
  DEFAULT_LEVELS,
  DEFAULT_OPTIONS,
  ForecastInputError,
  type ForecastOptions,
  type HistorySession,
  type SessionQuery,
} from "./schema.js";
