import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
import { generate } from "../../bench/solver-dev/gen.js";
const req = RequestSchema.parse(generate(7, { sessions: 1000, slots: 96, v2g: 0.2, pv: true, demandCharge: 5, circuits: 5 }));
for (let k = 0; k < 5; k++) solve(req, { strategy: "optimal" });
