/**
 * `wattplan simulate`: replay real charging sessions against strategies
 * (rolling horizon) and the offline bound; write metrics and plots.
 * docs/simulate.md documents the options and the input formats.
 */
import { parseArgs } from "node:util";
import { InputError } from "../simulate/csv.js";
import { dataFile } from "../simulate/data-dir.js";
import { DEFAULT_EV_SPECS_FILE, DEFAULT_SESSIONS_FILE, runReplay, type ReplayConfig } from "../simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, OPTIMAL_FORECAST, isSimStrategy, simStrategyNames, type SimStrategy } from "../simulate/simulator.js";
import { isTimeZone } from "../simulate/time.js";
import { DEFAULT_ENERGY_PLANNING_LEVEL } from "../forecast/schema.js";
import { DEFAULT_RECALIBRATION_GAMMA } from "../forecast/recalibrate.js";
import { MAX_SLOTS, MAX_SLOT_MINUTES } from "../../engine/model/schema.js";
import { EXIT, UsageError } from "./io.js";
import {
  ARRIVALS_ROLES,
  DEFAULT_FORECAST_ARRIVALS,
  parseForecastArrivals,
  type ArrivalsRole,
  type ForecastArrivals,
} from "../simulate/expected-arrivals.js";
import { PHASE_LAYOUTS, type PhaseLayout } from "../simulate/phases.js";
import { parseStorageOptions } from "./storage-options.js";
import { DEFAULT_MAX_HORIZON_HOURS } from "../sites/compile.js";

export const SIMULATE_USAGE = `Usage: wattplan simulate [options]

Replays real sessions (rolling horizon: each slot, the EVs plugged in are
known, the strategy is re-solved, its first slot applied) and writes
DIR/metrics.json, metrics.csv, metrics.md and plots (SVG, PNG).

  --sessions FILE          ACN-Data or ACN-Sim events CSV (default $WATTPLAN_DATA_DIR/sessions/acn-caltech-2019-03.csv;
                           WATTPLAN_DATA_DIR defaults to ../shared/data beside the package)
  --from DATE --to DATE    replay sessions arriving in [from, to); YYYY-MM-DD (local) or RFC 3339
  --timezone TZ            the site's zone, for dates, tariffs and profiles (default America/Los_Angeles)
  --capacity-kw LIST       site import capacity: 50, or 20,40,60, or a range 10:140:5 (default 50)
  --slot-minutes N         slot length (default 5)
  --horizon-hours H        look-ahead of each online solve (default 12)
  --horizon-max-hours H    online: a solve looks further, up to H, to the latest planned departure of the EVs plugged
                           in, so that a car announced past the horizon is not left for after it (default 48; equal
                           to --horizon-hours for a fixed horizon)
  --strategies a,b,…       of ${simStrategyNames().join(", ")} (default: all that run in this build)
  --tariff FILE            time-of-use tariff JSON (acnportal format): energy rates and demand charge
  --prices FILE            price CSV (ENTSO-E day-ahead export: time, EUR/MWh); also the export price
  --base-load FILE         site load CSV (kW), --base-load-scale X to scale it (default 1)
  --pv FILE                PV output CSV (kW), --pv-scale X to scale it (default 1)
  --export-limit-kw X      export allowed (default 0)
  --phases three|unknown|caltech
                           spec §11: every EV three-phase (default), every EV one-phase on an unknown phase, or the
                           Caltech ACN's wiring (acnportal caltech_acn: one-phase EVSEs on line pairs AB/BC/CA at 208 V,
                           read as L1/L2/L3; a space it does not list is on an unknown phase; docs/simulate.md)
  --phase-limit-a X        current limit per phase at the grid connection, A (base load and PV count, balanced)
  --voltage-v X            the site's phase-to-neutral voltage (default 230; 120 with --phases caltech)
  --storage SPEC|FILE      spec §12 site battery at the grid connection, repeatable:
                           capacityKwh:maxChargeKw:maxDischargeKw[:roundTripEfficiency[:initialSoc]] (defaults 1 and 0.5),
                           or a JSON file of spec §12 storage objects (an array or one). optimal, optimal+forecast and
                           offline plan it, each plan starting from what it holds and ending with at least its energy at
                           the start; baselines leave it idle; each strategy is also replayed without it for the savings
  --v2g-share X            share of EVs that can discharge, 0..1 (default 0)
  --ev-specs FILE          EV models for V2G batteries (default $WATTPLAN_DATA_DIR/ev/ev_specs_v2g_enabled2024.json)
  --seed N                 seed of the V2G draw (default 1)
  --degradation-cost X     V2G wear per kWh discharged (default 0.05)
  --max-charge-kw X        EV power for files without a power column (default 6.6)
  --recompute-every N      online: re-solve at every event (arrival, departure, EV stopped, past its planned
                           departure) and at least every N slots (default 1: every slot)
  --forecast               add optimal+forecast: learn departures from the sessions that ended before --from and plan
                           each car to the earlier of its announced departure and that forecast's quantile
  --forecast-level Q       the quantile (default 0.5, the median; lower plans earlier departures)
  --forecast-energy-level Q|none
                           and a car that announced no energy is planned to this quantile of its energy forecast
                           (default 0.9), or with none to a full battery of the EV model
  --forecast-arrivals none|mean|median|Q
                           and the arrivals the forecast still expects within the horizon are planned as phantom
                           sessions (per hour: the expected, median or Q-quantile count and energy), reserving
                           capacity and the demand-charge peak for them; never sent as setpoints (default none)
  --forecast-recalibration G|none
                           and the forecast's quantiles are recalibrated online as the replayed sessions end (adaptive
                           conformal inference with step G, 0.02 when given as "on"; docs/forecast.md); none keeps the
                           levels as trained (default none)
  --forecast-arrivals-role plan|peak
                           plan: the phantoms are planned with the EVs (default); peak: they only set the peak, the
                           EVs are then planned alone with that peak as already paid
  --ev-stops reported|silent
                           online: is an EV that stops by itself (full) reported, as stations report SuspendedEV,
                           so that it is planned for nothing more? (default reported)
  --meter-caps             online: close the loop on meter values as a live site does (an EV taking under 70 % of its
                           setpoint for 3 slots is planned with what it takes; docs/sites.md)
  --warm-start             optimal, optimal+forecast, offline: start each re-plan from the previous solve's iterate
                           (same schedules within spec §7's tolerance; bench/RESULTS.md §13)
  --quick-charge X         online optimal: price added per kWh per hour of delay, on top of the solver's own tie-break, spec §10 (default 0)
  --offline-lookahead-hours H, --offline-stride-hours S
                           offline bound: solve H hours with perfect foresight, keep S, repeat (default 48, 24;
                           one solve when the replay fits in 2016 slots)
  --plot-day YYYY-MM-DD    day of the site-load plot (default: the busiest)
  --plot-capacity-kw X     capacity the day and solve-time plots show (default: the median)
  --no-png                 SVG only
  --currency SYMBOL        in plot labels (default $)
  --jobs N                 replays run at once, each strategy × capacity in a worker thread of its own (default 1: one
                           after the other in this process); same metrics, but the timings share the machine
  --out DIR                output directory (default out/simulate)`;

function number(value: string | undefined, name: string, fallback: number, check: (x: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name}: "${value}" must be ${rule}`);
  return x;
}

/** `50`, `20,40,60` or `lo:hi:step`. */
export function parseCapacities(text: string): number[] {
  const range = /^\s*([\d.]+)\s*:\s*([\d.]+)\s*:\s*([\d.]+)\s*$/.exec(text);
  let list: number[];
  if (range) {
    const [lo, hi, step] = range.slice(1).map(Number);
    if (!(step > 0) || !(hi >= lo)) throw new UsageError(`--capacity-kw: range "${text}" needs lo ≤ hi and a step > 0`);
    list = [];
    for (let x = lo; x <= hi + 1e-9; x += step) list.push(Math.round(x * 1e6) / 1e6);
  } else list = text.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((x) => !Number.isFinite(x) || x < 0))
    throw new UsageError(`--capacity-kw: "${text}" must be numbers ≥ 0 (50, 20,40,60 or 10:140:5)`);
  return list;
}

export function parseStrategies(text: string): SimStrategy[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const unknown = names.filter((s) => !isSimStrategy(s));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--strategies: unknown strategy ${unknown.map((s) => `"${s}"`).join(", ") || "(none given)"} (one of ${simStrategyNames().join(", ")})`,
    );
  }
  return [...new Set(names)] as SimStrategy[];
}

/** `--forecast-arrivals none|mean|median|Q`. */
function forecastArrivals(text: string | undefined): ForecastArrivals {
  if (text === undefined) return DEFAULT_FORECAST_ARRIVALS;
  const mode = parseForecastArrivals(text);
  if (mode === undefined) throw new UsageError(`--forecast-arrivals: "${text}" must be none, mean, median or a quantile in (0, 1)`);
  return mode;
}

/** `--forecast-recalibration G|on|none`: ACI's step, or off. */
function recalibrationGamma(text: string | undefined): { recalibrationGamma?: number } {
  if (text === undefined || text === "none") return {};
  if (text === "on") return { recalibrationGamma: DEFAULT_RECALIBRATION_GAMMA };
  const x = Number(text);
  if (!(x > 0 && x < 1)) throw new UsageError(`--forecast-recalibration: "${text}" must be a step in (0, 1), on or none`);
  return { recalibrationGamma: x };
}

/** `--forecast-arrivals-role plan|peak`. */
function arrivalsRole(text: string | undefined): ArrivalsRole {
  if (text === undefined) return "plan";
  if (!(ARRIVALS_ROLES as readonly string[]).includes(text))
    throw new UsageError(`--forecast-arrivals-role: "${text}" must be plan or peak`);
  return text as ArrivalsRole;
}

export function simulateConfig(args: string[]): ReplayConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        sessions: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        timezone: { type: "string" },
        "capacity-kw": { type: "string" },
        "slot-minutes": { type: "string" },
        "horizon-hours": { type: "string" },
        "horizon-max-hours": { type: "string" },
        strategies: { type: "string" },
        tariff: { type: "string" },
        prices: { type: "string" },
        "base-load": { type: "string" },
        "base-load-scale": { type: "string" },
        pv: { type: "string" },
        "pv-scale": { type: "string" },
        "export-limit-kw": { type: "string" },
        "v2g-share": { type: "string" },
        "ev-specs": { type: "string" },
        seed: { type: "string" },
        "max-charge-kw": { type: "string" },
        "recompute-every": { type: "string" },
        jobs: { type: "string" },
        "offline-lookahead-hours": { type: "string" },
        "offline-stride-hours": { type: "string" },
        "quick-charge": { type: "string" },
        "degradation-cost": { type: "string" },
        "plot-day": { type: "string" },
        "plot-capacity-kw": { type: "string" },
        "no-png": { type: "boolean" },
        "meter-caps": { type: "boolean" },
        "warm-start": { type: "boolean" },
        "ev-stops": { type: "string" },
        forecast: { type: "boolean" },
        "forecast-level": { type: "string" },
        "forecast-arrivals": { type: "string" },
        "forecast-arrivals-role": { type: "string" },
        "forecast-recalibration": { type: "string" },
        "forecast-energy-level": { type: "string" },
        out: { type: "string" },
        currency: { type: "string" },
        phases: { type: "string" },
        "phase-limit-a": { type: "string" },
        "voltage-v": { type: "string" },
        storage: { type: "string", multiple: true },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const positive = (x: number) => x > 0;
  const nonNegative = (x: number) => x >= 0;
  const slotMinutes = number(
    v["slot-minutes"],
    "slot-minutes",
    DEFAULT_SIMULATION_OPTIONS.slotMinutes,
    (x) => Number.isInteger(x) && x >= 1 && x <= MAX_SLOT_MINUTES,
    `an integer 1..${MAX_SLOT_MINUTES}`,
  );
  const hoursToSlots = (h: number) => Math.max(1, Math.round((h * 60) / slotMinutes));
  const maxHours = (MAX_SLOTS * slotMinutes) / 60;
  const horizonHours = number(
    v["horizon-hours"],
    "horizon-hours",
    12,
    (x) => x > 0 && hoursToSlots(x) <= MAX_SLOTS,
    `> 0 and at most ${maxHours} h (${MAX_SLOTS} slots)`,
  );
  const horizonMaxHours = number(
    v["horizon-max-hours"],
    "horizon-max-hours",
    Math.min(maxHours, Math.max(DEFAULT_MAX_HORIZON_HOURS, horizonHours)),
    (x) => x >= horizonHours && hoursToSlots(x) <= MAX_SLOTS,
    `at least --horizon-hours (${horizonHours}) and at most ${maxHours} h (${MAX_SLOTS} slots)`,
  );
  const lookahead = number(
    v["offline-lookahead-hours"],
    "offline-lookahead-hours",
    48,
    (x) => x > 0 && hoursToSlots(x) <= MAX_SLOTS,
    `> 0 and at most ${maxHours} h (${MAX_SLOTS} slots)`,
  );
  const stride = number(
    v["offline-stride-hours"],
    "offline-stride-hours",
    24,
    (x) => x > 0 && x <= lookahead,
    "> 0 and at most the look-ahead",
  );
  const timeZone = v.timezone ?? "America/Los_Angeles";
  if (!isTimeZone(timeZone)) throw new UsageError(`--timezone: unknown time zone "${timeZone}" (an IANA name, e.g. Europe/Amsterdam)`);
  const forecast =
    v.forecast === true ||
    v["forecast-level"] !== undefined ||
    v["forecast-energy-level"] !== undefined ||
    v["forecast-recalibration"] !== undefined ||
    v["forecast-arrivals"] !== undefined;
  let strategies = v.strategies !== undefined ? parseStrategies(v.strategies) : simStrategyNames().filter((s) => s !== OPTIMAL_FORECAST);
  if (strategies.includes(OPTIMAL_FORECAST) && !forecast) throw new UsageError("--strategies: optimal+forecast needs --forecast");
  // --forecast adds it beside optimal.
  if (forecast && !strategies.includes(OPTIMAL_FORECAST)) {
    const at = strategies.indexOf("optimal");
    strategies =
      at < 0 ? [...strategies, OPTIMAL_FORECAST] : [...strategies.slice(0, at + 1), OPTIMAL_FORECAST, ...strategies.slice(at + 1)];
  }
  return {
    sessionsFile: v.sessions ?? dataFile(...DEFAULT_SESSIONS_FILE),
    from: v.from,
    to: v.to,
    timeZone,
    capacitiesKw: parseCapacities(v["capacity-kw"] ?? "50"),
    strategies,
    horizonHours,
    options: {
      slotMinutes,
      exportLimitKw: number(v["export-limit-kw"], "export-limit-kw", 0, nonNegative, "≥ 0"),
      v2gShare: number(v["v2g-share"], "v2g-share", 0, (x) => x >= 0 && x <= 1, "in 0..1"),
      seed: number(v.seed, "seed", 1, Number.isInteger, "an integer"),
      degradationCostPerKwh: number(
        v["degradation-cost"],
        "degradation-cost",
        DEFAULT_SIMULATION_OPTIONS.degradationCostPerKwh,
        nonNegative,
        "≥ 0",
      ),
      shortfallPenaltyPerKwh: DEFAULT_SIMULATION_OPTIONS.shortfallPenaltyPerKwh,
      quickChargePerKwhHour: number(
        v["quick-charge"],
        "quick-charge",
        DEFAULT_SIMULATION_OPTIONS.quickChargePerKwhHour,
        nonNegative,
        "≥ 0",
      ),
      recomputeEvery: number(v["recompute-every"], "recompute-every", 1, (x) => Number.isInteger(x) && x >= 1, "an integer ≥ 1"),
      maxHorizonSlots: hoursToSlots(horizonMaxHours),
      offlineLookaheadSlots: hoursToSlots(lookahead),
      offlineStrideSlots: hoursToSlots(stride),
      meterCaps: v["meter-caps"] === true,
      warmStart: v["warm-start"] === true,
      evStops: evStops(v["ev-stops"]),
      ...phaseOptions(v.phases, v["voltage-v"], v["phase-limit-a"]),
      ...(v.storage !== undefined && { storage: parseStorageOptions(v.storage) }),
    },
    tariffFile: v.tariff,
    pricesFile: v.prices,
    baseLoadFile: v["base-load"],
    baseLoadScale: number(v["base-load-scale"], "base-load-scale", 1, nonNegative, "≥ 0"),
    pvFile: v.pv,
    pvScale: number(v["pv-scale"], "pv-scale", 1, nonNegative, "≥ 0"),
    evSpecsFile: v["ev-specs"] ?? dataFile(...DEFAULT_EV_SPECS_FILE),
    defaultMaxChargeKw: number(v["max-charge-kw"], "max-charge-kw", 6.6, positive, "> 0"),
    outDir: v.out ?? "out/simulate",
    ...(v["plot-day"] !== undefined && { plotDay: v["plot-day"] }),
    ...(v["plot-capacity-kw"] !== undefined && {
      plotCapacityKw: number(v["plot-capacity-kw"], "plot-capacity-kw", 0, nonNegative, "≥ 0"),
    }),
    png: !v["no-png"],
    ...(forecast && {
      forecast: {
        departureLevel: number(v["forecast-level"], "forecast-level", 0.5, (x) => x > 0 && x < 1, "in (0, 1)"),
        ...(v["forecast-energy-level"] !== "none" && {
          energyLevel: number(
            v["forecast-energy-level"],
            "forecast-energy-level",
            DEFAULT_ENERGY_PLANNING_LEVEL,
            (x) => x > 0 && x < 1,
            "in (0, 1), or none",
          ),
        }),
        arrivals: forecastArrivals(v["forecast-arrivals"]),
        arrivalsRole: arrivalsRole(v["forecast-arrivals-role"]),
        ...recalibrationGamma(v["forecast-recalibration"]),
      },
    }),
    currency: v.currency ?? "$",
    jobs: number(v.jobs, "jobs", 1, (x) => Number.isInteger(x) && x >= 1 && x <= 64, "an integer from 1 to 64"),
  };
}

export async function simulateCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(SIMULATE_USAGE + "\n");
    return EXIT.ok;
  }
  let config: ReplayConfig;
  try {
    config = simulateConfig(args);
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message);
    throw error;
  }
  if (config.plotDay !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(config.plotDay))
    throw new UsageError(`--plot-day: "${config.plotDay}" must be YYYY-MM-DD`);
  try {
    const { metrics, files } = await runReplay(config, (line) => process.stderr.write(`simulate: ${line}\n`));
    for (const m of metrics.strategies) {
      process.stdout.write(
        `${m.strategy.padEnd(13)} delivered ${(100 * m.energyDeliveredShare).toFixed(2).padStart(6)}%  served ${(100 * m.sessionsFullyServedShare).toFixed(1).padStart(5)}%  short ${m.earlyLeaverShortfallKwh.toFixed(1)} kWh of ${m.earlyLeavers} early leavers, ${m.otherShortfallKwh.toFixed(1)} of the rest  total cost ${m.totalCost.toFixed(2)}  peak ${m.peakImportKw.toFixed(1)} kW  solve p50 ${m.solveMsMedian.toFixed(3)} ms${
          m.storageCapacityKwh > 0
            ? `  battery ${m.storageStartKwh.toFixed(1)}→${m.storageEndKwh.toFixed(1)} kWh, throughput ${m.storageThroughputKwh.toFixed(1)} kWh, saved: peak ${m.peakSavingKw.toFixed(1)} kW, demand charge ${m.demandChargeSaving.toFixed(2)}, total ${m.totalCostSaving.toFixed(2)}`
            : ""
        }\n`,
      );
    }
    process.stdout.write(`wrote ${files.join(", ")}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message);
    throw error;
  }
}

function phaseOptions(
  layout: string | undefined,
  voltage: string | undefined,
  limit: string | undefined,
): { phaseLayout?: PhaseLayout; voltageV?: number; phaseLimitA?: number } {
  if (layout !== undefined && !(PHASE_LAYOUTS as readonly string[]).includes(layout))
    throw new UsageError(`--phases must be one of ${PHASE_LAYOUTS.join(", ")}, not "${layout}"`);
  const phaseLayout = layout as PhaseLayout | undefined;
  const voltageV =
    voltage !== undefined
      ? number(voltage, "voltage-v", 0, (x) => x > 0, "> 0")
      : phaseLayout === "caltech"
        ? CALTECH_SITE_VOLTAGE_V
        : undefined;
  return {
    ...(phaseLayout !== undefined && { phaseLayout }),
    ...(voltageV !== undefined && { voltageV }),
    ...(limit !== undefined && { phaseLimitA: number(limit, "phase-limit-a", 0, (x) => x >= 0, "≥ 0") }),
  };
}

/** The Caltech transformer's wye secondary, phase to neutral (acnportal: 120 V LN). */
const CALTECH_SITE_VOLTAGE_V = 120;

function evStops(value: string | undefined): "reported" | "silent" {
  if (value === undefined || value === "reported" || value === "silent") return value ?? "reported";
  throw new UsageError(`--ev-stops must be reported or silent, not "${value}"`);
}
