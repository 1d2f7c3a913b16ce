// The `optimal` strategy: settings → LP → interior point → schedule, and the
// status decided from the evaluator's recomputed cost against the proven
// bound (spec §7). Settings, problem, solution and info follow OSQP's four
// objects: settings come in Field.Settings, the problem in the boundary
// arrays, the solution in Field.Power/Curtailment, the info in Field.Info.

import { Info, Setting, SolveStatus, StrategyId, TieBreak } from "../layout";
import { setting, setInfo, info } from "../problem";
import { evaluate } from "../evaluate";
import { runBaseline } from "../baselines";
import * as arena from "../arena";
import * as lp from "./lp";
import * as ipm from "./ipm";
import { IpmExit } from "./ipm";
import { repair, repairPattern, hasMinCharge, better, augmentMinCharge, swapMinCharge } from "./schedule";
import { Field } from "../layout";
import { ptr, slots, windowStart, windowEnd, windowOffset, sessionValue, slotValue } from "../problem";
import { ld, st } from "./lp";
import { Settings, tolerance } from "./settings";
import { earliestOnFace } from "./tiebreak";
import { Budget } from "./budget";

@external("env", "performanceNow")
declare function performanceNow(): f64;

let exit: IpmExit = IpmExit.Converged;

/** Solve the LP and leave a feasible schedule, Info.Bound and Info.Iterations. */
export function runOptimal(): void {
  const started = performanceNow();

  const mark = arena.mark();
  lp.build();
  ipm.init();
  const budget = Budget.fromHost(started);
  const limit = budget.iterations;
  exit = ipm.run(budget, false, Settings.mu0);
  repair(ipm.x);
  let restartBound: f64 = -Infinity;
  let restartIterations = 0;
  if (exit == IpmExit.Stalled && ipm.iterations < limit) {
    // Steps collapsing on a degenerate LP depend on the path: one restart
    // from a start 100× closer to the boundary, keeping the better schedule
    // and the better bound (both are valid).
    restartBound = ipm.bound;
    restartIterations = ipm.iterations;
    keepBetterOf(budget.limitedTo(limit - restartIterations));
  }
  const floors = hasMinCharge();
  if (!floors) polish(budget);
  // The relaxation's bound: the re-solves below restrict the LP.
  const bound = max(ipm.bound, restartBound);
  let iterations = ipm.iterations + restartIterations;
  if (exit == IpmExit.Converged && iterations < limit) {
    if (floors) {
      const relaxed = arena.allocF64(lp.nPad);
      memory.copy(relaxed, ipm.x, <usize>lp.nPad << 3);
      iterations += resolveWithPattern(Pattern.MinCharge, budget.limitedTo(limit - iterations));
      iterations += augment(budget.limitedTo(limit - iterations));
      iterations += dive(relaxed, bound, budget.limitedTo(limit - iterations));
    } else {
      evaluate();
      if (!qualifies(bound)) iterations += resolveWithPattern(Pattern.Sign, budget.limitedTo(limit - iterations));
    }
  }
  let tie = TieBreak.Off;
  if (setting(Setting.TieBreak) > 0) {
    tie = TieBreak.Skipped;
    if (exit == IpmExit.Converged && iterations < limit) {
      // Stage 2 is one more solve of the same size: a budget of its own, so
      // that a face it cannot settle on costs bounded time, not the rest of the limit.
      const stage2 = budget.limitedTo(min(limit - iterations, max(Settings.tieBreakMinIterations, Settings.tieBreakIterationShare * iterations)));
      tie = floors ? tieBreakPatterned(stage2) : tieBreak(bound, stage2);
      iterations += tieIterations;
    }
  }
  setInfo(Info.TieBreak, <f64>tie);
  setInfo(Info.Iterations, <f64>iterations);
  // The penalised LP (overflow allowed) is a relaxation of the model's LP,
  // so its bound holds for the model too whenever the schedule ends without
  // overflow; with overflow, `optimalStatus` withdraws it.
  setInfo(Info.Bound, isFinite(bound) ? bound : NaN);
  arena.release(mark);
}

/** Re-run the interior point from a start with μ0 = 0.01; the better schedule stays. */
function keepBetterOf(budget: Budget): void {
  const saved = newCheckpoint();
  evaluate();
  save(saved);
  exit = ipm.run(budget, false, Settings.restartMu0);
  repair(ipm.x);
  evaluate();
  keepOrRestore(saved);
}

/** A schedule put aside (power and curtailment) with the cost and overflow evaluate() gave it. */
@unmanaged class Checkpoint {
  power: usize = 0;
  curtail: usize = 0;
  cost: f64 = 0;
  overflow: f64 = 0;
}

/** Room for one checkpoint, from the arena (no managed allocation). */
function newCheckpoint(): Checkpoint {
  const c = changetype<Checkpoint>(arena.alloc(offsetof<Checkpoint>()));
  c.power = arena.allocF64(lp.W + 1);
  c.curtail = arena.allocF64(lp.T + 1);
  return c;
}

/** Put the current schedule aside; evaluate() must have run on it. */
function save(c: Checkpoint): void {
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
function keepOrRestore(c: Checkpoint): bool {
  if (info(Info.MaxViolation) <= Settings.violationLimit && better(info(Info.Overflow), info(Info.TotalCost), c.overflow, c.cost)) return true;
  memory.copy(ptr(Field.Power), c.power, <usize>lp.W << 3);
  memory.copy(ptr(Field.Curtailment), c.curtail, <usize>lp.T << 3);
  return false;
}

/** Put the saved schedule back (and its info: evaluate() again). */
function restore(c: Checkpoint): void {
  memory.copy(ptr(Field.Power), c.power, <usize>lp.W << 3);
  memory.copy(ptr(Field.Curtailment), c.curtail, <usize>lp.T << 3);
  evaluate();
}

/** Iterations the last tie-break spent. */
let tieIterations = 0;

/**
 * Spec §10 on a converged relaxation: stage 2 over the optimal face of the
 * LP the last solve left (tiebreak.ts), kept only when the schedule still
 * qualifies against stage 1's bound, which stays the certificate.
 */
function tieBreak(bound: f64, budget: Budget): TieBreak {
  tieIterations = 0;
  evaluate();
  if (ipm.lastExit != IpmExit.Converged || !qualifies(bound)) return TieBreak.Skipped;
  const total = info(Info.TotalCost);
  const room = Settings.faceRoomShare * (Settings.qualifyShare * tolerance(total) - max(0, total - bound));
  const saved = newCheckpoint();
  save(saved);
  const stage2 = earliestOnFace(room, budget);
  if (stage2 < 0) return TieBreak.Skipped;
  tieIterations = ipm.iterations;
  repair(ipm.x);
  evaluate();
  if (qualifies(bound)) return TieBreak.Applied;
  restore(saved);
  return TieBreak.Rejected;
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
  tieIterations = resolveWithPattern(Pattern.MinCharge, budget);
  evaluate();
  if (ipm.lastExit != IpmExit.Converged || tieIterations >= iterations) return TieBreak.Skipped;
  if (!(info(Info.MaxViolation) <= Settings.violationLimit) || overrun()) return TieBreak.Skipped;
  const total = info(Info.TotalCost);
  const allowed = Settings.patternedTieShare * tolerance(total);
  const room = Settings.faceRoomShare * (allowed - max(0, total - ipm.bound));
  if (!(room > 0)) return TieBreak.Skipped;
  const saved = newCheckpoint();
  save(saved);
  const stage2 = earliestOnFace(room, budget.limitedTo(iterations - tieIterations));
  if (stage2 < 0) return TieBreak.Skipped;
  tieIterations += ipm.iterations;
  repairPattern(ipm.x);
  evaluate();
  if (info(Info.MaxViolation) <= Settings.violationLimit && !overrun() && info(Info.TotalCost) <= total + allowed) return TieBreak.Applied;
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
    if (qualifies(ipm.bound)) return;
    if (exit != IpmExit.Converged || ipm.iterations >= limit) return;
    save(saved);
    gapTol = max(gapTol * Settings.polishFactor, Settings.tightestGap);
    primalTol *= Settings.polishFactor;
    const polished = ipm.run(budget.tightened(gapTol, primalTol), true, Settings.mu0);
    repair(ipm.x);
    evaluate();
    keepOrRestore(saved);
    // The first solve converged: a limit or a stall here only ends the polishing.
    if (polished != IpmExit.Converged) return;
  }
}

/** Which on/off pattern `resolveWithPattern` fixes. */
const enum Pattern {
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
function resolveWithPattern(pattern: Pattern, budget: Budget): i32 {
  const power = ptr(Field.Power);
  const saved = newCheckpoint();
  evaluate();
  save(saved);
  const x = ipm.x;
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
  ipm.run(budget, false, Settings.mu0);
  if (pattern == Pattern.MinCharge) repairPattern(ipm.x);
  else repair(ipm.x);
  evaluate();
  keepOrRestore(saved);
  return ipm.iterations;
}

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
function dive(relaxed: usize, bound: f64, budget: Budget): i32 {
  const iterations = budget.iterations;
  const first = newCheckpoint();
  evaluate();
  save(first);
  const x = ipm.x;
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
      const exit = ipm.run(budget.limitedTo(iterations - used), false, Settings.mu0);
      used += ipm.iterations;
      if (exit != IpmExit.Converged || !(ipm.bound - bound <= Settings.diveSlack * max(1, Math.abs(bound)))) {
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
function augment(budget: Budget): i32 {
  const iterations = budget.iterations;
  const saved = newCheckpoint();
  let used = 0;
  let claim = true;
  for (let round = 0; round < Settings.augmentRounds && used < iterations; round++) {
    evaluate();
    if (!(info(Info.ShortfallCost) > 0)) break;
    save(saved);
    if (!augmentMinCharge(claim)) {
      if (!claim) break;
      claim = false;
      continue;
    }
    used += resolveWithPattern(Pattern.MinCharge, budget.limitedTo(iterations - used));
    evaluate();
    if (!keepOrRestore(saved)) {
      // Claims that did not pay: try the room that is free.
      if (!claim) break;
      claim = false;
    }
  }
  // Room held whole by other sessions' blocks: swap blocks, while it pays.
  for (let round = 0; round < Settings.swapRounds && used < iterations; round++) {
    evaluate();
    if (!(info(Info.ShortfallCost) > 0)) break;
    save(saved);
    if (!swapMinCharge()) break;
    used += resolveWithPattern(Pattern.MinCharge, budget.limitedTo(iterations - used));
    evaluate();
    if (!keepOrRestore(saved)) break;
  }
  return used;
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
  if (exit == IpmExit.IterationLimit) return SolveStatus.IterationLimit;
  if (exit == IpmExit.TimeLimit) return SolveStatus.TimeLimit;
  return SolveStatus.Feasible;
}
