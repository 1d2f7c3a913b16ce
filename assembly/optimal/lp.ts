// The linear relaxation of spec §5-7 in box-constrained standard form,
//   min c'x  s.t.  A x = b,  lo ≤ x ≤ up   (every box finite),
// with A never stored: `multiplyA` and `multiplyAT` walk its structure.
//
// Columns (offsets into the flat variable vector, W = Σ window lengths):
//   charge c, energy e ..................... per window slot (W each; a
//                                            site battery's window is the
//                                            horizon, its last e boxed below
//                                            by its final energy, spec §12)
//   discharge d ............................ per window slot of sessions
//                                            that can discharge (WD)
//   shortfall s, surplus σ ................. per session (V each)
//   import g, overflow o, export x, curtailment u, peak slack q ... per slot
//   peak z ................................. one
//   circuit flow F ......................... per circuit and slot (C·T)
//   phase current P / unbalance slack ...... one per phase row (mP, spec §11)
// Rows:
//   energy   e_i − e_{i−1} − Δη_c c_i + (Δ/η_d) d_i = (i = 0 ? e0 : 0)
//   shortfall e_last + s − σ = R           (only when R > floor)
//   site     g + o − x − u − Σ_direct (c − d) − Σ_top F = B − S
//   peak     g + o − z + q = 0              (only with a demand charge)
//   circuit  F_k − Σ_direct (c − d) − Σ_children F = 0
//   phase    P − Σ_subtree a_vφ k_v (c − d) [− (k/3) u at the site] = [(k/3)(B − S)]
//   unbal ±  ±Σ_subtree δ_v (c − d) + Σ_unknown k_v (c + d) + s = U
//            (rows after m0, spec §11; see lpphases.ts)
// Sessions hang on a node (a kept circuit or the site, node C); a circuit
// whose limit can never bind is dropped and its sessions and children move
// to its nearest kept ancestor. Overflow o_t ≥ 0 lets the import exceed I_t
// in slots where even zero charging cannot meet it, at a penalty high enough
// that the LP minimises overflow first (see `overflowPenalty`).

import { Field, Setting } from "../layout";
import {
  slots, sessions, circuits, windowSlots, setting,
  windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit, finalEnergy,
} from "../problem";
import * as arena from "../arena";
import { Settings } from "./settings";
import { countPhaseRows, buildPhaseRows, multiplyPhaseRows, multiplyPhaseRowsT } from "./lpphases";

@inline export function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline export function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
@inline export function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline export function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

export let T: i32 = 0;
export let V: i32 = 0;
export let C: i32 = 0;
export let W: i32 = 0;
/** Columns and rows of the LP. */
export let n: i32 = 0;
/** n rounded up to even. */
export let nPad: i32 = 0;
export let m: i32 = 0;
/** Rows before the phase rows (what newton.ts factors by structure). */
export let m0: i32 = 0;
/** Phase and unbalance rows (spec §11), rows m0..m−1, each with its own column oPh + j. */
export let mP: i32 = 0;
export let oPh: i32 = 0;
export let dt: f64 = 0;

// Column offsets.
export let oC: i32 = 0;
export let oD: i32 = 0;
export let oE: i32 = 0;
export let oS: i32 = 0;
export let oSig: i32 = 0;
export let oG: i32 = 0;
export let oO: i32 = 0;
export let oX: i32 = 0;
export let oU: i32 = 0;
export let oQ: i32 = 0;
export let oZ: i32 = 0;
export let oF: i32 = 0;
// Row offsets.
export let rE: i32 = 0;
export let rS: i32 = 0;
export let rSite: i32 = 0;
export let rPeak: i32 = 0;
export let rCirc: i32 = 0;

export let lo: usize = 0;     // f64[n]
export let up: usize = 0;     // f64[n]
export let cost: usize = 0;   // f64[n], divided by costScale
export let rhs: usize = 0;    // f64[m]: b
export let node: usize = 0;   // i32[V]: node the session's power enters (C = site)
export let hasShort: usize = 0; // i32[V]
export let keep: usize = 0;   // i32[C]: 1 when the circuit's limit can bind
export let effParent: usize = 0; // i32[C]: node whose row F_k also enters
export let nodeLo: usize = 0; // i32[C+1]: first slot of the node's rows
export let nodeHi: usize = 0; // i32[C+1]: one past the last
export let nodeBw: usize = 0; // i32[C+1]: half bandwidth of the node's reduced block
export let link: usize = 0;   // i32[(C+1)·T]: 1 when node rows t and t+1 are coupled
export let havePeak: bool = false;
/** Costs in the LP are the model's divided by this (keeps them O(1)). */
export let costScale: f64 = 1;
/** Model objective = costScale · c'x + objOffset. */
export let objOffset: f64 = 0;
export let maxWindow: i32 = 0;
/** Session v's first discharge column is oD + dBase[v]; −1 when it cannot discharge. */
export let dBase: usize = 0;
/** Discharge columns (Σ windows of the sessions that can discharge). */
export let WD: i32 = 0;
/** f64[maxWindow + 2] of zeros: the discharge of a session that cannot discharge. */
let zeros: usize = 0;

/** Session v's discharge entries of a column vector, window slot i at index i; zeros when it has none (read only). */
@inline export function dischargeOf(vec: usize, v: i32): usize {
  const b = ldi(dBase, v);
  return b >= 0 ? vec + (<usize>(oD + b) << 3) : zeros;
}

/** Column of session v's discharge in window slot i, or −1 when it cannot discharge. */
@inline export function dCol(v: i32, i: i32): i32 {
  const b = ldi(dBase, v);
  return b >= 0 ? oD + b + i : -1;
}

@inline export function nodeRow(k: i32, t: i32): i32 {
  return k == C ? rSite + t : rCirc + k * T + t;
}


/**
 * Whether some slot has an overflow column that can be non-zero (base load
 * minus PV above the import limit): only then can a schedule's model cost
 * fall below the LP cost of its point (the LP prices overflow at M).
 */
export function canOverflow(): bool {
  for (let t = 0; t < T; t++) if (ld(up, oO + t) > 0) return true;
  return false;
}

/**
 * I_t, raised to B_t − S_t where the base load overruns it by no more than
 * the tolerance: such a slot is feasible (the host names a slot only when
 * n_t > I_t + 1e-6), so the LP and the repair treat it as within the limit
 * (no overflow column, no room for net charging) and the cost is optimised.
 */
export function importLimit(t: i32): f64 {
  const I = slotValue(Field.ImportLimit, t);
  const net0 = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t);
  return net0 > I && !(net0 > I + Settings.feasibilityTol) ? net0 : I;
}

/**
 * Per kWh of overflow: more than any other use of one kWh of import could
 * save (buying it, a shortfall it avoids through the battery's losses, the
 * degradation it spares, the demand charge of one slot), so the penalised LP
 * minimises Σ overflow first: an exact penalty.
 */
function overflowPenalty(): f64 {
  let price: f64 = 0;
  for (let t = 0; t < T; t++) {
    price = max(price, max(Math.abs(slotValue(Field.ImportPrice, t)), Math.abs(slotValue(Field.ExportPrice, t))));
  }
  let eta: f64 = 1;
  let pen: f64 = 0;
  let degr: f64 = 0;
  for (let v = 0; v < V; v++) {
    eta = min(eta, sessionValue(Field.ChargeEfficiency, v) * sessionValue(Field.DischargeEfficiency, v));
    pen = max(pen, sessionValue(Field.ShortfallPenalty, v));
    degr = max(degr, sessionValue(Field.DegradationCost, v));
  }
  return 2 * ((price + pen + degr) / eta + setting(Setting.DemandCharge) / dt) + 1;
}

/** Lay out the LP of the problem in memory (allocates from the arena). */
export function build(): void {
  T = slots; V = sessions; C = circuits; W = windowSlots;
  dt = setting(Setting.SlotHours);
  // Discharge columns only for sessions that can discharge: most fleets
  // have few V2G cars, and a fixed column still costs every column pass.
  dBase = arena.allocI32(V);
  WD = 0;
  maxWindow = 0;
  for (let v = 0; v < V; v++) {
    const w = windowEnd(v) - windowStart(v);
    if (w > maxWindow) maxWindow = w;
    if (w > 0 && sessionValue(Field.MaxDischarge, v) > 0) {
      sti(dBase, v, WD);
      WD += w;
    } else {
      sti(dBase, v, -1);
    }
  }
  zeros = arena.allocF64(maxWindow + 2);
  oC = 0; oD = W; oE = W + WD; oS = oE + W; oSig = oS + V;
  oG = oSig + V; oO = oG + T; oX = oO + T; oU = oX + T; oQ = oU + T;
  oZ = oQ + T; oF = oZ + 1;
  oPh = oF + C * T;
  rE = 0; rS = W; rSite = W + V; rPeak = rSite + T; rCirc = rPeak + T;
  m0 = rCirc + C * T;
  mP = setting(Setting.HasPhases) != 0 ? countPhaseRows() : 0;
  n = oPh + mP;
  m = m0 + mP;

  // Column arrays are padded to an even length (zero, fixed) for two-lane SIMD.
  nPad = (n + 1) & ~1;
  lo = arena.allocF64(nPad);
  up = arena.allocF64(nPad);
  cost = arena.allocF64(nPad);
  rhs = arena.allocF64(m);
  node = arena.allocI32(V);
  hasShort = arena.allocI32(V);
  keep = arena.allocI32(C);
  effParent = arena.allocI32(C);
  nodeLo = arena.allocI32(C + 1);
  nodeHi = arena.allocI32(C + 1);
  nodeBw = arena.allocI32(C + 1);

  // Circuits: the most the subtree can draw / feed per slot decides whether
  // the limit can bind at all, and tightens the flow's box where it can.
  const mark = arena.mark();
  const sumC = arena.allocF64(C * T);
  const sumD = arena.allocF64(C * T);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const b = windowEnd(v);
    const c = sessionCircuit(v);
    if (c < 0 || b <= a) continue;
    const mc = sessionValue(Field.MaxCharge, v);
    const md = sessionValue(Field.MaxDischarge, v);
    for (let t = a; t < b; t++) {
      st(sumC, c * T + t, ld(sumC, c * T + t) + mc);
      st(sumD, c * T + t, ld(sumD, c * T + t) + md);
    }
  }
  for (let k = C - 1; k >= 0; k--) {
    const par = circuitParent(k);
    let binds = 0;
    for (let t = 0; t < T; t++) {
      const lim = circuitLimit(k, t);
      const sc = ld(sumC, k * T + t);
      const sd = ld(sumD, k * T + t);
      if (sc > lim || sd > lim) binds = 1;
      st(lo, oF + k * T + t, -min(lim, sd));
      st(up, oF + k * T + t, min(lim, sc));
      if (par >= 0) {
        st(sumC, par * T + t, ld(sumC, par * T + t) + sc);
        st(sumD, par * T + t, ld(sumD, par * T + t) + sd);
      }
    }
    sti(keep, k, binds);
  }
  arena.release(mark);
  // Effective tree over kept circuits (parents come before children).
  const effNode = arena.allocI32(C);
  for (let k = 0; k < C; k++) {
    const par = circuitParent(k);
    const ep = par < 0 ? C : ldi(effNode, par);
    sti(effParent, k, ep);
    sti(effNode, k, ldi(keep, k) ? k : ep);
    if (!ldi(keep, k)) {
      for (let t = 0; t < T; t++) { st(lo, oF + k * T + t, 0); st(up, oF + k * T + t, 0); }
    }
  }
  for (let k = 0; k <= C; k++) { sti(nodeLo, k, T); sti(nodeHi, k, 0); sti(nodeBw, k, 0); }
  sti(nodeLo, C, 0); sti(nodeHi, C, T);
  for (let v = 0; v < V; v++) {
    const c = sessionCircuit(v);
    const k = c < 0 ? C : ldi(effNode, c);
    sti(node, v, k);
    const a = windowStart(v);
    const b = windowEnd(v);
    if (b <= a) continue;
    if (b - a - 1 > ldi(nodeBw, k)) sti(nodeBw, k, b - a - 1);
    let j = k;
    while (j < C) {
      if (a < ldi(nodeLo, j)) sti(nodeLo, j, a);
      if (b > ldi(nodeHi, j)) sti(nodeHi, j, b);
      j = ldi(effParent, j);
    }
  }
  for (let k = 0; k < C; k++) {
    if (!ldi(keep, k)) continue;
    const span = ldi(nodeHi, k) - ldi(nodeLo, k);
    if (span <= 0) { sti(keep, k, 0); sti(nodeHi, k, 0); sti(nodeLo, k, 0); }
  }
  // Segments: a node's rows t and t+1 are coupled when a window on the node,
  // or a segment of a kept child, holds both. Between segments the node's
  // block splits, so a child's Schur complement onto its parent is dense
  // only segment by segment (short stays over a week: ~Σ segment³, not T³).
  link = arena.allocI32((C + 1) * T);
  for (let v = 0; v < V; v++) {
    const k = ldi(node, v);
    for (let t = windowStart(v); t < windowEnd(v) - 1; t++) sti(link, k * T + t, 1);
  }
  for (let k = C - 1; k >= 0; k--) {
    if (!ldi(keep, k)) continue;
    const p = ldi(effParent, k);
    let run = 1;
    let longest = 1;
    for (let t = 0; t < T; t++) {
      if (ldi(link, k * T + t)) {
        sti(link, p * T + t, 1);
        run++;
        if (run > longest) longest = run;
      } else {
        run = 1;
      }
    }
    if (longest - 1 > ldi(nodeBw, p)) sti(nodeBw, p, longest - 1);
  }
  for (let k = 0; k <= C; k++) {
    const span = ldi(nodeHi, k) - ldi(nodeLo, k);
    if (ldi(nodeBw, k) > span - 1) sti(nodeBw, k, max(0, span - 1));
  }

  // Sessions.
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const b = windowEnd(v);
    const off = windowOffset(v);
    const floor = sessionValue(Field.EnergyFloor, v);
    const cap = sessionValue(Field.Capacity, v);
    const degr = sessionValue(Field.DegradationCost, v);
    for (let i = 0; i < b - a; i++) {
      const j = off + i;
      st(up, oC + j, sessionValue(Field.MaxCharge, v));
      const d = dCol(v, i);
      if (d >= 0) {
        st(up, d, sessionValue(Field.MaxDischarge, v));
        st(cost, d, dt * degr);
      }
      // Spec §12: the energy after the last slot is at least the final energy
      // (a battery's finalEnergyKwh; the floor itself for an EV): a box, so
      // the rows, their structure and the dual bound are unchanged.
      st(lo, oE + j, i == b - a - 1 ? max(floor, finalEnergy(v)) : floor);
      st(up, oE + j, cap);
      st(rhs, rE + j, i == 0 ? sessionValue(Field.InitialEnergy, v) : 0);
    }
    const R = sessionValue(Field.RequiredEnergy, v);
    const short = b > a && R > floor + Settings.shortfallMin;
    sti(hasShort, v, short ? 1 : 0);
    if (short) {
      st(up, oS + v, R - floor);
      st(up, oSig + v, max(0, cap - floor));
      st(cost, oS + v, sessionValue(Field.ShortfallPenalty, v));
      st(rhs, rS + v, R);
    }
  }

  // Slots.
  let zmax: f64 = 0;
  for (let t = 0; t < T; t++) {
    const I = importLimit(t);
    const net0 = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t);
    const omax = max(0, net0 - I);
    st(up, oG + t, I);
    st(up, oO + t, omax);
    st(up, oX + t, slotValue(Field.ExportLimit, t));
    st(up, oU + t, slotValue(Field.Pv, t));
    st(cost, oG + t, dt * slotValue(Field.ImportPrice, t));
    st(cost, oX + t, -dt * slotValue(Field.ExportPrice, t));
    st(rhs, rSite + t, net0);
    zmax = max(zmax, I + omax);
  }
  const M = overflowPenalty();
  for (let t = 0; t < T; t++) st(cost, oO + t, dt * M);
  const D = setting(Setting.DemandCharge);
  const P0 = setting(Setting.PeakThreshold);
  havePeak = D > 0 && zmax > P0;
  objOffset = 0;
  if (havePeak) {
    st(lo, oZ, P0);
    st(up, oZ, zmax);
    st(cost, oZ, D);
    objOffset = -D * P0;
    for (let t = 0; t < T; t++) st(up, oQ + t, zmax);
  }

  if (mP > 0) buildPhaseRows();

  let big: f64 = 0;
  for (let j = 0; j < n; j++) if (ld(up, j) > ld(lo, j)) big = max(big, Math.abs(ld(cost, j)));
  costScale = big > 0 ? big : 1;
  for (let j = 0; j < n; j++) st(cost, j, ld(cost, j) / costScale);
}

/**
 * Replace the objective's scale and offset (the costs themselves are
 * written into `cost` by the caller): a later stage solving another
 * objective over the same rows and boxes, and putting these back after.
 */
export function setObjectiveScale(scale: f64, offset: f64): void {
  costScale = scale;
  objOffset = offset;
}

/** out = A·xv (length m). */
export function multiplyA(xv: usize, out: usize): void {
  for (let t = 0; t < T; t++) {
    const imp = ld(xv, oG + t) + ld(xv, oO + t);
    st(out, rSite + t, imp - ld(xv, oX + t) - ld(xv, oU + t));
    st(out, rPeak + t, havePeak ? imp - ld(xv, oZ) + ld(xv, oQ + t) : 0);
  }
  for (let k = 0; k < C; k++) {
    const kept = ldi(keep, k);
    for (let t = 0; t < T; t++) {
      const f = kept ? ld(xv, oF + k * T + t) : 0;
      st(out, rCirc + k * T + t, f);
    }
  }
  for (let k = 0; k < C; k++) {
    if (!ldi(keep, k)) continue;
    const par = ldi(effParent, k);
    for (let t = 0; t < T; t++) {
      const r = nodeRow(par, t);
      st(out, r, ld(out, r) - ld(xv, oF + k * T + t));
    }
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) { st(out, rS + v, 0); continue; }
    const off = windowOffset(v);
    const k = ldi(node, v);
    const gc = dt * sessionValue(Field.ChargeEfficiency, v);
    const gd = dt / sessionValue(Field.DischargeEfficiency, v);
    const xd = dischargeOf(xv, v);
    let prev: f64 = 0;
    for (let i = 0; i < w; i++) {
      const j = off + i;
      const cj = ld(xv, oC + j);
      const dj = ld(xd, i);
      const ej = ld(xv, oE + j);
      st(out, rE + j, ej - prev - gc * cj + gd * dj);
      prev = ej;
      const r = nodeRow(k, a + i);
      st(out, r, ld(out, r) - (cj - dj));
    }
    st(out, rS + v, ldi(hasShort, v) ? prev + ld(xv, oS + v) - ld(xv, oSig + v) : 0);
  }
  if (mP > 0) multiplyPhaseRows(xv, out);
}

/** out = A'·yv (length n). */
export function multiplyAT(yv: usize, out: usize): void {
  let zsum: f64 = 0;
  for (let t = 0; t < T; t++) {
    const ys = ld(yv, rSite + t);
    const yp = havePeak ? ld(yv, rPeak + t) : 0;
    st(out, oG + t, ys + yp);
    st(out, oO + t, ys + yp);
    st(out, oX + t, -ys);
    st(out, oU + t, -ys);
    st(out, oQ + t, yp);
    zsum += yp;
  }
  st(out, oZ, -zsum);
  for (let k = 0; k < C; k++) {
    const kept = ldi(keep, k);
    const par = ldi(effParent, k);
    for (let t = 0; t < T; t++) {
      st(out, oF + k * T + t, kept ? ld(yv, rCirc + k * T + t) - ld(yv, nodeRow(par, t)) : 0);
    }
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const ys = ldi(hasShort, v) ? ld(yv, rS + v) : 0;
    st(out, oS + v, ys);
    st(out, oSig + v, -ys);
    if (w <= 0) continue;
    const off = windowOffset(v);
    const k = ldi(node, v);
    const gc = dt * sessionValue(Field.ChargeEfficiency, v);
    const gd = dt / sessionValue(Field.DischargeEfficiency, v);
    const db = ldi(dBase, v);
    for (let i = 0; i < w; i++) {
      const j = off + i;
      const ye = ld(yv, rE + j);
      const yn = ld(yv, nodeRow(k, a + i));
      st(out, oC + j, -gc * ye - yn);
      if (db >= 0) st(out, oD + db + i, gd * ye + yn);
      st(out, oE + j, i + 1 < w ? ye - ld(yv, rE + j + 1) : ye + ys);
    }
  }
  if (mP > 0) multiplyPhaseRowsT(yv, out);
}
