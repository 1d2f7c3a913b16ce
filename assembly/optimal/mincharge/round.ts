// minChargeKw rounding: from a schedule whose powers may sit below their
// sessions' floors to one where each is zero or at least the floor (spec
// §5 rule 1 with IEC 61851's 6 A), buying the lost energy back in blocks.
// The stages are `Rounding` values (stage.ts); the LP re-solves between
// them are driven by mincharge/search.ts, the block swaps are in swap.ts.

import { Field, Info, Setting } from "../../layout";
import {
  ptr, setting, info, windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit,
} from "../../problem";
import { stepEnergy, evaluate } from "../../evaluate";
import * as arena from "../../arena";
import { Settings } from "../settings";
import { ld, st, ldi, sti, T, V, C, dt, importLimit } from "../lp";
import {
  Floors, scratch, allocScratch, phaseScratch, settle, nodeOfSession, parentNode,
  shellSort, netImport, better, windowOffsetEnd, maxWindowSlots, trajectory,
} from "../repair";
import { Rounding } from "./stage";

export { Rounding } from "./stage";

/**
 * Stage one of the minChargeKw rounding, on the repaired relaxation in
 * Field.Power (inside the caller's arena mark): each session's energy is
 * the target; two roundings from the same relaxed schedule (sub-floor
 * powers dropped; pooled into blocks), the better by spec §5's order stays.
 */
export function roundRelaxed(): void {
  const target = arena.allocF64(V);
  const traj = arena.allocF64(maxWindowSlots() + 1);
  for (let v = 0; v < V; v++) {
    const w = windowEnd(v) - windowStart(v);
    trajectory(v, traj);
    st(target, v, w > 0 ? ld(traj, w - 1) : 0);
  }
  let relaxedPeak: f64 = -Infinity;
  for (let t = 0; t < T; t++) relaxedPeak = max(relaxedPeak, netImport(t));
  // Two roundings from the same relaxed schedule (sub-floor powers
  // dropped; pooled into blocks); the better by spec §5's order stays.
  // (Rebuilding every floored session from zero, dearest first, was tried
  // and lost badly: greedy blocks crowd the cheap slots of a binding
  // circuit, where the relaxation spreads them.)
  const W = windowOffsetEnd();
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);
  const relaxedPower = arena.allocF64(W + 1);
  const relaxedCurtail = arena.allocF64(T);
  const bestPower = arena.allocF64(W + 1);
  const bestCurtail = arena.allocF64(T);
  memory.copy(relaxedPower, power, <usize>W << 3);
  memory.copy(relaxedCurtail, curtail, <usize>T << 3);
  let bestOver: f64 = Infinity;
  let bestCost: f64 = Infinity;
  for (let stage = Rounding.Drop; stage <= Rounding.Pool; stage++) {
    memory.copy(power, relaxedPower, <usize>W << 3);
    memory.copy(curtail, relaxedCurtail, <usize>T << 3);
    roundMinCharge(target, relaxedPeak, stage);
    evaluate();
    const over = info(Info.Overflow);
    const cost = info(Info.MaxViolation) <= Settings.violationLimit ? info(Info.TotalCost) : Infinity;
    if (stage == Rounding.Drop || better(over, cost, bestOver, bestCost)) {
      bestOver = over;
      bestCost = cost;
      memory.copy(bestPower, power, <usize>W << 3);
      memory.copy(bestCurtail, curtail, <usize>T << 3);
    }
  }
  memory.copy(power, bestPower, <usize>W << 3);
  memory.copy(curtail, bestCurtail, <usize>T << 3);
}

/**
 * Per slot and circuit, pool the powers the relaxation set below their
 * sessions' floors and hand the pool out again in whole blocks, dearest
 * shortfall (then largest fractional power) first; what is left under a
 * block goes to the first block. The circuit's sum never grows, so the
 * room the relaxation used stays used by someone who can use it.
 */
function consolidate(): void {
  const power = ptr(Field.Power);
  const mark = arena.mark();
  const count = arena.allocI32(T + 1);
  for (let v = 0; v < V; v++) {
    const minC = sessionValue(Field.MinCharge, v);
    if (minC <= 0) continue;
    const a = windowStart(v);
    const off = windowOffset(v);
    for (let i = 0; i < windowEnd(v) - a; i++) {
      const p = ld(power, off + i);
      if (p > 0 && p < minC - Settings.minSlack) sti(count, a + i + 1, ldi(count, a + i + 1) + 1);
    }
  }
  for (let t = 1; t <= T; t++) sti(count, t, ldi(count, t) + ldi(count, t - 1));
  const total = ldi(count, T);
  if (total == 0) { arena.release(mark); return; }
  const entry = arena.allocI32(total);   // window-slot index
  const owner = arena.allocI32(total);   // session
  const fill = arena.allocI32(T);
  for (let v = 0; v < V; v++) {
    const minC = sessionValue(Field.MinCharge, v);
    if (minC <= 0) continue;
    const a = windowStart(v);
    const off = windowOffset(v);
    for (let i = 0; i < windowEnd(v) - a; i++) {
      const p = ld(power, off + i);
      if (!(p > 0 && p < minC - Settings.minSlack)) continue;
      const k = ldi(count, a + i) + ldi(fill, a + i);
      sti(fill, a + i, ldi(fill, a + i) + 1);
      sti(entry, k, off + i);
      sti(owner, k, v);
    }
  }
  const idx = arena.allocI32(total);
  const key = arena.allocF64(total);
  for (let t = 0; t < T; t++) {
    const k0 = ldi(count, t);
    const n = ldi(count, t + 1) - k0;
    if (n == 0) continue;
    // Group by circuit, dearest shortfall first, then largest power.
    for (let e = 0; e < n; e++) {
      const v = ldi(owner, k0 + e);
      sti(idx, e, k0 + e);
      const group = <f64>nodeOfSession(v);
      const pen = sessionValue(Field.ShortfallPenalty, v);
      const p = ld(power, ldi(entry, k0 + e));
      st(key, k0 + e, group * 1e12 - min(pen, 1e6) * 1e4 - p);
    }
    shellSort(idx, key, n);
    let e = 0;
    while (e < n) {
      const group = nodeOfSession(ldi(owner, ldi(idx, e)));
      let end = e;
      let pool: f64 = 0;
      while (end < n && nodeOfSession(ldi(owner, ldi(idx, end))) == group) {
        const j = ldi(entry, ldi(idx, end));
        pool += ld(power, j);
        st(power, j, 0);
        end++;
      }
      let first = -1;
      for (let r = e; r < end; r++) {
        const k = ldi(idx, r);
        const v = ldi(owner, k);
        const minC = sessionValue(Field.MinCharge, v);
        if (pool < minC) continue;
        st(power, ldi(entry, k), minC);
        pool -= minC;
        if (first < 0) first = k;
      }
      if (first >= 0 && pool > 0) {
        const j = ldi(entry, first);
        const maxC = sessionValue(Field.MaxCharge, ldi(owner, first));
        st(power, j, min(maxC, ld(power, j) + pool));
      }
      e = end;
    }
  }
  arena.release(mark);
}

/**
 * minChargeKw rounding. The relaxation may charge a session below its
 * floor; such powers are rounded down to zero (always feasible), and the
 * energy lost is bought back greedily, cheapest import price first, in
 * blocks of at least minChargeKw where the site, every circuit on the
 * session's path and the battery capacity leave room. The result is
 * feasible; its gap to the relaxation bound is reported, not hidden.
 */
function roundMinCharge(target: usize, relaxedPeak: f64, stage: Rounding): void {
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);
  if (stage == Rounding.Pool) consolidate();
  const claiming = stage == Rounding.Claim;
  const augmenting = stage == Rounding.Claim || stage == Rounding.Augment;

  settle(Floors.Keep);
  // Net power under each node (subtree sums) and the site's net import.
  const N = (C + 1) * T;
  const sub = scratch.pos;
  memory.fill(sub, 0, <usize>N << 3);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    const k = nodeOfSession(v) * T + a;
    for (let i = 0; i < w; i++) st(sub, k + i, ld(sub, k + i) + ld(power, off + i));
  }
  for (let c = C - 1; c >= 0; c--) {
    const pn = parentNode(c) * T;
    for (let t = 0; t < T; t++) st(sub, pn + t, ld(sub, pn + t) + ld(sub, c * T + t));
  }
  // When claiming, the room a node's sessions hold above their floors (and
  // what unfloored sessions charge) counts as free: the pattern re-solve
  // that follows takes it back from them.
  // Only the dearest short sessions claim (a cheap session must not take a
  // dear one's room first), from every session, equals too: the re-solve can
  // move a claimed session's energy to slots the claimer cannot reach, and
  // keeps the result only when it pays.
  const claim = scratch.netc;
  let topPenalty: f64 = -Infinity;
  if (claiming) {
    // The dearest level among the sessions still short.
    for (let v = 0; v < V; v++) {
      const a = windowStart(v);
      const off = windowOffset(v);
      let e = sessionValue(Field.InitialEnergy, v);
      const etaC = sessionValue(Field.ChargeEfficiency, v);
      const etaD = sessionValue(Field.DischargeEfficiency, v);
      for (let i = 0; i < windowEnd(v) - a; i++) e = stepEnergy(e, ld(power, off + i), dt, etaC, etaD);
      if (ld(target, v) - e > Settings.needDust) topPenalty = max(topPenalty, sessionValue(Field.ShortfallPenalty, v));
    }
    memory.fill(claim, 0, <usize>N << 3);
    for (let v = 0; v < V; v++) {
      const a = windowStart(v);
      const off = windowOffset(v);
      const minC = sessionValue(Field.MinCharge, v);
      const k = nodeOfSession(v) * T + a;
      for (let i = 0; i < windowEnd(v) - a; i++) {
        const p = ld(power, off + i);
        if (p > 0) st(claim, k + i, ld(claim, k + i) + (minC > 0 ? max(0, p - minC) : p));
      }
    }
    for (let c = C - 1; c >= 0; c--) {
      const pn = parentNode(c) * T;
      for (let t = 0; t < T; t++) st(claim, pn + t, ld(claim, pn + t) + ld(claim, c * T + t));
    }
  }
  const tried = scratch.neg; // reuse: 1 when a slot was tried for the current session
  const traj = scratch.scaleP; // reuse: the session's energy after each window slot
  const suffix = scratch.scaleN; // reuse: highest energy from each window slot on
  const demand = setting(Setting.DemandCharge);
  const threshold = setting(Setting.PeakThreshold);
  // The continuous schedule's peak is already paid for: fill up to it freely.
  let peak: f64 = relaxedPeak;
  for (let t = 0; t < T; t++) {
    peak = max(peak, slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(curtail, t) + ld(sub, C * T + t));
  }
  // Dearest shortfall first (a block bought for a soft session may take the
  // room a 1000/kWh one needs), then shortest windows (fewest slots to choose).
  const order = arena.allocI32(V);
  const key = arena.allocF64(V);
  for (let v = 0; v < V; v++) {
    sti(order, v, v);
    st(key, v, -sessionValue(Field.ShortfallPenalty, v) * <f64>(T + 1) + <f64>(windowEnd(v) - windowStart(v)));
  }
  shellSort(order, key, V);
  for (let rank = 0; rank < V; rank++) {
    const v = ldi(order, rank);
    const minC = sessionValue(Field.MinCharge, v);
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (minC <= 0 || w <= 0) continue;
    const off = windowOffset(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const maxC = sessionValue(Field.MaxCharge, v);
    const cap = sessionValue(Field.Capacity, v);
    const etaD = sessionValue(Field.DischargeEfficiency, v);
    const e0 = sessionValue(Field.InitialEnergy, v);
    const claims = claiming && sessionValue(Field.ShortfallPenalty, v) >= topPenalty;
    let e = e0;
    for (let i = 0; i < w; i++) { e = stepEnergy(e, ld(power, off + i), dt, etaC, etaD); st(traj, i, e); }
    let need = ld(target, v) - e;
    if (need <= Settings.needDust) continue;
    // Phase 0 stops each slot at the paid peak level; phase 1, if energy is
    // still missing, goes past it (the cost then counts the new peak).
    for (let phase = 0; phase < 2 && need > Settings.needDust; phase++) {
    for (let i = 0; i < w; i++) st(tried, i, 0);
    for (let round = 0; round < w && need > Settings.needDust; round++) {
      // Highest energy from each slot on: charging there raises all of it.
      let high: f64 = -Infinity;
      for (let i = w - 1; i >= 0; i--) { high = max(high, ld(traj, i)); st(suffix, i, high); }
      // The slot where one more kWh costs least: energy price plus any rise
      // of the peak above the level already paid for.
      let best = -1;
      let bestAdd: f64 = 0;
      let bestScore: f64 = Infinity;
      for (let i = 0; i < w; i++) {
        if (ld(tried, i) != 0) continue;
        const p = ld(power, off + i);
        if (p < 0) continue;
        const t = a + i;
        // Claimed power leaves the site's import too once re-solved.
        const net = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(curtail, t) + ld(sub, C * T + t) - (claims ? ld(claim, C * T + t) : 0);
        let room = min(maxC - p, importLimit(t) - net);
        let c = sessionCircuit(v);
        while (c >= 0) {
          room = min(room, circuitLimit(c, t) - ld(sub, c * T + t) + (claims ? ld(claim, c * T + t) : 0));
          c = circuitParent(c);
        }
        room = min(room, (cap - ld(suffix, i)) / (dt * etaC)) * Settings.inside;
        let add = min(room, need / (dt * etaC));
        // Stop at the paid peak level where the block allows: other slots take the rest.
        const level = max(peak, threshold);
        if (phase == 0) add = min(add, max(level - net, minC - p));
        if (p + add < minC) {
          if (p + room < minC) continue;
          add = minC - p;
        }
        if (add <= 0) continue;
        const cost = dt * slotValue(Field.ImportPrice, t) * add + demand * max(0, net + add - max(peak, threshold));
        const score = cost / add;
        // Claiming buys toward the required energy: only where that pays.
        if (augmenting && !(score < sessionValue(Field.ShortfallPenalty, v) * dt * etaC)) continue;
        if (score < bestScore) { bestScore = score; best = i; bestAdd = add; }
      }
      if (best < 0) break;
      st(tried, best, 1);
      const t = a + best;
      const add = bestAdd;
      st(power, off + best, ld(power, off + best) + add);
      need -= dt * etaC * add;
      e = best > 0 ? ld(traj, best - 1) : e0;
      for (let i = best; i < w; i++) { e = stepEnergy(e, ld(power, off + i), dt, etaC, etaD); st(traj, i, e); }
      let node = nodeOfSession(v);
      while (true) {
        st(sub, node * T + t, ld(sub, node * T + t) + add);
        if (node == C) break;
        node = parentNode(node);
      }
      peak = max(peak, slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(curtail, t) + ld(sub, C * T + t) - (claims ? ld(claim, C * T + t) : 0));
    }
    }
  }
  // Claimed room overfills nodes: the pattern re-solve settles that.
  if (!augmenting) settle(Floors.Keep);
}

/**
 * After a pattern re-solve: switch on blocks for sessions still short of
 * their required energy, where the shortfall penalty pays for the energy,
 * counting room other sessions hold above their floors as free. The result
 * may break limits; it is only a pattern for `resolveWithPattern`, whose
 * schedule the caller compares with the one before. Returns whether a
 * block was added.
 */
export function augmentMinCharge(stage: Rounding): bool {
  const mark = arena.mark();
  const W = windowOffsetEnd();
  allocScratch();
  phaseScratch();
  const power = ptr(Field.Power);
  let before: f64 = 0;
  for (let j = 0; j < W; j++) before += Math.abs(ld(power, j));
  const target = arena.allocF64(V);
  for (let v = 0; v < V; v++) st(target, v, sessionValue(Field.RequiredEnergy, v));
  let peak: f64 = -Infinity;
  for (let t = 0; t < T; t++) peak = max(peak, netImport(t));
  roundMinCharge(target, peak, stage);
  let after: f64 = 0;
  for (let j = 0; j < W; j++) after += Math.abs(ld(power, j));
  arena.release(mark);
  return after != before;
}
