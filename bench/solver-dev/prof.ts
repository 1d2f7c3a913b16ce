import { GENERATORS } from "../generators/index.js";
import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
const req = RequestSchema.parse(GENERATORS.workplace({ sessions: 1000, slots: 96, seed: 1 }));
for (let k = 0; k < 8; k++) solve(req, { strategy: "optimal" });
