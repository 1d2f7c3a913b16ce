/**
 * bench:forecast — the forecasts of service/forecast on both real Caltech
 * files, with a time split (train on the earlier part, test on the later,
 * never the other way):
 *
 * - acn-caltech-2019-03 (one month, ACN-Sim events): split by date inside
 *   the month, train on 1–21 March, test on 22–31 March. No user ids, and no
 *   announcements: its "estimated departure" equals the real departure in
 *   every row (and its requested energy the delivered one), so it would be
 *   the answer, not a forecast; the announcement baseline is not run there.
 * - acn-caltech-2020-12_2021-09 (ACN-Data): train on December 2020 – May
 *   2021, test on June – September 2021.
 *
 * The method is chosen on a validation split inside the training part (its
 * last quarter of days, the model trained on the rest); the test rows
 * report every variant, the chosen one marked. Baselines: the driver's own
 * announcement (a point forecast: every quantile equals it; where a session
 * has none, the site's median by hour of arrival), and the site's empirical
 * quantiles by hour of arrival. Figures: MAE of the median, mean pinball
 * loss over the levels 0.1, 0.25, 0.5, 0.75, 0.9, calibration (share of
 * actuals below each quantile), training and prediction times.
 *
 * Online recalibration (service/forecast/recalibrate.ts): the chosen
 * combination's test (and validation) sessions again, in time order, each
 * forecast at its arrival through a recalibrator that has learned only the
 * outcomes of sessions that departed before then; ACI at several steps γ
 * and, for comparison, a rolling conformal residual shift.
 *
 *   npm run bench:forecast [-- --out bench/results/forecast]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import type { TopLevelSpec } from "vega-lite";
import { CHART_FONT } from "../service/charts/vega-svg.js";
import {
  DEFAULT_OPTIONS,
  DEFAULT_RECALIBRATION_GAMMA,
  type HistorySession,
  type ForecastOptions,
  type ForecastModel,
  loadHistory,
  newRecalibration,
  pinball,
  plugInForecast,
  predictArrivals,
  predictSession,
  quantiles,
  type Recalibration,
  recalibrate,
  trainForecast,
  weightedQuantiles,
} from "../service/forecast/index.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { writePlot } from "../service/simulate/plots.js";
import { localParts, zonedTime } from "../service/simulate/time.js";
import { median } from "./stats.js";

const LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9];
const MID = LEVELS.indexOf(0.5);
const HOUR_MS = 3_600_000;
const TZ = "America/Los_Angeles";

const { values: args } = parseArgs({ options: { out: { type: "string", default: "bench/results/forecast" } } });
const outDir = args.out ?? "bench/results/forecast";
mkdirSync(outDir, { recursive: true });

interface Case {
  name: string;
  file: string;
  announcements: boolean;
  /** Local date (YYYY-MM-DD) of the first test day. */
  testFrom: string;
  splitNote: string;
}

const CASES: Case[] = [
  {
    name: "caltech-2019-03",
    file: "acn-caltech-2019-03.csv",
    announcements: false,
    testFrom: "2019-03-22",
    splitNote: "one month, split by date inside it: train 2019-03-01..21, test 2019-03-22..31",
  },
  {
    name: "caltech-2020-12_2021-09",
    file: "acn-caltech-2020-12_2021-09.csv",
    announcements: true,
    testFrom: "2021-06-01",
    splitNote: "train 2020-12-01..2021-05-31, test 2021-06-01..2021-09-30",
  },
];

/** A predictor of one session: quantiles (at LEVELS) of duration (h) and energy (kWh). */
type Predictor = (s: HistorySession) => { durationH: number[]; energyKwh: number[] };

interface Variant {
  name: string;
  options: Partial<ForecastOptions>;
}

/** A userPrior that leaves the user level out (the user's share is ~1e-11). */
const OFF = 1e12;

/** The same levels for both targets. */
function levels(
  userPrior: number,
  useEvse: boolean,
  departureAnnouncement: ForecastOptions["departureAnnouncement"],
  energyAnnouncement: boolean,
) {
  return { userPrior, energyUserPrior: userPrior, useEvse, energyUseEvse: useEvse, departureAnnouncement, energyAnnouncement };
}

const VARIANTS: Variant[] = [
  { name: "site (hour kernel × day type)", options: levels(OFF, false, "none", false) },
  { name: "EVSE → site", options: levels(OFF, true, "none", false) },
  { name: "user → site", options: levels(5, false, "none", false) },
  { name: "user → site, userPrior 1", options: levels(1, false, "none", false) },
  { name: "user → site, userPrior 20", options: levels(20, false, "none", false) },
  { name: "user → EVSE → site", options: levels(5, true, "none", false) },
  { name: "site + announcement ratio", options: levels(OFF, false, "ratio", true) },
  { name: "user → site + announcement ratio", options: levels(5, false, "ratio", true) },
  { name: "user → site + ann. ratio, userPrior 1", options: levels(1, false, "ratio", true) },
  { name: "user → site + ann. shift", options: levels(5, false, "shift", true) },
  { name: "user → EVSE → site + ann. ratio", options: levels(5, true, "ratio", true) },
];

/** Whether options set the levels and announcement modes as DEFAULT_OPTIONS do. */
function sameLevels(o: Partial<ForecastOptions>): boolean {
  const keys = ["userPrior", "useEvse", "energyUserPrior", "energyUseEvse", "departureAnnouncement", "energyAnnouncement"] as const;
  // "auto" chooses the departure mode per site, so any mode matches it.
  return keys.every((k) => o[k] === DEFAULT_OPTIONS[k] || (k === "departureAnnouncement" && DEFAULT_OPTIONS[k] === "auto"));
}

/** The departure settings of one variant with the energy settings of another. */
function combine(departure: Variant, energy: Variant): Variant {
  const e = energy.options;
  return {
    name: departure === energy ? departure.name : `${departure.name} (stay) + ${energy.name} (energy)`,
    options: {
      ...departure.options,
      energyUserPrior: e.energyUserPrior,
      energyUseEvse: e.energyUseEvse,
      energyAnnouncement: e.energyAnnouncement,
    },
  };
}

function localDate(ms: number): string {
  const p = localParts(ms, TZ);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

function durationH(s: HistorySession): number {
  return (s.departureMs - s.arrivalMs) / HOUR_MS;
}

/** The site's empirical quantiles by (integer) local hour of arrival; the whole site's for an hour with fewer than 5 sessions. */
function siteHourBaseline(train: HistorySession[]): Predictor {
  const byHour = new Map<number, HistorySession[]>();
  for (const s of train) {
    const h = localParts(s.arrivalMs, TZ).hour;
    byHour.set(h, [...(byHour.get(h) ?? []), s]);
  }
  const all = {
    durationH: quantiles(train.map(durationH), LEVELS),
    energyKwh: quantiles(
      train.map((s) => s.energyKwh),
      LEVELS,
    ),
  };
  const table = new Map<number, { durationH: number[]; energyKwh: number[] }>();
  for (const [h, list] of byHour)
    if (list.length >= 5)
      table.set(h, {
        durationH: quantiles(list.map(durationH), LEVELS),
        energyKwh: quantiles(
          list.map((s) => s.energyKwh),
          LEVELS,
        ),
      });
  return (s) => table.get(localParts(s.arrivalMs, TZ).hour) ?? all;
}

/** The driver's announcement as a point forecast; the site's hour median where there is none. */
function announcementBaseline(train: HistorySession[]): Predictor {
  const site = siteHourBaseline(train);
  return (s) => {
    const fallback = site(s);
    const d = s.announcedDepartureMs !== undefined ? (s.announcedDepartureMs - s.arrivalMs) / HOUR_MS : fallback.durationH[MID];
    const e = s.announcedEnergyKwh ?? fallback.energyKwh[MID];
    return { durationH: LEVELS.map(() => d), energyKwh: LEVELS.map(() => e) };
  };
}

/** Everything the car tells; the model's options decide what is used. */
function queryOf(s: HistorySession) {
  return {
    arrivalMs: s.arrivalMs,
    evseId: s.evseId,
    userId: s.userId,
    announcedDepartureMs: s.announcedDepartureMs,
    announcedEnergyKwh: s.announcedEnergyKwh,
    levels: LEVELS,
  };
}

function modelPredictor(train: HistorySession[], v: Variant): Predictor {
  const model = trainForecast(train, { timeZone: TZ, ...v.options });
  return (s) => {
    const f = predictSession(model, queryOf(s));
    return { durationH: f.durationH, energyKwh: f.energyKwh };
  };
}

interface Score {
  n: number;
  depMae: number;
  depPinball: number;
  depBelow: number[];
  enMae: number;
  enPinball: number;
  enBelow: number[];
}

function score(
  predict: Predictor,
  test: HistorySession[],
): { score: Score; points: { d: number; dq: number[]; e: number; eq: number[] }[] } {
  let depMae = 0;
  let depPin = 0;
  let enMae = 0;
  let enPin = 0;
  const depBelow = LEVELS.map(() => 0);
  const enBelow = LEVELS.map(() => 0);
  const points: { d: number; dq: number[]; e: number; eq: number[] }[] = [];
  for (const s of test) {
    const p = predict(s);
    const d = durationH(s);
    depMae += Math.abs(d - p.durationH[MID]);
    enMae += Math.abs(s.energyKwh - p.energyKwh[MID]);
    LEVELS.forEach((l, i) => {
      depPin += pinball(d, p.durationH[i], l) / LEVELS.length;
      enPin += pinball(s.energyKwh, p.energyKwh[i], l) / LEVELS.length;
      if (d <= p.durationH[i]) depBelow[i]++;
      if (s.energyKwh <= p.energyKwh[i]) enBelow[i]++;
    });
    points.push({ d, dq: p.durationH, e: s.energyKwh, eq: p.energyKwh });
  }
  const n = test.length;
  return {
    score: {
      n,
      depMae: depMae / n,
      depPinball: depPin / n,
      depBelow: depBelow.map((x) => x / n),
      enMae: enMae / n,
      enPinball: enPin / n,
      enBelow: enBelow.map((x) => x / n),
    },
    points,
  };
}

/** Scores of several folds as one (each figure weighted by its fold's sessions). */
function pooled(scores: Score[]): Score {
  const n = scores.reduce((a, s) => a + s.n, 0);
  const mean = (key: "depMae" | "depPinball" | "enMae" | "enPinball") => scores.reduce((a, s) => a + s[key] * s.n, 0) / n;
  const meanAt = (key: "depBelow" | "enBelow") => LEVELS.map((_, i) => scores.reduce((a, s) => a + s[key][i] * s.n, 0) / n);
  return {
    n,
    depMae: mean("depMae"),
    depPinball: mean("depPinball"),
    depBelow: meanAt("depBelow"),
    enMae: mean("enMae"),
    enPinball: mean("enPinball"),
    enBelow: meanAt("enBelow"),
  };
}

/**
 * Online recalibration, scored the way a live site would see it: the
 * sessions are taken in time order, each forecast at its arrival, and a
 * session's outcome is learned only once it has ended (departure strictly
 * before the forecast's arrival). The model itself stays the one trained on
 * the training part.
 */
interface OnlineMethod {
  name: string;
  /** A fresh recalibrator for a model: forecast at plug-in, learn from an ended session. */
  start(model: ForecastModel): {
    predict(s: HistorySession): { durationH: number[]; energyKwh: number[] };
    learn(s: HistorySession, atPlugIn: { durationH: number[]; energyKwh: number[] }): void;
  };
}

/** Adaptive Conformal Inference (service/forecast/recalibrate.ts) with step γ. */
function aciMethod(gamma: number): OnlineMethod {
  return {
    name: `ACI, γ = ${gamma}`,
    start(model) {
      let state: Recalibration = newRecalibration({ gamma, levels: LEVELS });
      return {
        predict: (s) => plugInForecast(model, state, queryOf(s)),
        learn: (s, atPlugIn) => {
          state = recalibrate(state, { arrivalMs: s.arrivalMs, ...atPlugIn }, s);
        },
      };
    },
  };
}

/**
 * Rolling conformal shift (the alternative): each quantile shifted by the
 * empirical quantile, at its own level, of its residuals y − q over the last
 * `window` ended sessions (no shift before 20 of them).
 */
function rollingShiftMethod(window: number): OnlineMethod {
  return {
    name: `rolling residual shift, last ${window} sessions`,
    start(model) {
      const stay: number[][] = LEVELS.map(() => []);
      const energy: number[][] = LEVELS.map(() => []);
      const shift = (res: number[][], q: number[], floor: number) => {
        const out = q.map((x, i) => {
          const r = res[i].slice(-window);
          if (r.length < 20) return x;
          return Math.max(floor, x + weightedQuantiles({ values: r, weights: r.map(() => 1) }, [LEVELS[i]])[0]);
        });
        for (let i = 1; i < out.length; i++) out[i] = Math.max(out[i], out[i - 1]);
        return out;
      };
      const raw = new Map<HistorySession, { durationH: number[]; energyKwh: number[] }>();
      return {
        predict: (s) => {
          const f = predictSession(model, queryOf(s));
          raw.set(s, { durationH: f.durationH, energyKwh: f.energyKwh });
          return { durationH: shift(stay, f.durationH, 1 / 60), energyKwh: shift(energy, f.energyKwh, 0) };
        },
        learn: (s) => {
          const f = raw.get(s)!;
          LEVELS.forEach((_, i) => {
            stay[i].push(durationH(s) - f.durationH[i]);
            energy[i].push(s.energyKwh - f.energyKwh[i]);
          });
        },
      };
    },
  };
}

/**
 * The online run: forecasts in arrival order, outcomes learned in departure
 * order, each only once its departure is before the forecast's time. Returns
 * a Predictor replaying the forecasts made (for score()) and the number of
 * outcomes learned before the last forecast.
 */
function online(model: ForecastModel, method: OnlineMethod, sessions: HistorySession[]): { predictor: Predictor; learned: number } {
  const r = method.start(model);
  const made = new Map<HistorySession, { durationH: number[]; energyKwh: number[] }>();
  let pending: HistorySession[] = [];
  let learned = 0;
  for (const s of [...sessions].sort((a, b) => a.arrivalMs - b.arrivalMs)) {
    const ended = pending.filter((p) => p.departureMs < s.arrivalMs).sort((a, b) => a.departureMs - b.departureMs);
    pending = pending.filter((p) => p.departureMs >= s.arrivalMs);
    for (const p of ended) {
      r.learn(p, made.get(p)!);
      learned++;
    }
    made.set(s, r.predict(s));
    pending.push(s);
  }
  return { predictor: (s) => made.get(s)!, learned };
}

const ONLINE_METHODS: OnlineMethod[] = [...[0.005, 0.01, 0.02, 0.05].map(aciMethod), ...[100, 300].map(rollingShiftMethod)];

/** Largest distance, percentage points, of a share below from its level, over the levels of both targets. */
function worstCalibration(sc: Score): number {
  return 100 * Math.max(...LEVELS.map((l, i) => Math.max(Math.abs(sc.depBelow[i] - l), Math.abs(sc.enBelow[i] - l))));
}

const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const pct = (xs: number[]) => xs.map((x) => (100 * x).toFixed(0)).join(" / ");

interface Row {
  method: string;
  kind: "baseline" | "model";
  validation?: Score;
  test: Score;
  chosenFor: string[];
}

function timeMs(fn: () => void, runs: number): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const md: string[] = [];
const json: Record<string, unknown> = {};
const calibrationRows: { case: string; method: string; target: string; level: number; observed: number }[] = [];
const scatter: { case: string; target: string; actual: number; p10: number; p50: number; p90: number }[] = [];

md.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, ${new Date().toISOString()}.`, "");

for (const c of CASES) {
  const history = loadHistory(dataFile("sessions", c.file), { announcements: c.announcements }).sort((a, b) => a.arrivalMs - b.arrivalMs);
  const train = history.filter((s) => localDate(s.arrivalMs) < c.testFrom);
  const test = history.filter((s) => localDate(s.arrivalMs) >= c.testFrom);
  // Validation inside the training part: its last quarter of days.
  const trainDays = [...new Set(train.map((s) => localDate(s.arrivalMs)))].sort();
  // Two rolling-origin folds: fit on the first half of the training days and
  // validate on the third quarter, then fit on three quarters and validate on
  // the last; a choice must hold in both periods, not one.
  const dayAt = (share: number) => trainDays[Math.floor(trainDays.length * share)] ?? c.testFrom;
  const folds = [
    [dayAt(0.5), dayAt(0.75)],
    [dayAt(0.75), c.testFrom],
  ].map(([from, to]) => ({
    from,
    fit: train.filter((s) => localDate(s.arrivalMs) < from),
    val: train.filter((s) => localDate(s.arrivalMs) >= from && localDate(s.arrivalMs) < to),
  }));
  const validate = (make: (t: HistorySession[]) => Predictor): Score => pooled(folds.map((f) => score(make(f.fit), f.val).score));
  const testUsers = test.filter((s) => s.userId !== undefined);
  const trainUsers = new Set(train.flatMap((s) => (s.userId === undefined ? [] : [s.userId])));
  const knownUsers = testUsers.filter((s) => s.userId !== undefined && trainUsers.has(s.userId)).length;
  const announced = test.filter((s) => s.announcedDepartureMs !== undefined).length;

  // Variants that would repeat another on this file (no announcements, no user ids) are left out.
  const hasUsers = history.some((s) => s.userId !== undefined);
  const variants = VARIANTS.filter(
    (v) =>
      (c.announcements || (v.options.departureAnnouncement === "none" && !v.options.energyAnnouncement)) &&
      (hasUsers || v.options.userPrior === OFF),
  );
  const rows: Row[] = [];
  const baselines: [string, (t: HistorySession[]) => Predictor][] = [["site median by hour of arrival (baseline)", siteHourBaseline]];
  if (c.announcements) baselines.unshift(["driver's announcement (baseline)", announcementBaseline]);
  for (const [name, make] of baselines) rows.push({ method: name, kind: "baseline", test: score(make(train), test).score, chosenFor: [] });
  const modelRows: Row[] = [];
  for (const v of variants) {
    const validation = validate((t) => modelPredictor(t, v));
    const t = score(modelPredictor(train, v), test);
    modelRows.push({ method: v.name, kind: "model", validation, test: t.score, chosenFor: [] });
  }
  // Chosen on validation, for each target separately: the lowest validation pinball loss.
  const baseVal = validate(siteHourBaseline);
  const argmin = (key: "depPinball" | "enPinball") =>
    modelRows.reduce((best, r, i) => ((r.validation?.[key] ?? Infinity) < (modelRows[best].validation?.[key] ?? Infinity) ? i : best), 0);
  const depIndex = argmin("depPinball");
  const enIndex = argmin("enPinball");
  modelRows[depIndex].chosenFor.push("stay");
  modelRows[enIndex].chosenFor.push("energy");
  rows.push(...modelRows);
  const chosenStay = variants[depIndex];
  const chosenEnergy = variants[enIndex];
  // The chosen combination, scored on the test part as one model (its stay and
  // energy columns equal the two chosen rows': the targets do not interact).
  const chosen = combine(chosenStay, chosenEnergy);
  rows.push({
    method: `chosen combination: ${chosen.name}`,
    kind: "model",
    test: score(modelPredictor(train, chosen), test).score,
    chosenFor: [],
  });

  // Plots' data: the chosen models and the baselines on the test part.
  const run = score(modelPredictor(train, chosen), test);
  run.points.forEach((p) => {
    const e = p;
    scatter.push({ case: c.name, target: "stay (h)", actual: p.d, p10: p.dq[0], p50: p.dq[MID], p90: p.dq[LEVELS.length - 1] });
    scatter.push({ case: c.name, target: "energy (kWh)", actual: e.e, p10: e.eq[0], p50: e.eq[MID], p90: e.eq[LEVELS.length - 1] });
  });
  for (const r of rows)
    LEVELS.forEach((l, i) => {
      if (r.kind === "baseline" || r.chosenFor.includes("stay"))
        calibrationRows.push({
          case: c.name,
          method: r.kind === "model" ? "chosen model" : r.method,
          target: "stay",
          level: l,
          observed: r.test.depBelow[i],
        });
      if (r.kind === "baseline" || r.chosenFor.includes("energy"))
        calibrationRows.push({
          case: c.name,
          method: r.kind === "model" ? "chosen model" : r.method,
          target: "energy",
          level: l,
          observed: r.test.enBelow[i],
        });
    });

  // Online recalibration of the chosen combination: each method started fresh at the start of the
  // validated (or tested) period, the model trained on what came before it.
  const staticTest = score(modelPredictor(train, chosen), test).score;
  const testModel = trainForecast(train, { timeZone: TZ, ...chosen.options });
  const foldModels = folds.map((f) => trainForecast(f.fit, { timeZone: TZ, ...chosen.options }));
  const staticVal = pooled(folds.map((f) => score(modelPredictor(f.fit, chosen), f.val).score));
  const onlineRows = ONLINE_METHODS.map((m) => {
    const validation = pooled(folds.map((f, i) => score(online(foldModels[i], m, f.val).predictor, f.val).score));
    const run = online(testModel, m, test);
    return { method: m.name, validation, test: score(run.predictor, test).score, learned: run.learned };
  });
  // The library's default step, and the smallest γ that meets the ±5 pp target on this file's validation folds.
  const defaultRow = onlineRows.findIndex((r) => r.method === aciMethod(DEFAULT_RECALIBRATION_GAMMA).name);
  const smallestMeeting = onlineRows.findIndex((r) => r.method.startsWith("ACI") && worstCalibration(r.validation) <= 5);

  // Times: training on the whole training part, prediction per session.
  const model = trainForecast(train, { timeZone: TZ, ...chosen.options });
  const trainMs = timeMs(() => trainForecast(train, { timeZone: TZ, ...chosen.options }), 5);
  const predict = modelPredictor(train, chosen);
  let sink = 0;
  const rounds = Math.max(1, Math.ceil(20_000 / test.length));
  const predMs = timeMs(() => {
    for (let r = 0; r < rounds; r++) for (const s of test) sink += predict(s).durationH[MID];
  }, 3);
  const predUs = (1000 * predMs) / (rounds * test.length);
  const arrivalsMs = timeMs(() => {
    sink += predictArrivals(model, zonedTime(2021, 6, 1, 0, 0, TZ), 288, 5).slots.length;
  }, 20);
  const modelKb = JSON.stringify(model).length / 1024;

  // Arrivals: each test day from local midnight, 24 one-hour slots.
  const testDays = [...new Set(test.map((s) => localDate(s.arrivalMs)))].sort();
  const lastDay = testDays[testDays.length - 1];
  const allTestDays: string[] = [];
  for (let d = new Date(`${c.testFrom}T12:00:00Z`); d.toISOString().slice(0, 10) <= lastDay; d = new Date(d.getTime() + 86_400_000))
    allTestDays.push(d.toISOString().slice(0, 10));
  const arrivalRows: {
    method: string;
    countMae: number;
    countPinball: number;
    countBelow: number[];
    enMae: number;
    enPinball: number;
    enBelow: number[];
    n: number;
  }[] = [];
  const arrivalVariants: [string, number][] = [
    ["per-slot quantiles over training days, no recency", 0],
    ["the same, days weighted with half-life 30 d", 30],
    ["the same, half-life 14 d", 14],
  ];
  const countsBy = (day: string) => {
    const counts = Array.from({ length: 24 }, () => 0);
    const energy = Array.from({ length: 24 }, () => 0);
    for (const s of test)
      if (localDate(s.arrivalMs) === day) {
        const h = localParts(s.arrivalMs, TZ).hour;
        counts[h]++;
        energy[h] += s.energyKwh;
      }
    return { counts, energy };
  };
  // Baseline: the training mean per hour of day and day type, a point forecast.
  {
    const trainModel = trainForecast(train, { timeZone: TZ, arrivalHalfLifeDays: 0 });
    let cm = 0;
    let cp = 0;
    let em = 0;
    let ep = 0;
    const cb = LEVELS.map(() => 0);
    const eb = LEVELS.map(() => 0);
    let n = 0;
    for (const day of allTestDays) {
      const [y, m, d] = day.split("-").map(Number);
      const f = predictArrivals(trainModel, zonedTime(y, m, d, 0, 0, TZ), 24, 60, LEVELS);
      const a = countsBy(day);
      f.slots.forEach((slot, h) => {
        n++;
        cm += Math.abs(a.counts[h] - slot.meanCount);
        em += Math.abs(a.energy[h] - slot.meanEnergyKwh);
        LEVELS.forEach((l, i) => {
          cp += pinball(a.counts[h], slot.meanCount, l) / LEVELS.length;
          ep += pinball(a.energy[h], slot.meanEnergyKwh, l) / LEVELS.length;
          if (a.counts[h] <= slot.meanCount) cb[i]++;
          if (a.energy[h] <= slot.meanEnergyKwh) eb[i]++;
        });
      });
    }
    arrivalRows.push({
      method: "training mean per hour and day type (baseline)",
      countMae: cm / n,
      countPinball: cp / n,
      countBelow: cb.map((x) => x / n),
      enMae: em / n,
      enPinball: ep / n,
      enBelow: eb.map((x) => x / n),
      n,
    });
  }
  for (const [name, halfLife] of arrivalVariants) {
    const m = trainForecast(train, { timeZone: TZ, arrivalHalfLifeDays: halfLife });
    let cm = 0;
    let cp = 0;
    let em = 0;
    let ep = 0;
    const cb = LEVELS.map(() => 0);
    const eb = LEVELS.map(() => 0);
    let n = 0;
    for (const day of allTestDays) {
      const [y, mo, d] = day.split("-").map(Number);
      const f = predictArrivals(m, zonedTime(y, mo, d, 0, 0, TZ), 24, 60, LEVELS);
      const a = countsBy(day);
      f.slots.forEach((slot, h) => {
        n++;
        cm += Math.abs(a.counts[h] - slot.count[MID]);
        em += Math.abs(a.energy[h] - slot.energyKwh[MID]);
        LEVELS.forEach((l, i) => {
          cp += pinball(a.counts[h], slot.count[i], l) / LEVELS.length;
          ep += pinball(a.energy[h], slot.energyKwh[i], l) / LEVELS.length;
          if (a.counts[h] <= slot.count[i]) cb[i]++;
          if (a.energy[h] <= slot.energyKwh[i]) eb[i]++;
        });
      });
    }
    arrivalRows.push({
      method: name,
      countMae: cm / n,
      countPinball: cp / n,
      countBelow: cb.map((x) => x / n),
      enMae: em / n,
      enPinball: ep / n,
      enBelow: eb.map((x) => x / n),
      n,
    });
  }

  md.push(`### ${c.name}`, "");
  md.push(
    `Split: ${c.splitNote}. Train ${train.length} sessions (${trainUsers.size} users), test ${test.length} (${testUsers.length} with a user id, ${knownUsers} of a user seen in training; ${announced} with an announced departure). Validation for the choice, two rolling folds inside the training part: ${folds.map((f) => `fit ${f.fit.length} sessions before ${f.from}, validate on the next ${f.val.length}`).join("; ")}.`,
    "",
  );
  md.push(
    "| method | validation pinball stay / energy | test MAE stay (h) | test pinball stay (h) | stay: share of actuals ≤ q10 / q25 / q50 / q75 / q90 (%) | test MAE energy (kWh) | test pinball energy (kWh) | energy: share ≤ q10 / q25 / q50 / q75 / q90 (%) |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows)
    md.push(
      `| ${r.chosenFor.length > 0 ? `**${r.method}** (chosen for ${r.chosenFor.join(", ")})` : r.method} | ${r.validation ? `${f3(r.validation.depPinball)} / ${f3(r.validation.enPinball)}` : "–"} | ${f2(r.test.depMae)} | ${f3(r.test.depPinball)} | ${pct(r.test.depBelow)} | ${f2(r.test.enMae)} | ${f3(r.test.enPinball)} | ${pct(r.test.enBelow)} |`,
    );
  md.push(
    "",
    `Validation pinball of the site-hour baseline: stay ${f3(baseVal.depPinball)}, energy ${f3(baseVal.enPinball)}. Chosen on validation: stay "${chosenStay.name}", energy "${chosenEnergy.name}"; the library's DEFAULT_OPTIONS ${sameLevels(chosen.options) ? "are" : "are not"} this combination.`,
    "",
  );
  md.push(
    `Online recalibration of the chosen combination (the model as trained; the test sessions in time order, each forecast at its arrival from the outcomes of the sessions that departed before it; validation: the same on each fold's validation days, started fresh there):`,
    "",
    "| method | validation: worst calibration error (pp) / pinball stay / energy | test MAE stay (h) | test pinball stay (h) | stay: share ≤ q10 / q25 / q50 / q75 / q90 (%) | test MAE energy (kWh) | test pinball energy (kWh) | energy: share ≤ q10 / q25 / q50 / q75 / q90 (%) | worst test calibration error (pp) |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  const onlineLine = (name: string, v: Score, t: Score) =>
    `| ${name} | ${worstCalibration(v).toFixed(1)} / ${f3(v.depPinball)} / ${f3(v.enPinball)} | ${f2(t.depMae)} | ${f3(t.depPinball)} | ${pct(t.depBelow)} | ${f2(t.enMae)} | ${f3(t.enPinball)} | ${pct(t.enBelow)} | ${worstCalibration(t).toFixed(1)} |`;
  md.push(onlineLine("static (no recalibration)", staticVal, staticTest));
  onlineRows.forEach((r, i) => md.push(onlineLine(i === defaultRow ? `**${r.method}** (the default)` : r.method, r.validation, r.test)));
  md.push(
    "",
    `Smallest γ within ±5 pp on this file's validation folds: ${smallestMeeting >= 0 ? onlineRows[smallestMeeting].method : "none"}. Outcomes learned before the last test forecast: ${onlineRows[0].learned} of ${test.length}.`,
    "",
  );
  md.push(
    `Arrivals, each of the ${allTestDays.length} test days forecast from local midnight in 24 one-hour slots (${arrivalRows[0].n} slot-days):`,
    "",
    "| method | MAE count | pinball count | count: share ≤ q10 / q25 / q50 / q75 / q90 (%) | MAE energy (kWh) | pinball energy (kWh) | energy: share ≤ q (%) |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of arrivalRows)
    md.push(
      `| ${r.method} | ${f3(r.countMae)} | ${f3(r.countPinball)} | ${pct(r.countBelow)} | ${f2(r.enMae)} | ${f3(r.enPinball)} | ${pct(r.enBelow)} |`,
    );
  md.push(
    "",
    `Times (the chosen combination, ${train.length} training sessions): training ${trainMs.toFixed(1)} ms (median of 5); predictSession ${predUs.toFixed(1)} µs per session (median of 3 runs of ${rounds * test.length} calls); predictArrivals 288 × 5-min slots ${arrivalsMs.toFixed(2)} ms (median of 20); model JSON ${modelKb.toFixed(0)} KiB.`,
    "",
  );
  json[c.name] = {
    split: c.splitNote,
    train: train.length,
    test: test.length,
    folds: folds.map((f) => ({ from: f.from, fit: f.fit.length, validate: f.val.length })),
    rows,
    online: {
      static: { validation: staticVal, test: staticTest },
      methods: onlineRows,
      default: onlineRows[defaultRow]?.method ?? null,
      smallestMeeting: onlineRows[smallestMeeting]?.method ?? null,
    },
    arrivals: arrivalRows,
    chosen: { stay: chosenStay.name, energy: chosenEnergy.name, options: chosen.options },
    trainMs,
    predictUs: predUs,
    arrivalsMs,
    modelKb,
    sink: sink > 0,
  };
}

const CONFIG = {
  font: CHART_FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  legend: { labelFontSize: 11 },
};

/** One scatter panel per case and target, axes cut at a typical range (a few stays of days would squash the rest). */
function scatterPanel(target: string, max: number, unit: string): TopLevelSpec {
  const scale = { domain: [0, max], clamp: true };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    config: CONFIG,
    title: `Chosen model on the test part, ${target}: median (dot), 10–90 % interval (line), diagonal = perfect (axes clamped at ${max} ${unit})`,
    data: { values: scatter.filter((p) => p.target.startsWith(target)) },
    facet: { column: { field: "case", type: "nominal", title: null } },
    spec: {
      width: 320,
      height: 280,
      layer: [
        {
          mark: { type: "rule", opacity: 0.12, color: "#1f77b4" },
          encoding: {
            x: { field: "actual", type: "quantitative", title: `actual (${unit})`, scale },
            y: { field: "p10", type: "quantitative", title: `predicted (${unit})`, scale },
            y2: { field: "p90" },
          },
        },
        {
          mark: { type: "point", filled: true, size: 10, opacity: 0.5, color: "#d62728" },
          encoding: { x: { field: "actual", type: "quantitative", scale }, y: { field: "p50", type: "quantitative", scale } },
        },
        {
          data: {
            values: [
              { actual: 0, p50: 0 },
              { actual: max, p50: max },
            ],
          },
          mark: { type: "line", color: "#444", strokeDash: [4, 4] },
          encoding: { x: { field: "actual", type: "quantitative", scale }, y: { field: "p50", type: "quantitative", scale } },
        },
      ],
    },
  };
}
const calibrationSpec: TopLevelSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  config: CONFIG,
  title: "Calibration on the test part: share of actuals below each quantile (diagonal = calibrated)",
  data: { values: calibrationRows },
  facet: { row: { field: "case", type: "nominal", title: null }, column: { field: "target", type: "nominal", title: null } },
  spec: {
    width: 260,
    height: 220,
    layer: [
      {
        data: {
          values: [
            { level: 0, observed: 0 },
            { level: 1, observed: 1 },
          ],
        },
        mark: { type: "line", color: "#8c8c8c", strokeDash: [4, 4] },
        encoding: { x: { field: "level", type: "quantitative" }, y: { field: "observed", type: "quantitative" } },
      },
      {
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "level", type: "quantitative", title: "quantile level", scale: { domain: [0, 1] } },
          y: { field: "observed", type: "quantitative", title: "share of actuals below", scale: { domain: [0, 1] } },
          color: { field: "method", type: "nominal", title: null, legend: { orient: "bottom", columns: 1, labelLimit: 0 } },
        },
      },
    ],
  },
};
writePlot(outDir, "predicted-vs-actual-stay", scatterPanel("stay", 16, "h"), false);
writePlot(outDir, "predicted-vs-actual-energy", scatterPanel("energy", 60, "kWh"), false);
writePlot(outDir, "calibration", calibrationSpec, false);
writeFileSync(`${outDir}/results.md`, md.join("\n") + "\n");
writeFileSync(`${outDir}/metrics.json`, JSON.stringify(json, null, 1) + "\n");
console.log(md.join("\n"));
console.error(`wrote ${outDir}/results.md, metrics.json, predicted-vs-actual-{stay,energy}.svg, calibration.svg`);
