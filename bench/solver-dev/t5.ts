import { GENERATORS, type GeneratorName } from "../generators/index.js";
import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
const out: string[] = [];
for (const spec of (process.argv[2] ?? "workplace,1000,96;depotV2g,1000,96;pvSite,1000,96;depotV2g,100,672").split(";")) {
  const [name, n, T] = spec.split(",");
  const req = RequestSchema.parse(GENERATORS[name as GeneratorName]({ sessions: +n, slots: +T, seed: 1 }));
  const ms: number[] = [];
  let it = 0;
  for (let k = 0; k < 5; k++) { const r = solve(req, { strategy: "optimal" }); ms.push(r.solver.solveMs); it = r.solver.iterations; }
  ms.sort((a, b) => a - b);
  out.push(`${name} ${n}x${T}: min ${ms[0].toFixed(0)} med ${ms[2].toFixed(0)} it ${it}`);
}
console.log(out.join(" | "));
