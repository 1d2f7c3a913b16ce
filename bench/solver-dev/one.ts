// Run one test-file-like fleet through the optimal strategy and report.
import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
import { generate } from "./gen.js";
const [n, T, mins, win, C] = (process.argv[2] ?? "60,2016,5,60,2").split(",").map(Number);
const req = RequestSchema.parse(generate(22, { sessions: n, slots: T, slotMinutes: mins, avgWindow: win, circuits: C, v2g: 0.2, demandCharge: 4, pv: true }));
const t0 = performance.now();
const r = solve(req, { strategy: "optimal" });
console.log(r.status, r.solver, (performance.now() - t0).toFixed(0), "ms");
