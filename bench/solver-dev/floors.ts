// The minChargeKw rounding over many small seeded problems: how far the
// `optimal` strategy's total lands above the relaxation bound it reports.
//   npx tsx bench/solver-dev/floors.ts [seeds=12]
// Prints one line per problem with a gap above 1e-3, then the distribution.
import { GENERATORS, GENERATOR_NAMES } from "../../testkit/generators/index.js";
import { RequestSchema } from "../../engine/model/schema.js";
import { solve } from "../../engine/scheduler/solve.js";

const seeds = Number(process.argv[2] ?? 12);
const gaps: number[] = [];
let solveMs = 0;
for (const name of GENERATOR_NAMES) {
  for (const [sessions, slots] of [
    [20, 96],
    [30, 48],
    [40, 96],
  ]) {
    for (let seed = 1; seed <= seeds; seed++) {
      const request = RequestSchema.parse(GENERATORS[name]({ sessions, slots, seed, minCharge: true }));
      const r = solve(request, { strategy: "optimal" });
      const gap = (r.cost.total - r.solver.bound!) / Math.max(1, Math.abs(r.solver.bound!));
      gaps.push(gap);
      solveMs += r.solver.solveMs;
      if (gap > 1e-3) console.log(`${name} ${sessions}×${slots} seed ${seed}: ${gap.toExponential(2)}`);
    }
  }
}
gaps.sort((a, b) => a - b);
const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))].toExponential(1);
const meanLog = gaps.reduce((s, g) => s + Math.log10(Math.max(g, 1e-9)), 0) / gaps.length;
console.log(
  `${gaps.length} problems: median ${at(0.5)}, p90 ${at(0.9)}, max ${at(1)}, mean log10 ${meanLog.toFixed(2)} (gaps under 1e-9 count as 1e-9); ${(solveMs / 1000).toFixed(1)} s solving`,
);
