// Spec §11 in the LP (lp.ts): the phase-current and unbalance rows m0..m−1,
// each with its own column oPh + j, and their products with A and A'.

import { Field, Setting } from "../layout";
import {
  setting, windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, phaseLimit, unbalanceLimit, sessionPhase, ampsPerKw, phaseShare,
  slots, circuits, sessions,
} from "../problem";
import * as arena from "../arena";
import { addSessionCurrent, sumSubtrees, clearCurrents, nodeCurrent } from "../phases";
import { Settings } from "./settings";
import { ld, st, ldi, sti, T, V, C, mP, m0, oPh, oC, oD, oU, lo, up, rhs, dBase, dischargeOf } from "./lp";

// ---- spec §11: phase and unbalance rows ------------------------------------
// A node's phase rows exist where its limit can bind: in slot t the most its
// subtree can draw or feed on a phase (base load − PV at the site) exceeds
// I_c,t; its unbalance rows where the one-phase sessions under it can
// exceed U_c. A row's column is the phase current P ∈ [−I, I] or the
// unbalance slack s ∈ [0, U + Σ k·max(maxC, maxD)]. Unknown-phase sessions
// add k(c + d) ≥ k|c − d| to both unbalance rows of every pair: exact for a
// signed schedule (c or d is zero), a restriction only of schedules that
// charge and discharge at once, whose netting is then still inside.

const KINDS: i32 = 9;

// ---- the working set ----------------------------------------------------
// Of the thousands of rows that can bind on a European site, a few dozen
// do (bench/RESULTS.md §10), and every row in the LP costs one structured
// solve per iteration (phaserows.ts). So `optimal` starts without them and
// adds the rows its schedule reaches (solve.ts): an LP with fewer rows is
// a relaxation, so its bound stays a proven bound of the whole problem,
// and a schedule within every row is feasible for it.

/** A row in the working set; a row that can never bind (its reach stays within the limit). */
const IN_SET: i32 = 1;
const NEVER: i32 = 2;

/** i32[(C+1)·T·9] or 0: per (node, slot, kind) 0 (left out), IN_SET or NEVER; 0 means every row that can bind is in the LP. */
let workingSet: usize = 0;

/** Start with an empty working set (from the arena: call inside the caller's mark). */
export function beginWorkingSet(): void {
  workingSet = arena.allocI32((circuits + 1) * slots * KINDS);
}

/** Back to every row that can bind. */
export function endWorkingSet(): void {
  workingSet = 0;
}

/**
 * Add to the working set every row left out that the LP's solution x
 * (charge − discharge, curtailment) brings within Settings.phaseRowMargin
 * of its limit or over it; return how many. Zero: the relaxation keeps
 * clear of every row left out. (The LP's x, not the repaired schedule: the
 * repair scales a node's powers down far below a row it overran.)
 */
export function addReachedRows(x: usize): i32 {
  const N = circuits + 1;
  const mark = arena.mark();
  const cur = arena.allocF64(N * 3);
  const unk = arena.allocF64(N);
  const margin = Settings.phaseRowMargin;
  let added = 0;
  for (let t = 0; t < slots; t++) {
    clearCurrents(cur, unk);
    for (let v = 0; v < sessions; v++) {
      const a = windowStart(v);
      if (t < a || t >= windowEnd(v)) continue;
      const i = t - a;
      addSessionCurrent(cur, unk, v, ld(x, oC + windowOffset(v) + i) - ld(dischargeOf(x, v), i));
    }
    sumSubtrees(cur, unk, t, ld(x, oU + t));
    for (let nd = 0; nd < N; nd++) {
      const lim = phaseLimit(nd, t);
      const U = unbalanceLimit(nd);
      for (let kind = 0; kind < KINDS; kind++) {
        const idx = (nd * slots + t) * KINDS + kind;
        if (ldi(workingSet, idx) != 0) continue;
        let value: f64;
        let limit: f64;
        if (kind < 3) {
          value = Math.abs(nodeCurrent(cur, nd, kind));
          limit = lim;
        } else {
          const q = (kind - 3) >> 1;
          const sign: f64 = ((kind - 3) & 1) == 0 ? 1 : -1;
          value = sign * (nodeCurrent(cur, nd, q) - nodeCurrent(cur, nd, (q + 1) % 3)) + ld(unk, nd);
          limit = U;
        }
        if (limit < Infinity && value >= limit - margin * max(limit, 1)) {
          sti(workingSet, idx, IN_SET);
          added++;
        }
      }
    }
  }
  arena.release(mark);
  // A working set that grows to a large share of the rows that can bind is
  // taken whole: rounds of that size cost more than one solve with them all.
  let inSet = 0;
  let left = 0;
  const entries = N * slots * KINDS;
  for (let i = 0; i < entries; i++) {
    const w = ldi(workingSet, i);
    if (w == IN_SET) inSet++;
    else if (w == 0) left++;
  }
  if (added > 0 && <f64>inSet >= Settings.phaseRowsWholeShare * <f64>(inSet + left)) {
    for (let i = 0; i < entries; i++) if (ldi(workingSet, i) == 0) { sti(workingSet, i, IN_SET); added++; }
  }
  return added;
}

/** i32[(C+1)·T·9]: phase row of (node, slot, kind) or −1; kinds 0-2 phase φ, 3 + 2q + s unbalance pair q, sign s. */
export let phaseRowOf: usize = 0;
/** f64[mP]: the coefficient of the site's curtailment in each phase row (−k/3 at the site, else 0). */
let phaseCurtail: usize = 0;

@inline function pathNode(c: i32): i32 { return c < 0 ? C : c; }
@inline function upNode(nd: i32): i32 {
  if (nd >= C) return -1;
  const p = circuitParent(nd);
  return p < 0 ? C : p;
}

/** Most (kW) session v moves on a phase in one direction: the larger of its charge and discharge. */
@inline function reach(v: i32): f64 {
  return max(sessionValue(Field.MaxCharge, v), sessionValue(Field.MaxDischarge, v));
}

/**
 * Decide which phase rows exist (writes phaseRowOf, allocated here) and
 * return how many. Per node and slot: the phase currents' reach and the
 * unbalance pairs' reach over the sessions available then.
 */
export function countPhaseRows(): i32 {
  const N = C + 1;
  phaseRowOf = arena.allocI32(N * T * KINDS);
  const mark = arena.mark();
  const hi = arena.allocF64(N * T * 3);  // Σ a k maxC (+ base at the site)
  const lo = arena.allocF64(N * T * 3);  // Σ a k maxD (feeding)
  const pair = arena.allocF64(N * T * 3); // Σ over one-phase sessions moving pair q: k·reach
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const b = windowEnd(v);
    const k = ampsPerKw(v);
    const mc = sessionValue(Field.MaxCharge, v) * k;
    const md = sessionValue(Field.MaxDischarge, v) * k;
    const ph = sessionPhase(v);
    for (let nd = pathNode(sessionCircuit(v)); nd >= 0; nd = upNode(nd)) {
      for (let t = a; t < b; t++) {
        const base = (nd * T + t) * 3;
        for (let phi = 0; phi < 3; phi++) {
          const sh = phaseShare(v, phi);
          st(hi, base + phi, ld(hi, base + phi) + sh * mc);
          st(lo, base + phi, ld(lo, base + phi) + sh * md);
          const psi = (phi + 1) % 3;
          if (ph == 3 || (ph >= 0 && (ph == phi || ph == psi))) st(pair, base + phi, ld(pair, base + phi) + reach(v) * k);
        }
      }
    }
  }
  const ks = setting(Setting.SiteAmpsPerKw) / 3;
  let count = 0;
  for (let nd = 0; nd < N; nd++) {
    const U = unbalanceLimit(nd);
    for (let t = 0; t < T; t++) {
      const lim = phaseLimit(nd, t);
      const base = (nd * T + t) * 3;
      let b0: f64 = 0;
      let b1: f64 = 0;
      if (nd == C) {
        const net0 = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t);
        b0 = net0 * ks;
        b1 = (net0 + slotValue(Field.Pv, t)) * ks;
      }
      for (let kind = 0; kind < KINDS; kind++) {
        let on = false;
        if (kind < 3) {
          on = lim < Infinity && (b1 + ld(hi, base + kind) > lim || b0 - ld(lo, base + kind) < -lim);
        } else {
          on = U < Infinity && nd < C && ld(pair, base + (kind - 3) / 2) > U;
        }
        const idx = (nd * T + t) * KINDS + kind;
        if (workingSet != 0) {
          if (!on) sti(workingSet, idx, NEVER);
          else if (ldi(workingSet, idx) != IN_SET) on = false;
        }
        sti(phaseRowOf, idx, on ? count++ : -1);
      }
    }
  }
  arena.release(mark);
  return count;
}

/** Boxes, right-hand sides and curtailment coefficients of the phase rows. */
export function buildPhaseRows(): void {
  const N = C + 1;
  phaseCurtail = arena.allocF64(mP);
  const ks = setting(Setting.SiteAmpsPerKw) / 3;
  // Σ k·reach of the one-phase sessions under each node: the slack's box.
  const mark = arena.mark();
  const span = arena.allocF64(N * T);
  for (let v = 0; v < V; v++) {
    if (sessionPhase(v) < 0) continue;
    const r = reach(v) * ampsPerKw(v);
    for (let nd = pathNode(sessionCircuit(v)); nd >= 0; nd = upNode(nd)) {
      for (let t = windowStart(v); t < windowEnd(v); t++) st(span, nd * T + t, ld(span, nd * T + t) + r);
    }
  }
  for (let nd = 0; nd < N; nd++) {
    for (let t = 0; t < T; t++) {
      for (let kind = 0; kind < KINDS; kind++) {
        const j = ldi(phaseRowOf, (nd * T + t) * KINDS + kind);
        if (j < 0) continue;
        if (kind < 3) {
          const lim = phaseLimit(nd, t);
          st(lo, oPh + j, -lim);
          st(up, oPh + j, lim);
          if (nd == C) {
            st(rhs, m0 + j, (slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t)) * ks);
            st(phaseCurtail, j, -ks);
          }
        } else {
          const U = unbalanceLimit(nd);
          st(lo, oPh + j, 0);
          st(up, oPh + j, U + ld(span, nd * T + t));
          st(rhs, m0 + j, U);
        }
      }
    }
  }
  arena.release(mark);
}

/** Coefficients of session v's charge (gc) and discharge (gd) in row kind of a node: written to pc, pd. */
let pc: f64 = 0;
let pd: f64 = 0;
@inline function coefficients(v: i32, kind: i32, k: f64, ph: i32): void {
  if (kind < 3) {
    const a = phaseShare(v, kind) * k;
    pc = -a;
    pd = a;
    return;
  }
  const q = (kind - 3) >> 1;
  const sign: f64 = ((kind - 3) & 1) == 0 ? 1 : -1;
  const delta = sign * (phaseShare(v, q) - phaseShare(v, (q + 1) % 3)) * k;
  const omega = ph == 3 ? k : 0;
  pc = delta + omega;
  pd = -delta + omega;
}

export function multiplyPhaseRows(xv: usize, out: usize): void {
  for (let j = 0; j < mP; j++) st(out, m0 + j, ld(xv, oPh + j));
  // The site's curtailment.
  for (let t = 0; t < T; t++) {
    for (let kind = 0; kind < 3; kind++) {
      const j = ldi(phaseRowOf, (C * T + t) * KINDS + kind);
      if (j >= 0) st(out, m0 + j, ld(out, m0 + j) + ld(phaseCurtail, j) * ld(xv, oU + t));
    }
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const k = ampsPerKw(v);
    const ph = sessionPhase(v);
    const xd = dischargeOf(xv, v);
    for (let nd = pathNode(sessionCircuit(v)); nd >= 0; nd = upNode(nd)) {
      for (let i = 0; i < w; i++) {
        const base = (nd * T + a + i) * KINDS;
        const cj = ld(xv, oC + off + i);
        const dj = ld(xd, i);
        for (let kind = 0; kind < KINDS; kind++) {
          const j = ldi(phaseRowOf, base + kind);
          if (j < 0) continue;
          coefficients(v, kind, k, ph);
          st(out, m0 + j, ld(out, m0 + j) + pc * cj + pd * dj);
        }
      }
    }
  }
}

export function multiplyPhaseRowsT(yv: usize, out: usize): void {
  for (let j = 0; j < mP; j++) st(out, oPh + j, ld(yv, m0 + j));
  for (let t = 0; t < T; t++) {
    for (let kind = 0; kind < 3; kind++) {
      const j = ldi(phaseRowOf, (C * T + t) * KINDS + kind);
      if (j >= 0) st(out, oU + t, ld(out, oU + t) + ld(phaseCurtail, j) * ld(yv, m0 + j));
    }
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const k = ampsPerKw(v);
    const ph = sessionPhase(v);
    const db = ldi(dBase, v);
    for (let nd = pathNode(sessionCircuit(v)); nd >= 0; nd = upNode(nd)) {
      for (let i = 0; i < w; i++) {
        const base = (nd * T + a + i) * KINDS;
        let sc: f64 = 0;
        let sd: f64 = 0;
        for (let kind = 0; kind < KINDS; kind++) {
          const j = ldi(phaseRowOf, base + kind);
          if (j < 0) continue;
          coefficients(v, kind, k, ph);
          const yj = ld(yv, m0 + j);
          sc += pc * yj;
          sd += pd * yj;
        }
        if (sc != 0) st(out, oC + off + i, ld(out, oC + off + i) + sc);
        if (db >= 0 && sd != 0) st(out, oD + db + i, ld(out, oD + db + i) + sd);
      }
    }
  }
}
