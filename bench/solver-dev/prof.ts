// Profile target: node --import tsx --cpu-prof bench/solver-dev/prof.ts workplace,3000,96
import { GENERATORS, type GeneratorName } from "../generators/index.js";
import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
const [name, n, T] = (process.argv[2] ?? "workplace,1000,96").split(",");
const req = RequestSchema.parse(GENERATORS[name as GeneratorName]({ sessions: +n, slots: +T, seed: 1 }));
for (let k = 0; k < 4; k++) solve(req, { strategy: "optimal" });
