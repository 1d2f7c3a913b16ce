// Dev: `optimal` with and without spec §11's phases on the phase bench's
// sites (testkit/generators/phases.ts), no HiGHS: time, iterations, status.
//   npx tsx bench/solver-dev/phases-time.ts [--share S] [NxT ...]
// --share: each circuit's phase limit as a share of its kW limit's
// balanced current (withPhases' phaseLimitShare; the bench's 0.8 default).
import { GENERATORS } from "../../testkit/generators/index.js";
import { withPhases } from "../../testkit/generators/phases.js";
import { validateRequest } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { checkSchedule } from "../../testkit/checker/checker.js";

const args = process.argv.slice(2);
const shareAt = args.indexOf("--share");
const phaseLimitShare = shareAt >= 0 ? Number(args[shareAt + 1]) : 0.8;
if (shareAt >= 0) args.splice(shareAt, 2);
const sizes = args.length > 0 ? args : ["300x96", "1000x96"];
for (const size of sizes) {
  const [n, T] = size.split("x").map(Number) as [number, number];
  for (const name of ["workplace", "depotV2g", "pvSite"] as const) {
    const base = GENERATORS[name]({ sessions: n, slots: T, slotMinutes: (24 * 60) / T, seed: 1 });
    const plain = validateRequest(base);
    const phased = validateRequest(withPhases(base, { seed: 1, phaseLimitShare }));
    if (!plain.ok || !phased.ok) throw new Error(`${name}: invalid`);
    const r0 = solve(plain.request, { strategy: "optimal" });
    const r = solve(phased.request, { strategy: "optimal" });
    const check = checkSchedule(phased.request, r);
    console.log(
      `${size} ${name}: without ${r0.solver.solveMs.toFixed(0)} ms ${r0.solver.iterations} it ${r0.status}` +
        ` | with ${r.solver.solveMs.toFixed(0)} ms ${r.solver.iterations} it ${r.status}` +
        ` ratio ${(r.solver.solveMs / r0.solver.solveMs).toFixed(2)} gap ${((r.cost.total - (r.solver.bound ?? NaN)) / Math.max(1, Math.abs(r.cost.total))).toExponential(1)}` +
        ` check ${check.ok ? "ok" : "FAIL"}`,
    );
  }
}
