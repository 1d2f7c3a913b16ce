/**
 * Solver bench: the `optimal` strategy against HiGHS on the same problems,
 * in the same process, plus the four baselines.
 *
 * For each size and generator (seeded): our solve time (median of N runs),
 * HiGHS time on the spec §7 relaxation LP, the relative objective
 * difference and the time ratio; then the scheduler's WASM memory after the
 * largest solve, and a reuse check (memory after many consecutive small
 * solves equals memory after the first). Prints a Markdown table and writes
 * it to bench/out/solver.md.
 *
 * With --min-charge (sessions with the 6 A floor, where `optimal` rounds the
 * relaxation) HiGHS also solves the mixed-integer model once per row, within
 * a time limit: its incumbent and proven bound split our distance from the
 * relaxation into what rounding loses (ours − MILP incumbent) and what the
 * relaxation cannot see (MILP bound − relaxation).
 *
 *   npm run bench:solver -- [--quick] [--sizes 10x96,1000x96] [--runs 5]
 *                           [--generators workplace,pvSite] [--seed 1]
 *                           [--reuse 1000] [--highs-solver choose|simplex|ipm]
 *                           [--min-charge [--mip-time-limit 20] [--mip-gap 1e-4]]
 *                           [--storage-size 1000x96] [--storage-only]
 *                           [--phases-size 1000x96] [--phases-only]
 *
 * Spec §12 (site storage), after the table: at --storage-size, every
 * generator's site with two batteries added (testkit/generators/storage.ts)
 * against the same site without them, `optimal` solve time and its ratio
 * (target: at most 1.2×), HiGHS on the site with batteries; and a depot
 * with one battery doing peak shaving: its demand-charge saving against the
 * same site without it (baselines leave it idle). --storage-only runs just
 * that section.
 *
 * Spec §11 (phases and currents), after that: at --phases-size, every
 * generator's site made European (testkit/generators/phases.ts: 40 % of the
 * sessions one-phase, a third of those on an unknown phase, per-phase limits
 * on every circuit and the site, an unbalance limit on every circuit)
 * against the same site without phases: `optimal` solve time and its ratio
 * (target: at most 1.5×), our total against HiGHS's optimum on the same LP
 * (spec §7 tolerance), HiGHS's time and how much faster we are (target: at
 * least 5×), and how many phase and unbalance rows bind at our optimum.
 * --phases-only runs just that section.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { packagePath } from "../engine/paths.js";
import type { Request, Response, StrategyName } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { Scheduler } from "../engine/scheduler/wasm.js";
import { GENERATORS, GENERATOR_NAMES, SIZES, sizeLabel, type GeneratorName } from "../testkit/generators/index.js";
import { HighsReference, MIP_REL_GAP, type ReferenceOptions, type ReferenceResult } from "../testkit/reference/highs.js";
import { withStorage } from "../testkit/generators/storage.js";
import { withPhases } from "../testkit/generators/phases.js";
import { median } from "./stats.js";

const DEFAULTS = {
  runs: 5,
  seed: 1,
  reuse: 1000,
  /** HiGHS is slow on the big sizes; it gets fewer runs than we do. */
  highsRuns: 3,
  quickSizes: ["10x96", "100x96", "300x96", "100x672"],
  quickRuns: 3,
  quickHighsReuse: 100,
  highsReuse: 200,
  /** Seconds per MILP solve: 10×96 rows prove optimality in a few seconds, bigger ones stop here with an incumbent. */
  mipTimeLimitS: 20,
  /** Spec §12: the size of the two-battery timing comparison (the issue's target: ≤ 1.2× at 1000×96). */
  storageSize: "1000x96",
  /** Spec §12: depot sizes of the peak-shaving comparison. */
  shavingSizes: ["100x96", "1000x96"],
  /** The timing target of the storage issue: with two batteries at most this many times the time without. */
  storageRatioTarget: 1.2,
  /** Spec §11: the size of the with/without-phases comparison (the issue's target size). */
  phasesSize: "1000x96",
  /** The phase issue's targets: with phases at most this many times the time without… */
  phasesRatioTarget: 1.5,
  /** …and at least this many times faster than HiGHS on the same LP. */
  phasesSpeedTarget: 5,
  /** A phase or unbalance row counts as binding within this many amperes of its limit. */
  bindingA: 0.01,
} as const;

const BASELINES: StrategyName[] = ["uncontrolled", "equalShare", "edf", "llf"];
const OUT_FILE = packagePath("bench", "out", "solver.md");

interface Size {
  sessions: number;
  slots: number;
}

interface Options {
  sizes: Size[];
  runs: number;
  generators: GeneratorName[];
  seed: number;
  reuse: number;
  highsReuse: number;
  highsSolver: NonNullable<ReferenceOptions["solver"]>;
  quick: boolean;
  /** Generate sessions with the 6 A charging floor (minChargeKw > 0). */
  minCharge: boolean;
  /** With minCharge: HiGHS time limit per MILP solve, seconds. */
  mipTimeLimitS: number;
  /** With minCharge: HiGHS mip_rel_gap. */
  mipGap: number;
  /** Spec §12: size of the with/without-batteries timing. */
  storageSize: Size;
  /** Only the storage section. */
  storageOnly: boolean;
  /** Spec §11: size of the with/without-phases timing. */
  phasesSize: Size;
  /** Only the phases section. */
  phasesOnly: boolean;
}

function usage(message: string): never {
  console.error(`bench:solver: ${message}`);
  console.error(
    "usage: npm run bench:solver -- [--quick] [--sizes 10x96,1000x96] [--runs N] [--generators a,b] [--seed N] [--reuse N] [--highs-solver choose|simplex|ipm] [--min-charge [--mip-time-limit S] [--mip-gap G]] [--storage-size NxT] [--storage-only] [--phases-size NxT] [--phases-only]",
  );
  process.exit(2);
}

function parseSize(text: string): Size {
  const m = /^(\d+)[x×](\d+)$/.exec(text.trim());
  if (!m) usage(`bad size "${text}" (want sessions x slots, e.g. 1000x96)`);
  return { sessions: Number(m[1]), slots: Number(m[2]) };
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer`);
  return n;
}

function positiveNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) usage(`--${name} must be a positive number`);
  return n;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      sizes: { type: "string" },
      runs: { type: "string" },
      generators: { type: "string" },
      seed: { type: "string" },
      reuse: { type: "string" },
      "highs-solver": { type: "string" },
      "min-charge": { type: "boolean", default: false },
      "mip-time-limit": { type: "string" },
      "mip-gap": { type: "string" },
      "storage-size": { type: "string" },
      "storage-only": { type: "boolean", default: false },
      "phases-size": { type: "string" },
      "phases-only": { type: "boolean", default: false },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const sizes =
    values.sizes !== undefined
      ? values.sizes.split(",").map(parseSize)
      : quick
        ? DEFAULTS.quickSizes.map(parseSize)
        : SIZES.map((s) => ({ ...s }));
  const generators = (values.generators?.split(",") ?? GENERATOR_NAMES).map((g) => {
    if (!(g in GENERATORS)) usage(`unknown generator "${g}" (have ${GENERATOR_NAMES.join(", ")})`);
    return g as GeneratorName;
  });
  const solver = values["highs-solver"] ?? "choose";
  if (solver !== "choose" && solver !== "simplex" && solver !== "ipm") usage("--highs-solver must be choose, simplex or ipm");
  const minCharge = values["min-charge"] ?? false;
  if (!minCharge && (values["mip-time-limit"] !== undefined || values["mip-gap"] !== undefined))
    usage("--mip-time-limit and --mip-gap need --min-charge");
  return {
    sizes,
    runs: Math.max(1, positiveInt(values.runs, "runs", quick ? DEFAULTS.quickRuns : DEFAULTS.runs)),
    generators,
    seed: positiveInt(values.seed, "seed", DEFAULTS.seed),
    reuse: positiveInt(values.reuse, "reuse", DEFAULTS.reuse),
    highsReuse: quick ? DEFAULTS.quickHighsReuse : DEFAULTS.highsReuse,
    highsSolver: solver,
    quick,
    minCharge,
    mipTimeLimitS: positiveNumber(values["mip-time-limit"], "mip-time-limit", DEFAULTS.mipTimeLimitS),
    mipGap: positiveNumber(values["mip-gap"], "mip-gap", MIP_REL_GAP),
    storageSize: parseSize(values["storage-size"] ?? DEFAULTS.storageSize),
    storageOnly: values["storage-only"] ?? false,
    phasesSize: parseSize(values["phases-size"] ?? DEFAULTS.phasesSize),
    phasesOnly: values["phases-only"] ?? false,
  };
}

/** Fewer HiGHS and baseline runs as problems grow: every HiGHS run of the biggest sizes costs seconds. */
function runsFor(size: Size, runs: number): number {
  const cells = size.sessions * size.slots;
  if (cells >= 96_000) return 1;
  if (cells >= 28_800) return Math.max(1, Math.ceil(runs / 2));
  return runs;
}

function generate(name: GeneratorName, size: Size, seed: number, minCharge = false): Request {
  const v = validateRequest(GENERATORS[name]({ ...size, seed, minCharge }));
  if (!v.ok) throw new Error(`generator ${name} made an invalid request: ${JSON.stringify(v.problems.slice(0, 3))}`);
  return v.request;
}

type Timed = { ok: true; ms: number; solverMs: number; response: Response } | { ok: false; note: string };

/** Median wall time of solve() over `runs` runs (the first run's response is kept). */
function timeStrategy(request: Request, strategy: StrategyName, runs: number, scheduler: Scheduler): Timed {
  const wall: number[] = [];
  const inside: number[] = [];
  let response: Response | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    let r: Response;
    try {
      r = solve(request, { strategy, scheduler });
    } catch (error) {
      return { ok: false, note: `error: ${error instanceof Error ? error.message : String(error)}` };
    }
    wall.push(performance.now() - t0);
    inside.push(r.solver.solveMs);
    response ??= r;
  }
  return { ok: true, ms: median(wall), solverMs: median(inside), response: response! };
}

interface Row {
  generator: GeneratorName;
  size: Size;
  ours: Timed;
  oursRuns: number;
  highs: ReferenceResult | { error: string };
  highsMs: number;
  highsRuns: number;
  /** With --min-charge: one time-limited MILP solve (wall time in `solveMs`). */
  mip?: ReferenceResult | { error: string };
  baselines: { name: StrategyName; timed: Timed }[];
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function relativeDiff(ours: number, reference: number): number {
  return (ours - reference) / Math.max(1, Math.abs(reference));
}

async function benchRow(name: GeneratorName, size: Size, o: Options, scheduler: Scheduler, reference: HighsReference): Promise<Row> {
  const request = generate(name, size, o.seed, o.minCharge);
  const n = runsFor(size, o.runs);
  // Ours always gets every run: a median, never one cold first solve (V8 tiers the module up after it).
  const ours = timeStrategy(request, "optimal", o.runs, scheduler);
  const baselines = BASELINES.map((b) => ({ name: b, timed: timeStrategy(request, b, n, scheduler) }));
  const hn = Math.min(n, DEFAULTS.highsRuns);
  let highs: ReferenceResult | { error: string } = { error: "not run" };
  const times: number[] = [];
  for (let i = 0; i < hn; i++) {
    try {
      const r = await reference.solve(request, { solver: o.highsSolver });
      times.push(r.solveMs);
      if (i === 0) highs = r;
    } catch (error) {
      highs = { error: error instanceof Error ? error.message : String(error) };
      break;
    }
  }
  let mip: Row["mip"];
  if (o.minCharge) {
    // One run: a time-limited MILP takes the whole limit on every size past the smallest.
    try {
      mip = await reference.solve(request, { minCharge: "mip", timeLimitS: o.mipTimeLimitS, mipRelGap: o.mipGap });
    } catch (error) {
      mip = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  return {
    generator: name,
    size,
    ours,
    oursRuns: o.runs,
    highs,
    highsMs: times.length > 0 ? median(times) : Number.NaN,
    highsRuns: times.length,
    mip,
    baselines,
  };
}

/** Spec §7: "optimal" means within max(1e-4·|total|, 1e-3) of the relaxation optimum. */
function breaksSpec(row: Row): boolean {
  if (!row.ours.ok || row.ours.response.status !== "optimal" || "error" in row.highs) return false;
  const total = row.ours.response.cost.total;
  return Math.abs(total - row.highs.objective) > Math.max(1e-4 * Math.abs(total), 1e-3);
}

/**
 * Our schedule is feasible for the MILP at the same cost, so a total below
 * HiGHS's proven MILP bound (beyond spec §7's tolerance) means one of the
 * two is wrong.
 */
function belowMipBound(row: Row): boolean {
  if (!row.ours.ok || row.mip === undefined || "error" in row.mip || row.mip.mipBound === undefined) return false;
  const total = row.ours.response.cost.total;
  return total < row.mip.mipBound - Math.max(1e-4 * Math.abs(total), 1e-3);
}

const percent = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%` : "n/a");

/** The --min-charge columns: MILP incumbent / bound, then where our total and the relaxation lie against them. */
function mipCells(row: Row): string[] {
  const m = row.mip;
  if (m === undefined) return [];
  if ("error" in m) return [m.error, "n/a", "n/a", "n/a"];
  const bound = m.mipBound ?? Number.NaN;
  const cell = `${fmt(m.objective, 2)} / ${fmt(bound, 2)} (${m.status}, ${fmt(m.solveMs / 1000, 1)} s, ${m.binaries} bin.)`;
  const ours = row.ours.ok ? row.ours.response.cost.total : Number.NaN;
  const relaxation = "error" in row.highs ? Number.NaN : row.highs.objective;
  return [
    cell,
    percent(relativeDiff(ours, m.objective)),
    `${percent(relativeDiff(ours, bound))}${belowMipBound(row) ? " ✗" : ""}`,
    percent(relativeDiff(bound, relaxation)),
  ];
}

function tableRow(row: Row): string {
  const h = "error" in row.highs ? undefined : row.highs;
  const lp = h ? `${h.columns} / ${h.rows} / ${h.nonzeros}` : "error" in row.highs ? row.highs.error : "";
  const ours = row.ours.ok ? `${fmt(row.ours.ms)} (${fmt(row.ours.solverMs)})` : row.ours.note;
  const status = row.ours.ok ? row.ours.response.status : "";
  const highsCell = h ? `${fmt(row.highsMs)} (+${fmt(h.readMs)} read, +${fmt(h.buildMs)} build)` : "n/a";
  const diff =
    h && row.ours.ok ? `${relativeDiff(row.ours.response.cost.total, h.objective).toExponential(1)}${breaksSpec(row) ? " ✗" : ""}` : "n/a";
  const bound = row.ours.ok ? row.ours.response.solver.bound : undefined;
  const boundDiff = h && bound !== undefined ? relativeDiff(bound, h.objective).toExponential(1) : "n/a";
  const ratio = h && row.ours.ok ? `${fmt(row.highsMs / row.ours.ms, 2)}×` : "n/a";
  const baselineMs = row.baselines.map((b) => (b.timed.ok ? fmt(b.timed.ms, 2) : b.timed.note)).join(" / ");
  const best = row.baselines.reduce((m, b) => (b.timed.ok ? Math.min(m, b.timed.response.cost.total) : m), Number.POSITIVE_INFINITY);
  const bestGap = h && Number.isFinite(best) ? `+${fmt(100 * relativeDiff(best, h.objective), 1)}%` : "n/a";
  const cells = [
    row.generator,
    sizeLabel(row.size),
    lp,
    h ? fmt(h.objective, 2) : "n/a",
    `${ours} ×${row.oursRuns}`,
    status,
    `${highsCell} ×${row.highsRuns}`,
    diff,
    boundDiff,
    ratio,
    baselineMs,
    bestGap,
    ...mipCells(row),
  ];
  return `| ${cells.join(" | ")} |`;
}

const COLUMNS = [
  "generator",
  "size",
  "LP cols / rows / nnz",
  "HiGHS objective",
  "optimal ms, wall (in WASM) ×runs",
  "status",
  "HiGHS solve ms ×runs",
  "rel. diff (ours − HiGHS)",
  "our bound − HiGHS, rel.",
  "HiGHS / ours",
  "baselines ms (uncontrolled / equalShare / edf / llf)",
  "best baseline vs optimum",
];
const MIP_COLUMNS = [
  "MILP incumbent / bound (status, time, binaries)",
  "ours − MILP incumbent",
  "ours − MILP bound",
  "MILP bound − relaxation",
];

function header(minCharge: boolean): string[] {
  const columns = minCharge ? [...COLUMNS, ...MIP_COLUMNS] : COLUMNS;
  return [`| ${columns.join(" | ")} |`, `|${"---|".repeat(columns.length)}`];
}

interface Reuse {
  strategy: StrategyName;
  solves: number;
  firstBytes: number;
  lastBytes: number;
  highsSolves: number;
  highsFirstBytes: number;
  highsLastBytes: number;
  highsLoads: number;
}

/** Memory after many consecutive small solves must equal memory after the first: nothing leaks. */
async function reuseCheck(o: Options, strategy: StrategyName): Promise<Reuse> {
  const requests = Array.from({ length: 16 }, (_, i) =>
    generate(o.generators[i % o.generators.length], { sessions: 10, slots: 96 }, o.seed + i),
  );
  const scheduler = new Scheduler();
  solve(requests[0], { strategy, scheduler });
  const firstBytes = scheduler.memoryBytes;
  for (let i = 1; i < o.reuse; i++) solve(requests[i % requests.length], { strategy, scheduler });
  const reference = new HighsReference();
  await reference.solve(requests[0]);
  const highsFirstBytes = reference.memoryBytes;
  for (let i = 1; i < o.highsReuse; i++) await reference.solve(requests[i % requests.length]);
  return {
    strategy,
    solves: o.reuse,
    firstBytes,
    lastBytes: scheduler.memoryBytes,
    highsSolves: o.highsReuse,
    highsFirstBytes,
    highsLastBytes: reference.memoryBytes,
    highsLoads: reference.loads,
  };
}

/** First calls pay for JIT compilation and heap growth; keep that out of the medians. */
async function warmUp(scheduler: Scheduler, reference: HighsReference): Promise<void> {
  for (const name of GENERATOR_NAMES) {
    const request = generate(name, { sessions: 10, slots: 96 }, 0);
    for (const strategy of ["optimal", ...BASELINES] as StrategyName[]) timeStrategy(request, strategy, 2, scheduler);
    await reference.solve(request);
  }
}

// ---- spec §12: site storage ------------------------------------------------

function validOrThrow(input: unknown, what: string): Request {
  const v = validateRequest(input);
  if (!v.ok) throw new Error(`${what} is invalid: ${JSON.stringify(v.problems.slice(0, 3))}`);
  return v.request;
}

/** Median wall and in-WASM times of `optimal` on two requests, runs interleaved (drift hits both alike). */
function timePair(a: Request, b: Request, runs: number, scheduler: Scheduler): [Timed, Timed] {
  const wall: [number[], number[]] = [[], []];
  const inside: [number[], number[]] = [[], []];
  const first: [Response | undefined, Response | undefined] = [undefined, undefined];
  for (let i = 0; i < runs; i++) {
    for (const k of [0, 1] as const) {
      const t0 = performance.now();
      const r = solve(k === 0 ? a : b, { strategy: "optimal", scheduler });
      wall[k].push(performance.now() - t0);
      inside[k].push(r.solver.solveMs);
      first[k] ??= r;
    }
  }
  const timed = (k: 0 | 1): Timed => ({ ok: true, ms: median(wall[k]), solverMs: median(inside[k]), response: first[k]! });
  return [timed(0), timed(1)];
}

/** The two-battery timing rows; true when every ratio meets the target and every status is optimal and agrees with HiGHS. */
async function storageTiming(o: Options, scheduler: Scheduler, reference: HighsReference, say: (line: string) => void): Promise<boolean> {
  const size = o.storageSize;
  say(`### Two batteries at ${sizeLabel(size)}: solve time against the same site without them`);
  say("");
  say(
    "| generator | without: optimal ms (WASM) | iters | with two batteries: optimal ms (WASM) | iters | ratio (WASM) | status | HiGHS rel. diff (with) | batteries' final energy |",
  );
  say("|---|---|---|---|---|---|---|---|---|");
  let ok = true;
  for (const name of o.generators) {
    const input = GENERATORS[name]({ ...size, seed: o.seed });
    const without = validOrThrow(input, `${name} ${sizeLabel(size)}`);
    const withBatteries = validOrThrow(withStorage(input, { seed: o.seed }), `${name} ${sizeLabel(size)} with storage`);
    const [a, b] = timePair(without, withBatteries, o.runs, scheduler);
    if (!a.ok || !b.ok) continue;
    const ratio = b.solverMs / a.solverMs;
    const ref = await reference.solve(withBatteries, { solver: o.highsSolver });
    const diff = ref.status === "optimal" ? relativeDiff(b.response.cost.total, ref.objective) : Number.NaN;
    const ends = withBatteries.storage.map((battery, i) => {
      const e = b.response.storage![i].energyKwh;
      return `${e[e.length - 1].toFixed(2)} ≥ ${(battery.finalEnergyKwh ?? battery.initialEnergyKwh).toFixed(2)}`;
    });
    const fine =
      ratio <= DEFAULTS.storageRatioTarget &&
      b.response.status === "optimal" &&
      Math.abs(diff) <= Math.max(1e-4, 1e-3 / Math.max(1, Math.abs(ref.objective)));
    if (!fine) ok = false;
    say(
      `| ${name} | ${fmt(a.ms)} (${fmt(a.solverMs)}) | ${a.response.solver.iterations} | ${fmt(b.ms)} (${fmt(b.solverMs)}) | ${b.response.solver.iterations} | ${ratio.toFixed(3)}${ratio <= DEFAULTS.storageRatioTarget ? "" : " ✗"} | ${b.response.status} | ${diff.toExponential(1)} | ${ends.join(", ")} |`,
    );
  }
  say("");
  say(
    `Ratio: median in-WASM solve time with the batteries over without (${o.runs} interleaved runs each); target ≤ ${DEFAULTS.storageRatioTarget}×, marked ✗ (exit 1) above it.`,
  );
  return ok;
}

/** A per-slot quantity times f. */
const scaled = (x: number | number[], f: number) => (Array.isArray(x) ? x.map((y) => y * f) : x * f);

/**
 * Depot peak shaving: one battery under the grid connection against the
 * same depot without it, on the depot as generated (its connection binds
 * in the evening) and with the connection and circuits doubled (the demand
 * charge alone sets the peak). The battery: a fifth of the generated
 * import limit, 4 h, handed back as full as it came (final = initial).
 */
function peakShaving(o: Options, scheduler: Scheduler, say: (line: string) => void): void {
  say("### A depot with a battery doing peak shaving");
  say("");
  say(
    "| depot | connection | battery | strategy | peak kW | demand | energy | degradation | shortfall | total | demand saved | total saved |",
  );
  say("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const text of DEFAULTS.shavingSizes) {
    const size = parseSize(text);
    for (const factor of [1, 2]) {
      const input = GENERATORS.depotV2g({ ...size, seed: o.seed });
      input.site.importLimitKw = scaled(validOrThrow(input, "depot").site.importLimitKw, factor);
      input.circuits = validOrThrow(input, "depot").circuits.map((c) => ({ ...c, limitKw: scaled(c.limitKw, factor) }));
      const without = validOrThrow(input, `depot ${text}`);
      const withBattery = validOrThrow(
        withStorage(input, { seed: o.seed, count: 1, powerShare: 0.2 / factor, hours: 4, varyFinal: false }),
        `depot ${text} with storage`,
      );
      const battery = withBattery.storage[0];
      const label = `${battery.maxChargeKw} kW / ${battery.capacityKwh} kWh`;
      const connection = factor === 1 ? "as generated" : `${factor}× (and circuits)`;
      for (const strategy of factor === 1 ? (["optimal", "edf"] as const) : (["optimal"] as const)) {
        const a = solve(without, { strategy, scheduler });
        const b = solve(withBattery, { strategy, scheduler });
        const cells = (r: Response) => [
          fmt(r.peakImportKw),
          fmt(r.cost.demand, 2),
          fmt(r.cost.energy, 2),
          fmt(r.cost.degradation, 2),
          fmt(r.cost.shortfall, 2),
          fmt(r.cost.total, 2),
        ];
        // Below a hundredth (a thousandth of a kW at D = 10/kW) the two peaks are the same to the solver's tolerance: 0.
        const saved = Math.abs(a.cost.demand - b.cost.demand) < 1e-2 ? 0 : a.cost.demand - b.cost.demand;
        say(`| ${text} | ${connection} | none | ${strategy} | ${cells(a).join(" | ")} | | |`);
        say(
          `| ${text} | ${connection} | ${label} | ${strategy} | ${cells(b).join(" | ")} | ${fmt(saved, 2)} (${fmt((100 * saved) / Math.max(1e-9, a.cost.demand))} %) | ${fmt(a.cost.total - b.cost.total, 2)} |`,
        );
      }
    }
  }
  say("");
  say(
    "Demand charge: D · max(0, peak − P0) (spec §3; the depot generator: D = 10/kW, P0 = 0.9 × the base load's peak). The battery ends at its initial energy (spec §12), so no saving is energy taken out of it; edf (a baseline) leaves it idle, so its two rows match. On the depot as generated the connection binds in the evening (sessions short of energy at 1000/kWh), so the peak is the import limit with or without the battery, whose energy goes to those sessions instead.",
  );
}

// ---- spec §11: phases and currents -----------------------------------------

/** How many (node, phase, slot) rows sit at their phase limit, and (circuit, phase pair, slot) rows at their unbalance limit. */
function bindingPhaseRows(request: Request, response: Response): { phase: number; unbalance: number } {
  const T = request.horizon.slots;
  const siteV = request.site.voltageV ?? 230;
  const at = (x: number | number[], t: number) => (Array.isArray(x) ? x[t] : x);
  // Per node ("" = the grid connection): each phase's signed current and the |current| of one-phase sessions on an unknown phase.
  const own = new Map<string, { phase: Float64Array[]; unknown: Float64Array }>();
  const node = (id: string) => {
    let n = own.get(id);
    if (!n) own.set(id, (n = { phase: [0, 1, 2].map(() => new Float64Array(T)), unknown: new Float64Array(T) }));
    return n;
  };
  request.sessions.forEach((s, i) => {
    const n = node(s.circuitId ?? "");
    const volts = s.voltageV ?? siteV;
    response.sessions[i].powerKw.forEach((p, t) => {
      const amps = (p * 1000) / volts;
      for (let phi = 0; phi < 3; phi++)
        n.phase[phi][t] += s.phases !== 1 ? amps / 3 : s.phase === undefined || s.phase === `L${phi + 1}` ? amps : 0;
      if (s.phases === 1 && s.phase === undefined) n.unknown[t] += Math.abs(amps);
    });
  });
  const site = node("");
  const B = request.site.baseLoadKw;
  const S = request.site.pvKw;
  const u = response.site.curtailedPvKw;
  for (let t = 0; t < T; t++) for (let phi = 0; phi < 3; phi++) site.phase[phi][t] += ((at(B, t) - at(S, t) + u[t]) * 1000) / (3 * siteV);
  const children = (id: string) => request.circuits.filter((c) => (c.parentId ?? "") === id).map((c) => c.id);
  const subtree = (id: string): { phase: Float64Array[]; unknown: Float64Array } => {
    const sum = { phase: node(id).phase.map((x) => x.slice()), unknown: node(id).unknown.slice() };
    for (const child of children(id)) {
      const c = subtree(child);
      for (let t = 0; t < T; t++) {
        for (let phi = 0; phi < 3; phi++) sum.phase[phi][t] += c.phase[phi][t];
        sum.unknown[t] += c.unknown[t];
      }
    }
    return sum;
  };
  let phase = 0;
  let unbalance = 0;
  const nodes = [
    { id: "", limit: request.site.phaseLimitA, unbalanceA: undefined as number | undefined },
    ...request.circuits.map((c) => ({ id: c.id, limit: c.phaseLimitA, unbalanceA: c.unbalanceLimitA })),
  ];
  for (const n of nodes) {
    const sum = subtree(n.id);
    for (let t = 0; t < T; t++)
      for (let phi = 0; phi < 3; phi++) {
        if (n.limit !== undefined && Math.abs(sum.phase[phi][t]) >= at(n.limit, t) - DEFAULTS.bindingA) phase++;
        const d = Math.abs(sum.phase[phi][t] - sum.phase[(phi + 1) % 3][t]) + sum.unknown[t];
        if (n.unbalanceA !== undefined && d >= n.unbalanceA - DEFAULTS.bindingA) unbalance++;
      }
  }
  return { phase, unbalance };
}

/** The phase rows; true when every ratio and speed-up meets its target and every status is optimal and agrees with HiGHS. */
async function phasesTiming(o: Options, scheduler: Scheduler, reference: HighsReference, say: (line: string) => void): Promise<boolean> {
  const size = o.phasesSize;
  say(`### Phases and currents at ${sizeLabel(size)}: solve time against the same site without phases, and against HiGHS`);
  say("");
  say(
    "| generator | one-phase (unknown) | LP rows without → with | without: optimal ms (WASM) | iters | with phases: optimal ms (WASM) | iters | ratio (WASM) | status | ours − HiGHS, rel. | HiGHS solve ms ×runs | HiGHS / ours | binding phase / unbalance rows |",
  );
  say("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  let ok = true;
  for (const name of o.generators) {
    const input = GENERATORS[name]({ ...size, seed: o.seed });
    const without = validOrThrow(input, `${name} ${sizeLabel(size)}`);
    const withP = validOrThrow(withPhases(input, { seed: o.seed }), `${name} ${sizeLabel(size)} with phases`);
    const [a, b] = timePair(without, withP, o.runs, scheduler);
    if (!a.ok || !b.ok) continue;
    const ratio = b.solverMs / a.solverMs;
    const times: number[] = [];
    let ref: ReferenceResult | undefined;
    for (let i = 0; i < Math.min(runsFor(size, o.runs), DEFAULTS.highsRuns); i++) {
      const r = await reference.solve(withP, { solver: o.highsSolver });
      times.push(r.solveMs);
      ref ??= r;
    }
    const refWithout = await reference.solve(without, { solver: o.highsSolver });
    const highsMs = median(times);
    const speed = highsMs / b.ms;
    const total = b.response.cost.total;
    const diff = ref!.status === "optimal" ? relativeDiff(total, ref!.objective) : Number.NaN;
    const within = ref!.status === "optimal" && Math.abs(total - ref!.objective) <= Math.max(1e-4 * Math.abs(total), 1e-3);
    const onePhase = withP.sessions.filter((s) => s.phases === 1);
    const unknown = onePhase.filter((s) => s.phase === undefined).length;
    const binding = bindingPhaseRows(withP, b.response);
    const fine = ratio <= DEFAULTS.phasesRatioTarget && speed >= DEFAULTS.phasesSpeedTarget && b.response.status === "optimal" && within;
    if (!fine) ok = false;
    say(
      `| ${name} | ${onePhase.length} (${unknown}) of ${withP.sessions.length} | ${refWithout.rows} → ${ref!.rows} | ${fmt(a.ms)} (${fmt(a.solverMs)}) | ${a.response.solver.iterations} | ${fmt(b.ms)} (${fmt(b.solverMs)}) | ${b.response.solver.iterations} | ${ratio.toFixed(3)}${ratio <= DEFAULTS.phasesRatioTarget ? "" : " ✗"} | ${b.response.status}${b.response.status === "optimal" ? "" : " ✗"} | ${diff.toExponential(1)}${within ? "" : " ✗"} | ${fmt(highsMs)} ×${times.length} | ${fmt(speed, 2)}×${speed >= DEFAULTS.phasesSpeedTarget ? "" : " ✗"} | ${binding.phase} / ${binding.unbalance} |`,
    );
  }
  say("");
  say(
    `Ratio: median in-WASM solve time with phases over without (${o.runs} interleaved runs each); target ≤ ${DEFAULTS.phasesRatioTarget}×. *ours − HiGHS*: (our total − HiGHS objective) / max(1, |HiGHS objective|) on the site with phases, ✗ beyond spec §7 (max(1e-4·|total|, 1e-3)). *HiGHS / ours*: HiGHS's \`Model.run()\` time (median) over our wall time of \`solve()\` with phases; target ≥ ${DEFAULTS.phasesSpeedTarget}×. *Binding rows*: (node, phase, slot) currents within ${DEFAULTS.bindingA} A of their phase limit, and (circuit, phase pair, slot) unbalances within ${DEFAULTS.bindingA} A of the unbalance limit, at our optimum. Misses are marked ✗ (exit 1).`,
  );
  return ok;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const command = `npm run bench:solver -- ${process.argv.slice(2).join(" ")}`.trim();
  const scheduler = new Scheduler();
  const reference = new HighsReference();
  await warmUp(scheduler, reference);
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };

  if (o.phasesOnly) {
    say("# Solver bench: phases and currents (spec §11)");
    say("");
    say(
      `\`${command}\` — ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} ×${cpus().length}, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    say("");
    if (!(await phasesTiming(o, scheduler, reference, say))) process.exitCode = 1;
    mkdirSync(dirname(OUT_FILE), { recursive: true });
    writeFileSync(OUT_FILE, `${lines.join("\n")}\n`);
    console.log(`\nwritten to ${OUT_FILE}`);
    return;
  }
  if (o.storageOnly) {
    say("# Solver bench: site storage (spec §12)");
    say("");
    say(`\`${command}\` — ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} ×${cpus().length}`);
    say("");
    if (!(await storageTiming(o, scheduler, reference, say))) process.exitCode = 1;
    say("");
    peakShaving(o, scheduler, say);
    mkdirSync(dirname(OUT_FILE), { recursive: true });
    writeFileSync(OUT_FILE, `${lines.join("\n")}\n`);
    console.log(`\nwritten to ${OUT_FILE}`);
    return;
  }
  say("# Solver bench: optimal vs HiGHS");
  say("");
  say(
    `\`${command}\` — ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} ×${cpus().length}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  say("");
  say(
    `Seed ${o.seed}; optimal: ${o.runs} runs per size; HiGHS and baselines fewer on big sizes (HiGHS at most ${DEFAULTS.highsRuns}); medians. HiGHS ${"`"}solver=${o.highsSolver}${"`"} on the spec §7 relaxation (LP text, npm \`highs\`), same process.${o.minCharge ? ` Sessions have the 6 A charging floor (minChargeKw > 0): \`optimal\` ends "feasible" and its total may lie above the relaxation; HiGHS also solves the mixed-integer model with the floor once per row (time limit ${o.mipTimeLimitS} s, mip_rel_gap ${o.mipGap}).` : ""}`,
  );
  say("");
  for (const line of header(o.minCharge)) say(line);

  let largest: { label: string; cells: number; bytes: number } | undefined;
  for (const size of o.sizes) {
    for (const name of o.generators) {
      const row = await benchRow(name, size, o, scheduler, reference);
      say(tableRow(row));
      if (breaksSpec(row) || belowMipBound(row)) process.exitCode = 1;
      const cells = size.sessions * size.slots;
      if (largest === undefined || cells >= largest.cells) largest = { label: sizeLabel(size), cells, bytes: scheduler.memoryBytes };
    }
  }

  say("");
  say("## Memory");
  say("");
  if (largest)
    say(
      `- Scheduler WASM memory after the ${largest.label} solves: ${mib(largest.bytes)}; HiGHS heap now ${mib(reference.memoryBytes)} (runtime loaded ${reference.loads} time(s); it is reloaded past 768 MiB).`,
    );
  const reuse = await reuseCheck(o, "optimal");
  const same = reuse.firstBytes === reuse.lastBytes;
  say(
    `- Reuse, scheduler (\`${reuse.strategy}\`, 10×96): ${mib(reuse.firstBytes)} after the first solve, ${mib(reuse.lastBytes)} after ${reuse.solves}: ${same ? "equal" : "GREW"}.`,
  );
  const highsSame = reuse.highsFirstBytes === reuse.highsLastBytes && reuse.highsLoads === 1;
  say(
    `- Reuse, HiGHS (10×96): ${mib(reuse.highsFirstBytes)} after the first solve, ${mib(reuse.highsLastBytes)} after ${reuse.highsSolves} (runtime loaded ${reuse.highsLoads} time(s)): ${highsSame ? "equal" : "GREW"}.`,
  );
  say("");
  say("## Site storage (spec §12)");
  say("");
  if (!(await storageTiming(o, scheduler, reference, say))) process.exitCode = 1;
  say("");
  peakShaving(o, scheduler, say);
  say("");
  say("## Phases and currents (spec §11)");
  say("");
  if (!(await phasesTiming(o, scheduler, reference, say))) process.exitCode = 1;
  say("");
  say(
    "Columns: *optimal ms* is the wall time of `solve()` (compile, WASM, response) with the in-WASM solve time in brackets; *HiGHS solve ms* is `Model.run()` only, with parse and LP-text build times beside it; *rel. diff* is (optimal total − HiGHS objective) / max(1, |HiGHS objective|), marked ✗ (and the run exits 1) when an `optimal` status is further from HiGHS than spec §7 allows, and the bound column the same for the dual bound `optimal` reports; *best baseline vs optimum* is how far the cheapest baseline lands above the relaxation optimum.",
  );
  if (o.minCharge) {
    say("");
    say(
      "MILP columns (--min-charge): HiGHS on the model with the floor as binaries (p ≤ 0 or minChargeKw ≤ p ≤ maxChargeKw), one solve per row. *incumbent / bound* are the best schedule HiGHS found and its proven lower bound on the true optimum, with the status (`optimal`: within mip_rel_gap; `timeLimit`: stopped, incumbent `n/a` if none) and the solve's wall time. The three percentages are relative to max(1, |reference|): *ours − MILP incumbent* is what our rounding loses against the best schedule known (negative when we beat a time-limited incumbent); *ours − MILP bound* is the most our total can lie above the true optimum (✗, and exit 1, if our total is below the bound beyond spec §7's tolerance: impossible for a correct schedule); *MILP bound − relaxation* is the least of our distance from the relaxation that no schedule can close.",
    );
  }

  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, `${lines.join("\n")}\n`);
  console.log(`\nwritten to ${OUT_FILE}`);
  if (!same || !highsSame) process.exitCode = 1;
}

await main();
