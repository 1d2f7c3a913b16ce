/**
 * The rolling-horizon strategy grid (issue 10, "Benchmark"): 8 weeks of real
 * Caltech sessions (2 from the 2019-03 file, 6 from the 2020-21 file) × site
 * capacities 20, 30, 50, 80 kW × {flat price, SCE TOU-EV-4 with its demand
 * charge}, every cell a `wattplan simulate` command line with the strategies
 * uncontrolled, equalShare, edf, llf, optimal, optimal+forecast and offline.
 *
 *   npm run bench:strategies -- grid                 run the missing cells (2 child processes), then the report
 *   npm run bench:strategies -- grid --jobs 1        one process
 *   npm run bench:strategies -- grid --report-only   the report from the cells already run
 *   npm run bench:strategies -- grid --only ID,ID    some cells (ids as in bench/out/strategies-grid/cells/)
 *   npm run bench:strategies -- grid --forecast-arrivals mean   every cell with `simulate --forecast-arrivals mean`
 *
 * Each cell is written to bench/out/strategies-grid/cells/ID.json as soon as
 * it is done, and all cells so far to bench/out/strategies-grid/grid.json
 * after each one (a partial run survives; a rerun skips the cells done).
 * The report: bench/results/strategies-grid.md, with the cells' figures in
 * bench/results/strategies-grid/grid.json and one energy-vs-capacity chart
 * per tariff. The data is read by path from WATTPLAN_DATA_DIR.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpus } from "node:os";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "../stats.js";
import { packagePath } from "../../engine/paths.js";
import { simulateConfig } from "../../service/cli/simulate-command.js";
import { dataDir } from "../../service/simulate/data-dir.js";
import { computeMetrics, type StrategyMetrics } from "../../service/simulate/metrics.js";
import { energyVsCapacitySpec, strategyLabel, writePlot } from "../../service/simulate/plots.js";
import { prepareReplay } from "../../service/simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, simulate, type SimStrategy, type SimulationOptions } from "../../service/simulate/simulator.js";

const DATA = dataDir();
const FILE_2019 = join(DATA, "sessions", "acn-caltech-2019-03.csv");
const FILE_2020 = join(DATA, "sessions", "acn-caltech-2020-12_2021-09.csv");

interface Week {
  name: string;
  file: string;
  /** Local Monday; sessions arriving from it until `to` (the Saturday, excluded: Monday–Friday arrivals) are replayed. */
  from: string;
  to: string;
}

/**
 * Monday–Friday arrivals, as the issue's week (2021-06-07..12). The 2019 file
 * is March 2019 only; its weeks start on the 11th and 25th so that the
 * forecast of optimal+forecast has earlier sessions to learn from. The
 * 2020-21 weeks are spread over January to August (December has too little
 * history before it).
 */
export const WEEKS: Week[] = [
  { name: "2019-03-11", file: FILE_2019, from: "2019-03-11", to: "2019-03-16" },
  { name: "2019-03-25", file: FILE_2019, from: "2019-03-25", to: "2019-03-30" },
  { name: "2021-01-11", file: FILE_2020, from: "2021-01-11", to: "2021-01-16" },
  { name: "2021-03-15", file: FILE_2020, from: "2021-03-15", to: "2021-03-20" },
  { name: "2021-04-19", file: FILE_2020, from: "2021-04-19", to: "2021-04-24" },
  { name: "2021-06-07", file: FILE_2020, from: "2021-06-07", to: "2021-06-12" },
  { name: "2021-07-19", file: FILE_2020, from: "2021-07-19", to: "2021-07-24" },
  { name: "2021-08-23", file: FILE_2020, from: "2021-08-23", to: "2021-08-28" },
];

export const CAPACITIES_KW = [20, 30, 50, 80];

type TariffKey = "flat" | "tou";
export const TARIFFS: Record<TariffKey, { label: string; file: string }> = {
  flat: { label: "flat price 0.10 $/kWh, no demand charge", file: packagePath("bench", "strategies", "flat-price.json") },
  tou: {
    label: "SCE TOU-EV-4 with its demand charge (15.51 $/kW of the month's peak)",
    file: join(DATA, "tariffs", "sce_tou_ev_4_march_2019.json"),
  },
};

const HEURISTICS: SimStrategy[] = ["uncontrolled", "equalShare", "edf", "llf"];
const MPC: SimStrategy[] = ["optimal", "optimal+forecast"];
export const STRATEGIES: SimStrategy[] = [...HEURISTICS, ...MPC, "offline"];

interface Cell {
  id: string;
  week: Week;
  tariff: TariffKey;
  capacityKw: number;
}

interface CellResult {
  id: string;
  week: string;
  tariff: TariffKey;
  capacityKw: number;
  /** The equivalent `wattplan simulate` command line (paths relative to the package). */
  command: string;
  sessions: number;
  slots: number;
  strategies: StrategyMetrics[];
  wallSeconds: number;
  finishedAt: string;
  /** The commit the cell ran at (`git rev-parse --short HEAD`, flagged when the tree had uncommitted changes). */
  commit?: string;
}

const OUT = packagePath("bench", "out", "strategies-grid");
const CELLS_DIR = join(OUT, "cells");
const RESULTS_MD = packagePath("bench", "results", "strategies-grid.md");
const RESULTS_DIR = packagePath("bench", "results", "strategies-grid");

function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (const tariff of Object.keys(TARIFFS) as TariffKey[])
    for (const week of WEEKS)
      for (const capacityKw of CAPACITIES_KW) cells.push({ id: `${week.name}_${tariff}_${capacityKw}kW`, week, tariff, capacityKw });
  return cells;
}

function simulateArgs(cell: Cell): string[] {
  return [
    "--sessions",
    cell.week.file,
    "--from",
    cell.week.from,
    "--to",
    cell.week.to,
    "--capacity-kw",
    String(cell.capacityKw),
    "--slot-minutes",
    "15",
    "--tariff",
    TARIFFS[cell.tariff].file,
    "--strategies",
    STRATEGIES.join(","),
    "--forecast",
    ...forecastArrivalsArgs(),
    "--no-png",
  ];
}

/**
 * `--forecast-arrivals MODE[@ROLE]` of the grid (issue 12, bench/RESULTS.md §12): passed on to every cell's
 * `simulate` (through the environment, so that the cells' child processes see it); default: simulate's own.
 */
const ARRIVALS_ENV = "WATTPLAN_GRID_FORECAST_ARRIVALS";
function forecastArrivalsArgs(): string[] {
  const value = process.env[ARRIVALS_ENV];
  if (value === undefined || value === "") return [];
  const [mode, role] = value.split("@");
  return ["--forecast-arrivals", mode, ...(role === undefined ? [] : ["--forecast-arrivals-role", role])];
}

function shown(args: string[]): string {
  const root = packagePath();
  return args.map((a) => (a.startsWith("/") ? relative(root, a) : a)).join(" ");
}

/** One cell, in this process: the replay of every strategy, as `wattplan simulate` runs it, without the plots. */
function runCell(cell: Cell): CellResult {
  const started = performance.now();
  const args = simulateArgs(cell);
  const config = simulateConfig(args);
  const prepared = prepareReplay(config);
  const entries: StrategyMetrics[] = [];
  for (const strategy of config.strategies) {
    const options: SimulationOptions = {
      ...DEFAULT_SIMULATION_OPTIONS,
      ...config.options,
      capacityKw: cell.capacityKw,
      horizonSlots: prepared.horizonSlots,
      ...(prepared.forecast !== undefined && { forecast: prepared.forecast }),
    };
    const run = simulate(strategy, prepared.sessions, prepared.grid, options);
    const m = computeMetrics(run, prepared.sessions, prepared.grid);
    process.stderr.write(
      `${cell.id} ${strategy}: delivered ${(100 * m.energyDeliveredShare).toFixed(2)}%, total cost ${m.totalCost.toFixed(2)}, ${run.solves} solves${run.nonOptimalSolves > 0 ? ` (${run.nonOptimalSolves} not proven optimal, ${run.planFallbacks} kept the last plan)` : ""}\n`,
    );
    entries.push(m);
  }
  return {
    id: cell.id,
    week: cell.week.name,
    tariff: cell.tariff,
    capacityKw: cell.capacityKw,
    command: `wattplan simulate ${shown(args)}`,
    sessions: prepared.replay.length,
    slots: prepared.span.slots,
    strategies: entries,
    wallSeconds: (performance.now() - started) / 1000,
    finishedAt: new Date().toISOString(),
    commit: commit(),
  };
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

function readCells(): CellResult[] {
  if (!existsSync(CELLS_DIR)) return [];
  const order = new Map(allCells().map((c, i) => [c.id, i]));
  return readdirSync(CELLS_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(CELLS_DIR, f), "utf8")) as CellResult)
    .filter((r) => order.has(r.id))
    .sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

function commit(): string {
  try {
    const hash = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: packagePath(), encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: packagePath(), encoding: "utf8" }).trim();
    return dirty === "" ? hash : `${hash} (with uncommitted changes)`;
  } catch {
    return "unknown";
  }
}

/** Run the cells in `jobs` child processes, merging into grid.json after each. */
async function runCells(cells: Cell[], jobs: number): Promise<{ failed: string[] }> {
  mkdirSync(CELLS_DIR, { recursive: true });
  const queue = [...cells];
  const failed: string[] = [];
  let done = 0;
  const self = fileURLToPath(import.meta.url);
  const merge = () => writeAtomic(join(OUT, "grid.json"), JSON.stringify({ cells: readCells() }, null, 2) + "\n");
  const worker = async () => {
    for (let cell = queue.shift(); cell !== undefined; cell = queue.shift()) {
      const id = cell.id;
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, self, "--cell", id], { stdio: ["ignore", "inherit", "inherit"] });
        child.on("exit", (c) => resolve(c ?? 1));
      });
      done++;
      if (code !== 0) failed.push(id);
      merge();
      process.stderr.write(
        `[${done}/${cells.length}] ${id}: ${code === 0 ? "done" : `FAILED (exit ${code})`} ${new Date().toISOString()}\n`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return { failed };
}

// --- the report -------------------------------------------------------------

const pct = (x: number) => (100 * x).toFixed(2);
const money = (x: number) => x.toFixed(2);
const get = (r: CellResult, s: SimStrategy) => r.strategies.find((m) => m.strategy === s)!;
const bestHeuristic = (r: CellResult) =>
  HEURISTICS.map((s) => get(r, s)).reduce((a, b) => (b.energyDeliveredShare > a.energyDeliveredShare ? b : a));
const cheapestHeuristic = (r: CellResult) => HEURISTICS.map((s) => get(r, s)).reduce((a, b) => (b.totalCost < a.totalCost ? b : a));
const cellName = (r: CellResult) => `${r.week} ${r.capacityKw} kW`;
/** Gaps smaller than this (share, 0.1 pp) are left out of the mean gap closed: the ratio is noise there. */
const MIN_GAP = 0.001;
/**
 * "At least as much energy": equal within 1e-6 of the energy (1e-4 pp; 1–3
 * Wh on a week of 1–3 MWh, below the 1 Wh resolution of the meter values a
 * CSMS reports for one session). Spec §5's 1e-6 kWh feasibility tolerance
 * per session and slot, over a week of re-plans, leaves such differences
 * between two schedules that deliver the same (the grid's ties at 80 kW
 * differ by 1e-6 to 2e-5 pp). Until 2026-12-07 this was 1e-9.
 */
const EPS = 1e-6;

function verdict(failing: string[], total: number): string {
  return failing.length === 0 ? `**met** (${total} of ${total} cells)` : `**NOT met**: fails in ${failing.length} of ${total} cells`;
}

function targetsSection(cells: CellResult[]): string {
  const flat = cells.filter((r) => r.tariff === "flat");
  const tou = cells.filter((r) => r.tariff === "tou");
  let md = "";
  for (const x of MPC) {
    md += `### \`${x}\`\n\n`;
    // Target 1: flat, energy ≥ best heuristic in every cell.
    const t1 = flat.filter((r) => get(r, x).energyDeliveredShare < bestHeuristic(r).energyDeliveredShare - EPS);
    md += `1. Flat price, energy delivered ≥ the best heuristic in every cell (equal within 1e-4 pp): ${verdict(t1.map(cellName), flat.length)}`;
    md +=
      t1.length > 0
        ? `: ${t1.map((r) => `${cellName(r)} (${pct(get(r, x).energyDeliveredShare)} % vs ${bestHeuristic(r).strategy} ${pct(bestHeuristic(r).energyDeliveredShare)} %, ${(100 * (get(r, x).energyDeliveredShare - bestHeuristic(r).energyDeliveredShare)).toFixed(4)} pp)`).join("; ")}.\n`
        : ".\n";
    // Target 2: flat, mean share of the gap closed ≥ 0.5.
    const gaps = flat.map((r) => {
      const h = bestHeuristic(r).energyDeliveredShare;
      const off = get(r, "offline").energyDeliveredShare;
      return { r, gap: off - h, closed: get(r, x).energyDeliveredShare - h };
    });
    const counted = gaps.filter((g) => g.gap >= MIN_GAP);
    const left = gaps.filter((g) => g.gap < MIN_GAP);
    const meanClosed = counted.reduce((s, g) => s + g.closed / g.gap, 0) / Math.max(1, counted.length);
    const pooled = gaps.reduce((s, g) => s + g.closed, 0) / gaps.reduce((s, g) => s + g.gap, 0);
    md += `2. Flat price, closes ≥ half the gap between the best heuristic and the offline optimum on average: mean over cells of (${x} − best heuristic) / (offline − best heuristic) = **${(100 * meanClosed).toFixed(1)} %** over the ${counted.length} cells with a gap ≥ 0.1 pp`;
    md += left.length > 0 ? ` (left out, gap < 0.1 pp: ${left.map((g) => cellName(g.r)).join(", ")})` : "";
    md += `; pooled over all ${gaps.length} cells (Σ closed / Σ gap) ${(100 * pooled).toFixed(1)} %: ${meanClosed >= 0.5 ? "**met**" : "**NOT met**"}.\n`;
    // Target 3: TOU, total cost lowest of the online strategies (against the four heuristics).
    const t3 = tou.filter((r) => get(r, x).totalCost > cheapestHeuristic(r).totalCost + EPS);
    md += `3. TOU + demand charge, total cost below every heuristic's in every cell: ${verdict(t3.map(cellName), tou.length)}`;
    md +=
      t3.length > 0
        ? `: ${t3.map((r) => `${cellName(r)} (${money(get(r, x).totalCost)} vs ${cheapestHeuristic(r).strategy} ${money(cheapestHeuristic(r).totalCost)})`).join("; ")}.\n`
        : ".\n";
    // Target 4: TOU, energy within 0.5 pp of the best heuristic.
    const t4 = tou.filter((r) => get(r, x).energyDeliveredShare < bestHeuristic(r).energyDeliveredShare - 0.005 - EPS);
    md += `4. TOU + demand charge, energy delivered within 0.5 pp of the best heuristic in every cell: ${verdict(t4.map(cellName), tou.length)}`;
    md +=
      t4.length > 0
        ? `: ${t4.map((r) => `${cellName(r)} (${pct(get(r, x).energyDeliveredShare)} % vs ${bestHeuristic(r).strategy} ${pct(bestHeuristic(r).energyDeliveredShare)} %, ${(100 * (get(r, x).energyDeliveredShare - bestHeuristic(r).energyDeliveredShare)).toFixed(2)} pp)`).join("; ")}.\n`
        : ".\n";
    md += "\n";
  }
  return md;
}

/**
 * The forecasting issue's planning target: on the held-out weeks at 30 and
 * 50 kW, optimal with forecasts against optimal with announcements only.
 */
function forecastSection(cells: CellResult[]): string {
  const at = cells.filter((r) => r.capacityKw === 30 || r.capacityKw === 50);
  const pairs = (t: TariffKey) => at.filter((r) => r.tariff === t);
  const more = (rs: CellResult[]) =>
    rs.filter((r) => !(get(r, "optimal+forecast").energyDeliveredShare > get(r, "optimal").energyDeliveredShare + EPS));
  const closed = (rs: CellResult[]) => {
    const gaps = rs.map((r) => ({
      gap: get(r, "offline").energyDeliveredShare - get(r, "optimal").energyDeliveredShare,
      closed: get(r, "optimal+forecast").energyDeliveredShare - get(r, "optimal").energyDeliveredShare,
    }));
    return (
      (100 * gaps.reduce((s, g) => s + g.closed, 0)) /
      Math.max(
        EPS,
        gaps.reduce((s, g) => s + g.gap, 0),
      )
    );
  };
  const cheaper = pairs("tou").filter((r) => get(r, "optimal+forecast").totalCost < get(r, "optimal").totalCost - EPS);
  const weeks = new Set(at.map((r) => r.week)).size;
  let md = `Every week is held out: each cell's forecast learns only from sessions that ended before it starts. At 30 and 50 kW (${weeks} weeks each):

`;
  for (const t of ["flat", "tou"] as TariffKey[]) {
    const rs = pairs(t);
    const fails = more(rs);
    md += `- ${t === "flat" ? "Flat price" : "TOU + demand charge"}: more energy than optimal in ${rs.length - fails.length} of ${rs.length} cells${fails.length > 0 ? ` (not in ${fails.map((r) => `${cellName(r)}: ${pct(get(r, "optimal+forecast").energyDeliveredShare)} % vs ${pct(get(r, "optimal").energyDeliveredShare)} %`).join("; ")})` : ""}; it closes ${closed(rs).toFixed(1)} % of optimal's gap to the offline optimum (pooled).
`;
  }
  md += `- TOU + demand charge: a lower total cost than optimal in ${cheaper.length} of ${pairs("tou").length} cells (target: at least 7 of 8 weeks; it delivers more, and the total cost has no shortfall term).

`;
  return md;
}

function cellTables(cells: CellResult[], tariff: TariffKey): string {
  const rows = cells.filter((r) => r.tariff === tariff);
  const head = `| week | kW | sessions | ${STRATEGIES.map(strategyLabel).join(" | ")} | best heuristic | gap closed: optimal / +forecast |`;
  const rule = `|---|---:|---:|${STRATEGIES.map(() => "---:").join("|")}|---|---:|`;
  const energy = rows.map((r) => {
    const h = bestHeuristic(r);
    const gap = get(r, "offline").energyDeliveredShare - h.energyDeliveredShare;
    const closed = (s: SimStrategy) =>
      gap >= MIN_GAP ? `${((100 * (get(r, s).energyDeliveredShare - h.energyDeliveredShare)) / gap).toFixed(0)} %` : "–";
    return `| ${r.week} | ${r.capacityKw} | ${r.sessions} | ${STRATEGIES.map((s) => pct(get(r, s).energyDeliveredShare)).join(" | ")} | ${h.strategy} | ${closed("optimal")} / ${closed("optimal+forecast")} |`;
  });
  const costHead = `| week | kW | ${STRATEGIES.map(strategyLabel).join(" | ")} | cheapest heuristic |`;
  const costRule = `|---|---:|${STRATEGIES.map(() => "---:").join("|")}|---|`;
  const cost = rows.map(
    (r) =>
      `| ${r.week} | ${r.capacityKw} | ${STRATEGIES.map((s) => {
        const m = get(r, s);
        return tariff === "tou" ? `${money(m.totalCost)} (${money(m.demandCharge)})` : money(m.totalCost);
      }).join(" | ")} | ${cheapestHeuristic(r).strategy} |`,
  );
  return (
    `Energy delivered, % of requested:\n\n${[head, rule, ...energy].join("\n")}\n\n` +
    `Total cost, $${tariff === "tou" ? " (of which demand charge)" : ""}:\n\n${[costHead, costRule, ...cost].join("\n")}\n`
  );
}

/** Per tariff, strategy and capacity: the mean over the weeks run. */
function meansOverWeeks(cells: CellResult[], tariff: TariffKey): StrategyMetrics[] {
  const out: StrategyMetrics[] = [];
  for (const s of STRATEGIES)
    for (const c of CAPACITIES_KW) {
      const ms = cells.filter((r) => r.tariff === tariff && r.capacityKw === c).map((r) => get(r, s));
      if (ms.length === 0) continue;
      const mean = (f: (m: StrategyMetrics) => number) => ms.reduce((a, m) => a + f(m), 0) / ms.length;
      out.push({
        ...ms[0],
        capacityKw: c,
        energyDeliveredShare: mean((m) => m.energyDeliveredShare),
        totalCost: mean((m) => m.totalCost),
        demandCharge: mean((m) => m.demandCharge),
        energyCost: mean((m) => m.energyCost),
      });
    }
  return out;
}

function meansTable(means: StrategyMetrics[], weeks: number, tou: boolean): string {
  const head = `| kW | ${STRATEGIES.map(strategyLabel).join(" | ")} |`;
  const rule = `|---:|${STRATEGIES.map(() => "---:").join("|")}|`;
  const rows = CAPACITIES_KW.filter((c) => means.some((m) => m.capacityKw === c)).map(
    (c) =>
      `| ${c} | ${STRATEGIES.map((s) => {
        const m = means.find((x) => x.strategy === s && x.capacityKw === c)!;
        return tou ? `${pct(m.energyDeliveredShare)} % / ${money(m.totalCost)}` : `${pct(m.energyDeliveredShare)} %`;
      }).join(" | ")} |`,
  );
  return `Mean over the ${weeks} weeks${tou ? " (energy delivered / total cost $)" : " (energy delivered)"}:\n\n${[head, rule, ...rows].join("\n")}\n`;
}

function report(command: string, wallSeconds: number | undefined, failed: string[]): void {
  const cells = readCells();
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "grid.json"), JSON.stringify({ cells }, null, 2) + "\n");
  const expected = allCells();
  const missing = expected.filter((c) => !cells.some((r) => r.id === c.id)).map((c) => c.id);
  const weeksRun = (t: TariffKey) => new Set(cells.filter((r) => r.tariff === t).map((r) => r.week)).size;
  const charts: string[] = [];
  for (const t of Object.keys(TARIFFS) as TariffKey[]) {
    const means = meansOverWeeks(cells, t);
    if (means.length === 0) continue;
    const spec = energyVsCapacitySpec(means);
    const titled = {
      ...spec,
      title: {
        text: `Energy delivered vs capacity, ${t === "flat" ? "flat price" : "TOU-EV-4 + demand charge"}`,
        subtitle: `mean over ${weeksRun(t)} weeks of Caltech sessions, 15-min slots`,
      },
    };
    writePlot(RESULTS_DIR, `energy-vs-capacity-${t}`, titled);
    charts.push(`![energy delivered vs capacity, ${t}](strategies-grid/energy-vs-capacity-${t}.png)`);
  }
  const sessionsOf = (w: Week) => cells.find((r) => r.week === w.name)?.sessions;
  let md = `# The strategy grid: 8 weeks × 4 capacities × 2 tariffs\n\n`;
  md += "```sh\n" + command + "\n```\n\n";
  const runAt = [...new Set(cells.map((r) => r.commit ?? "not recorded"))].join(", ");
  const days = [...new Set(cells.map((r) => r.finishedAt.slice(0, 10)))].join(", ");
  md += `Cells run ${days} at commit ${runAt}; report written at ${commit()}; on the project's 2-core development machine (shared with other work)`;
  md += wallSeconds !== undefined ? `; this run took ${(wallSeconds / 60).toFixed(1)} min of wall time.\n\n` : ".\n\n";
  md += `Cells run: ${cells.length} of ${expected.length}.${missing.length > 0 ? ` **Missing: ${missing.join(", ")}.**` : ""}${failed.length > 0 ? ` Failed in this run: ${failed.join(", ")}.` : ""}\n\n`;
  md += `Every cell is one \`wattplan simulate\` command line (docs/simulate.md), e.g.\n\n\`\`\`sh\n${cells[0]?.command ?? ""}\n\`\`\`\n\n`;
  md += `- Weeks (sessions arriving Monday to Friday, replayed until the last has left; 15-minute slots, a 12 h horizon reaching up to 48 h to the latest planned departure of the EVs plugged in): `;
  md +=
    WEEKS.map((w) => `${w.name} (${w.file === FILE_2019 ? "2019-03 file" : "2020-21 file"}, ${sessionsOf(w) ?? "?"} sessions)`).join(", ") +
    ".\n";
  md += `- Capacities: ${CAPACITIES_KW.join(", ")} kW (site import limit; no base load, PV or V2G).\n`;
  md += `- Tariffs: ${TARIFFS.flat.label} (\`bench/strategies/flat-price.json\`); ${TARIFFS.tou.label} (\`${relative(packagePath(), TARIFFS.tou.file)}\`). Total cost = energy cost + demand charge (the month's rate on the replay's peak import; no shortfall penalty).\n`;
  md += `- Strategies: ${STRATEGIES.join(", ")}. Online strategies know only what a CSMS knows (announced departure and energy; without an announcement a 60 kWh battery to fill; never the real energy). \`optimal+forecast\` plans each car to the earlier of its announced departure and the median (level 0.5, the default) of a departure forecast, and a car without an announced energy to the forecast's median energy, learned only from the file's sessions that ended before the week starts; an EV that stops by itself is reported to every online strategy from the next slot (SuspendedEV). \`offline\` knows every session in advance: the ceiling.\n`;
  md += `- "Best heuristic" is, per cell, the one of uncontrolled, equalShare, edf, llf that delivers the most energy; the cost target compares each MPC variant with the four heuristics. Nothing was tuned on this grid: the departure level is the default chosen earlier on the issue's week (bench/RESULTS.md §6), the energy level on 2019-03-18, outside the grid (docs/simulate.md).\n\n`;
  md += `## Targets\n\n${targetsSection(cells)}`;
  md += `## Forecasts against announcements (optimal+forecast vs optimal)\n\n${forecastSection(cells)}`;
  md += `## Energy delivered vs capacity\n\n${charts.join("\n\n")}\n\n`;
  for (const t of Object.keys(TARIFFS) as TariffKey[]) {
    if (!cells.some((r) => r.tariff === t)) continue;
    md += `## ${t === "flat" ? "Flat price" : "TOU-EV-4 with demand charge"}\n\n`;
    md += meansTable(meansOverWeeks(cells, t), weeksRun(t), t === "tou") + "\n";
    md += cellTables(cells, t) + "\n";
  }
  const nonOptimal = cells.flatMap((r) =>
    r.strategies
      .filter((m) => m.nonOptimalSolves > 0)
      .map((m) => `${r.id} ${m.strategy}: ${m.nonOptimalSolves} (${m.planFallbacks} kept the last plan)`),
  );
  md += `## Solver\n\nSolves not proven optimal (the replay then keeps the previous plan for that slot): ${nonOptimal.length === 0 ? "none" : nonOptimal.join("; ")}.\n\n`;
  md += `Wall time per cell (7 strategies): median ${median(cells.map((r) => r.wallSeconds)).toFixed(1)} s, max ${Math.max(...cells.map((r) => r.wallSeconds)).toFixed(1)} s. All figures per cell and strategy: [strategies-grid/grid.json](strategies-grid/grid.json).\n`;
  writeFileSync(RESULTS_MD, md);
  process.stderr.write(`wrote ${relative(packagePath(), RESULTS_MD)} (${cells.length} cells)\n`);
}

export async function runGrid(argv: string[], command: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cell: { type: "string" },
      only: { type: "string" },
      jobs: { type: "string" },
      "report-only": { type: "boolean" },
      "forecast-arrivals": { type: "string" },
    },
  });
  if (values["forecast-arrivals"] !== undefined) process.env[ARRIVALS_ENV] = values["forecast-arrivals"];
  process.chdir(packagePath());
  if (values.cell !== undefined) {
    const cell = allCells().find((c) => c.id === values.cell);
    if (!cell) throw new Error(`unknown cell ${values.cell}`);
    mkdirSync(CELLS_DIR, { recursive: true });
    writeAtomic(join(CELLS_DIR, `${cell.id}.json`), JSON.stringify(runCell(cell), null, 2) + "\n");
    return;
  }
  let failed: string[] = [];
  let wall: number | undefined;
  if (!values["report-only"]) {
    const only = values.only?.split(",");
    const done = new Set(readCells().map((r) => r.id));
    const todo = allCells().filter((c) => (only ? only.includes(c.id) : !done.has(c.id)));
    const jobs = Number(values.jobs ?? Math.min(2, cpus().length));
    process.stderr.write(`grid: ${todo.length} cells to run (${done.size} done already), ${jobs} processes\n`);
    const started = performance.now();
    ({ failed } = await runCells(todo, jobs));
    wall = (performance.now() - started) / 1000;
  }
  report(command, wall, failed);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runGrid(process.argv.slice(2), "npm run bench:strategies -- grid");
}
