// Spec §10 (as early as it costs nothing) as a second, lexicographic stage:
// among the schedules the first stage proved optimal to the §7 tolerance,
// the one that delivers each session's energy as early as possible.
//
// Why a second stage and not a small "charge early" term in the first: the
// term must cost less than the tolerance over the whole horizon, so between
// two neighbouring slots it weighs ~tolerance/T, far below what an
// interior point stopping at a 1e-6 gap can resolve; the schedule would
// depend on how far the iterate happened to converge.
//
// The face. Stage 1 ends with a dual iterate y. With r = c − A'y, every x
// with Ax = b costs c'x = b'y + r'x, and the loop's bound is
// b'y + Σ_j min(r_j lo_j, r_j up_j). Hold every column at the end of its
// box that attains the min, except a set F of free columns; then whatever
// stage 2 does inside F,
//   c'x − bound ≤ Σ_{j∈F} |r_j|·(up_j − lo_j)      (for Ax = b).
// Columns are fixed largest |r_j|·(up_j − lo_j) first until what stays free
// fits in the room the caller grants; only columns the first stage left at
// that end (within Settings.fixDistance of their box) can be fixed, since fixing any
// other would cut the first stage's own schedule out. A column the first
// stage left off that end, where its box must be held, keeps the part
// between the end and stage 1's point: it counts |r_j|·|x_j − end| against
// the room, not its whole box (a short stage 1, a dozen iterations on an
// easy site, leaves a few surpluses at 1e-3 kWh; counted whole, their boxes
// alone used to exceed the room and skip the stage). The primal residual
// and the repair can still move the cost, so the caller evaluates stage 2's
// schedule and keeps it only if it meets the tolerance: the certificate
// stays stage 1's bound.
//
// The objective. §10 asks for the site's energy by each slot to be as large
// as it can be: maximise Σ_t E_t, E_t the energy delivered up to slot t,
// which weighs a kWh delivered in slot t by T − t whichever car takes it.
// In the LP's terms, with e_{v,i} the energy in car v's battery after slot i
// of its window: Σ_v (Σ_i e_{v,i} + (T − end_v)·e_{v,last}), the last term
// for the slots after v leaves. (Σ_i e_{v,i} alone, which this stage used
// before, weighs a kWh by end_v − t: it gave scarce energy to the car that
// stays longest, the opposite of what a car leaving early needs. Measured on
// Caltech weeks outside the strategy grid: 72.5 % → 80.4 % of the energy
// delivered on 2019-03-18 at 20 kW.) Charge as early as possible,
// discharge as late.
//
// Ties among cars. Where a limit makes cars compete for a slot, moving
// energy between them leaves Σ_t E_t unchanged; among those schedules the
// car that leaves first gets it (an EDF order): each car's weights are
// scaled by 1 + Settings.tieUrgency·(T − end_v)/T², less than 1 + 1/T, so that no
// schedule delivers later to serve a car earlier ((T−t−1)(1 + 1/T) ≤ T − t):
// earliness comes first, urgency only orders its ties. Measured on the same
// weeks: 80.4 % → 81.6 % (2019-03-18, 20 kW), and optimal+forecast 92.5 % →
// 97.1 % at 30 kW. (An EDF order by weights 1 to 1.5 on top of the old
// objective measured worse on the rolling-horizon issue's week: 65.9 %
// against 67.1 %; that mixed urgency with the bias above.)

import * as arena from "../arena";
import { Settings } from "./settings";
import * as lp from "./lp";
import * as ipm from "./ipm";
import { Start } from "./ipm";
import * as newton from "./newton";
import { Budget } from "./budget";
import { ld, st, ldi, sti } from "./lp";
import { Field } from "../layout";
import { isStorage, windowOffset, windowStart, windowEnd, sessionValue, slotValue } from "../problem";

/** Buckets of |r_j|·(up_j − lo_j) by powers of two, from 2^BUCKET_MIN up. */
const BUCKETS = 160;
const BUCKET_MIN = -120;

/** The class of a column `restrictToFace` always leaves whole (any other is a bucket index ≥ 0). */
const FREE: i32 = -1;

/**
 * Stage 2 over the face of the LP whose iterate ipm.solution.x, ipm.solution.y the last
 * ipm.run left (same lp.lo/up), within `room` (model cost units) of its
 * bound. Leaves stage 2's iterate in ipm.solution.x and the LP as it found it.
 * Returns how the interior point ended, or −1 when the face does not fit
 * in the room (nothing was solved).
 */
export function earliestOnFace(room: f64, budget: Budget): i32 {
  const mark = arena.mark();
  const N = lp.nPad;
  const lo0 = arena.allocF64(N);
  const up0 = arena.allocF64(N);
  const cost0 = arena.allocF64(N);
  memory.copy(lo0, lp.lo, <usize>N << 3);
  memory.copy(up0, lp.up, <usize>N << 3);
  memory.copy(cost0, lp.cost, <usize>N << 3);
  const scale = lp.costScale;
  const offset = lp.objOffset;
  let result = -1;
  if (restrictToFace(room / scale)) {
    setEarliestObjective();
    lp.setObjectiveScale(1, 0);
    newton.setPeakSlackFloor(Settings.facePeakSlackFloor);
    // From stage 1's point, which holds the rows and lies in the face (ipm.ts pointStart).
    result = <i32>ipm.run(budget, Start.FromPoint, Settings.mu0);
    newton.setPeakSlackFloor(0);
    lp.setObjectiveScale(scale, offset);
  }
  memory.copy(lp.lo, lo0, <usize>N << 3);
  memory.copy(lp.up, up0, <usize>N << 3);
  memory.copy(lp.cost, cost0, <usize>N << 3);
  arena.release(mark);
  return result;
}

@inline function bucketOf(a: f64): i32 {
  const k = <i32>Math.floor(Math.log2(a)) - BUCKET_MIN;
  return k < 0 ? 0 : k >= BUCKETS ? BUCKETS - 1 : k;
}

/** Fix lp.lo/up to the face (see the top of the file); false when it does not fit in `room` (scaled units). */
function restrictToFace(room: f64): bool {
  const n = lp.n;
  const x = ipm.solution.x;
  tightenSiteBoxes(x);
  const r = arena.allocF64(lp.nPad);
  lp.multiplyAT(ipm.solution.y, r);
  for (let j = 0; j < n; j++) st(r, j, ld(lp.cost, j) - ld(r, j));
  // Each column's bucket by a = |r_j|·(up_j − lo_j), what leaving it free can
  // cost; FREE when that is nothing (fixed already, or r_j = 0). A column
  // at its end costs nothing held there; one stage 1 left off it (`away`)
  // costs |r_j|·|x_j − end| even held, cut at x_j, and only the rest of a
  // more when left whole: that part goes to its bucket.
  const cls = arena.allocI32(lp.nPad);
  const away = arena.allocI32(lp.nPad);
  const sums = arena.allocF64(BUCKETS);
  let used: f64 = 0;
  for (let j = 0; j < n; j++) {
    sti(cls, j, FREE);
    const l = ld(lp.lo, j);
    const u = ld(lp.up, j);
    const range = u - l;
    const rj = ld(r, j);
    const a = Math.abs(rj) * range;
    if (!(range > Settings.fixedWidth) || !(a > 0)) continue;
    const k = bucketOf(a);
    sti(cls, j, k);
    const held = Math.abs(rj * (ld(x, j) - (rj > 0 ? l : u)));
    if (held <= Settings.fixDistance * a) {
      st(sums, k, ld(sums, k) + a);
    } else {
      sti(away, j, 1);
      used += held;
      st(sums, k, ld(sums, k) + a - held);
    }
  }
  if (!(used <= room)) return false;
  // Leave the smallest buckets whole while they fit; hold or cut the rest.
  let firstHeld = 0;
  while (firstHeld < BUCKETS && used + ld(sums, firstHeld) <= room) {
    used += ld(sums, firstHeld);
    firstHeld++;
  }
  for (let j = 0; j < n; j++) {
    if (ldi(cls, j) < firstHeld) continue;
    const atLower = ld(r, j) > 0;
    if (ldi(away, j)) {
      // Cut at x_j: what stays lies between the end and stage 1's point.
      if (atLower) st(lp.up, j, ld(x, j));
      else st(lp.lo, j, ld(x, j));
    } else {
      const end = atLower ? ld(lp.lo, j) : ld(lp.up, j);
      st(lp.lo, j, end);
      st(lp.up, j, end);
    }
  }
  for (let v = 0; v < lp.V; v++) {
    const s = lp.oSig + v;
    if (ld(lp.up, s) > ld(lp.lo, s) && ld(x, s) - ld(lp.lo, s) <= Settings.surplusDust) st(lp.up, s, ld(lp.lo, s));
  }
  return true;
}

/**
 * Import and export boxes cut to what the site can draw or feed in each slot
 * (B + Σ maxC: every PV kW curtailed and every car at full power; S − B +
 * Σ maxD) where the limit is far above that (cutBox). Such a limit (a
 * 1 GW "no limit" for 20 cars) gives the import columns boxes on which the
 * last digits of a zero reduced cost, times the width, look like real cost
 * against the room, and used to skip the stage on easy sites. Stage 2
 * only: the LP that certifies the bound keeps the site's limits.
 */
function tightenSiteBoxes(x: usize): void {
  const T = lp.T;
  const draw = arena.allocF64(T);
  const feed = arena.allocF64(T);
  for (let v = 0; v < lp.V; v++) {
    const maxC = sessionValue(Field.MaxCharge, v);
    const maxD = sessionValue(Field.MaxDischarge, v);
    for (let t = windowStart(v); t < windowEnd(v); t++) {
      st(draw, t, ld(draw, t) + maxC);
      st(feed, t, ld(feed, t) + maxD);
    }
  }
  for (let t = 0; t < T; t++) {
    const B = slotValue(Field.BaseLoad, t);
    const S = slotValue(Field.Pv, t);
    cutBox(lp.oG + t, B + ld(draw, t), x);
    cutBox(lp.oX + t, S - B + ld(feed, t), x);
  }
}

/**
 * Column j's upper end cut to `most` when its box is more than ten times
 * that (Settings.siteBoxCut): only limits that stand for "none" are cut, an
 * ordinary site's face is left as it is (cutting the import of every slot
 * with few cars cost the floored example its tie-break). Never below where
 * stage 1 left it; where the site can put nothing there (`most` ≤ 0) the
 * column is held at zero instead of being left a box a few ulps wide, on
 * which the interior point stalls (stage 1 leaves such columns at 1e-10).
 */
function cutBox(j: i32, most: f64, x: usize): void {
  if (!(most < Settings.siteBoxCut * (ld(lp.up, j) - ld(lp.lo, j)))) return;
  st(lp.up, j, most > Settings.fixedWidth ? max(ld(x, j), most) : ld(lp.lo, j));
}

/**
 * Stage 2's costs (minimised): −u_v on every EV energy column of car v and
 * −u_v·(1 + T − end_v) on its last one, with u_v = 1 + tieUrgency·(T − end_v)/T²
 * (see the top of the file); zero elsewhere. A site battery (spec §12) has
 * no "earlier" to reach: weighed like a car it would be filled early at the
 * cars' expense wherever a limit makes them compete, so its energy is free
 * in stage 2 (still inside the face, so the cost stays within the room and
 * the certificate is stage 1's).
 */
function setEarliestObjective(): void {
  memory.fill(lp.cost, 0, <usize>lp.nPad << 3);
  const T = <f64>lp.T;
  for (let v = 0; v < lp.V; v++) {
    if (isStorage(v)) continue;
    const off = windowOffset(v);
    const end = windowEnd(v);
    const w = end - windowStart(v);
    if (w <= 0) continue;
    const after = T - <f64>end;
    const u = 1 + (Settings.tieUrgency * after) / (T * T);
    for (let i = 0; i < w; i++) st(lp.cost, lp.oE + off + i, -u);
    st(lp.cost, lp.oE + off + w - 1, -u * (1 + after));
    // Energy past the target is not "earlier": a kWh of surplus costs more
    // than any slot's earliness could earn it (at most u·(T + 1)), so the
    // surplus goes as low as the face allows (stage 1 can leave a few Wh).
    if (ldi(lp.hasShort, v)) st(lp.cost, lp.oSig + v, u * (T + 2));
  }
}
