/**
 * Forecasts on a live site (docs/sites.md, "Forecasts"): the site's ended
 * sessions are its history (service/forecast learns from them, off the
 * request path in a queue job), and each plan asks the model, for every car
 * still plugged in, for its departure and energy. A car is planned to the
 * earlier of its announced departure and the forecast's quantile (given it
 * is still there), and, when it announced no energy, to the forecast's
 * energy instead of the site's default.
 */
import { predictSession, trainForecast, type ForecastModel } from "../forecast/index.js";
import type { HistorySession } from "../forecast/schema.js";
import type { ForecastSettings } from "./schema.js";
import type { SessionRecord } from "./state.js";

/** A site's trained model as the store keeps it. */
export interface SiteForecast {
  trainedAt: string;
  /** Ended sessions it learned from. */
  sessions: number;
  model: ForecastModel;
}

/** What the plan says about one forecast session. */
export interface SessionForecastView {
  sessionId: string;
  departure: { announced?: string; forecast: string; planned: string };
  energyKwh?: { forecast: number; planned: number };
}

/** The `forecast` section of a plan. */
export interface PlanForecast {
  trainedAt: string;
  trainedOnSessions: number;
  departureLevel: number;
  energyLevel: number;
  sessions: SessionForecastView[];
}

/** An ended session as a history record; undefined for one too short or unmetered to learn from. */
export function historyOf(s: SessionRecord): HistorySession | undefined {
  if (s.state !== "ended" || s.endedAt === undefined) return undefined;
  const arrivalMs = Date.parse(s.startedAt);
  const departureMs = Date.parse(s.endedAt);
  if (!(departureMs > arrivalMs)) return undefined;
  const a = s.announced;
  const announcedDepartureMs = a.defaulted.includes("departure") ? undefined : Date.parse(a.departure);
  const announcedEnergy = a.defaulted.includes("targetEnergyKwh") ? undefined : a.targetEnergyKwh - a.initialEnergyKwh;
  return {
    evseId: s.evseId,
    arrivalMs,
    departureMs,
    energyKwh: s.deliveredKwh,
    ...(a.userId !== undefined && { userId: a.userId }),
    ...(announcedDepartureMs !== undefined && announcedDepartureMs > arrivalMs && { announcedDepartureMs }),
    ...(announcedEnergy !== undefined && announcedEnergy >= 0 && { announcedEnergyKwh: announcedEnergy }),
  };
}

/** Train the site's model from its ended sessions; undefined when fewer than `minSessions` can be learned from. */
export function trainSite(
  ended: readonly SessionRecord[],
  settings: ForecastSettings,
): { model: ForecastModel; sessions: number } | undefined {
  const history = ended.flatMap((s) => historyOf(s) ?? []);
  if (history.length < settings.minSessions) return undefined;
  return { model: trainForecast(history, { timeZone: settings.timeZone }), sessions: history.length };
}

/** Whether a site with `ended` learnable sessions should (re)train now. */
export function trainingDue(settings: ForecastSettings, ended: number, current: SiteForecast | undefined): boolean {
  if (ended < settings.minSessions) return false;
  return current === undefined || ended - current.sessions >= settings.retrainEvery;
}

/**
 * The departure and energy a car is planned with. `nowMs`: the plan's start
 * (the forecast is of a stay longer than what has passed).
 */
export function forecastSession(
  s: SessionRecord,
  forecast: SiteForecast,
  settings: ForecastSettings,
  nowMs: number,
): { departureMs: number; targetEnergyKwh?: number; view: SessionForecastView } {
  const a = s.announced;
  const arrivalMs = Date.parse(s.startedAt);
  const announcedDeparture = a.defaulted.includes("departure") ? undefined : Date.parse(a.departure);
  const announcedEnergy = a.defaulted.includes("targetEnergyKwh") ? undefined : a.targetEnergyKwh - a.initialEnergyKwh;
  const levels = [...new Set([settings.departureLevel, settings.energyLevel])].sort((x, y) => x - y);
  const predicted = predictSession(forecast.model, {
    evseId: s.evseId,
    arrivalMs,
    ...(a.userId !== undefined && { userId: a.userId }),
    ...(announcedDeparture !== undefined && announcedDeparture > arrivalMs && { announcedDepartureMs: announcedDeparture }),
    ...(announcedEnergy !== undefined && announcedEnergy >= 0 && { announcedEnergyKwh: announcedEnergy }),
    nowMs: Math.max(nowMs, arrivalMs),
    levels,
  });
  const forecastDeparture = predicted.departureMs[levels.indexOf(settings.departureLevel)];
  const departureMs = announcedDeparture === undefined ? forecastDeparture : Math.min(announcedDeparture, forecastDeparture);
  const view: SessionForecastView = {
    sessionId: s.sessionId,
    departure: {
      ...(announcedDeparture !== undefined && { announced: a.departure }),
      forecast: new Date(forecastDeparture).toISOString(),
      planned: new Date(departureMs).toISOString(),
    },
  };
  if (announcedEnergy !== undefined) return { departureMs, view };
  // No announced energy: the forecast's, never below what the car has already taken.
  const energy = Math.max(predicted.energyKwh[levels.indexOf(settings.energyLevel)], s.deliveredKwh);
  const target = a.initialEnergyKwh + energy * a.chargeEfficiency;
  const planned = a.capacityKwh === undefined ? target : Math.min(target, a.capacityKwh);
  view.energyKwh = { forecast: round(energy), planned: round(planned - a.initialEnergyKwh) };
  return { departureMs, targetEnergyKwh: planned, view };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
