// A/B of two builds on one request file (issue 15: `examples/workplace.json`
// dominates `wattplan solve`'s start-up): iterations and in-WASM ms, the two
// builds interleaved, after `--warmup` solves each so that V8 has tiered the
// module up. `DIR` as in ab.ts (a worktree with `npm run asbuild` done).
//
//   npx tsx bench/solver-dev/ab-file.ts --base DIR [--runs 30] [--warmup 10] [--tie none] examples/workplace.json
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { Request, Response } from "../../engine/model/schema.js";
import { validateRequest } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { nearestRank, specTolerance } from "./ab-shared.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: "string" },
    runs: { type: "string", default: "30" },
    warmup: { type: "string", default: "10" },
    tie: { type: "string" },
  },
});
if (!values.base || positionals.length !== 1) throw new Error("usage: ab-file.ts --base DIR [--runs N] [--warmup N] [--tie none] FILE");
const baseSolve = (
  (await import(pathToFileURL(resolve(values.base, "engine/scheduler/solve.ts")).href)) as {
    solve: (r: Request) => Response;
  }
).solve;
const v = validateRequest(JSON.parse(readFileSync(positionals[0], "utf8")));
if (!v.ok) throw new Error(`${positionals[0]}: invalid request`);
const request: Request = values.tie
  ? { ...v.request, solverOptions: { ...v.request.solverOptions, tieBreak: values.tie as "earliest" | "none" } }
  : v.request;
for (let i = 0; i < Number(values.warmup); i++) {
  baseSolve(request);
  solve(request);
}
const msA: number[] = [];
const msB: number[] = [];
let a: Response | undefined;
let b: Response | undefined;
for (let i = 0; i < Number(values.runs); i++) {
  const pair = i % 2 ? [baseSolve(request), solve(request)] : [solve(request), baseSolve(request)].reverse();
  [a, b] = pair;
  msA.push(a.solver.solveMs);
  msB.push(b.solver.solveMs);
}
const q = nearestRank;
console.log(
  `${positionals[0]}: iterations ${a!.solver.iterations} → ${b!.solver.iterations}; in-WASM ms median ${q(msA, 0.5).toFixed(1)} → ${q(msB, 0.5).toFixed(1)}` +
    ` (p90 ${q(msA, 0.9).toFixed(1)} → ${q(msB, 0.9).toFixed(1)}); total ${a!.cost.total} → ${b!.cost.total}` +
    ` (Δ/tol ${((b!.cost.total - a!.cost.total) / specTolerance(a!.cost.total)).toFixed(3)}); tieBreak ${a!.solver.tieBreak} → ${b!.solver.tieBreak}`,
);
