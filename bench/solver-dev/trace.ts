import { GENERATORS } from "../generators/index.js";
import { solve, defaultScheduler } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
const [name, n, T] = (process.argv[2] ?? "pvSite,1000,96").split(",");
const req = RequestSchema.parse((GENERATORS as any)[name]({ sessions: +n, slots: +T, seed: 1 }));
const r = solve(req, { strategy: "optimal" });
console.log(r.status, r.solver.iterations);
const w = (defaultScheduler() as any).wasm;
for (let i = 1; i <= Math.min(r.solver.iterations, 255); i++) {
  const v = Array.from({ length: 6 }, (_, k) => w.trace(i * 6 + k));
  console.log(i, "pinf gap mu aP aD sigma", v.map((x: number) => x.toExponential(1)).join(" "));
}
