/**
 * CLI start-up: wall time of `node bin/wattplan.js solve examples/workplace.json`,
 * a whole process, at this checkout and at a reference commit, runs
 * interleaved (reference, current, current, reference, …) so that both see
 * the same machine load, with `node -e ""` (Node's own start, the floor no
 * build goes below) in the same rotation. Prints median / p90 / min per
 * build and the ratio of the medians.
 *
 *   npm run bench:startup -- [--runs 15] [--base dd012a7] [--base-dir /tmp/wattplan-base]
 *
 * The reference is a detached git worktree at `--base` (made and built on
 * the first run: it shares this checkout's node_modules through a symlink;
 * remove it with `git worktree remove --force DIR`). `--base-dir` may point
 * to any built checkout instead.
 */
import { spawnSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { quantileSorted } from "./stats.js";

const DEFAULT_RUNS = 15;
const DEFAULT_BASE = "dd012a7";
const DEFAULT_BASE_DIR = "/tmp/wattplan-base";
const EXAMPLE = "examples/workplace.json";

const root = resolve(import.meta.dirname, "..");

function run(command: string, args: string[], cwd: string): string {
  const out = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed:\n${out.stderr}`);
  return out.stdout;
}

/** A built checkout of `commit` at `dir`, made once. */
function ensureBase(commit: string, dir: string): void {
  if (existsSync(join(dir, "dist/service/cli/main.js")) && existsSync(join(dir, "build/wattplan.wasm"))) return;
  if (!existsSync(dir)) {
    process.stderr.write(`startup: git worktree add --detach ${dir} ${commit}\n`);
    run("git", ["worktree", "add", "--detach", dir, commit], root);
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  process.stderr.write(`startup: building ${dir}\n`);
  run("npm", ["run", "build"], dir);
}

const totals = new Map<string, number>();

/** Wall time of one CLI process, ms; its stdout must be a schedule, the same cost at every run of a build, the builds within spec §7's tolerance. */
function timeOnce(dir: string): number {
  const start = process.hrtime.bigint();
  const out = spawnSync(process.execPath, ["bin/wattplan.js", "solve", EXAMPLE], { cwd: dir, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`solve failed in ${dir}:\n${out.stderr}`);
  const response = JSON.parse(out.stdout) as { status?: string; cost?: { total?: number } };
  const total = response.cost?.total;
  if (response.status === "infeasible" || typeof total !== "number") throw new Error(`solve in ${dir}: no schedule`);
  const before = totals.get(dir);
  if (before !== undefined && before !== total) throw new Error(`solve in ${dir}: the cost changed between runs (${before}, ${total})`);
  totals.set(dir, total);
  // Two builds may round the same job differently: they agree when within spec §7's tolerance of each other.
  const all = [...totals.values()];
  const spread = Math.max(...all) - Math.min(...all);
  if (spread > Math.max(1e-4 * Math.abs(total), 1e-3)) throw new Error(`the builds disagree on the cost: ${JSON.stringify([...totals])}`);
  return ms;
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), min: sorted[0] };
}

const { values } = parseArgs({
  options: { runs: { type: "string" }, base: { type: "string" }, "base-dir": { type: "string" } },
});
const runs = Number(values.runs ?? DEFAULT_RUNS);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs: a positive integer");
const base = values.base ?? DEFAULT_BASE;
const baseDir = resolve(values["base-dir"] ?? DEFAULT_BASE_DIR);
ensureBase(base, baseDir);
const head = run("git", ["rev-parse", "--short", "HEAD"], root).trim();
const dirty = run("git", ["status", "--porcelain", "--untracked-files=no"], root).trim() !== "";

/** Wall time of a Node process that runs nothing, ms. */
function timeNode(): number {
  const start = process.hrtime.bigint();
  const out = spawnSync(process.execPath, ["-e", ""], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`node -e "" failed:\n${out.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// One untimed run each warms the file cache.
timeOnce(baseDir);
timeOnce(root);
const times: Record<"base" | "current" | "node", number[]> = { base: [], current: [], node: [] };
for (let i = 0; i < runs; i++) {
  // Alternate the order so that neither build always runs second.
  const order = i % 2 === 0 ? (["base", "current", "node"] as const) : (["node", "current", "base"] as const);
  for (const which of order) times[which].push(which === "node" ? timeNode() : timeOnce(which === "base" ? baseDir : root));
}
const b = summary(times.base);
const c = summary(times.current);
const n = summary(times.node);
const f = (ms: number) => ms.toFixed(0);
process.stdout.write(
  [
    `node bin/wattplan.js solve ${EXAMPLE}: ${runs} runs each, interleaved (node ${process.version})`,
    "",
    "| build | median ms | p90 ms | min ms |",
    "|---|---:|---:|---:|",
    `| reference ${base} | ${f(b.median)} | ${f(b.p90)} | ${f(b.min)} |`,
    `| current ${head}${dirty ? " + changes" : ""} | ${f(c.median)} | ${f(c.p90)} | ${f(c.min)} |`,
    `| node -e "" (Node's own start) | ${f(n.median)} | ${f(n.p90)} | ${f(n.min)} |`,
    "",
    `ratio of medians (current / reference): ${(c.median / b.median).toFixed(3)}`,
    "",
  ].join("\n"),
);
