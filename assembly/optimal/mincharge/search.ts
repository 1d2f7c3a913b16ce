// minChargeKw rounding, the stages that re-solve the LP (after the
// relaxation's first rounding, stage one, in repair): stage two (the
// pattern re-solve), stages three and four (`augment`: claim/augment and
// swap rounds) and the second path, the dive. Every stage is a pattern
// re-solve kept only when better (checkpoint.ts); they share the budget.

import { Field, Info } from "../../layout";
import { info, ptr, windowStart, windowEnd, windowOffset, sessionValue } from "../../problem";
import { evaluate } from "../../evaluate";
import * as arena from "../../arena";
import * as lp from "../lp";
import * as ipm from "../ipm";
import { IpmExit, Start } from "../ipm";
import { ld, st } from "../lp";
import { repair } from "../schedule";
import { Settings, tolerance } from "../settings";
import { Budget } from "../budget";
import { Checkpoint, newCheckpoint, save, keepOrRestore } from "../checkpoint";
import { Pattern, resolveWithPattern } from "../pattern";
import { Rounding, augmentMinCharge } from "./round";
import { swapMinCharge } from "./swap";
import { netImport } from "../repair";

/**
 * minChargeKw rounding, second path: a dive from the relaxation. The
 * relaxation spreads energy thinly (below the floors) over many sessions
 * and slots, and rounding it all at once can waste the room of a binding
 * circuit. So, round by round, slots the LP charges at or above the floor
 * are fixed on, the weakest fractional ones (below 1/4, then 1/2, then 3/4
 * of the floor) are switched off, and the LP is solved again, moving their
 * energy into the slots and sessions that stay on. Fixing only narrows
 * boxes around a point the last solution nearly meets, so each LP stays
 * feasible. A round that costs too much (`Settings.diveSlack`) is undone and ends
 * the dive; the last dived solution then goes through the same stages as
 * the relaxation's (greedy rounding, pattern re-solve, augment rounds) and
 * the better of the two schedules stays. Returns iterations.
 */
export function dive(relaxed: usize, bound: f64, budget: Budget): i32 {
  const iterations = budget.iterations;
  const first = newCheckpoint();
  evaluate();
  save(first);
  const x = ipm.solution.x;
  const previous = arena.allocF64(lp.nPad);
  memory.copy(x, relaxed, <usize>lp.nPad << 3);
  unpattern();
  let used = 0;
  let dived = false;
  for (let round = 0; round < Settings.diveRounds && used < iterations; round++) {
    const share = Settings.diveShareStep * <f64>(round + 1);
    let changed = 0;
    let open = 0;
    for (let v = 0; v < lp.V; v++) {
      const minC = sessionValue(Field.MinCharge, v);
      if (minC <= 0) continue;
      const off = windowOffset(v);
      const xd = lp.dischargeOf(x, v);
      for (let i = 0; i < windowEnd(v) - windowStart(v); i++) {
        const c = lp.oC + off + i;
        // Decided already: on (lo = floor) or off (up = 0).
        if (ld(lp.lo, c) > 0 || !(ld(lp.up, c) > 0)) continue;
        const p = ld(x, c) - ld(xd, i);
        if (p >= minC * Settings.onFloorShare) {
          st(lp.lo, c, minC);
          const d = lp.dCol(v, i);
          if (d >= 0) st(lp.up, d, 0);
          changed++;
        } else if (p <= share * minC) {
          st(lp.up, c, 0);
          changed++;
        } else {
          open++;
        }
      }
    }
    if (changed > 0) {
      memory.copy(previous, x, <usize>lp.nPad << 3);
      // A round whose bound rises past the slack is undone: the run stops as soon as it does.
      const slack = Settings.diveSlack * max(1, Math.abs(bound));
      const exit = ipm.run(budget.limitedTo(iterations - used).cutoffAbove(bound, slack), Start.Cold, Settings.mu0);
      used += ipm.info.iterations;
      if (exit != IpmExit.Converged || !(ipm.info.bound - bound <= slack)) {
        memory.copy(x, previous, <usize>lp.nPad << 3);
        break;
      }
      dived = true;
    }
    if (open == 0) break;
  }
  if (dived && used < iterations) {
    repair(x);
    used += resolveWithPattern(Pattern.MinCharge, budget.limitedTo(iterations - used));
    used += augment(budget.limitedTo(iterations - used));
  }
  evaluate();
  keepOrRestore(first);
  return used;
}

/** The relaxation's boxes back on every floored session's charge and discharge columns. */
function unpattern(): void {
  for (let v = 0; v < lp.V; v++) {
    if (!(sessionValue(Field.MinCharge, v) > 0)) continue;
    const off = windowOffset(v);
    for (let i = 0; i < windowEnd(v) - windowStart(v); i++) {
      st(lp.lo, lp.oC + off + i, 0);
      st(lp.up, lp.oC + off + i, sessionValue(Field.MaxCharge, v));
      const d = lp.dCol(v, i);
      if (d >= 0) st(lp.up, d, sessionValue(Field.MaxDischarge, v));
    }
  }
}

/**
 * The relaxation spreads sub-floor power over many sessions under a binding
 * limit; the rounding's blocks then leave energy short at ~1000/kWh. Switch
 * on blocks for the short sessions, taking room others hold above their
 * floors (then, when that does not pay, only free room), re-solve in the
 * new pattern and keep it when better. Returns iterations.
 */
export function augment(budget: Budget): i32 {
  const iterations = budget.iterations;
  const saved = newCheckpoint();
  let used = 0;
  let stage = Rounding.Claim;
  for (let round = 0; round < Settings.augmentRounds && used < iterations; round++) {
    evaluate();
    if (!(info(Info.ShortfallCost) > 0)) break;
    save(saved);
    if (!augmentMinCharge(stage)) {
      if (stage != Rounding.Claim) break;
      stage = Rounding.Augment;
      continue;
    }
    used += resolveWithPattern(Pattern.MinCharge, beating(saved, budget.limitedTo(iterations - used)));
    evaluate();
    if (!keepOrRestore(saved)) {
      // Claims that did not pay: try the room that is free.
      if (stage != Rounding.Claim) break;
      stage = Rounding.Augment;
    }
  }
  // Room held whole by other sessions' blocks: swap blocks, while it pays.
  for (let round = 0; round < Settings.swapRounds && used < iterations; round++) {
    evaluate();
    if (!(info(Info.ShortfallCost) > 0)) break;
    save(saved);
    if (!swapMinCharge()) break;
    used += resolveWithPattern(Pattern.MinCharge, beating(saved, budget.limitedTo(iterations - used)));
    evaluate();
    if (!keepOrRestore(saved)) break;
  }
  return used;
}

/**
 * A round's budget when its schedule is kept only if it beats `saved` (no
 * overflow there, so only a lower cost can): every schedule of the pattern
 * costs at least the pattern LP's bound, so once that bound passes the
 * saved cost (by `Settings.patternCutoffShare` of the tolerance, for the
 * repair's rounding) the round is lost and its solve stops
 * (`IpmExit.Cutoff`; resolveWithPattern then leaves the schedule as it was).
 * Not where the LP has overflow columns: a schedule's model cost leaves out
 * the overflow the LP prices, and may then be below the LP's bound.
 */
function beating(saved: Checkpoint, budget: Budget): Budget {
  if (!(saved.overflow <= Settings.overflowTie) || !isFinite(saved.cost) || lp.canOverflow()) return budget;
  return budget.cutoffAbove(saved.cost, Settings.patternCutoffShare * tolerance(saved.cost));
}

/**
 * A floored schedule still over the import limit (spec §5 rule 5) where
 * the relaxation need not be: the relaxation met a slot's limit with V2G
 * discharge that a session could only give after charging a sliver below
 * its floor, which the rounding dropped (a car that arrives at its minimum
 * energy must charge before it can discharge). Round by round, for each
 * slot over the limit, one V2G session there that could discharge more is
 * switched on at its floor in the latest earlier slot of its stay whose
 * import the other sessions can make room for (stopping their charging,
 * discharging more), and the LP is solved again in that pattern, where it
 * moves the others' discharge to make the room. A round is kept only when
 * it is better by spec §5's order (overflow first), else the rescue ends.
 * Returns iterations.
 */
export function rescueOverflow(budget: Budget): i32 {
  const iterations = budget.iterations;
  const saved = newCheckpoint();
  let used = 0;
  for (let round = 0; round < Settings.rescueRounds && used < iterations; round++) {
    evaluate();
    if (!(info(Info.Overflow) > Settings.overflowTie)) break;
    save(saved);
    if (!switchOnBeforeOverflow()) break;
    used += resolveWithPattern(Pattern.MinCharge, budget.limitedTo(iterations - used));
    evaluate();
    if (!keepOrRestore(saved)) break;
  }
  return used;
}

/** One switch-on per slot over the limit (see rescueOverflow); false when none was found. */
function switchOnBeforeOverflow(): bool {
  let switched = false;
  for (let t = 0; t < lp.T; t++) {
    if (!(netImport(t) > lp.importLimit(t) + Settings.feasibilityTol)) continue;
    for (let v = 0; v < lp.V; v++) {
      if (switchOnBefore(v, t)) {
        switched = true;
        break;
      }
    }
  }
  return switched;
}

/**
 * Session v, a floored V2G session that could discharge more at slot t:
 * switched on at its floor in the latest slots before t where it does not
 * charge and the others can make the room, as many as the overrun at t
 * needs if the car charged them at full power (the pattern LP then sets
 * the powers). Slots where it charges already are passed over: the LP
 * could raise those itself, so what it lacks must come from slots it has
 * off (one slot per round used to stop at the first such slot, and a car
 * that must pre-charge over six slots was left `infeasible`:
 * test/infeasible-claims.test.ts). True when a slot was switched on.
 */
function switchOnBefore(v: i32, t: i32): bool {
  const power = ptr(Field.Power);
  const a = windowStart(v);
  const minC = sessionValue(Field.MinCharge, v);
  if (t <= a || t >= windowEnd(v) || !(minC > 0)) return false;
  if (!(sessionValue(Field.MaxDischarge, v) + ld(power, windowOffset(v) + t - a) > Settings.dust)) return false;
  // kWh the battery must hold to feed the overrun, and what one slot at full power stores.
  const need = ((netImport(t) - lp.importLimit(t)) * lp.dt) / sessionValue(Field.DischargeEfficiency, v);
  const perSlot = sessionValue(Field.MaxCharge, v) * sessionValue(Field.ChargeEfficiency, v) * lp.dt;
  let stored: f64 = 0;
  let switched = false;
  for (let s = t - 1; s >= a && stored < need; s--) {
    const j = windowOffset(v) + s - a;
    const own = ld(power, j);
    if (own > 0) continue;
    if (room(s, v) >= minC - own) {
      st(power, j, minC);
      stored += perSlot;
      switched = true;
    }
  }
  return switched;
}

/** Import room at slot s if every session but `skip` stopped charging and discharged in full. */
function room(s: i32, skip: i32): f64 {
  const power = ptr(Field.Power);
  let r = lp.importLimit(s) - netImport(s);
  for (let v = 0; v < lp.V; v++) {
    const a = windowStart(v);
    if (v == skip || s < a || s >= windowEnd(v)) continue;
    r += ld(power, windowOffset(v) + s - a) + sessionValue(Field.MaxDischarge, v);
  }
  return r;
}
