// Checkpoints: a schedule put aside while a stage tries another, and put
// back unless the new one is better by spec §5's order.

import { Field, Info } from "../layout";
import { ptr, info } from "../problem";
import { evaluate } from "../evaluate";
import * as arena from "../arena";
import * as lp from "./lp";
import { better } from "./repair";
import { Settings } from "./settings";

/** A schedule put aside (power and curtailment) with the cost and overflow evaluate() gave it. */
@unmanaged export class Checkpoint {
  power: usize = 0;
  curtail: usize = 0;
  cost: f64 = 0;
  overflow: f64 = 0;
}

/** Room for one checkpoint, from the arena (no managed allocation). */
export function newCheckpoint(): Checkpoint {
  const c = changetype<Checkpoint>(arena.alloc(offsetof<Checkpoint>()));
  c.power = arena.allocF64(lp.W + 1);
  c.curtail = arena.allocF64(lp.T + 1);
  return c;
}

/** Put the current schedule aside; evaluate() must have run on it. */
export function save(c: Checkpoint): void {
  memory.copy(c.power, ptr(Field.Power), <usize>lp.W << 3);
  memory.copy(c.curtail, ptr(Field.Curtailment), <usize>lp.T << 3);
  c.cost = info(Info.TotalCost);
  c.overflow = info(Info.Overflow);
}

/**
 * After evaluate() on a new schedule: keep it when it breaks no limit and is
 * better than the saved one (less overflow, then lower cost); otherwise put
 * the saved one back. Returns whether the new schedule was kept.
 */
export function keepOrRestore(c: Checkpoint): bool {
  if (info(Info.MaxViolation) <= Settings.violationLimit && better(info(Info.Overflow), info(Info.TotalCost), c.overflow, c.cost)) return true;
  memory.copy(ptr(Field.Power), c.power, <usize>lp.W << 3);
  memory.copy(ptr(Field.Curtailment), c.curtail, <usize>lp.T << 3);
  return false;
}

/** Put the saved schedule back (and its info: evaluate() again). */
export function restore(c: Checkpoint): void {
  memory.copy(ptr(Field.Power), c.power, <usize>lp.W << 3);
  memory.copy(ptr(Field.Curtailment), c.curtail, <usize>lp.T << 3);
  evaluate();
}

/**
 * Replace the current schedule by from + share·(to − from), power and
 * curtailment, and evaluate() it. Where the model is convex (no charging
 * floors) the blend of two feasible schedules is feasible and costs at most
 * the blend of their costs; evaluate() checks what convexity does not cover
 * (a blend of signed powers with efficiencies below 1 stores a little more).
 */
export function blend(from: Checkpoint, to: Checkpoint, share: f64): void {
  const power = ptr(Field.Power);
  for (let j = 0; j < lp.W; j++) {
    const a = load<f64>(from.power + (<usize>j << 3));
    store<f64>(power + (<usize>j << 3), a + share * (load<f64>(to.power + (<usize>j << 3)) - a));
  }
  const curtail = ptr(Field.Curtailment);
  for (let t = 0; t < lp.T; t++) {
    const a = load<f64>(from.curtail + (<usize>t << 3));
    store<f64>(curtail + (<usize>t << 3), a + share * (load<f64>(to.curtail + (<usize>t << 3)) - a));
  }
  evaluate();
}
