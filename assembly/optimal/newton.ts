// The interior-point Newton system in normal-equations form,
//   (A Θ A') Δy = r,
// solved by block elimination along the model's structure instead of a
// general sparse Cholesky:
//  1. each session's rows (energy chain + shortfall) form a tridiagonal
//     block H_v; eliminating it leaves K_v H_v⁻¹ K_v' (dense over the
//     session's window) on the rows of the node it hangs on;
//  2. each kept circuit's rows form a banded block N_k (bandwidth = its
//     longest window or child span); circuits are eliminated leaves first,
//     each adding Θ_F N_k⁻¹ Θ_F onto its parent (block-arrow over the tree);
//  3. the peak rows are diagonal plus rank one (the peak z touches every
//     slot): eliminated in closed form, they leave a diagonal change and a
//     rank-one term on the site rows, kept apart (Sherman–Morrison);
//  4. the site rows (node C) are factored last.
// Cost per iteration: O(Σ_v w_v²) for the sessions plus O(span·bw²) per node.
// see: Wright, Primal-Dual Interior-Point Methods (SIAM 1997), ch. 11;
//      Gondzio, "Interior point methods 25 years later" (EJOR 2012), §4.

import { Field } from "../layout";
import { windowStart, windowEnd, windowOffset, sessionValue } from "../problem";
import * as arena from "../arena";
import {
  ld, st, ldi, sti, T, V, C, W, m, dt, oC, oD, oE, oS, oSig, oG, oO, oX, oU, oQ, oZ, oF,
  rE, rS, rSite, rPeak, rCirc, node, hasShort, keep, effParent, nodeLo, nodeHi, nodeBw,
  havePeak, nodeRow, maxWindow,
} from "./lp";

/** A pivot below this fraction of its diagonal marks an empty (or dependent) row: Δy = 0 there. */
const PIVOT_DROP: f64 = 1e-14;
const HUGE: f64 = 1e100;

let theta: usize = 0;
let hD: usize = 0;     // f64[W+V]: LDL' pivots of the session blocks, session v's from offset_v + v
let hL: usize = 0;     // f64[W+V]: their sub-diagonal multipliers
let kx: usize = 0;     // f64[W]: coupling of energy row i to its node row
let mats: usize = 0;   // usize[C+1]: band storage of each node's block
let yScratch: usize = 0; // f64[span²]: L⁻¹Θ_F of the circuit being eliminated
let sx: usize = 0;     // f64[maxWindow+1]
let sy: usize = 0;     // f64[maxWindow+1]
let scol: usize = 0;   // f64[maxWindow+1]
let W0: i32 = 0;       // second half of sy: reciprocal pivots
let tv: usize = 0;     // f64[T]
let rw: usize = 0;     // f64[m]: working right-hand side
let pD: usize = 0;     // f64[T]: peak rows' diagonal p_t
let gG: usize = 0;     // f64[T]: site–peak coupling G_t
let wv: usize = 0;     // f64[T]: rank-one vector on the site rows
let v2: usize = 0;     // f64[T]: R⁻¹ w
let beta: f64 = 0;
let wv2: f64 = 0;
// Flat mode: all coupling rows (site and kept circuits) in one band matrix,
// interleaved slot by slot (row t·K + rank(node)).
let flat: bool = false;
let K: i32 = 1;
let rank: usize = 0;   // i32[C+1]: position of a node inside a slot's group
let fbw: i32 = 0;
let fmat: usize = 0;
let fvec: usize = 0;   // f64[K·T]
let fw: usize = 0;     // f64[K·T]: the rank-one vector, flat
let fv2: usize = 0;    // f64[K·T]

@inline function matOf(k: i32): usize { return load<usize>(mats + (<usize>k << 3)); }
@inline function spanOf(k: i32): i32 { return ldi(nodeHi, k) - ldi(nodeLo, k); }
/** Address of element (i, j), j ≤ i ≤ j + bw, of a lower band matrix. */
@inline function at(p: usize, i: i32, j: i32, bw: i32): usize {
  return p + ((<usize>(i * (bw + 1) + j - i + bw)) << 3);
}

/** Σ a[k]·b[k], k < len, two lanes at a time. */
@inline function dot(a: usize, b: usize, len: i32): f64 {
  let acc = f64x2.splat(0);
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const o = <usize>k << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (k < len) s += load<f64>(a + (<usize>k << 3)) * load<f64>(b + (<usize>k << 3));
  return s;
}

/** In-place band Cholesky L L' (row-oriented, dot-product form). */
function bandFactor(p: usize, nn: i32, bw: i32): void {
  for (let i = 0; i < nn; i++) {
    const j0 = max(0, i - bw);
    const rowI = at(p, i, j0, bw);
    for (let j = j0; j <= i; j++) {
      const aij = at(p, i, j, bw);
      let s = load<f64>(aij) - dot(rowI, at(p, j, j0, bw), j - j0);
      if (j < i) {
        store<f64>(aij, s / load<f64>(at(p, j, j, bw)));
      } else {
        const a = load<f64>(aij); // the original diagonal: not yet overwritten
        store<f64>(aij, s > PIVOT_DROP * a && s > 0 ? Math.sqrt(s) : HUGE);
      }
    }
  }
}

/** x ← (L L')⁻¹ x. */
function bandSolve(p: usize, nn: i32, bw: i32, x: usize): void {
  for (let i = 0; i < nn; i++) {
    const j0 = max(0, i - bw);
    const s = ld(x, i) - dot(at(p, i, j0, bw), x + (<usize>j0 << 3), i - j0);
    st(x, i, s / load<f64>(at(p, i, i, bw)));
  }
  for (let i = nn - 1; i >= 0; i--) {
    const xi = ld(x, i) / load<f64>(at(p, i, i, bw));
    st(x, i, xi);
    const j0 = max(0, i - bw);
    for (let k = j0; k < i; k++) st(x, k, ld(x, k) - load<f64>(at(p, i, k, bw)) * xi);
  }
}

/**
 * Allocate the workspace for the LP laid out by lp.build(), choosing the
 * cheaper of two orderings of the coupling rows:
 *  - tree: one block per node, eliminated leaves first. Cheap when circuit
 *    spans are short (a circuit's Schur complement onto its parent is dense
 *    over its span: O(span³));
 *  - flat: every node's rows interleaved by slot in a single band matrix of
 *    bandwidth K·(longest window) for K nodes: O(K³·T·window²), the choice
 *    for long horizons with circuits.
 */
export function init(thetaPtr: usize): void {
  theta = thetaPtr;
  hD = arena.allocF64(W + V);
  hL = arena.allocF64(W + V);
  kx = arena.allocF64(W);
  mats = arena.alloc(<usize>(C + 1) << 3);
  rank = arena.allocI32(C + 1);
  K = 0;
  let treeCost: f64 = 0;
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    sti(rank, k, K++);
    const span = <f64>spanOf(k);
    const bw = <f64>(ldi(nodeBw, k) + 1);
    treeCost += span * bw * bw + (k < C ? 0.5 * span * span * span : 0);
  }
  const bwFlat = min(K * T - 1, max(K * (maxWindow - 1), K - 1));
  const flatCost = <f64>(K * T) * <f64>(bwFlat + 1) * <f64>(bwFlat + 1);
  flat = K > 1 && flatCost < treeCost;
  let maxChild: i32 = 0;
  if (flat) {
    fbw = bwFlat;
    fmat = arena.allocF64(K * T * (fbw + 1));
    fvec = arena.allocF64(K * T);
    fw = arena.allocF64(K * T);
    fv2 = arena.allocF64(K * T);
  } else {
    for (let k = 0; k <= C; k++) {
      if (k < C && !ldi(keep, k)) continue;
      const span = spanOf(k);
      store<usize>(mats + (<usize>k << 3), arena.allocF64(span * (ldi(nodeBw, k) + 1)));
      if (k < C && span > maxChild) maxChild = span;
    }
  }
  yScratch = arena.allocF64(maxChild * maxChild);
  sx = arena.allocF64(maxWindow + 2);
  sy = arena.allocF64(2 * (maxWindow + 2));
  W0 = maxWindow + 2;
  scol = arena.allocF64(maxWindow + 2);
  tv = arena.allocF64(T);
  rw = arena.allocF64(m);
  pD = arena.allocF64(T);
  gG = arena.allocF64(T);
  wv = arena.allocF64(T);
  v2 = arena.allocF64(T);
}

@inline function th(j: i32): f64 { return ld(theta, j); }

/** Address of element ((k, t), (k, s)), t ≥ s, in whichever ordering is in use. */
@inline function nodeAddr(k: i32, t: i32, s: i32): usize {
  if (flat) {
    const r = ldi(rank, k);
    return at(fmat, t * K + r, s * K + r, fbw);
  }
  const l = ldi(nodeLo, k);
  return at(matOf(k), t - l, s - l, ldi(nodeBw, k));
}

/** Add x to element ((k, t), (k, s)), t ≥ s. */
@inline function addNode(k: i32, t: i32, s: i32, x: f64): void {
  const a = nodeAddr(k, t, s);
  store<f64>(a, load<f64>(a) + x);
}

/** Factor A Θ A' for the current Θ. */
export function factor(): void {
  if (flat) {
    memory.fill(fmat, 0, (<usize>(K * T * (fbw + 1))) << 3);
  } else {
    for (let k = 0; k <= C; k++) {
      if (k < C && !ldi(keep, k)) continue;
      memory.fill(matOf(k), 0, (<usize>(spanOf(k) * (ldi(nodeBw, k) + 1))) << 3);
    }
  }
  // Slot columns on the site rows, and the peak rows eliminated in closed form.
  let s1: f64 = 0;
  for (let t = 0; t < T; t++) {
    const G = th(oG + t) + th(oO + t);
    let d = th(oX + t) + th(oU + t);
    if (havePeak) {
      const q = th(oQ + t);
      const p = G + q;
      st(pD, t, p);
      st(gG, t, G);
      st(wv, t, G / p);
      s1 += 1 / p;
      // G − G²/p, written without the cancellation when G ≫ Θ_q.
      d += G * (q / p);
    } else {
      d += G;
    }
    addNode(C, t, t, d);
  }
  if (havePeak) {
    const om = th(oZ);
    beta = om / (1 + om * s1);
  }
  for (let k = 0; k < C; k++) {
    if (!ldi(keep, k)) continue;
    const par = ldi(effParent, k);
    for (let t = ldi(nodeLo, k); t < ldi(nodeHi, k); t++) {
      const f = th(oF + k * T + t);
      addNode(k, t, t, f);
      addNode(par, t, t, f);
      if (flat) {
        // The flow couples (k, t) and (parent, t) inside slot t's group.
        const i = t * K + ldi(rank, k);
        const j = t * K + ldi(rank, par);
        const a = at(fmat, max(i, j), min(i, j), fbw);
        store<f64>(a, load<f64>(a) - f);
      }
    }
  }
  // Sessions: factor H_v, add Θ_c + Θ_d − K H⁻¹ K' to the node block.
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const k = ldi(node, v);
    const gc = dt * sessionValue(Field.ChargeEfficiency, v);
    const gd = dt / sessionValue(Field.DischargeEfficiency, v);
    const short = ldi(hasShort, v);
    const mv = w + short;
    // LDL' of the tridiagonal block; sx ← pivots, sy ← multipliers.
    let dPrev: f64 = 0;
    for (let i = 0; i < mv; i++) {
      let diag: f64;
      let off1: f64 = 0;
      if (i < w) {
        const j = off + i;
        const tc = th(oC + j);
        const td = th(oD + j);
        diag = th(oE + j) + gc * gc * tc + gd * gd * td;
        if (i > 0) { diag += th(oE + j - 1); off1 = -th(oE + j - 1); }
        st(kx, j, gc * tc + gd * td);
        addNode(k, a + i, a + i, tc + td);
      } else {
        const e = th(oE + off + w - 1);
        diag = e + th(oS + v) + th(oSig + v);
        off1 = e;
      }
      let l: f64 = 0;
      if (i > 0) {
        l = off1 / dPrev;
        diag -= l * off1;
      }
      const orig = diag + l * off1;
      const piv = diag > PIVOT_DROP * orig && diag > 0 ? diag : HUGE;
      st(sx, i, piv);
      st(sy, i, l);
      st(hD, off + v + i, piv);
      st(hL, off + v + i, l);
      dPrev = piv;
    }
    // Column j of H⁻¹ (rows ≥ j), weighted by the couplings, into the
    // node's band: element (a+i, a+j) sits at row a+i, column offset j−i+bw.
    const col = scol;
    // Moving one slot down a column of the node's block.
    const step: usize = flat ? <usize>(K * fbw) << 3 : <usize>ldi(nodeBw, k) << 3;
    const kxv = kx + (<usize>off << 3);
    for (let i = 0; i < mv; i++) st(sy, i + W0, 1 / ld(sx, i)); // reciprocal pivots after the multipliers
    for (let j = 0; j < w; j++) {
      const kj = ld(kxv, j);
      if (kj == 0) continue;
      let y: f64 = 1;
      st(col, j, y * ld(sy, j + W0));
      for (let i = j + 1; i < mv; i++) {
        y = -ld(sy, i) * y;
        st(col, i, y * ld(sy, i + W0));
      }
      let x = ld(col, mv - 1);
      for (let i = mv - 2; i >= j; i--) {
        x = ld(col, i) - ld(sy, i + 1) * x;
        st(col, i, x);
      }
      let addr = nodeAddr(k, a + j, a + j);
      for (let i = j; i < w; i++) {
        store<f64>(addr, load<f64>(addr) - ld(kxv, i) * kj * ld(col, i));
        addr += step;
      }
    }
  }
  if (flat) {
    bandFactor(fmat, K * T, fbw);
    if (havePeak) {
      memory.fill(fw, 0, <usize>(K * T) << 3);
      const r = ldi(rank, C);
      for (let t = 0; t < T; t++) st(fw, t * K + r, ld(wv, t));
      memory.copy(fv2, fw, <usize>(K * T) << 3);
      bandSolve(fmat, K * T, fbw, fv2);
      wv2 = dot(fw, fv2, K * T);
    }
    return;
  }
  // Circuits, leaves first: factor, then Θ_F N⁻¹ Θ_F onto the parent.
  for (let k = C - 1; k >= 0; k--) {
    if (!ldi(keep, k)) continue;
    const l = ldi(nodeLo, k);
    const span = spanOf(k);
    const bw = ldi(nodeBw, k);
    const p = matOf(k);
    bandFactor(p, span, bw);
    const Y = yScratch;
    for (let j = 0; j < span; j++) {
      const cj = Y + (<usize>(j * span) << 3);
      const f = th(oF + k * T + l + j);
      if (f == 0) { memory.fill(cj, 0, <usize>span << 3); continue; }
      memory.fill(cj, 0, <usize>j << 3);
      st(cj, j, f / load<f64>(at(p, j, j, bw)));
      for (let i = j + 1; i < span; i++) {
        const k0 = max(j, i - bw);
        const s = dot(at(p, i, k0, bw), cj + (<usize>k0 << 3), i - k0);
        st(cj, i, -s / load<f64>(at(p, i, i, bw)));
      }
    }
    const par = ldi(effParent, k);
    for (let i = 0; i < span; i++) {
      const ci = Y + (<usize>(i * span) << 3);
      for (let j = 0; j <= i; j++) {
        const cj = Y + (<usize>(j * span) << 3);
        const s = dot(ci + (<usize>i << 3), cj + (<usize>i << 3), span - i);
        if (s != 0) addNode(par, l + i, l + j, -s);
      }
    }
  }
  // Site rows.
  bandFactor(matOf(C), T, ldi(nodeBw, C));
  if (havePeak) {
    for (let t = 0; t < T; t++) st(v2, t, ld(wv, t));
    bandSolve(matOf(C), T, ldi(nodeBw, C), v2);
    wv2 = dot(wv, v2, T);
  }
}

/** Solve a session's tridiagonal block (factors from `base`) in place on sx[0..mv). */
function sessionSolve(base: i32, mv: i32): void {
  const pd = hD + (<usize>base << 3);
  const pl = hL + (<usize>base << 3);
  let prev = ld(sx, 0);
  for (let i = 1; i < mv; i++) {
    prev = ld(sx, i) - ld(pl, i) * prev;
    st(sx, i, prev);
  }
  let next = ld(sx, mv - 1) / ld(pd, mv - 1);
  st(sx, mv - 1, next);
  for (let i = mv - 2; i >= 0; i--) {
    next = ld(sx, i) / ld(pd, i) - ld(pl, i + 1) * next;
    st(sx, i, next);
  }
}

/** P⁻¹ r for the peak rows (diagonal plus rank one), from src into dst. */
function peakSolve(src: usize, dst: usize): void {
  let s: f64 = 0;
  for (let t = 0; t < T; t++) s += ld(src, t) / ld(pD, t);
  for (let t = 0; t < T; t++) st(dst, t, (ld(src, t) - beta * s) / ld(pD, t));
}

/** dy = (A Θ A')⁻¹ r, with the factors of the last `factor()`. */
export function solve(r: usize, dy: usize): void {
  memory.copy(rw, r, <usize>m << 3);
  memory.fill(dy, 0, <usize>m << 3);
  // Forward: sessions onto their nodes.
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const k = ldi(node, v);
    const mv = w + ldi(hasShort, v);
    for (let i = 0; i < w; i++) st(sx, i, ld(rw, rE + off + i));
    if (mv > w) st(sx, w, ld(rw, rS + v));
    sessionSolve(off + v, mv);
    for (let i = 0; i < w; i++) {
      const row = nodeRow(k, a + i);
      st(rw, row, ld(rw, row) - ld(kx, off + i) * ld(sx, i));
    }
  }
  if (flat) {
    solveFlat(dy);
  } else {
    solveTree(dy);
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const k = ldi(node, v);
    const mv = w + ldi(hasShort, v);
    for (let i = 0; i < w; i++) st(sx, i, ld(rw, rE + off + i) - ld(kx, off + i) * ld(dy, nodeRow(k, a + i)));
    if (mv > w) st(sx, w, ld(rw, rS + v));
    sessionSolve(off + v, mv);
    for (let i = 0; i < w; i++) st(dy, rE + off + i, ld(sx, i));
    if (mv > w) st(dy, rS + v, ld(sx, w));
  }
}

/** Peak rows onto the site rows (forward half). */
function peakForward(): void {
  if (!havePeak) return;
  peakSolve(rw + (<usize>rPeak << 3), tv);
  for (let t = 0; t < T; t++) st(rw, rSite + t, ld(rw, rSite + t) - ld(gG, t) * ld(tv, t));
}

/** Peak rows from the site rows' solution (backward half). */
function peakBackward(dy: usize): void {
  if (!havePeak) return;
  for (let t = 0; t < T; t++) st(tv, t, ld(rw, rPeak + t) - ld(gG, t) * ld(dy, rSite + t));
  peakSolve(tv, dy + (<usize>rPeak << 3));
}

/** Coupling rows in flat mode: one band solve (Sherman–Morrison for the peak). */
function solveFlat(dy: usize): void {
  peakForward();
  const KT = K * T;
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    const r = ldi(rank, k);
    for (let t = 0; t < T; t++) st(fvec, t * K + r, ld(rw, nodeRow(k, t)));
  }
  bandSolve(fmat, KT, fbw, fvec);
  if (havePeak) {
    const f = beta * dot(fw, fvec, KT) / (1 + beta * wv2);
    for (let i = 0; i < KT; i++) st(fvec, i, ld(fvec, i) - f * ld(fv2, i));
  }
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    const r = ldi(rank, k);
    const lo = k < C ? ldi(nodeLo, k) : 0;
    const hi = k < C ? ldi(nodeHi, k) : T;
    for (let t = 0; t < T; t++) st(dy, nodeRow(k, t), t >= lo && t < hi ? ld(fvec, t * K + r) : 0);
  }
  peakBackward(dy);
}

/** Coupling rows in tree mode: circuits leaves first, the site, circuits back down. */
function solveTree(dy: usize): void {
  // Circuits leaves first onto their parents.
  for (let k = C - 1; k >= 0; k--) {
    if (!ldi(keep, k)) continue;
    const l = ldi(nodeLo, k);
    const span = spanOf(k);
    for (let i = 0; i < span; i++) st(tv, i, ld(rw, rCirc + k * T + l + i));
    bandSolve(matOf(k), span, ldi(nodeBw, k), tv);
    const par = ldi(effParent, k);
    for (let i = 0; i < span; i++) {
      const row = nodeRow(par, l + i);
      st(rw, row, ld(rw, row) + th(oF + k * T + l + i) * ld(tv, i));
    }
  }
  // Peak rows onto the site rows, then the site rows (Sherman–Morrison for the rank one).
  peakForward();
  const ys = dy + (<usize>rSite << 3);
  memory.copy(ys, rw + (<usize>rSite << 3), <usize>T << 3);
  bandSolve(matOf(C), T, ldi(nodeBw, C), ys);
  if (havePeak) {
    const f = beta * dot(wv, ys, T) / (1 + beta * wv2);
    for (let t = 0; t < T; t++) st(ys, t, ld(ys, t) - f * ld(v2, t));
  }
  peakBackward(dy);
  // Backward: circuits parents first, then sessions.
  for (let k = 0; k < C; k++) {
    if (!ldi(keep, k)) continue;
    const l = ldi(nodeLo, k);
    const span = spanOf(k);
    const par = ldi(effParent, k);
    for (let i = 0; i < span; i++) {
      st(tv, i, ld(rw, rCirc + k * T + l + i) + th(oF + k * T + l + i) * ld(dy, nodeRow(par, l + i)));
    }
    bandSolve(matOf(k), span, ldi(nodeBw, k), tv);
    for (let i = 0; i < span; i++) st(dy, rCirc + k * T + l + i, ld(tv, i));
  }
}
