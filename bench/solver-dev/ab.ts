// A/B of two builds of the scheduler in one process (issue 14): interior-point
// iterations (load-independent) and in-WASM solve time as per-seed ratios,
// the two builds interleaved seed by seed, on every family of
// bench/families.ts. The reference is another worktree of the repository,
// built (`npm run asbuild`) at the commit to compare with:
//
//   git worktree add --detach /tmp/wattplan-ref <commit> && (cd /tmp/wattplan-ref && ln -s $PWD/node_modules && npm run asbuild)
//   npx tsx bench/solver-dev/ab.ts --base /tmp/wattplan-ref [--sizes 1000x96] [--seeds 100]
//       [--families workplace,depotV2g,pvSite,realData] [--tie none] [--min-charge]
//
// Needs WATTPLAN_DATA_DIR for realData (default ../shared/data).
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { Request, Response } from "../../engine/model/schema.js";
import { validateRequest } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { GENERATORS } from "../../testkit/generators/index.js";
import { realData } from "../../testkit/generators/real-data.js";
import { parseSizes, nearestRank, specTolerance } from "./ab-shared.js";

const FAMILIES = { ...GENERATORS, realData } as const;
type FamilyName = keyof typeof FAMILIES;

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    sizes: { type: "string", default: "1000x96" },
    seeds: { type: "string", default: "30" },
    families: { type: "string", default: Object.keys(FAMILIES).join(",") },
    tie: { type: "string", default: "earliest" },
    "min-charge": { type: "boolean", default: false },
  },
});
if (!values.base) throw new Error("--base DIR: a worktree built at the reference commit");
const baseSolve = (
  (await import(pathToFileURL(resolve(values.base, "engine/scheduler/solve.ts")).href)) as {
    solve: (r: Request) => Response;
  }
).solve;
const sizes = parseSizes(values.sizes);
const seeds = Number(values.seeds);
const families = values.families.split(",") as FamilyName[];

const q = nearestRank;
const dist = (xs: number[]) => `${q(xs, 0.5)} / ${q(xs, 0.9)} / ${Math.max(...xs)}`;
const tol = specTolerance;

console.log(`base ${values.base}, ${seeds} seeds, tieBreak ${values.tie}, ${new Date().toISOString()}`);
console.log("");
console.log(
  "| family | size | iterations before (median / p90 / max) | after | in-WASM ms before (median) | after | time ratio after/before (median of per-seed) | CPU-time ratio | not optimal before / after | worst (total − bound)/tol after | worst |total after − total before|/tol | worst (total after − total before)/tol |",
);
console.log("|---|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|");
for (const size of sizes) {
  for (const family of families) {
    const itA: number[] = [];
    const itB: number[] = [];
    const msA: number[] = [];
    const msB: number[] = [];
    const ratio: number[] = [];
    const cpu: number[] = [];
    let badA = 0;
    let badB = 0;
    let worstGap = 0;
    let worstDiff = 0;
    let worstWorse = -Infinity;
    for (let seed = 1; seed <= seeds; seed++) {
      const v = validateRequest(FAMILIES[family]({ ...size, seed, minCharge: values["min-charge"] }));
      if (!v.ok) throw new Error(`${family} ${seed}: invalid request`);
      const request = { ...v.request, solverOptions: { ...v.request.solverOptions, tieBreak: values.tie as "earliest" | "none" } };
      // Alternate which build goes first, so that neither always meets a warmer cache.
      const timed = (f: (r: Request) => Response): [Response, number] => {
        const c0 = process.cpuUsage();
        const r = f(request);
        const c1 = process.cpuUsage(c0);
        return [r, (c1.user + c1.system) / 1000];
      };
      const [[a, ca], [b, cb]] = seed % 2 ? [timed(baseSolve), timed(solve)] : (([y, x]) => [x, y])([timed(solve), timed(baseSolve)]);
      cpu.push(cb / ca);
      itA.push(a.solver.iterations);
      itB.push(b.solver.iterations);
      msA.push(a.solver.solveMs);
      msB.push(b.solver.solveMs);
      ratio.push(b.solver.solveMs / a.solver.solveMs);
      if (a.status !== "optimal") badA++;
      if (b.status !== "optimal") badB++;
      worstGap = Math.max(worstGap, (b.cost.total - (b.solver.bound ?? Number.NaN)) / tol(b.cost.total));
      worstDiff = Math.max(worstDiff, Math.abs(b.cost.total - a.cost.total) / tol(a.cost.total));
      worstWorse = Math.max(worstWorse, (b.cost.total - a.cost.total) / tol(a.cost.total));
    }
    console.log(
      `| ${family} | ${size.sessions}×${size.slots} | ${dist(itA)} | ${dist(itB)} | ${q(msA, 0.5).toFixed(0)} | ${q(msB, 0.5).toFixed(0)} | ${q(ratio, 0.5).toFixed(2)} | ${q(cpu, 0.5).toFixed(2)} | ${badA} / ${badB} | ${worstGap.toFixed(3)} | ${worstDiff.toFixed(3)} | ${worstWorse.toFixed(3)} |`,
    );
  }
}
