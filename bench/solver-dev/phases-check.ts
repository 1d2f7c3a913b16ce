import { GENERATORS } from "../../testkit/generators/index.js";
import { withPhases } from "../../testkit/generators/phases.js";
import { validateRequest } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { HighsReference } from "../../testkit/reference/highs.js";
import { checkSchedule, describeCheck } from "../../testkit/checker/checker.js";
const ref = new HighsReference();
for (const name of ["workplace", "depotV2g", "pvSite"] as const) {
  for (const [n, T, mins] of [
    [10, 24, 60],
    [20, 48, 30],
    [30, 96, 15],
  ] as const) {
    const input = withPhases(GENERATORS[name]({ sessions: n, slots: T, slotMinutes: mins, seed: 1 }), { seed: 1 });
    const v = validateRequest(input);
    if (!v.ok) {
      console.log(name, v.problems);
      continue;
    }
    const plain = validateRequest(GENERATORS[name]({ sessions: n, slots: T, slotMinutes: mins, seed: 1 }));
    const r0 = plain.ok ? solve(plain.request, { strategy: "optimal" }) : undefined;
    const r = solve(v.request, { strategy: "optimal" });
    const h = await ref.solve(v.request);
    const c = checkSchedule(v.request, r);
    console.log(
      name,
      n,
      T,
      r.status,
      r.cost.total.toFixed(6),
      h.status,
      h.objective.toFixed(6),
      "rel",
      (Math.abs(r.cost.total - h.objective) / Math.max(1, Math.abs(h.objective))).toExponential(2),
      "it",
      r.solver.iterations,
      r.solver.solveMs.toFixed(1),
      "ms; no phases",
      r0?.cost.total.toFixed(4),
      r0?.solver.solveMs.toFixed(1),
      c.ok ? "ok" : describeCheck(c, 3),
    );
  }
}
