import { solve, defaultScheduler } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
import { generate } from "./gen.js";
const [n, T, seed] = (process.argv[2] ?? "3000,96,7").split(",").map(Number);
const req = RequestSchema.parse(generate(seed, { sessions: n, slots: T, v2g: 0.2, pv: true, demandCharge: 5, circuits: 5 }));
const r = solve(req, { strategy: "optimal" });
console.log(r.status, r.solver);
const w = (defaultScheduler() as any).wasm;
for (let i = 1; i <= Math.min(r.solver.iterations, 255); i++) {
  const v = Array.from({ length: 6 }, (_, k) => w.trace(i * 6 + k));
  if (i < 60 || i % 20 === 0) console.log(i, v.map((x: number) => x.toExponential(2)).join(" "));
}
