/**
 * One benchmark run: load the inputs, replay every strategy at every
 * capacity, write metrics (JSON, CSV, Markdown) and plots into a directory.
 * The CLI (`wattplan simulate`) and `npm run bench:strategies` both call this.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "./csv.js";
import { computeMetrics, meanOverSweep, withStorageSaving, type StrategyMetrics } from "./metrics.js";
import { busiestDay, energyVsCapacitySpec, siteLoadDaySpec, solveTimeSpec, strategyLabel, writePlot } from "./plots.js";
import { loadSessions, type ReplaySession, type SessionFile } from "./sessions.js";
import { loadPrices, loadSeries, loadTariff, type StepSeries } from "./series.js";
import {
  DEFAULT_SIMULATION_OPTIONS,
  DEFAULT_EV_MODEL,
  buildGrid,
  loadEvModels,
  prepareSessions,
  replaySpan,
  simulate,
  type RunResult,
  type SimSession,
  type SimulationForecast,
  type SiteGrid,
  type SimStrategy,
  type SimulationOptions,
} from "./simulator.js";
import { MINUTE_MS, isoUtc, parseInstant } from "./time.js";
import { loadHistory, newRecalibration, trainForecast } from "../forecast/index.js";
import type { ArrivalsRole, ForecastArrivals } from "./expected-arrivals.js";

/** The simulator's default sessions and EV models, in the real data's folder (`WATTPLAN_DATA_DIR`). */
export const DEFAULT_SESSIONS_FILE = ["sessions", "acn-caltech-2019-03.csv"] as const;
export const DEFAULT_EV_SPECS_FILE = ["ev", "ev_specs_v2g_enabled2024.json"] as const;

export interface ReplayConfig {
  sessionsFile: string;
  /** `YYYY-MM-DD` (local midnight) or RFC 3339; default: the local midnight before the first arrival. */
  from?: string;
  /** Sessions arriving before this are replayed (until they leave); default: all. */
  to?: string;
  timeZone: string;
  capacitiesKw: number[];
  strategies: SimStrategy[];
  horizonHours: number;
  options: Omit<SimulationOptions, "capacityKw" | "horizonSlots">;
  tariffFile?: string;
  pricesFile?: string;
  baseLoadFile?: string;
  baseLoadScale: number;
  pvFile?: string;
  pvScale: number;
  evSpecsFile?: string;
  /** kW limit of EVs in files without a power column. */
  defaultMaxChargeKw?: number;
  outDir: string;
  /** Local day of the site-load plot (`YYYY-MM-DD`); default: the busiest. */
  plotDay?: string;
  /** Capacity whose runs the day and solve-time plots show; default: the median of the sweep. */
  plotCapacityKw?: number;
  png: boolean;
  currency: string;
  /**
   * Add `optimal+forecast`: learn a forecast (service/forecast) from the
   * file's sessions that ended before `from` and plan each car to the
   * earlier of its announced departure and this quantile of the forecast.
   */
  forecast?: ForecastLevels;
  /** Replays run at once, each in a worker thread of its own (`--jobs`); default 1, in this thread. */
  jobs?: number;
}

/** What `--forecast*` sets: the departure and energy quantiles, and the expected arrivals (`--forecast-arrivals`). */
export interface ForecastLevels {
  departureLevel: number;
  energyLevel?: number;
  /** Online recalibration's step γ (`--forecast-recalibration`); undefined: off. */
  recalibrationGamma?: number;
  arrivals?: ForecastArrivals;
  arrivalsRole?: ArrivalsRole;
}

export interface ReplayOutput {
  metrics: MetricsFile;
  files: string[];
}

export interface MetricsFile {
  scenario: Record<string, unknown>;
  /** One entry per strategy: the run at the only capacity, or the mean over the sweep. */
  strategies: StrategyMetrics[];
  byCapacity: { capacityKw: number; strategies: StrategyMetrics[] }[];
}

export type Log = (line: string) => void;

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "";
}

const COLUMNS: [keyof StrategyMetrics, string, (x: number) => string][] = [
  ["energyDeliveredShare", "energy delivered %", (x) => fmt(100 * x, 2)],
  ["sessionsFullyServedShare", "sessions fully served %", (x) => fmt(100 * x, 1)],
  ["earlyLeaverShortfallKwh", "short kWh, left early", (x) => fmt(x, 1)],
  ["otherShortfallKwh", "short kWh, others", (x) => fmt(x, 1)],
  ["energyCost", "energy cost", (x) => fmt(x, 2)],
  ["demandCharge", "demand charge", (x) => fmt(x, 2)],
  ["totalCost", "total cost", (x) => fmt(x, 2)],
  ["peakImportKw", "peak import kW", (x) => fmt(x, 1)],
  ["v2gEnergyKwh", "V2G kWh", (x) => fmt(x, 1)],
  ["solveMsMedian", "solve ms median", (x) => fmt(x, 3)],
  ["solveMsP99", "solve ms p99", (x) => fmt(x, 3)],
];

/** Spec §12: the columns added when the replay has site batteries. */
const STORAGE_COLUMNS: [keyof StrategyMetrics, string, (x: number) => string][] = [
  ["storageStartKwh", "battery kWh at start", (x) => fmt(x, 1)],
  ["storageEndKwh", "battery kWh at end", (x) => fmt(x, 1)],
  ["storageMinKwh", "battery kWh lowest", (x) => fmt(x, 1)],
  ["storageThroughputKwh", "battery throughput kWh", (x) => fmt(x, 1)],
  ["peakSavingKw", "peak lowered kW", (x) => fmt(x, 1)],
  ["demandChargeSaving", "demand charge saved", (x) => fmt(x, 2)],
  ["totalCostSaving", "total cost saved", (x) => fmt(x, 2)],
];

export function markdownTable(entries: StrategyMetrics[], storage = false): string {
  const columns = storage ? [...COLUMNS, ...STORAGE_COLUMNS] : COLUMNS;
  const head = `| strategy | ${columns.map((c) => c[1]).join(" | ")} |`;
  const rule = `|---|${columns.map(() => "---:").join("|")}|`;
  const rows = entries.map((m) => `| ${strategyLabel(m.strategy)} | ${columns.map(([k, , f]) => f(m[k] as number)).join(" | ")} |`);
  return [head, rule, ...rows].join("\n");
}

export function sweepTable(byCapacity: MetricsFile["byCapacity"], strategies: SimStrategy[]): string {
  const head = `| capacity kW | ${strategies.map(strategyLabel).join(" | ")} |`;
  const rule = `|---:|${strategies.map(() => "---:").join("|")}|`;
  const rows = byCapacity.map(
    (c) =>
      `| ${c.capacityKw} | ${strategies
        .map((s) => {
          const m = c.strategies.find((x) => x.strategy === s);
          return m ? fmt(100 * m.energyDeliveredShare, 2) : "";
        })
        .join(" | ")} |`,
  );
  return [head, rule, ...rows].join("\n");
}

const CSV_FIELDS: (keyof StrategyMetrics)[] = [
  "strategy",
  "capacityKw",
  "energyDeliveredShare",
  "sessionsFullyServedShare",
  "earlyLeavers",
  "earlyLeaverShortfallKwh",
  "otherShortfallKwh",
  "energyRequestedKwh",
  "energyDeliveredKwh",
  "energyCost",
  "demandCharge",
  "degradationCost",
  "totalCost",
  "peakImportKw",
  "v2gEnergyKwh",
  "solveMsMedian",
  "solveMsP99",
  "solves",
  "nonOptimalSolves",
  "planFallbacks",
  "phaseL1MaxA",
  "phaseL2MaxA",
  "phaseL3MaxA",
  "storageCapacityKwh",
  "storageStartKwh",
  "storageEndKwh",
  "storageMinKwh",
  "storageChargedKwh",
  "storageThroughputKwh",
  "storageCycles",
  "peakSavingKw",
  "demandChargeSaving",
  "totalCostSaving",
  "runSeconds",
];

export function metricsCsv(entries: StrategyMetrics[]): string {
  return [CSV_FIELDS.join(","), ...entries.map((m) => CSV_FIELDS.map((k) => String(m[k])).join(","))].join("\n") + "\n";
}

function loadOptional<T>(file: string | undefined, load: (file: string) => T): T | undefined {
  return file === undefined ? undefined : load(file);
}

/** What every replay of a configuration shares: the sessions on the slot grid, and the grid's prices and loads. */
export interface PreparedReplay {
  /** Set with ReplayConfig.forecast. */
  forecast?: SimulationForecast;
  file: SessionFile;
  replay: ReplaySession[];
  span: { startMs: number; slots: number };
  horizonSlots: number;
  grid: SiteGrid;
  sessions: SimSession[];
  yearAligned: string[];
}

export function prepareReplay(config: ReplayConfig): PreparedReplay {
  const file: SessionFile = loadSessions(config.sessionsFile, { defaultMaxChargeKw: config.defaultMaxChargeKw });
  const tz = config.timeZone;
  const firstArrival = file.sessions.length > 0 ? file.sessions[0].arrivalMs : Date.now();
  const dateOf = (ms: number) =>
    new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
  const fromMs = parseInstant(config.from ?? dateOf(firstArrival), tz);
  const toMs = config.to === undefined ? Number.POSITIVE_INFINITY : parseInstant(config.to, tz);
  if (!Number.isFinite(fromMs))
    throw new InputError(`--from: "${config.from}" is not a date (YYYY-MM-DD) or an RFC 3339 timestamp with an offset`);
  if (Number.isNaN(toMs)) throw new InputError(`--to: "${config.to}" is not a date (YYYY-MM-DD) or an RFC 3339 timestamp with an offset`);
  if (!(toMs > fromMs)) throw new InputError("--to must be after --from");
  const replay = file.sessions.filter((s) => s.arrivalMs >= fromMs && s.arrivalMs < toMs);
  if (replay.length === 0) throw new InputError(`${config.sessionsFile}: no session arrives between --from and --to`);

  const span = replaySpan(replay, fromMs, fromMs, config.options.slotMinutes);
  const horizonSlots = Math.max(1, Math.round((config.horizonHours * 60) / config.options.slotMinutes));
  const lookahead = Math.max(horizonSlots, config.options.maxHorizonSlots ?? 0, config.options.offlineLookaheadSlots);
  const prices = loadOptional(config.pricesFile, (f) => loadPrices(f, tz));
  const tariff = loadOptional(config.tariffFile, (f) => loadTariff(f, tz));
  const baseLoad = loadOptional(config.baseLoadFile, (f) => loadSeries(f, { timeZone: tz, scale: config.baseLoadScale }));
  const pv = loadOptional(config.pvFile, (f) => loadSeries(f, { timeZone: tz, scale: config.pvScale }));
  const grid = buildGrid(span.startMs, span.slots, lookahead, config.options.slotMinutes, { timeZone: tz, prices, tariff, baseLoad, pv });
  const limitA = config.options.phaseLimitA;
  if (limitA !== undefined) {
    const volts = config.options.voltageV ?? 230;
    for (let k = 0; k < grid.length; k++) {
      const amps = ((grid.baseLoadKw[k] - grid.pvKw[k]) * 1000) / (3 * volts);
      if (amps > limitA)
        throw new InputError(
          `--phase-limit-a: base load minus PV alone draws ${amps.toFixed(1)} A per phase at ${isoUtc(grid.startMs + k * config.options.slotMinutes * MINUTE_MS)}, above ${limitA} A`,
        );
    }
  }
  const yearAligned = [prices, baseLoad, pv].filter((s): s is StepSeries => s?.yearAligned === true).map((s) => s.file);
  const models =
    config.options.v2gShare > 0 ? (config.evSpecsFile ? loadEvModels(config.evSpecsFile) : [DEFAULT_EV_MODEL]) : [DEFAULT_EV_MODEL];
  const sessions = prepareSessions(replay, grid, config.options, models);
  const forecast = config.forecast === undefined ? undefined : learnForecast(config, file, fromMs, config.forecast);
  return { file, replay, span, horizonSlots, grid, sessions, yearAligned, forecast };
}

/** The forecast of `optimal+forecast`, trained only on sessions that ended before the replay starts. */
function learnForecast(config: ReplayConfig, file: SessionFile, fromMs: number, levels: ForecastLevels): SimulationForecast {
  // loadHistory reads the same rows as loadSessions, in the same order, with the driver ids.
  const history = loadHistory(config.sessionsFile);
  const users = new Map<string, string>();
  file.sessions.forEach((s, i) => {
    const userId = history[i]?.userId;
    if (userId !== undefined) users.set(s.id, userId);
  });
  const past = history.filter((h) => h.departureMs < fromMs);
  if (past.length === 0) throw new InputError(`--forecast: no session of ${config.sessionsFile} ended before --from to learn from`);
  const { recalibrationGamma, ...rest } = levels;
  return {
    model: trainForecast(past, { timeZone: config.timeZone }),
    ...rest,
    users,
    ...(recalibrationGamma !== undefined && { recalibration: newRecalibration({ gamma: recalibrationGamma }) }),
  };
}

/** One strategy's replay at one capacity: its metrics, and the run itself where the plots need it. */
export interface StrategyReplay {
  metrics: StrategyMetrics;
  run?: RunResult;
}

/** What a replay thread is sent (replay-thread.ts): the whole configuration, so that the thread prepares the same replay. */
export interface ReplayTask {
  config: ReplayConfig;
  capacityKw: number;
  strategy: SimStrategy;
  keepRun: boolean;
}

/**
 * Replay `strategy` at `capacityKw` on a prepared replay; with site storage,
 * also without the batteries, for what they saved. `progress` sees each
 * slot; `log` the batteries' line.
 */
export function replayStrategy(
  prepared: PreparedReplay,
  config: ReplayConfig,
  capacityKw: number,
  strategy: SimStrategy,
  log: Log = () => {},
  progress?: (slot: number, slots: number) => void,
): { metrics: StrategyMetrics; run: RunResult } {
  const { grid, sessions, horizonSlots, forecast } = prepared;
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    ...config.options,
    capacityKw,
    horizonSlots,
    ...(forecast !== undefined && { forecast }),
  };
  const run = simulate(strategy, sessions, grid, options, undefined, progress);
  let metrics = computeMetrics(run, sessions, grid);
  if ((config.options.storage ?? []).length > 0) {
    // The same strategy without the batteries: what they saved.
    const without = computeMetrics(simulate(strategy, sessions, grid, { ...options, storage: [] }), sessions, grid);
    metrics = withStorageSaving(metrics, without);
    log(
      `batteries ${metrics.storageStartKwh.toFixed(1)} → ${metrics.storageEndKwh.toFixed(1)} kWh (lowest ${metrics.storageMinKwh.toFixed(1)}), throughput ${metrics.storageThroughputKwh.toFixed(1)} kWh; peak ${metrics.peakImportKw.toFixed(1)} kW (${without.peakImportKw.toFixed(1)} without), demand charge saved ${metrics.demandChargeSaving.toFixed(2)}, total cost saved ${metrics.totalCostSaving.toFixed(2)}`,
    );
  }
  return { metrics, run };
}

/**
 * Every strategy at every capacity, in that order: in this thread, or with
 * `jobs` > 1 in that many worker threads (replay-threads.ts), each replay
 * whole in one thread. The replays are independent and deterministic, so
 * the metrics are the same either way but for the timings (runSeconds,
 * solveMs…), which then share the machine.
 */
async function replayAll(
  prepared: PreparedReplay,
  config: ReplayConfig,
  plotCapacity: number,
  log: Log,
): Promise<{ byCapacity: MetricsFile["byCapacity"]; plotRuns: RunResult[] }> {
  const tasks = config.capacitiesKw.flatMap((capacityKw) => config.strategies.map((strategy) => ({ capacityKw, strategy })));
  const jobs = Math.min(config.jobs ?? 1, tasks.length);
  const pool = jobs > 1 ? new (await import("./replay-threads.js")).ReplayThreads(jobs) : undefined;
  let done = 0;
  const report = (capacityKw: number, strategy: SimStrategy, m: StrategyMetrics, lines: string[]) => {
    const label = `[${++done}/${tasks.length}] ${capacityKw} kW · ${strategy}`;
    for (const line of lines) log(`${label}: ${line}`);
    const solves = `${m.solves} solves${m.nonOptimalSolves > 0 ? ` (${m.nonOptimalSolves} not proven optimal, ${m.planFallbacks} kept the last plan)` : ""}`;
    log(
      `${label}: delivered ${(100 * m.energyDeliveredShare).toFixed(2)}%, total cost ${m.totalCost.toFixed(2)}, ${solves}, ${m.runSeconds.toFixed(1)} s`,
    );
  };
  const results: StrategyReplay[] = new Array<StrategyReplay>(tasks.length);
  if (pool === undefined) {
    tasks.forEach(({ capacityKw, strategy }, i) => {
      const lines: string[] = [];
      const r = replayStrategy(
        prepared,
        config,
        capacityKw,
        strategy,
        (line) => lines.push(line),
        (slot, slots) => {
          if (slot < slots)
            log(`[${i + 1}/${tasks.length}] ${capacityKw} kW · ${strategy}: ${Math.round((100 * slot) / slots)}% (${slot}/${slots} slots)`);
        },
      );
      report(capacityKw, strategy, r.metrics, lines);
      results[i] = capacityKw === plotCapacity ? r : { metrics: r.metrics };
    });
  } else {
    // The solver's replays first, so that the long ones do not start last and leave cores idle.
    const solved = (s: SimStrategy) => (s === "optimal" || s === "optimal+forecast" || s === "offline" ? 0 : 1);
    const order = tasks.map((_, i) => i).sort((a, b) => solved(tasks[a].strategy) - solved(tasks[b].strategy));
    try {
      await Promise.all(
        order.map(async (i) => {
          const { capacityKw, strategy } = tasks[i];
          const r = await pool.run({ config, capacityKw, strategy, keepRun: capacityKw === plotCapacity });
          report(capacityKw, strategy, r.metrics, r.lines);
          results[i] = r;
        }),
      );
    } finally {
      await pool.close();
    }
  }
  const byCapacity = config.capacitiesKw.map((capacityKw, c) => ({
    capacityKw,
    strategies: config.strategies.map((_, s) => results[c * config.strategies.length + s].metrics),
  }));
  const p = config.capacitiesKw.indexOf(plotCapacity);
  const plotRuns = config.strategies.map((_, s) => results[p * config.strategies.length + s].run!);
  return { byCapacity, plotRuns };
}

export async function runReplay(config: ReplayConfig, log: Log = () => {}): Promise<ReplayOutput> {
  const prepared = prepareReplay(config);
  const { file, replay, span, grid, sessions, yearAligned, forecast } = prepared;
  if (forecast !== undefined) log(`forecast: learned from the sessions that ended before ${isoUtc(span.startMs)}`);
  log(
    `replaying ${replay.length} sessions (${file.format}) from ${isoUtc(span.startMs)}, ${span.slots} slots of ${config.options.slotMinutes} min, ${config.strategies.length} strategies × ${config.capacitiesKw.length} capacities${(config.jobs ?? 1) > 1 ? `, ${config.jobs} jobs` : ""}`,
  );
  if (yearAligned.length > 0)
    log(`note: ${yearAligned.join(", ")} do not cover the replay's dates; read at the same month, day and time of their own year`);

  const plotCapacity = config.plotCapacityKw ?? [...config.capacitiesKw].sort((a, b) => a - b)[(config.capacitiesKw.length - 1) >> 1];
  if (!config.capacitiesKw.includes(plotCapacity))
    throw new InputError(`--plot-capacity-kw: ${plotCapacity} is not one of the capacities replayed (${config.capacitiesKw.join(", ")})`);
  const hasStorage = (config.options.storage ?? []).length > 0;
  const { byCapacity, plotRuns } = await replayAll(prepared, config, plotCapacity, log);

  const strategies =
    config.capacitiesKw.length === 1
      ? byCapacity[0].strategies
      : config.strategies.map((s) => meanOverSweep(byCapacity.map((c) => c.strategies.find((m) => m.strategy === s)!)));
  const metrics: MetricsFile = {
    scenario: {
      sessionsFile: config.sessionsFile,
      format: file.format,
      sessions: replay.length,
      skippedRows: file.skipped,
      from: isoUtc(span.startMs),
      to: isoUtc(span.startMs + span.slots * config.options.slotMinutes * MINUTE_MS),
      timeZone: config.timeZone,
      slotMinutes: config.options.slotMinutes,
      horizonHours: config.horizonHours,
      capacitiesKw: config.capacitiesKw,
      strategies: config.strategies,
      tariff: config.tariffFile ?? null,
      prices: config.pricesFile ?? null,
      baseLoad: config.baseLoadFile ?? null,
      baseLoadScale: config.baseLoadScale,
      pv: config.pvFile ?? null,
      pvScale: config.pvScale,
      v2gShare: config.options.v2gShare,
      seed: config.options.seed,
      exportLimitKw: config.options.exportLimitKw,
      recomputeEvery: config.options.recomputeEvery,
      quickChargePerKwhHour: config.options.quickChargePerKwhHour,
      meterCaps: config.options.meterCaps ?? false,
      warmStart: config.options.warmStart ?? false,
      evStops: config.options.evStops ?? "reported",
      forecastDepartureLevel: config.forecast?.departureLevel ?? null,
      forecastEnergyLevel: config.forecast?.energyLevel ?? null,
      forecastArrivals: config.forecast === undefined ? null : (config.forecast.arrivals ?? "none"),
      forecastArrivalsRole: config.forecast?.arrivalsRole ?? null,
      forecastRecalibrationGamma: config.forecast?.recalibrationGamma ?? null,
      offlineLookaheadHours: (config.options.offlineLookaheadSlots * config.options.slotMinutes) / 60,
      offlineStrideHours: (config.options.offlineStrideSlots * config.options.slotMinutes) / 60,
      yearAligned,
      phaseLayout: config.options.phaseLayout ?? "three",
      voltageV: config.options.voltageV ?? null,
      phaseLimitA: config.options.phaseLimitA ?? null,
      storage: config.options.storage ?? [],
      storageRule: hasStorage
        ? "each plan starts from the energy the battery holds and must end with at least its energy at the replay's start; horizons of the strategies that plan it end at the replay's end; baselines leave it idle; savings are against the same strategy replayed without the batteries"
        : null,
      summary:
        config.capacitiesKw.length === 1
          ? "strategies: the run at the only capacity"
          : "strategies: mean of each figure over the capacity sweep",
    },
    strategies,
    byCapacity,
  };

  mkdirSync(config.outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const p = join(config.outDir, name);
    writeFileSync(p, text);
    files.push(p);
  };
  write("metrics.json", JSON.stringify(metrics, null, 2) + "\n");
  write("metrics.csv", metricsCsv(byCapacity.flatMap((c) => c.strategies)));
  let md = `# Strategy replay: ${replay.length} sessions from ${config.sessionsFile}\n\n`;
  md +=
    config.capacitiesKw.length === 1
      ? `Capacity ${config.capacitiesKw[0]} kW.\n\n`
      : `Mean over ${config.capacitiesKw.length} capacities (${config.capacitiesKw.join(", ")} kW).\n\n`;
  if (hasStorage)
    md += `Site batteries (spec §12): ${(config.options.storage ?? [])
      .map(
        (b) =>
          `${b.id} ${b.capacityKwh} kWh, ${b.maxChargeKw}/${b.maxDischargeKw} kW, η ${b.chargeEfficiency.toFixed(3)}·${b.dischargeEfficiency.toFixed(3)}, from ${b.initialEnergyKwh} kWh`,
      )
      .join(
        "; ",
      )}. Every plan ends with at least the energy each held at the start; savings are against the same strategy without them.\n\n`;
  md += markdownTable(strategies, hasStorage) + "\n";
  if (config.capacitiesKw.length > 1) md += `\n## Energy delivered (%) by capacity\n\n${sweepTable(byCapacity, config.strategies)}\n`;
  write("metrics.md", md);

  log("rendering plots");
  const day = config.plotDay ?? busiestDay(grid, sessions);
  const plots = [
    writePlot(config.outDir, "energy-vs-capacity", energyVsCapacitySpec(byCapacity.flatMap((c) => c.strategies)), config.png),
    writePlot(config.outDir, "site-load-day", siteLoadDaySpec(grid, plotRuns, day, plotCapacity, config.currency), config.png),
    writePlot(config.outDir, "solve-time", solveTimeSpec(grid, plotRuns), config.png),
  ];
  for (const p of plots) files.push(p.svg, ...(p.png ? [p.png] : []));
  return { metrics, files };
}
