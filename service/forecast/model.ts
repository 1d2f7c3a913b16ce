/**
 * Session forecasts learned from a site's history: for a car that just
 * plugged in, quantiles of its departure and of the energy it will take.
 *
 * The forecast distribution is a weighted sample pooled from three levels,
 * each shrunk towards the one below (docs/forecast.md):
 *
 * - site: the site's sessions, weighted by closeness of their hour of
 *   arrival to the car's (Gaussian kernel on the circular hour distance) and
 *   by day type (weekday/weekend); kept as a grid of quantiles per day type
 *   and hour, computed at training;
 * - EVSE (`useEvse`, `energyUseEvse`): the sessions at the car's EVSE, kernel-weighted the same
 *   way, with total weight W against `evsePrior` pseudo-sessions of the site;
 * - user: the driver's own sessions, kernel-weighted (wider), with total
 *   weight W against `userPrior` (`energyUserPrior`) pseudo-sessions of the
 *   level below.
 *
 * A user with W ≫ userPrior is forecast from their own habits, a new user
 * (or one never seen at this hour) from the site. When the driver announced
 * a departure (energy), the levels hold the actual/announced ratio (or
 * shift) instead of the raw value, and the announcement is scaled by its
 * quantiles: the announcement is a feature, corrected by how this driver
 * (and the site's drivers) usually deviate from what they announce.
 *
 * The model is a plain JSON-serialisable record (samples and grids of
 * numbers); training is one pass plus 48 weighted quantile grids per target.
 */
import { localParts } from "../simulate/time.js";
import { type ArrivalHistory, trainArrivals } from "./arrivals.js";
import { pinball, weightedQuantiles } from "./quantile.js";
import { type PlugInForecast, type Recalibration, recalibratedLevels } from "./recalibrate.js";
import {
  ANNOUNCEMENT_MODES,
  type AnnouncementMode,
  DEFAULT_LEVELS,
  DEFAULT_OPTIONS,
  ForecastInputError,
  type ForecastOptions,
  type HistorySession,
  type SessionQuery,
  forecastOptionsSchema,
  historySchema,
  parseOrThrow,
  sessionQuerySchema,
} from "./schema.js";

const HOUR_MS = 3_600_000;
/** Shortest forecast stay, h (a ratio or shift never predicts a departure at or before arrival). */
const MIN_DURATION_H = 1 / 60;

/** The four things a level can hold, per session. */
export const TARGETS = ["durationH", "energyKwh", "departureVsAnnounced", "energyVsAnnounced"] as const;
export type Target = (typeof TARGETS)[number];

/** One entity's (user's or EVSE's) sessions, column-wise; null where the session had no announcement. */
export interface EntityHistory {
  /** Local hour of arrival, fractional (8.5 = 08:30). */
  hour: number[];
  /** 0 = weekday, 1 = weekend. */
  daytype: number[];
  durationH: number[];
  energyKwh: number[];
  departureVsAnnounced: (number | null)[];
  energyVsAnnounced: (number | null)[];
}

/** Site-level conditional distributions: per target, 48 grids (daytype·24 + hour) of `gridSize` quantile points, [] where no data. */
export type SiteTables = Record<Target, number[][]>;

/** The options a model was trained with: the departure mode is a concrete one, never `auto`. */
export type ModelOptions = Omit<ForecastOptions, "departureAnnouncement"> & { departureAnnouncement: AnnouncementMode };

/** How `departureAnnouncement: "auto"` chose the mode (absent when it was given). */
export interface AnnouncementChoice {
  chosen: AnnouncementMode;
  /** Sessions with an announced departure in the validation part (the latest quarter of the history's time span). */
  validationSessions: number;
  /** Mean pinball loss of the stay (h, over DEFAULT_LEVELS) per mode on them; empty when there were too few to validate on. */
  pinballH: Partial<Record<AnnouncementMode, number>>;
}

export interface ForecastModel {
  kind: "wattplan.forecast";
  version: 1;
  options: ModelOptions;
  announcementChoice?: AnnouncementChoice;
  trainedOn: {
    sessions: number;
    fromMs: number;
    toMs: number;
    users: number;
    evses: number;
    announcedDepartures: number;
    announcedEnergies: number;
  };
  site: SiteTables;
  users: Record<string, EntityHistory>;
  evses: Record<string, EntityHistory>;
  arrivals: ArrivalHistory;
}

/** What the forecast of one target was made from. */
export interface ForecastBasis {
  /** The target whose distribution was pooled (the announcement-relative one when an announcement was used). */
  target: Target;
  /** Sessions of this user that entered (with any weight). */
  userSessions: number;
  /** Share of the pooled distribution that is the user's own history, 0..1. */
  userShare: number;
  evseShare: number;
}

export interface SessionForecast {
  levels: number[];
  /** Quantiles of the departure instant, ms, one per level. */
  departureMs: number[];
  /** The same as hours after arrival. */
  durationH: number[];
  /** Quantiles of the energy the EV will take, kWh. */
  energyKwh: number[];
  basis: { departure: ForecastBasis; energy: ForecastBasis };
}

/** Day type and fractional local hour of an instant. */
export function dayHour(ms: number, timeZone: string): { daytype: number; hour: number } {
  const p = localParts(ms, timeZone);
  return { daytype: p.weekday === 0 || p.weekday === 6 ? 1 : 0, hour: p.hour + p.minute / 60 };
}

function hourDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d);
}

function kernel(a: number, b: number, bandwidth: number): number {
  const d = hourDistance(a, b) / bandwidth;
  return Math.exp(-0.5 * d * d);
}

function emptyEntity(): EntityHistory {
  return { hour: [], daytype: [], durationH: [], energyKwh: [], departureVsAnnounced: [], energyVsAnnounced: [] };
}

function departureVsAnnounced(durationH: number, announcedH: number, mode: AnnouncementMode): number {
  return mode === "shift" ? durationH - announcedH : durationH / announcedH;
}

function parseOptions(options: Partial<ForecastOptions>): ForecastOptions {
  return parseOrThrow(forecastOptionsSchema, { ...DEFAULT_OPTIONS, ...options }, "options");
}

/**
 * Learn a site's forecast model from its session history (any order).
 * Throws a ForecastInputError naming every invalid session field.
 */
export function trainForecast(history: readonly HistorySession[], options: Partial<ForecastOptions> = {}): ForecastModel {
  const opts = parseOptions(options);
  const sessions = parseOrThrow(historySchema, history, "history");
  if (opts.departureAnnouncement !== "auto") return buildModel(sessions, { ...opts, departureAnnouncement: opts.departureAnnouncement });
  const announcementChoice = chooseDepartureAnnouncement(sessions, opts);
  return { ...buildModel(sessions, { ...opts, departureAnnouncement: announcementChoice.chosen }), announcementChoice };
}

/** Fewest sessions with an announced departure, in each of the two parts, for `auto` to validate on; below it, `none`. */
const MIN_ANNOUNCED_TO_CHOOSE = 30;
/** Share of the history's time span, the latest, that `auto` validates on. */
const VALIDATION_SHARE = 0.25;
/** A mode other than `none` must lower the validation loss by this share to be chosen (announcements are not always there). */
const CHOICE_MARGIN = 0.02;

/**
 * `departureAnnouncement: "auto"`: train each mode on the history before the
 * latest quarter of its time span and score it, by the stay's mean pinball
 * loss, on the sessions of that quarter that announced a departure (only
 * those differ between the modes). Validating on later sessions only, never
 * earlier ones, as the forecast will be used. Drivers whose announcements
 * are reliable make the ratio exact; drivers whose own past stays say more
 * than their announcements make `none` win.
 */
function chooseDepartureAnnouncement(sessions: readonly HistorySession[], opts: ForecastOptions): AnnouncementChoice {
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const s of sessions) {
    fromMs = Math.min(fromMs, s.arrivalMs);
    toMs = Math.max(toMs, s.arrivalMs);
  }
  const splitMs = toMs - VALIDATION_SHARE * (toMs - fromMs);
  const train = sessions.filter((s) => s.departureMs <= splitMs);
  const validation = sessions.filter((s) => s.arrivalMs >= splitMs && s.announcedDepartureMs !== undefined);
  const announcedInTrain = train.filter((s) => s.announcedDepartureMs !== undefined).length;
  if (validation.length < MIN_ANNOUNCED_TO_CHOOSE || announcedInTrain < MIN_ANNOUNCED_TO_CHOOSE)
    return { chosen: "none", validationSessions: validation.length, pinballH: {} };
  const pinballH: Partial<Record<AnnouncementMode, number>> = {};
  for (const mode of ANNOUNCEMENT_MODES) {
    const model = buildModel(train, { ...opts, departureAnnouncement: mode });
    let loss = 0;
    for (const s of validation) {
      const f = predictSession(model, {
        evseId: s.evseId,
        arrivalMs: s.arrivalMs,
        ...(s.userId !== undefined && { userId: s.userId }),
        announcedDepartureMs: s.announcedDepartureMs!,
        levels: [...DEFAULT_LEVELS],
      });
      const stayH = (s.departureMs - s.arrivalMs) / HOUR_MS;
      DEFAULT_LEVELS.forEach((level, i) => (loss += pinball(stayH, f.durationH[i], level)));
    }
    pinballH[mode] = loss / (validation.length * DEFAULT_LEVELS.length);
  }
  let chosen: AnnouncementMode = "none";
  for (const mode of ANNOUNCEMENT_MODES)
    if (pinballH[mode]! < pinballH[chosen]! * (chosen === "none" ? 1 - CHOICE_MARGIN : 1)) chosen = mode;
  return { chosen, validationSessions: validation.length, pinballH };
}

/** One pass over a parsed history with a concrete departure mode. */
function buildModel(sessions: readonly HistorySession[], opts: ModelOptions): ForecastModel {
  const all = emptyEntity();
  const users = new Map<string, EntityHistory>();
  const evses = new Map<string, EntityHistory>();
  let announcedDepartures = 0;
  let announcedEnergies = 0;
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const s of sessions) {
    const { daytype, hour } = dayHour(s.arrivalMs, opts.timeZone);
    const durationH = (s.departureMs - s.arrivalMs) / HOUR_MS;
    const dep =
      s.announcedDepartureMs === undefined
        ? null
        : departureVsAnnounced(durationH, (s.announcedDepartureMs - s.arrivalMs) / HOUR_MS, opts.departureAnnouncement);
    const en = s.announcedEnergyKwh === undefined || !(s.announcedEnergyKwh > 0) ? null : s.energyKwh / s.announcedEnergyKwh;
    if (dep !== null) announcedDepartures++;
    if (en !== null) announcedEnergies++;
    fromMs = Math.min(fromMs, s.arrivalMs);
    toMs = Math.max(toMs, s.arrivalMs);
    const targets: EntityHistory[] = [all];
    if (s.userId !== undefined) {
      let u = users.get(s.userId);
      if (!u) users.set(s.userId, (u = emptyEntity()));
      targets.push(u);
    }
    let e = evses.get(s.evseId);
    if (!e) evses.set(s.evseId, (e = emptyEntity()));
    targets.push(e);
    for (const t of targets) {
      t.hour.push(hour);
      t.daytype.push(daytype);
      t.durationH.push(durationH);
      t.energyKwh.push(s.energyKwh);
      t.departureVsAnnounced.push(dep);
      t.energyVsAnnounced.push(en);
    }
  }
  return {
    kind: "wattplan.forecast",
    version: 1,
    options: opts,
    trainedOn: { sessions: sessions.length, fromMs, toMs, users: users.size, evses: evses.size, announcedDepartures, announcedEnergies },
    site: siteTables(all, opts),
    // fromEntries defines own properties, so an id like "__proto__" stays data.
    users: Object.fromEntries(users),
    evses: Object.fromEntries(evses),
    arrivals: trainArrivals(sessions, opts.timeZone),
  };
}

function siteTables(all: EntityHistory, opts: ModelOptions): SiteTables {
  const levels = Array.from({ length: opts.gridSize }, (_, i) => (i + 0.5) / opts.gridSize);
  const tables = {} as SiteTables;
  for (const target of TARGETS) {
    const grids: number[][] = [];
    for (let daytype = 0; daytype < 2; daytype++)
      for (let h = 0; h < 24; h++) {
        const values: number[] = [];
        const weights: number[] = [];
        const column = all[target];
        for (let i = 0; i < column.length; i++) {
          const v = column[i];
          if (v === null) continue;
          values.push(v);
          weights.push(kernel(all.hour[i], h + 0.5, opts.hourBandwidth) * (all.daytype[i] === daytype ? 1 : opts.otherDaytypeWeight));
        }
        const q = weightedQuantiles({ values, weights }, levels);
        grids.push(q.every(Number.isFinite) ? q : []);
      }
    tables[target] = grids;
  }
  return tables;
}

function lookup(map: Record<string, EntityHistory>, key: string | undefined): EntityHistory | undefined {
  return key !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

interface Pooled {
  values: number[];
  weights: number[];
  basis: ForecastBasis;
}

/** The pooled weighted sample of one target at (daytype, hour), or undefined when the site has no data for it. */
function pool(
  model: ForecastModel,
  target: Target,
  daytype: number,
  hour: number,
  user: EntityHistory | undefined,
  evse: EntityHistory | undefined,
): Pooled | undefined {
  const opts = model.options;
  const grid = model.site[target][daytype * 24 + Math.min(23, Math.floor(hour))];
  if (grid.length === 0) return undefined;
  const values: number[] = [];
  const weights: number[] = [];
  const take = (e: EntityHistory | undefined, bandwidth: number): { from: number; total: number; count: number } => {
    const from = values.length;
    let total = 0;
    let count = 0;
    if (!e) return { from, total, count };
    const column = e[target];
    for (let i = 0; i < column.length; i++) {
      const v = column[i];
      if (v === null) continue;
      const w = kernel(e.hour[i], hour, bandwidth) * (e.daytype[i] === daytype ? 1 : opts.otherDaytypeWeight);
      values.push(v);
      weights.push(w);
      total += w;
      count++;
    }
    return { from, total, count };
  };
  const energy = target === "energyKwh" || target === "energyVsAnnounced";
  const userPrior = energy ? opts.energyUserPrior : opts.userPrior;
  const useEvse = energy ? opts.energyUseEvse : opts.useEvse;
  const u = take(user, opts.userHourBandwidth);
  const e = take(useEvse ? evse : undefined, opts.hourBandwidth);
  const userShare = u.total > 0 ? u.total / (u.total + userPrior) : 0;
  const evseShare = (1 - userShare) * (e.total > 0 ? e.total / (e.total + opts.evsePrior) : 0);
  const siteShare = 1 - userShare - evseShare;
  const userFactor = u.total > 0 ? userShare / u.total : 0;
  const evseFactor = e.total > 0 ? evseShare / e.total : 0;
  for (let i = u.from; i < e.from; i++) weights[i] *= userFactor;
  for (let i = e.from; i < values.length; i++) weights[i] *= evseFactor;
  for (const v of grid) {
    values.push(v);
    weights.push(siteShare / grid.length);
  }
  return { values, weights, basis: { target, userSessions: u.count, userShare, evseShare } };
}

/**
 * Quantiles of the departure and energy of a car that just plugged in.
 * The weekday and hour of arrival are read from `arrivalMs` in the model's
 * time zone; the user and EVSE are optional (unknown ones fall back to the
 * site). With a recalibration state (./recalibrate.ts), each asked level is
 * read at its adjusted level, per target; `levels` in the answer stay the
 * asked ones. Throws a ForecastInputError for an invalid query.
 */
export function predictSession(model: ForecastModel, input: SessionQuery, recalibration?: Recalibration): SessionForecast {
  if (model.kind !== "wattplan.forecast" || model.version !== 1)
    throw new ForecastInputError("not a wattplan.forecast v1 model", ["model: unknown kind or version"]);
  const q = parseOrThrow(sessionQuerySchema, input, "query");
  const levels = [...(q.levels ?? DEFAULT_LEVELS)].sort((a, b) => a - b);
  const stayLevels = recalibration === undefined ? levels : recalibratedLevels(recalibration, "stay", levels);
  const energyLevels = recalibration === undefined ? levels : recalibratedLevels(recalibration, "energy", levels);
  const opts = model.options;
  const { daytype, hour } = dayHour(q.arrivalMs, opts.timeZone);
  const user = lookup(model.users, q.userId);
  const evse = lookup(model.evses, q.evseId);

  // Departure, as hours after arrival.
  const announcedH = q.announcedDepartureMs === undefined ? undefined : (q.announcedDepartureMs - q.arrivalMs) / HOUR_MS;
  let dep =
    opts.departureAnnouncement !== "none" && announcedH !== undefined
      ? pool(model, "departureVsAnnounced", daytype, hour, user, evse)
      : undefined;
  const toHours =
    dep !== undefined && announcedH !== undefined
      ? (v: number) => (opts.departureAnnouncement === "shift" ? announcedH + v : announcedH * v)
      : (v: number) => v;
  dep ??= pool(model, "durationH", daytype, hour, user, evse);
  if (!dep) throw new ForecastInputError("the model holds no sessions", ["model: empty"]);
  const durations = dep.values.map(toHours);
  const elapsedH = q.nowMs === undefined ? 0 : (q.nowMs - q.arrivalMs) / HOUR_MS;
  if (elapsedH > 0) {
    // Still plugged in at nowMs: the distribution given a stay longer than elapsed.
    for (let i = 0; i < durations.length; i++) if (durations[i] <= elapsedH) dep.weights[i] = 0;
  }
  let durationH = weightedQuantiles({ values: durations, weights: dep.weights }, stayLevels);
  durationH = durationH.map((d) => (Number.isFinite(d) ? Math.max(d, MIN_DURATION_H) : elapsedH + MIN_DURATION_H));

  // Energy.
  const announcedKwh = q.announcedEnergyKwh;
  let en =
    opts.energyAnnouncement && announcedKwh !== undefined && announcedKwh > 0
      ? pool(model, "energyVsAnnounced", daytype, hour, user, evse)
      : undefined;
  const scale = en !== undefined && announcedKwh !== undefined ? announcedKwh : 1;
  en ??= pool(model, "energyKwh", daytype, hour, user, evse);
  if (!en) throw new ForecastInputError("the model holds no sessions", ["model: empty"]);
  const past = q.drawingPastKwh;
  if (past !== undefined && past > 0) {
    // Still drawing after `past` kWh: the distribution given a demand above it, as for the stay above.
    en = { ...en, weights: en.values.map((v, i) => (v * scale <= past ? 0 : en!.weights[i])) };
  }
  // Past every session in the history: nothing to go by but that it wants more.
  const energyKwh = weightedQuantiles(en, energyLevels).map((v) => (Number.isFinite(v) ? Math.max(0, v * scale) : (past ?? 0)));

  return {
    levels,
    departureMs: durationH.map((d) => Math.round(q.arrivalMs + d * HOUR_MS)),
    durationH,
    energyKwh,
    basis: { departure: dep.basis, energy: en.basis },
  };
}

/**
 * The forecast of a car at plug-in (no `nowMs`, no `drawingPastKwh`) at the
 * recalibration's tracked levels, as recalibrated now: what to keep until the
 * session ends and then give to `recalibrate` with what happened.
 */
export function plugInForecast(model: ForecastModel, recalibration: Recalibration, query: SessionQuery): PlugInForecast {
  const { nowMs: _now, drawingPastKwh: _past, ...atArrival } = query;
  const f = predictSession(model, { ...atArrival, levels: recalibration.levels }, recalibration);
  return { arrivalMs: query.arrivalMs, durationH: f.durationH, energyKwh: f.energyKwh };
}
