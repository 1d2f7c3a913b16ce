// Wattplan scheduler: the module's exports. The boundary is flat and numeric
// (see layout.ts): `setup` lays the problem out, `pointer` tells the host
// where each array lives, `solve` runs one strategy and evaluates its
// schedule. The host owns I/O, validation and time keeping.

import { Field, Info, SolveStatus, StrategyId } from "./layout";
import { layout, layoutWarm, ptr, setInfo, info } from "./problem";
import { warmLength } from "./optimal/warm";
import { evaluate } from "./evaluate";
import { runBaseline } from "./baselines";
import * as arena from "./arena";
import { runOptimal, optimalStatus } from "./optimal/solve";

export { Field, Info, Setting, SolveStatus, StrategyId, WarmStart } from "./layout";

/** Reserve and zero every boundary array for a problem of this size. */
export function setup(slots: i32, sessions: i32, circuits: i32, windowSlots: i32): void {
  layout(slots, sessions, circuits, windowSlots);
}

/**
 * Warm re-plans, after `setup`: place Field.WarmIn and Field.WarmOut (NaN:
 * nothing given) and return their length (assembly/optimal/warm.ts).
 */
export function setupWarm(): i32 {
  const length = warmLength();
  layoutWarm(length);
  memory.fill(ptr(Field.WarmIn), 0xff, <usize>length << 3);
  memory.fill(ptr(Field.WarmOut), 0xff, <usize>length << 3);
  return length;
}

/** Byte offset of a boundary array in linear memory. */
export function pointer(field: i32): usize {
  return ptr(<Field>field);
}

/** Bytes of linear memory the arena holds now. */
export function arenaBytes(): usize {
  return arena.used();
}

/** Run a strategy on the problem laid out by `setup`; returns a SolveStatus. */
export function solve(strategy: i32): i32 {
  for (let k = 0; k < <i32>Info.Count; k++) setInfo(<Info>k, 0);
  setInfo(Info.Bound, NaN);
  let status = SolveStatus.Feasible;
  if (strategy == StrategyId.Optimal) {
    // The status rests on the evaluator's recomputed cost, so it comes after evaluate().
    runOptimal();
    evaluate();
    status = optimalStatus();
    setInfo(Info.Status, <f64>status);
    return status;
  }
  runBaseline(<StrategyId>strategy);
  evaluate();
  if (info(Info.Overflow) > 1e-6) status = SolveStatus.Infeasible;
  setInfo(Info.Status, <f64>status);
  return status;
}
