/**
 * Forecasts on a live site (docs/sites.md, "Forecasts"): the site's ended
 * sessions are its history (service/forecast learns from them, off the
 * request path in a queue job), and each plan asks the model, for every car
 * still plugged in, for its departure and energy. A car is planned to the
 * earlier of its announced departure and the forecast's quantile (given it
 * is still there), and, when it announced no energy, to the forecast's
 * energy instead of the site's default.
 */
import {
  newRecalibration,
  plugInForecast,
  predictArrivals,
  predictSession,
  recalibrate,
  trainForecast,
  type ForecastModel,
  type PlugInForecast,
  type Recalibration,
} from "../forecast/index.js";
import type { HistorySession } from "../forecast/schema.js";
import type { RequestInput } from "../../engine/model/schema.js";
import type { ForecastSettings } from "./schema.js";
import type { SessionRecord } from "./state.js";

/**
 * How well the training's model forecast the site's latest sessions: a time
 * split (the last fifth, at least 5 sessions, held out, the model trained on
 * the rest); the stored model is then trained on all of them. null where
 * there were too few sessions to hold any out.
 */
export interface TrainingMetrics {
  heldOutSessions: number;
  /** Mean absolute error of the median departure, hours. */
  departureMaeH: number | null;
  /** Mean absolute error of the median energy, kWh. */
  energyMaeKwh: number | null;
  /** Share of held-out departures at or before the 10 % and the 90 % quantiles (calibrated: about 0.1 and 0.9). */
  departureBelowQ10: number | null;
  departureBelowQ90: number | null;
  /** Wall time of the whole training, ms. */
  trainingMs: number;
}

/** A site's trained model as the store keeps it. */
export interface SiteForecast {
  trainedAt: string;
  /** Ended sessions it learned from. */
  sessions: number;
  metrics: TrainingMetrics;
  model: ForecastModel;
  /**
   * Online recalibration (settings.recalibrationGamma; docs/forecast.md): as
   * stored, updated by the plans as sessions end. A plan is given it only
   * while the setting is on.
   */
  recalibration?: Recalibration;
}

const MIN_HELD_OUT = 5;
const HELD_OUT_SHARE = 0.2;

/** What the plan says about one forecast session. */
export interface SessionForecastView {
  sessionId: string;
  departure: { announced?: string; forecast: string; planned: string };
  energyKwh?: { forecast: number; planned: number };
}

/** A session of the request that stands for the cars expected to arrive in one slot. */
export interface ExpectedArrivalView {
  sessionId: string;
  arrival: string;
  departure: string;
  /** Expected number of cars arriving in the slot. */
  count: number;
  /** Their expected energy, kWh in all. */
  energyKwh: number;
}

/** The `forecast` section of a plan. */
export interface PlanForecast {
  trainedAt: string;
  trainedOnSessions: number;
  departureLevel: number;
  energyLevel: number;
  sessions: SessionForecastView[];
  expectedArrivals?: ExpectedArrivalView[];
}

/** Ids of expected-arrival sessions start with this (they have no EVSE and get no OCPP profile). */
export const EXPECTED_PREFIX = "expected:";
/** Slots expecting fewer cars than this get no expected-arrival session. */
const MIN_EXPECTED_COUNT = 0.05;
/** Expected cars weigh this share of the site's shortfall penalty: real cars come first. */
const EXPECTED_PENALTY_SHARE = 0.5;

/**
 * The cars the forecast expects within the horizon, one session per slot
 * from the next slot on (a car arriving during the current slot cannot
 * charge in it): the slot's expected count and energy, staying the site's
 * median stay for that arrival time, drawing up to the count × the mean EVSE
 * power.
 */
export function expectedArrivals(
  forecast: SiteForecast,
  startMs: number,
  slots: number,
  slotMinutes: number,
  meanEvseKw: number,
  shortfallPenaltyPerKwh: number,
): { sessions: RequestInput["sessions"]; views: ExpectedArrivalView[] } {
  const slotMs = slotMinutes * 60_000;
  const forecastSlots = predictArrivals(forecast.model, startMs, slots, slotMinutes, [0.5]).slots;
  const sessions: RequestInput["sessions"] = [];
  const views: ExpectedArrivalView[] = [];
  for (let t = 1; t < slots; t++) {
    const slot = forecastSlots[t];
    if (slot.meanCount < MIN_EXPECTED_COUNT || !(slot.meanEnergyKwh > 0)) continue;
    const arrivalMs = slot.startMs;
    const stayH = predictSession(forecast.model, { arrivalMs, levels: [0.5] }, forecast.recalibration).durationH[0];
    // At least one whole slot of stay, ending on a slot boundary.
    const departureMs = arrivalMs + Math.max(1, Math.round((stayH * 3_600_000) / slotMs)) * slotMs;
    const sessionId = `${EXPECTED_PREFIX}${new Date(arrivalMs).toISOString()}`;
    sessions.push({
      id: sessionId,
      arrival: new Date(arrivalMs).toISOString(),
      departure: new Date(departureMs).toISOString(),
      initialEnergyKwh: 0,
      targetEnergyKwh: round(slot.meanEnergyKwh),
      maxChargeKw: round(Math.max(slot.meanCount, MIN_EXPECTED_COUNT) * meanEvseKw),
      shortfallPenaltyPerKwh: shortfallPenaltyPerKwh * EXPECTED_PENALTY_SHARE,
    });
    views.push({
      sessionId,
      arrival: new Date(arrivalMs).toISOString(),
      departure: new Date(departureMs).toISOString(),
      count: round(slot.meanCount),
      energyKwh: round(slot.meanEnergyKwh),
    });
  }
  return { sessions, views };
}

/** What a forecast knows of a session at its plug-in: its EVSE, arrival, driver and what was announced (as it is now). */
export function arrivalQueryOf(s: SessionRecord): Omit<HistorySession, "departureMs" | "energyKwh"> {
  const arrivalMs = Date.parse(s.startedAt);
  const a = s.announced;
  const announcedDepartureMs = a.defaulted.includes("departure") ? undefined : Date.parse(a.departure);
  const announcedEnergy = a.defaulted.includes("targetEnergyKwh") ? undefined : a.targetEnergyKwh - a.initialEnergyKwh;
  return {
    evseId: s.evseId,
    arrivalMs,
    ...(a.userId !== undefined && { userId: a.userId }),
    ...(announcedDepartureMs !== undefined && announcedDepartureMs > arrivalMs && { announcedDepartureMs }),
    ...(announcedEnergy !== undefined && announcedEnergy >= 0 && { announcedEnergyKwh: announcedEnergy }),
  };
}

/** An ended session as a history record; undefined for one too short or unmetered to learn from. */
export function historyOf(s: SessionRecord): HistorySession | undefined {
  if (s.state !== "ended" || s.endedAt === undefined) return undefined;
  const departureMs = Date.parse(s.endedAt);
  const query = arrivalQueryOf(s);
  if (!(departureMs > query.arrivalMs)) return undefined;
  return { ...query, departureMs, energyKwh: s.deliveredKwh };
}

/** Train the site's model from its ended sessions; undefined when fewer than `minSessions` can be learned from. */
export function trainSite(
  ended: readonly SessionRecord[],
  settings: ForecastSettings,
): { model: ForecastModel; sessions: number; metrics: TrainingMetrics; latestDepartureMs: number } | undefined {
  const started = performance.now();
  const history = ended.flatMap((s) => historyOf(s) ?? []).sort((a, b) => a.arrivalMs - b.arrivalMs);
  if (history.length < settings.minSessions) return undefined;
  const options = { timeZone: settings.timeZone };
  const heldOut = Math.max(MIN_HELD_OUT, Math.floor(history.length * HELD_OUT_SHARE));
  const split = history.length - heldOut;
  const metrics: TrainingMetrics = {
    heldOutSessions: 0,
    departureMaeH: null,
    energyMaeKwh: null,
    departureBelowQ10: null,
    departureBelowQ90: null,
    trainingMs: 0,
  };
  if (split >= MIN_HELD_OUT) {
    // Never the other way round: every held-out session arrived after every training one.
    const early = trainForecast(history.slice(0, split), options);
    let dep = 0;
    let en = 0;
    let below10 = 0;
    let below90 = 0;
    for (const s of history.slice(split)) {
      const p = predictSession(early, {
        evseId: s.evseId,
        arrivalMs: s.arrivalMs,
        ...(s.userId !== undefined && { userId: s.userId }),
        ...(s.announcedDepartureMs !== undefined && { announcedDepartureMs: s.announcedDepartureMs }),
        ...(s.announcedEnergyKwh !== undefined && { announcedEnergyKwh: s.announcedEnergyKwh }),
        levels: [0.1, 0.5, 0.9],
      });
      dep += Math.abs(p.departureMs[1] - s.departureMs) / HOUR_MS;
      en += Math.abs(p.energyKwh[1] - s.energyKwh);
      if (s.departureMs <= p.departureMs[0]) below10++;
      if (s.departureMs <= p.departureMs[2]) below90++;
    }
    Object.assign(metrics, {
      heldOutSessions: heldOut,
      departureMaeH: round(dep / heldOut),
      energyMaeKwh: round(en / heldOut),
      departureBelowQ10: round(below10 / heldOut),
      departureBelowQ90: round(below90 / heldOut),
    });
  }
  const model = trainForecast(history, options);
  metrics.trainingMs = round(performance.now() - started);
  const latestDepartureMs = history.reduce((latest, s) => Math.max(latest, s.departureMs), -Infinity);
  return { model, sessions: history.length, metrics, latestDepartureMs };
}

/**
 * The recalibration a new model starts with: the previous model's adjusted
 * levels (ACI's guarantee holds for any sequence of models, and a retrained
 * model that has caught up with a drift is corrected back by the outcomes
 * that follow), learning only sessions that end after the newest it was
 * trained on; a fresh one for a first model.
 */
export function carriedRecalibration(
  previous: Recalibration | undefined,
  settings: ForecastSettings,
  latestDepartureMs: number,
): Recalibration {
  const base = previous ?? newRecalibration(settings.recalibrationGamma > 0 ? { gamma: settings.recalibrationGamma } : {});
  return {
    ...base,
    ...(settings.recalibrationGamma > 0 && { gamma: settings.recalibrationGamma }),
    lastDepartureMs: Math.max(base.lastDepartureMs ?? -Infinity, latestDepartureMs),
  };
}

/**
 * Learn the sessions that ended since the state's latest outcome, in the
 * order they ended: each one's forecast at plug-in, the one its first plan
 * stored (`plugInForecasts`), against its real departure and delivered
 * energy, as ACI judges the interval it issued. A session without one (it
 * plugged in before they were stored, or at other tracked levels) is
 * forecast again with this model and state. A session too short to learn
 * from only moves the state past it.
 */
export function learnEnded(
  state: Recalibration,
  model: ForecastModel,
  ended: readonly { session: SessionRecord; plugInForecast?: PlugInForecast }[],
): Recalibration {
  let r = state;
  for (const { session: s, plugInForecast: issued } of ended) {
    const h = historyOf(s);
    if (h === undefined) {
      if (s.endedAt !== undefined) r = { ...r, lastDepartureMs: Math.max(r.lastDepartureMs ?? -Infinity, Date.parse(s.endedAt)) };
      continue;
    }
    if (r.lastDepartureMs !== null && h.departureMs <= r.lastDepartureMs) continue;
    const { departureMs, energyKwh, ...atArrival } = h;
    const atPlugIn = issued !== undefined && issued.durationH.length === r.levels.length ? issued : plugInForecast(model, r, atArrival);
    r = recalibrate(r, atPlugIn, { departureMs, energyKwh });
  }
  return r;
}

/** The forecast each of `sessions` is given at plug-in with this model and state (what `learnEnded` judges later). */
export function plugInForecasts(
  state: Recalibration,
  model: ForecastModel,
  sessions: readonly SessionRecord[],
): Map<string, PlugInForecast> {
  return new Map(sessions.map((s) => [s.sessionId, plugInForecast(model, state, arrivalQueryOf(s))]));
}

const HOUR_MS = 3_600_000;

/**
 * Whether a site with `ended` learnable sessions should (re)train at `nowMs`:
 * a first model once `minSessions` ended, then after `retrainEvery` more, or
 * after `retrainHours` with at least one more.
 */
export function trainingDue(settings: ForecastSettings, ended: number, current: SiteForecast | undefined, nowMs: number): boolean {
  if (ended < settings.minSessions) return false;
  if (current === undefined) return true;
  const fresh = ended - current.sessions;
  return fresh >= settings.retrainEvery || (fresh > 0 && nowMs - Date.parse(current.trainedAt) >= settings.retrainHours * HOUR_MS);
}

/** What the driver really announced (not what the site's defaults filled in). */
function announcementsOf(s: SessionRecord): { announcedDeparture?: number; announcedEnergy?: number } {
  const a = s.announced;
  const departure = Date.parse(a.departure);
  const energy = a.targetEnergyKwh - a.initialEnergyKwh;
  return {
    ...(!a.defaulted.includes("departure") && departure > Date.parse(s.startedAt) && { announcedDeparture: departure }),
    ...(!a.defaulted.includes("targetEnergyKwh") && energy >= 0 && { announcedEnergy: energy }),
  };
}

/** The model query for a car still plugged in at `nowMs`. */
function queryOf(s: SessionRecord, nowMs: number, levels: number[]) {
  const { announcedDeparture, announcedEnergy } = announcementsOf(s);
  const arrivalMs = Date.parse(s.startedAt);
  return {
    evseId: s.evseId,
    arrivalMs,
    ...(s.announced.userId !== undefined && { userId: s.announced.userId }),
    ...(announcedDeparture !== undefined && { announcedDepartureMs: announcedDeparture }),
    ...(announcedEnergy !== undefined && { announcedEnergyKwh: announcedEnergy }),
    nowMs: Math.max(nowMs, arrivalMs),
    // A car still taking energy wants more than it has had (one that stopped by itself, SuspendedEV, does not).
    ...(s.evSuspended !== true && s.deliveredKwh > 0 && { drawingPastKwh: s.deliveredKwh }),
    levels,
  };
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
  const { announcedDeparture, announcedEnergy } = announcementsOf(s);
  const levels = [...new Set([settings.departureLevel, settings.energyLevel])].sort((x, y) => x - y);
  const predicted = predictSession(forecast.model, queryOf(s, nowMs, levels), forecast.recalibration);
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

/** The recalibration a plan applies: the stored one while `recalibrationGamma` is on. */
export function recalibrationFor(forecast: SiteForecast, settings: ForecastSettings): Recalibration | undefined {
  return settings.recalibrationGamma > 0 ? forecast.recalibration : undefined;
}

/** Quantile levels `GET /v1/sites/:siteId/forecast` reports. */
export const VIEW_LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

/** The body of `GET /v1/sites/:siteId/forecast`, without the site id. */
export function forecastView(
  forecast: SiteForecast,
  settings: ForecastSettings,
  active: readonly SessionRecord[],
  fromMs: number,
  slots: number,
  slotMinutes: number,
) {
  const m = forecast.model;
  const arrivals = predictArrivals(m, fromMs, slots, slotMinutes, VIEW_LEVELS);
  const r = forecast.recalibration;
  const applied = recalibrationFor(forecast, settings);
  return {
    model: {
      kind: m.kind,
      version: m.version,
      trainedAt: forecast.trainedAt,
      trainedOnSessions: forecast.sessions,
      from: new Date(m.trainedOn.fromMs).toISOString(),
      to: new Date(m.trainedOn.toMs).toISOString(),
      users: m.trainedOn.users,
      timeZone: m.options.timeZone,
      departureAnnouncement: m.options.departureAnnouncement,
      ...(m.announcementChoice !== undefined && { announcementChoice: m.announcementChoice }),
      metrics: forecast.metrics,
      ...(r !== undefined && {
        recalibration: {
          applied: applied !== undefined,
          gamma: r.gamma,
          outcomes: r.outcomes,
          lastOutcome: r.lastDepartureMs === null || !Number.isFinite(r.lastDepartureMs) ? null : new Date(r.lastDepartureMs).toISOString(),
          levels: r.levels,
          stayLevels: r.adjusted.stay.map(round),
          energyLevels: r.adjusted.energy.map(round),
        },
      }),
    },
    settings,
    from: new Date(fromMs).toISOString(),
    levels: [...VIEW_LEVELS],
    sessions: active.map((s) => {
      const p = predictSession(m, queryOf(s, fromMs, [...VIEW_LEVELS]), applied);
      const planned = forecastSession(s, { ...forecast, recalibration: applied }, settings, fromMs);
      return {
        sessionId: s.sessionId,
        evseId: s.evseId,
        startedAt: s.startedAt,
        departure: p.departureMs.map((ms) => new Date(ms).toISOString()),
        energyKwh: p.energyKwh.map(round),
        planned: planned.view,
      };
    }),
    arrivals: {
      slotMinutes,
      slots: arrivals.slots.map((x) => ({
        start: new Date(x.startMs).toISOString(),
        count: x.count.map(round),
        meanCount: round(x.meanCount),
        energyKwh: x.energyKwh.map(round),
        meanEnergyKwh: round(x.meanEnergyKwh),
      })),
    },
  };
}
