import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
import { generate } from "./gen.js";
const req = RequestSchema.parse(generate(6, { sessions: 200, slots: 96, minCharge: 6, circuits: 3, demandCharge: 4 }));
const r = solve(req, { strategy: "optimal" });
const noMin = solve(RequestSchema.parse({ ...generate(6, { sessions: 200, slots: 96, circuits: 3, demandCharge: 4 }) }), { strategy: "optimal" });
console.log(r.status, r.cost, r.solver.bound, "relaxed schedule:", noMin.cost);
let frac = 0, tot = 0;
for (const s of noMin.sessions) for (const p of s.powerKw) { if (p > 1e-6) { tot++; if (p < 6) frac++; } }
console.log("fractional slots in relaxation", frac, "of", tot);
