// The `optimal` strategy: settings → LP → interior point → schedule, and the
// status decided from the evaluator's recomputed cost against the proven
// bound (spec §7). Settings, problem, solution and info follow OSQP's four
// objects: settings come in Field.Settings, the problem in the boundary
// arrays, the solution in Field.Power/Curtailment, the info in Field.Info.

import { Info, Setting, SolveStatus, StrategyId } from "../layout";
import { setting, setInfo, info } from "../problem";
import { evaluate } from "../evaluate";
import { runBaseline } from "../baselines";
import * as arena from "../arena";
import * as lp from "./lp";
import * as ipm from "./ipm";
import { IpmExit } from "./ipm";
import { repair, hasMinCharge } from "./schedule";

@external("env", "performanceNow")
declare function performanceNow(): f64;

export const DEFAULT_MAX_ITERATIONS: i32 = 200;
export const DEFAULT_GAP_TOLERANCE: f64 = 1e-6;
/** The loosest internal gap we stop at: keeps `optimal` (1e-4, spec §7) reachable after repair. */
const LOOSEST_GAP: f64 = 1e-5;
/** A repaired schedule worse than this is replaced by a baseline (never expected). */
const VIOLATION_LIMIT: f64 = 1e-7;

let exit: IpmExit = IpmExit.Converged;

/** Solve the LP and leave a feasible schedule, Info.Bound and Info.Iterations. */
export function runOptimal(): void {
  const started = performanceNow();
  let maxIterations = setting(Setting.MaxIterations);
  if (!(maxIterations >= 0)) maxIterations = <f64>DEFAULT_MAX_ITERATIONS;
  let timeLimit = setting(Setting.TimeLimitMs);
  if (!(timeLimit > 0)) timeLimit = 0;
  let gapTolerance = setting(Setting.GapTolerance);
  if (!(gapTolerance > 0)) gapTolerance = DEFAULT_GAP_TOLERANCE;
  gapTolerance = min(max(gapTolerance, 1e-12), LOOSEST_GAP);

  const mark = arena.mark();
  lp.build();
  ipm.init();
  exit = ipm.run(<i32>min(maxIterations, 1e6), timeLimit, gapTolerance, started);
  repair(ipm.x);
  setInfo(Info.Iterations, <f64>ipm.iterations);
  // With overflow the LP is the penalised one: its bound says nothing about §7's cost.
  setInfo(Info.Bound, lp.mayOverflow || !isFinite(ipm.bound) ? NaN : ipm.bound);
  arena.release(mark);
}

/** After evaluate(): the status of spec §7, from the recomputed total and the bound. */
export function optimalStatus(): SolveStatus {
  if (!(info(Info.MaxViolation) <= VIOLATION_LIMIT)) {
    // Safety net: a baseline is feasible by construction.
    runBaseline(StrategyId.Edf);
    evaluate();
    return info(Info.Overflow) > 1e-6 ? SolveStatus.Infeasible : SolveStatus.Feasible;
  }
  if (info(Info.Overflow) > 1e-6) return SolveStatus.Infeasible;
  const total = info(Info.TotalCost);
  const bound = info(Info.Bound);
  const proven = total - bound <= max(1e-4 * Math.abs(total), 1e-3);
  if (proven && !hasMinCharge()) return SolveStatus.Optimal;
  if (exit == IpmExit.IterationLimit) return SolveStatus.IterationLimit;
  if (exit == IpmExit.TimeLimit) return SolveStatus.TimeLimit;
  return SolveStatus.Feasible;
}
