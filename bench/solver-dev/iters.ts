// Interior-point iteration counts over many seeds of every family of
// bench/families.ts (issue 14): a quick, load-independent comparison of two
// builds (run it in each worktree; `--json` writes one line per solve).
//
//   npx tsx bench/solver-dev/iters.ts [--sizes 300x96,1000x96] [--seeds 30]
//       [--families workplace,depotV2g,pvSite,realData] [--json file] [--tie none] [--min-charge]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { validateRequest } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { GENERATORS } from "../../testkit/generators/index.js";
import { realData } from "../../testkit/generators/real-data.js";
import { parseSizes, nearestRank } from "./ab-shared.js";

const FAMILIES = { ...GENERATORS, realData } as const;
type FamilyName = keyof typeof FAMILIES;

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "300x96,1000x96" },
    seeds: { type: "string", default: "30" },
    families: { type: "string", default: Object.keys(FAMILIES).join(",") },
    json: { type: "string" },
    tie: { type: "string", default: "earliest" },
    "min-charge": { type: "boolean", default: false },
  },
});
const sizes = parseSizes(values.sizes);
const seeds = Number(values.seeds);
const families = values.families.split(",") as FamilyName[];

const q = nearestRank;

const lines: string[] = [];
console.log("| family | size | iters median | p90 | max | not optimal | worst (total − bound)/tol | ms median |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const size of sizes) {
  for (const family of families) {
    const its: number[] = [];
    const ms: number[] = [];
    let notOptimal = 0;
    let worst = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const v = validateRequest(FAMILIES[family]({ ...size, seed, minCharge: values["min-charge"] }));
      if (!v.ok) throw new Error(`${family} ${seed}: invalid request`);
      const request = { ...v.request, solverOptions: { ...v.request.solverOptions, tieBreak: values.tie as "earliest" | "none" } };
      const r = solve(request);
      its.push(r.solver.iterations);
      ms.push(r.solver.solveMs);
      if (r.status !== "optimal") notOptimal++;
      const total = r.cost.total;
      const bound = r.solver.bound ?? Number.NaN;
      const tol = Math.max(1e-4 * Math.abs(total), 1e-3);
      worst = Math.max(worst, (total - bound) / tol);
      lines.push(
        JSON.stringify({
          tie: r.solver.tieBreak,
          family,
          size: `${size.sessions}x${size.slots}`,
          seed,
          it: r.solver.iterations,
          ms: r.solver.solveMs,
          status: r.status,
          total,
          bound,
        }),
      );
    }
    console.log(
      `| ${family} | ${size.sessions}×${size.slots} | ${q(its, 0.5)} | ${q(its, 0.9)} | ${Math.max(...its)} | ${notOptimal} | ${worst.toFixed(3)} | ${q(ms, 0.5).toFixed(0)} |`,
    );
  }
}
if (values.json) writeFileSync(values.json, lines.join("\n") + "\n");
