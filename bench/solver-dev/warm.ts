// Warm re-plans of `optimal` (issue 14 part 4): cold against warm re-solves
// of the same site after a one-slot shift, a one-slot shift with one
// arrival, one arrival, and one departure (testkit/generators/replan.ts),
// interleaved seed by seed (the order alternates), on the bench's
// generators and the real-data family:
//
//   WATTPLAN_DATA_DIR=/work/shared/data npx tsx bench/solver-dev/warm.ts \
//       [--sizes 300x96,1000x96] [--seeds 10] [--families workplace,depotV2g,pvSite,realData] [--tie earliest]
//
// Per family, size and scenario: iterations and in-WASM ms (median / p90)
// cold and warm, the per-seed ratio warm/cold, how the warm solves started
// (warm / fell back / refused), statuses, and the worst |warm − cold|
// total over spec §7's tolerance.
import { parseArgs } from "node:util";
import type { Request, Response } from "../../engine/model/schema.js";
import { validateRequest } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { WarmState } from "../../engine/scheduler/warm.js";
import { GENERATORS } from "../../testkit/generators/index.js";
import { realData } from "../../testkit/generators/real-data.js";
import { addArrival, removeSession, shiftOneSlot } from "../../testkit/generators/replan.js";
import { parseSizes, nearestRank, specTolerance } from "./ab-shared.js";

const FAMILIES = { ...GENERATORS, realData } as const;
type FamilyName = keyof typeof FAMILIES;

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000x96" },
    seeds: { type: "string", default: "10" },
    families: { type: "string", default: Object.keys(FAMILIES).join(",") },
    scenarios: { type: "string", default: "shift,shift+arrival,arrival,departure" },
    tie: { type: "string", default: "earliest" },
  },
});
const sizes = parseSizes(values.sizes);
const seeds = Number(values.seeds);
const families = values.families.split(",") as FamilyName[];
const tie = values.tie as "earliest" | "none";

type Scenario = (base: Request, previous: Response, seed: number) => Request;
const SCENARIOS: Record<string, Scenario> = {
  shift: (base, previous) => shiftOneSlot(base, previous),
  "shift+arrival": (base, previous, seed) => addArrival(shiftOneSlot(base, previous), seed),
  arrival: (base, _previous, seed) => addArrival(base, seed),
  departure: (base, _previous, seed) => removeSession(base, seed),
};
const scenarios = values.scenarios.split(",");

const q = nearestRank;
const tol = specTolerance;
const pair = (xs: number[], digits = 0) => `${q(xs, 0.5).toFixed(digits)} / ${q(xs, 0.9).toFixed(digits)}`;

console.log(`warm re-plans, ${seeds} seeds, tieBreak ${tie}, ${new Date().toISOString()}`);
console.log("");
console.log(
  "| family | size | re-plan | iterations cold (median / p90) | warm | ms cold (median / p90) | warm | ms ratio warm/cold (median / p90 of per-seed) | warm / fell back / refused | not optimal cold / warm | tie-break applied cold / warm | worst \\|warm − cold\\|/tol |",
);
console.log("|---|---|---|---|---|---:|---:|---:|---|---|---|---:|");
for (const size of sizes) {
  for (const family of families) {
    const rows = new Map(
      scenarios.map((s) => [
        s,
        {
          itC: [] as number[],
          itW: [] as number[],
          msC: [] as number[],
          msW: [] as number[],
          ratio: [] as number[],
          used: 0,
          fell: 0,
          refused: 0,
          badC: 0,
          badW: 0,
          worst: 0,
          tieC: 0,
          tieW: 0,
        },
      ]),
    );
    for (let seed = 1; seed <= seeds; seed++) {
      const v = validateRequest(FAMILIES[family]({ ...size, seed }));
      if (!v.ok) throw new Error(`${family} ${seed}: invalid request`);
      const base: Request = { ...v.request, solverOptions: { ...v.request.solverOptions, tieBreak: tie } };
      const state = new WarmState();
      const previous = solve(base, { warm: state });
      for (const name of scenarios) {
        const next = SCENARIOS[name](base, previous, seed);
        const row = rows.get(name)!;
        const warm = state.clone();
        const runCold = () => solve(next);
        const runWarm = () => solve(next, { warm });
        let cold: Response;
        let hot: Response;
        if (seed % 2) {
          cold = runCold();
          hot = runWarm();
        } else {
          hot = runWarm();
          cold = runCold();
        }
        row.itC.push(cold.solver.iterations);
        row.itW.push(hot.solver.iterations);
        row.msC.push(cold.solver.solveMs);
        row.msW.push(hot.solver.solveMs);
        row.ratio.push(hot.solver.solveMs / cold.solver.solveMs);
        if (warm.lastOutcome === "warm") row.used++;
        else if (warm.lastOutcome === "fellBack") row.fell++;
        else row.refused++;
        if (cold.solver.tieBreak === "applied") row.tieC++;
        if (hot.solver.tieBreak === "applied") row.tieW++;
        if (cold.status !== "optimal") row.badC++;
        if (hot.status !== "optimal") row.badW++;
        row.worst = Math.max(row.worst, Math.abs(hot.cost.total - cold.cost.total) / tol(cold.cost.total));
      }
    }
    for (const [name, r] of rows) {
      console.log(
        `| ${family} | ${size.sessions}×${size.slots} | ${name} | ${pair(r.itC)} | ${pair(r.itW)} | ${pair(r.msC)} | ${pair(r.msW)} | ${pair(r.ratio, 2)} | ${r.used} / ${r.fell} / ${r.refused} | ${r.badC} / ${r.badW} | ${r.tieC} / ${r.tieW} | ${r.worst.toFixed(3)} |`,
      );
    }
  }
}
