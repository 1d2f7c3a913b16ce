// The `optimal` strategy: settings → LP → interior point → schedule, and the
// status decided from the evaluator's recomputed cost against the proven
// bound (spec §7). Settings, problem, solution and info follow OSQP's four
// objects: settings come in Field.Settings, the problem in the boundary
// arrays, the solution in Field.Power/Curtailment, the info in Field.Info.

import { Info, Setting, SolveStatus, StrategyId, TieBreak, WarmStart } from "../layout";
import { setting, setInfo, info } from "../problem";
import { evaluate } from "../evaluate";
import { runBaseline } from "../baselines";
import * as arena from "../arena";
import * as lp from "./lp";
import * as ipm from "./ipm";
import { IpmExit, Start, Record } from "./ipm";
import { repair, repairPattern, hasMinCharge, coverShortfall } from "./schedule";
import { Field } from "../layout";
import { ptr, slots, sessionValue, slotValue } from "../problem";
import { ld } from "./lp";
import { Settings, tolerance } from "./settings";
import { earliestOnFace } from "./tiebreak";
import { Budget } from "./budget";
import { Checkpoint, newCheckpoint, save, keepOrRestore, restore, blend } from "./checkpoint";
import { Pattern, resolveWithPattern } from "./pattern";
import { augment, dive, rescueOverflow } from "./mincharge/search";
import * as patternCache from "./mincharge/cache";
import { beginWorkingSet, endWorkingSet, addReachedRows } from "./lpphases";

@external("env", "performanceNow")
declare function performanceNow(): f64;


/**
 * What the stages leave between `runOptimal` and `optimalStatus` (static
 * memory: the host calls the two apart).
 */
@unmanaged class StrategyState {
  /** How the relaxation's solve (or its restart) ended: the status reports its limits. */
  exit: IpmExit = IpmExit.Converged;
  /** Iterations the last tie-break spent. */
  tieIterations: i32 = 0;
}

const state = changetype<StrategyState>(memory.data(offsetof<StrategyState>(), 16));

/**
 * Solve the LP and leave a feasible schedule, Info.Bound and Info.Iterations.
 * With spec §11's rows, the LP starts without them and the stages run
 * again while the schedule reaches a row left out (lpphases.ts): every
 * round's LP is a relaxation of the whole one, so the last round's bound
 * certifies a schedule that keeps within every row.
 */
export function runOptimal(): void {
  const started = performanceNow();
  const lazy = setting(Setting.HasPhases) != 0;
  const outer = arena.mark();
  if (lazy) beginWorkingSet();
  let spent = 0;
  for (let round = 1; ; round++) {
    const last = !lazy || round >= Settings.phaseRounds;
    spent = runStages(started, spent, last);
    if (spent < 0) { spent = -spent; continue; }
    break;
  }
  endWorkingSet();
  arena.release(outer);
}

/**
 * The stages on the LP of the working set, `spent` iterations of the budget
 * gone. Unless `last`, a relaxation that reaches a row left out ends the
 * pass early, those rows joining the working set: returns −(iterations
 * spent in all) then, else the iterations spent in all (also Info.Iterations).
 */
function runStages(started: f64, spent: i32, last: bool): i32 {
  const mark = arena.mark();
  lp.build();
  ipm.init();
  const host = Budget.fromHost(started);
  const budget = host.limitedTo(max(0, host.iterations - spent));
  const limit = budget.iterations;
  // Iterations a warm start spent before it fell back to a cold one.
  const warmSpent = relax(budget, last && !lazyRows());
  if (!last && state.exit == IpmExit.Converged) {
    const added = addReachedRows(ipm.solution.x);
    if (added > 0) {
      const total = spent + ipm.info.iterations;
      arena.release(mark);
      return -total;
    }
  }
  repair(ipm.solution.x);
  let restartBound: f64 = -Infinity;
  let restartIterations = 0;
  // Steps collapsing on a degenerate LP depend on the path: a restart from
  // a start 100× closer to the boundary and, if that stalls too, one 100×
  // further from it than the first (a site where the only cost is the
  // overflow's stalled at 0.01 and 1 and converged from 100:
  // test/infeasible-claims.test.ts), keeping the better schedule and the
  // better bound (all are valid).
  for (let k = 0; k < 2 && state.exit == IpmExit.Stalled && warmSpent + restartIterations + ipm.info.iterations < limit; k++) {
    restartBound = max(restartBound, ipm.info.bound);
    restartIterations += ipm.info.iterations;
    keepBetterOf(budget.limitedTo(limit - warmSpent - restartIterations), k == 0 ? Settings.restartMu0 : Settings.farRestartMu0);
  }
  const floors = hasMinCharge();
  patternCache.reset(floors);
  if (!floors) polish(budget);
  // The relaxation's bound: the re-solves below restrict the LP.
  const bound = max(ipm.info.bound, restartBound);
  let iterations = warmSpent + ipm.info.iterations + restartIterations;
  if (state.exit == IpmExit.Converged && iterations < limit) {
    if (floors) {
      const relaxed = arena.allocF64(lp.nPad);
      memory.copy(relaxed, ipm.solution.x, <usize>lp.nPad << 3);
      iterations += resolveWithPattern(Pattern.MinCharge, budget.limitedTo(limit - iterations));
      // No floored schedule costs less than the relaxation's bound: one
      // within a share of the tolerance of it ends the search (Settings.searchStopShare).
      if (!closeToBound(bound)) iterations += augment(budget.limitedTo(limit - iterations));
      if (!closeToBound(bound)) iterations += dive(relaxed, bound, budget.limitedTo(limit - iterations));
      iterations += rescueOverflow(budget.limitedTo(limit - iterations));
    } else {
      evaluate();
      if (!qualifies(bound)) iterations += resolveWithPattern(Pattern.Sign, budget.limitedTo(limit - iterations));
    }
  }
  let tie = TieBreak.Off;
  if (setting(Setting.TieBreak) > 0) {
    tie = TieBreak.Skipped;
    if (state.exit == IpmExit.Converged && iterations < limit) {
      // Stage 2 is one more solve of the same size: a budget of its own, so
      // that a face it cannot settle on costs bounded time, not the rest of the limit.
      const stage2 = budget.limitedTo(min(limit - iterations, max(Settings.tieBreakMinIterations, Settings.tieBreakIterationShare * iterations)));
      tie = floors ? tieBreakPatterned(stage2) : tieBreak(bound, stage2);
      iterations += state.tieIterations;
    }
  }
  setInfo(Info.TieBreak, <f64>tie);
  setInfo(Info.Iterations, <f64>(spent + iterations));
  // The penalised LP (overflow allowed) is a relaxation of the model's LP,
  // so its bound holds for the model too whenever the schedule ends without
  // overflow; with overflow, `optimalStatus` withdraws it.
  setInfo(Info.Bound, isFinite(bound) ? bound : NaN);
  arena.release(mark);
  return spent + iterations;
}

/** Spec §11's rows join lazily (lpphases.ts): the LP changes between rounds. */
function lazyRows(): bool {
  return setting(Setting.HasPhases) != 0;
}

/**
 * The relaxation's first solve, into `state.exit`: from the previous
 * solve's iterate when the host gave one (Field.WarmIn, warm.ts) and
 * `warmable`, within Settings.warmIterations, and cold if that did not
 * converge; the iterate is recorded for the next solve when the host made
 * room for it (Field.WarmOut). The bound of either run is a proven bound of
 * this LP (it comes from this LP's rows and boxes, whatever the start), so
 * the certificate is a cold solve's. Sets Info.WarmStart; returns the
 * iterations of a warm run that fell back (0 otherwise).
 */
function relax(budget: Budget, warmable: bool): i32 {
  const record = warmable && ptr(Field.WarmOut) != 0 ? Record.Path : Record.None;
  const given = setting(Setting.Warm) != 0 && ptr(Field.WarmIn) != 0;
  if (!given) {
    setInfo(Info.WarmStart, <f64>WarmStart.Cold);
    state.exit = ipm.run(budget, Start.Cold, Settings.mu0, record);
    return 0;
  }
  if (!warmable) {
    setInfo(Info.WarmStart, <f64>WarmStart.Refused);
    state.exit = ipm.run(budget, Start.Cold, Settings.mu0, record);
    return 0;
  }
  // A share of what a cold solve took: a warm start that needs more is not worth finishing.
  const reference = ipm.warmReference();
  // (Host data: NaN, negative or huge counts take the default, never an i32 overflow.)
  const share = reference >= 0 && reference <= Settings.iterationCap ? <i32>(Settings.warmIterationShare * reference) : Settings.warmIterations;
  const cap = min(budget.iterations, max(Settings.warmMinIterations, share));
  state.exit = ipm.run(budget.limitedTo(cap), Start.Warm, Settings.mu0, record);
  if (state.exit == IpmExit.Converged) {
    setInfo(Info.WarmStart, <f64>WarmStart.Used);
    return 0;
  }
  const spent = ipm.info.iterations;
  setInfo(Info.WarmStart, <f64>WarmStart.FellBack);
  state.exit = ipm.run(budget.limitedTo(max(0, budget.iterations - spent)), Start.Cold, Settings.mu0, record);
  return spent;
}

/** Re-run the interior point from a cold start with this μ0; the better schedule stays. */
function keepBetterOf(budget: Budget, mu0: f64): void {
  const saved = newCheckpoint();
  evaluate();
  save(saved);
  state.exit = ipm.run(budget, Start.Cold, mu0);
  repair(ipm.solution.x);
  evaluate();
  keepOrRestore(saved);
}


/**
 * Spec §10 on a converged relaxation: stage 2 over the optimal face of the
 * LP the last solve left (tiebreak.ts), kept only when the schedule still
 * qualifies against stage 1's bound, which stays the certificate.
 */
function tieBreak(bound: f64, budget: Budget): TieBreak {
  state.tieIterations = 0;
  evaluate();
  if (ipm.info.exit != IpmExit.Converged || !qualifies(bound)) return TieBreak.Skipped;
  const total = info(Info.TotalCost);
  const room = Settings.faceRoomShare * (Settings.qualifyShare * tolerance(total) - max(0, total - bound));
  const saved = newCheckpoint();
  save(saved);
  const stage2 = earliestOnFace(room, budget);
  if (stage2 < 0) return TieBreak.Skipped;
  state.tieIterations = ipm.info.iterations;
  repair(ipm.solution.x);
  coverShortfall();
  evaluate();
  if (qualifies(bound)) return TieBreak.Applied;
  const limit = bound + Settings.qualifyShare * tolerance(saved.cost);
  if (blendWithin(saved, limit)) return TieBreak.Applied;
  restore(saved);
  return TieBreak.Rejected;
}

/**
 * After evaluate() on a stage-2 schedule that costs more than `limit`: its
 * repair can add a few 1e-4 to the total, past a room that a small total's
 * tolerance (1e-3) makes tiny. Then take the largest share of the way from
 * stage 1's schedule (`saved`, within the limit) toward it that still costs
 * no more than `limit` and passes `accept`, or none (false, schedule
 * unspecified: the caller restores), breaking no limit and within the
 * guards. The share is where the line between the two costs meets the
 * limit, halved until the evaluated blend passes. (Spec §7's tolerance of
 * `saved`'s total is at most the blend's: a limit from it is the stricter.)
 */
function blendWithin(saved: Checkpoint, limit: f64): bool {
  const late = newCheckpoint();
  save(late);
  if (!(late.cost > saved.cost) || !(limit > saved.cost)) return false;
  let share = min(1, (limit - saved.cost) / (late.cost - saved.cost));
  for (let attempt = 0; attempt < Settings.blendAttempts && share >= Settings.blendMinShare; attempt++) {
    blend(saved, late, share);
    if (info(Info.TotalCost) <= limit && info(Info.MaxViolation) <= Settings.violationLimit && !overrun()) return true;
    share *= 0.5;
  }
  return false;
}

/**
 * Spec §10 with minChargeKw floors: no bound certifies the rounded
 * schedule, so the tie-break works inside its on/off pattern: the pattern
 * LP is solved for its face (keeping the better schedule), stage 2 runs on
 * that face, and its schedule is kept when it costs no more than a quarter
 * of the tolerance over the schedule it replaces.
 */
function tieBreakPatterned(budget: Budget): TieBreak {
  const iterations = budget.iterations;
  state.tieIterations = resolveWithPattern(Pattern.MinCharge, budget);
  evaluate();
  if (ipm.info.exit != IpmExit.Converged || state.tieIterations >= iterations) return TieBreak.Skipped;
  if (!(info(Info.MaxViolation) <= Settings.violationLimit) || overrun()) return TieBreak.Skipped;
  const total = info(Info.TotalCost);
  const allowed = Settings.patternedTieShare * tolerance(total);
  const room = Settings.faceRoomShare * (allowed - max(0, total - ipm.info.bound));
  if (!(room > 0)) return TieBreak.Skipped;
  const saved = newCheckpoint();
  save(saved);
  const stage2 = earliestOnFace(room, budget.limitedTo(iterations - state.tieIterations));
  if (stage2 < 0) return TieBreak.Skipped;
  state.tieIterations += ipm.info.iterations;
  repairPattern(ipm.solution.x);
  coverShortfall();
  evaluate();
  if (info(Info.MaxViolation) <= Settings.violationLimit && !overrun() && info(Info.TotalCost) <= total + allowed) return TieBreak.Applied;
  if (blendWithin(saved, total + allowed)) return TieBreak.Applied;
  restore(saved);
  return TieBreak.Rejected;
}

/**
 * After evaluate(): the total is within half spec §7's tolerance of the
 * bound. Half, so that a schedule the status would only just accept is
 * improved as well (the status itself uses the full tolerance).
 */
function qualifies(bound: f64): bool {
  const total = info(Info.TotalCost);
  return info(Info.MaxViolation) <= Settings.violationLimit && !overrun() && total - bound <= Settings.qualifyShare * tolerance(total);
}

/**
 * With minChargeKw floors, after evaluate() of the search's schedule: it
 * breaks no limit and its total is within `Settings.searchStopShare` of
 * spec §7's tolerance of the relaxation's bound. Every floored schedule
 * costs at least that bound, so no further stage could gain more than that.
 */
function closeToBound(bound: f64): bool {
  evaluate();
  const total = info(Info.TotalCost);
  return info(Info.MaxViolation) <= Settings.violationLimit && !overrun() && total - bound <= Settings.searchStopShare * tolerance(total);
}

/**
 * The loop stops at a relative gap of 1e-6, far inside spec §7's 1e-4, yet
 * the repair turns the iterate's last primal residual into shortfall at up
 * to 1000 per kWh, which can eat that margin on a small total. Then carry on
 * from the same iterate with tolerances 100× tighter, repair again, and keep
 * the better schedule.
 */
function polish(budget: Budget): void {
  const limit = budget.iterations;
  const saved = newCheckpoint();
  let gapTol = budget.gapTolerance;
  let primalTol = budget.primalTol;
  for (let round = 0; round < Settings.polishRounds; round++) {
    evaluate();
    if (qualifies(ipm.info.bound)) return;
    if (state.exit != IpmExit.Converged || ipm.info.iterations >= limit) return;
    save(saved);
    gapTol = max(gapTol * Settings.polishFactor, Settings.tightestGap);
    primalTol *= Settings.polishFactor;
    const polished = ipm.run(budget.tightened(gapTol, primalTol), Start.Resume, Settings.mu0);
    repair(ipm.solution.x);
    evaluate();
    keepOrRestore(saved);
    // The first solve converged: a limit or a stall here only ends the polishing.
    if (polished != IpmExit.Converged) return;
  }
}

/** Spec §7: any session with a minChargeKw floor makes the status `feasible`, even one never available. */
function anyMinCharge(): bool {
  for (let v = 0; v < lp.V; v++) if (sessionValue(Field.MinCharge, v) > 0) return true;
  return false;
}

/**
 * After evaluate(): rule 5 broken as the host judges it, slot by slot
 * (n_t > I_t + 1e-6). Info.Overflow sums the overruns, and tolerated ones
 * in many slots may add up past 1e-6 without any slot being infeasible.
 */
function overrun(): bool {
  const net = ptr(Field.NetImport);
  for (let t = 0; t < slots; t++) if (ld(net, t) > slotValue(Field.ImportLimit, t) + Settings.feasibilityTol) return true;
  return false;
}

/** After evaluate(): the status of spec §7, from the recomputed total and the bound. */
export function optimalStatus(): SolveStatus {
  if (!(info(Info.MaxViolation) <= Settings.violationLimit)) {
    // Safety net: a baseline is feasible by construction.
    runBaseline(StrategyId.Edf);
    evaluate();
    if (overrun()) {
      setInfo(Info.Bound, NaN);
      return SolveStatus.Infeasible;
    }
    return SolveStatus.Feasible;
  }
  if (overrun()) {
    setInfo(Info.Bound, NaN);
    return SolveStatus.Infeasible;
  }
  const total = info(Info.TotalCost);
  const bound = info(Info.Bound);
  const proven = total - bound <= tolerance(total);
  if (proven && !anyMinCharge()) return SolveStatus.Optimal;
  if (state.exit == IpmExit.IterationLimit) return SolveStatus.IterationLimit;
  if (state.exit == IpmExit.TimeLimit) return SolveStatus.TimeLimit;
  return SolveStatus.Feasible;
}
