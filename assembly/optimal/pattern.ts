// Pattern re-solves: fix an on/off pattern of the current schedule in the
// LP's boxes and solve again inside it (see `resolveWithPattern`).

import { Field } from "../layout";
import { ptr, windowStart, windowEnd, windowOffset, sessionValue } from "../problem";
import { evaluate } from "../evaluate";
import * as lp from "./lp";
import * as ipm from "./ipm";
import { Start, IpmExit } from "./ipm";
import { ld, st } from "./lp";
import { repair, repairPattern } from "./schedule";
import { Settings } from "./settings";
import { Budget } from "./budget";
import { newCheckpoint, save, keepOrRestore, restore } from "./checkpoint";
import * as cache from "./mincharge/cache";

/** Which on/off pattern `resolveWithPattern` fixes. */
export const enum Pattern {
  /** Floored sessions: charging slots at ≥ minChargeKw, the others at 0. */
  MinCharge = 0,
  /** Every session: only the direction of its signed power, charge or discharge. */
  Sign = 1,
}

/**
 * Keep an on/off pattern of the current schedule and re-solve the LP inside
 * it; the schedule is a point of that LP, so the result is feasible and its
 * optimum no worse up to the solver's tolerance; the better of the two
 * schedules is kept. Returns iterations.
 *
 * MinCharge is the second stage of the minChargeKw rounding. Sign is for a
 * relaxation that charges and discharges at once where the signed model
 * cannot follow (a battery with no room burning power off through its
 * losses, which netting undoes and the surplus goes to a costly export):
 * with one direction per slot, netting loses nothing and the LP moves the
 * surplus elsewhere; its optimum reaches the bound whenever a signed
 * schedule with that pattern does.
 */
export function resolveWithPattern(pattern: Pattern, budget: Budget): i32 {
  const power = ptr(Field.Power);
  const saved = newCheckpoint();
  evaluate();
  save(saved);
  const x = ipm.solution.x;
  const key = cache.key();
  for (let v = 0; v < lp.V; v++) {
    const minC = sessionValue(Field.MinCharge, v);
    if (pattern == Pattern.MinCharge && minC <= 0) continue;
    const off = windowOffset(v);
    const w = windowEnd(v) - windowStart(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const etaD = sessionValue(Field.DischargeEfficiency, v);
    const xd = lp.dischargeOf(x, v);
    for (let i = 0; i < w; i++) {
      const j = off + i;
      const d = lp.dCol(v, i);
      const p = ld(power, j);
      if (pattern == Pattern.MinCharge) {
        // Every bound is written: `augment` re-patterns an LP already patterned.
        if (key != 0) store<u8>(key + <usize>j, p > 0 ? 1 : 0);
        if (p > 0) {
          st(lp.lo, lp.oC + j, minC);
          st(lp.up, lp.oC + j, sessionValue(Field.MaxCharge, v));
          if (d >= 0) st(lp.up, d, 0);
        } else {
          st(lp.lo, lp.oC + j, 0);
          st(lp.up, lp.oC + j, 0);
          if (d >= 0) st(lp.up, d, sessionValue(Field.MaxDischarge, v));
        }
      } else if (d >= 0) {
        // An idle slot keeps the direction that moved more energy in the
        // relaxation (a session that cannot discharge has one direction).
        const charging = p > 0 || (p == 0 && etaC * ld(x, lp.oC + j) >= ld(xd, i) / etaD);
        st(lp.up, charging ? d : lp.oC + j, 0);
      }
    }
  }
  // The same pattern solved before: the same LP, and its converged solution.
  const cached = pattern == Pattern.MinCharge && cache.lookup();
  if (!cached) {
    // Cut off (the caller's incumbent is out of reach): the round is lost, the schedule stays.
    if (ipm.run(budget, Start.Cold, Settings.mu0) == IpmExit.Cutoff) {
      restore(saved);
      return ipm.info.iterations;
    }
    if (pattern == Pattern.MinCharge) cache.store();
  }
  if (pattern == Pattern.MinCharge) repairPattern(ipm.solution.x);
  else repair(ipm.solution.x);
  evaluate();
  keepOrRestore(saved);
  return cached ? 0 : ipm.info.iterations;
}
