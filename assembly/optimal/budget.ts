// What a solve may spend and when it stops: iterations, wall clock, gap and
// primal tolerances, one record passed down the stages instead of four
// numbers threaded through every call (OSQP keeps the same in its settings;
// here the stages hand smaller budgets to the solves they run).

import { Setting } from "../layout";
import { setting } from "../problem";
import * as arena from "../arena";
import { Settings } from "./settings";

/** A budget, from the arena (released with the solve): no managed allocation. */
@unmanaged export class Budget {
  /** Interior-point iterations this call may spend. */
  iterations: i32 = 0;
  /** Wall-clock limit (ms) from `started`; > 0 always (the guard applies when the host sets none). */
  timeLimitMs: f64 = 0;
  /** Relative gap (objective − bound)/max(1, |objective|) at which the loop stops. */
  gapTolerance: f64 = 0;
  /** Relative primal residual ‖b − Ax‖∞/(1 + ‖b‖∞) at which the loop stops. */
  primalTol: f64 = 0;
  /** performanceNow() when the solve started. */
  started: f64 = 0;
  /**
   * The loop stops (`IpmExit.Cutoff`) once its proven bound minus
   * `cutoffFrom` exceeds `cutoffSlack` (the bound only rises within a run,
   * so the caller's verdict on it is already known); never by default.
   */
  cutoffFrom: f64 = 0;
  cutoffSlack: f64 = Infinity;

  /**
   * The host's settings (Field.Settings) with the defaults of `Settings`
   * where it set none: iterations capped at `Settings.iterationCap`, the
   * gap tolerance clamped to [tightestGap, loosestGap].
   */
  static fromHost(started: f64): Budget {
    let maxIterations = setting(Setting.MaxIterations);
    if (!(maxIterations >= 0)) maxIterations = <f64>Settings.defaultMaxIterations;
    let timeLimit = setting(Setting.TimeLimitMs);
    if (!(timeLimit > 0)) timeLimit = Settings.guardTimeLimitMs;
    let gapTolerance = setting(Setting.GapTolerance);
    if (!(gapTolerance > 0)) gapTolerance = Settings.defaultGapTolerance;
    gapTolerance = min(max(gapTolerance, Settings.tightestGap), Settings.loosestGap);
    const b = changetype<Budget>(arena.alloc(offsetof<Budget>()));
    b.iterations = <i32>min(maxIterations, Settings.iterationCap);
    b.timeLimitMs = timeLimit;
    b.gapTolerance = gapTolerance;
    b.primalTol = Settings.primalTol;
    b.started = started;
    b.cutoffFrom = 0;
    b.cutoffSlack = Infinity;
    return b;
  }

  /** The same budget with `iterations` iterations. */
  limitedTo(iterations: i32): Budget {
    return this.copy(iterations, this.gapTolerance, this.primalTol);
  }

  /** The same budget with other tolerances (`polish`). */
  tightened(gapTolerance: f64, primalTol: f64): Budget {
    return this.copy(this.iterations, gapTolerance, primalTol);
  }

  /** The same budget, stopped once the bound exceeds `from` by more than `slack` (the dive's rejection test). */
  cutoffAbove(from: f64, slack: f64): Budget {
    const b = this.copy(this.iterations, this.gapTolerance, this.primalTol);
    b.cutoffFrom = from;
    b.cutoffSlack = slack;
    return b;
  }

  private copy(iterations: i32, gapTolerance: f64, primalTol: f64): Budget {
    const b = changetype<Budget>(arena.alloc(offsetof<Budget>()));
    b.iterations = iterations;
    b.timeLimitMs = this.timeLimitMs;
    b.gapTolerance = gapTolerance;
    b.primalTol = primalTol;
    b.started = this.started;
    b.cutoffFrom = this.cutoffFrom;
    b.cutoffSlack = this.cutoffSlack;
    return b;
  }
}
