// Quick timing of the optimal strategy on generated problems (development aid).
import { solve, defaultScheduler } from "../../engine/scheduler/solve.js";
import { RequestSchema } from "../../engine/model/schema.js";
import { generate, type GenOptions } from "./gen.js";

const cases: [string, GenOptions][] = [
  ["1000x96", { sessions: 1000, slots: 96, v2g: 0.2, pv: true, demandCharge: 5, circuits: 5 }],
  ["3000x96", { sessions: 3000, slots: 96, v2g: 0.2, pv: true, demandCharge: 5, circuits: 5 }],
  ["100x672", { sessions: 100, slots: 672, v2g: 0.2, pv: true, demandCharge: 5, circuits: 3, avgWindow: 40 }],
];
const only = process.argv[2];
for (const [name, o] of cases) {
  if (only && name !== only) continue;
  const req = RequestSchema.parse(generate(7, o));
  const ms: number[] = [];
  const cpu: number[] = [];
  let last;
  for (let k = 0; k < 5; k++) {
    const c0 = process.cpuUsage();
    last = solve(req, { strategy: "optimal" });
    const c1 = process.cpuUsage(c0);
    ms.push(last.solver.solveMs);
    cpu.push((c1.user + c1.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `${name}: median ${ms[2].toFixed(1)} ms (cpu incl. compile ${cpu[2].toFixed(0)} ms, min wall ${ms[0].toFixed(0)}) [${ms.map((x) => x.toFixed(0)).join(", ")}] it ${last!.solver.iterations} ${last!.status} gap ${last!.solver.relativeGap?.toExponential(2)} mem ${(defaultScheduler().memoryBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}
