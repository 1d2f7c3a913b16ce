// The interior-point Newton system in normal-equations form,
//   (A Θ A') Δy = r,
// solved by block elimination along the model's structure instead of a
// general sparse Cholesky:
//  1. each session's rows (energy chain + shortfall) form a tridiagonal
//     block H_v; eliminating it leaves K_v H_v⁻¹ K_v' (dense over the
//     session's window) on the rows of the node it hangs on;
//  2. tree ordering: each kept circuit's rows form a banded block N_k
//     (bandwidth = its longest window or child segment); circuits are
//     eliminated leaves first, each adding Θ_F N_k⁻¹ Θ_F onto its parent
//     (block-arrow over the tree), dense only within segments of slots
//     chained by overlapping windows;
//  3. the peak rows are diagonal plus rank one (the peak z touches every
//     slot): eliminated in closed form, they leave a diagonal change and a
//     rank-one term on the site rows, kept apart (Sherman–Morrison);
//  4. the site rows (node C) are factored last.
// Flat ordering (chosen by operation count in `init`): every node's rows,
// plus the energy rows of up to Settings.maxLanes long sessions, interleaved
// slot by slot in one band matrix; long horizons with circuits or long stays.
// Cost per iteration: O(Σ_v w_v²) for the sessions plus O(Σ_rows width² +
// Σ segment³) per node (tree: a row is as wide as the windows and child
// segments that hold it, its envelope) or O(rows·bw²) (flat).
// This file holds the workspace, the choice of ordering (`init`) and the
// factorisation (`factor`); the solve with the factors is newtonsolve.ts,
// the band kernels band.ts.
// see: Wright, Primal-Dual Interior-Point Methods (SIAM 1997), ch. 11;
//      Gondzio, "Interior point methods 25 years later" (EJOR 2012), §4.

import { Field } from "../layout";
import { windowStart, windowEnd, windowOffset, sessionValue } from "../problem";
import * as arena from "../arena";
import { Settings } from "./settings";
import { at, dot, bandFactor, bandSolve, fullBand } from "./band";
import {
  ld, st, ldi, sti, T, V, C, W, dt, oC, oE, oS, oSig, oG, oO, oX, oU, oQ, oZ, oF,
  node, m0, hasShort, keep, effParent, nodeLo, nodeHi, nodeBw, havePeak, maxWindow, link,
  dischargeOf,
} from "./lp";


/** Sessions by window length, longest first (counting sort). */
function sortByWindowDescending(out: usize): void {
  const mark = arena.mark();
  const first = arena.allocI32(T + 2);
  for (let v = 0; v < V; v++) {
    const r = T - (windowEnd(v) - windowStart(v));
    sti(first, r + 1, ldi(first, r + 1) + 1);
  }
  for (let r = 1; r <= T + 1; r++) sti(first, r, ldi(first, r) + ldi(first, r - 1));
  for (let v = 0; v < V; v++) {
    const r = T - (windowEnd(v) - windowStart(v));
    const k = ldi(first, r);
    sti(out, k, v);
    sti(first, r, k + 1);
  }
  arena.release(mark);
}

/**
 * The Newton system's factor storage and scratch (OSQP's linear-system
 * solver workspace), allocated once per LP by `init` from the arena.
 * Functions copy the fields they use into locals first.
 */
@unmanaged export class NewtonWorkspace {
  /** f64[nPad]: Θ, owned by the interior point (ipm.ts). */
  theta: usize = 0;
  /** f64[W+V]: LDL' pivots of the session blocks, session v's from offset_v + v. */
  hD: usize = 0;
  /** f64[W+V]: their sub-diagonal multipliers. */
  hL: usize = 0;
  /** f64[W]: coupling of energy row i to its node row. */
  kx: usize = 0;
  /** usize[C+1]: band storage of each node's block (tree ordering). */
  mats: usize = 0;
  /** usize[C+1]: each node block's envelope (i32[span], see bandFactor). */
  envs: usize = 0;
  /** f64[segment²]: L⁻¹Θ_F of the circuit being eliminated. */
  yScratch: usize = 0;
  /** f64[maxWindow+2]: a session block's pivots, then its right-hand side. */
  sx: usize = 0;
  /** f64[2·(maxWindow+2)]: multipliers; from W0 on, the weights g_i·kx_i. */
  sy: usize = 0;
  /** f64[maxWindow+2]: diag(H⁻¹) of the session being added. */
  scol: usize = 0;
  /** Start of the second half of sy. */
  W0: i32 = 0;
  /** f64[T]: scratch. */
  tv: usize = 0;
  /** f64[m0]: working right-hand side. */
  rw: usize = 0;
  /** f64[T]: peak rows' diagonal p_t. */
  pD: usize = 0;
  /** f64[T]: site–peak coupling G_t. */
  gG: usize = 0;
  /** f64[T]: rank-one vector w on the site rows. */
  wv: usize = 0;
  /** f64[T]: R⁻¹ w. */
  v2: usize = 0;
  /** The peak's rank-one term: β = Θ_z / (1 + Θ_z Σ 1/p_t), and w'R⁻¹w. */
  beta: f64 = 0;
  wv2: f64 = 0;
  // Flat ordering: all coupling rows (site and kept circuits) in one band
  // matrix, interleaved slot by slot (row t·G + rank(node)).
  /** Whether the flat ordering is in use (else the tree ordering). */
  flat: bool = false;
  /** Kept nodes (circuits and the site). */
  K: i32 = 1;
  /** Rows per slot group in flat mode: K nodes, then one lane per long session. */
  G: i32 = 1;
  /** Rows of the flat matrix: T + 1 slot groups (the last holds shortfall rows of sessions ending at T). */
  NF: i32 = 0;
  /** i32[V]: long session's lane (flat mode), −1 otherwise. */
  lane: usize = 0;
  /** i32[C+1]: position of a node inside a slot's group. */
  rank: usize = 0;
  /** Half bandwidth of the flat matrix. */
  fbw: i32 = 0;
  /** f64[NF·(fbw+1)]: the flat matrix. */
  fmat: usize = 0;
  /** i32[NF]: the flat matrix's envelope (its full band). */
  fenv: usize = 0;
  /** f64[NF]: the flat right-hand side. */
  fvec: usize = 0;
  /** f64[NF]: the rank-one vector, flat. */
  fw: usize = 0;
  /** f64[NF]: its solve. */
  fv2: usize = 0;
}

/** The one workspace, in static memory: in the arena it would shift the arrays after it (~30% slower at 1000×96, measured). */
export const nw = changetype<NewtonWorkspace>(memory.data(offsetof<NewtonWorkspace>(), 16));

@inline export function matOf(k: i32): usize { return load<usize>(nw.mats + (<usize>k << 3)); }
@inline export function envOf(k: i32): usize { return load<usize>(nw.envs + (<usize>k << 3)); }
@inline export function spanOf(k: i32): i32 { return ldi(nodeHi, k) - ldi(nodeLo, k); }
/**
 * Each node block's envelope (tree mode): row t reaches left to the start
 * of every window on the node that holds t, and of every segment of a kept
 * child that holds t (a child's Schur complement is dense over a segment).
 */
function envelopes(): void {
  const envs = nw.envs;
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    const span = spanOf(k);
    const first = arena.allocI32(span);
    for (let i = 0; i < span; i++) sti(first, i, i);
    store<usize>(envs + (<usize>k << 3), first);
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const b = windowEnd(v);
    const k = ldi(node, v);
    const l = ldi(nodeLo, k);
    const first = envOf(k);
    for (let t = a; t < b; t++) sti(first, t - l, min(ldi(first, t - l), a - l));
  }
  for (let k = 0; k < C; k++) {
    if (!ldi(keep, k)) continue;
    const par = ldi(effParent, k);
    const lp = ldi(nodeLo, par);
    const pf = envOf(par);
    const l = ldi(nodeLo, k);
    const span = spanOf(k);
    let s0 = 0;
    while (s0 < span) {
      let s1 = s0 + 1;
      while (s1 < span && ldi(link, k * T + l + s1 - 1)) s1++;
      for (let i = s0; i < s1; i++) sti(pf, l + i - lp, min(ldi(pf, l + i - lp), l + s0 - lp));
      s0 = s1;
    }
  }
  // Never wider than the band the storage holds (the band is sized from the same windows and segments).
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    const first = envOf(k);
    const bw = ldi(nodeBw, k);
    for (let i = 0; i < spanOf(k); i++) sti(first, i, max(ldi(first, i), i - bw));
  }
}

/**
 * Allocate the workspace for the LP laid out by lp.build(), choosing the
 * cheaper of two orderings of the coupling rows:
 *  - tree: one block per node, eliminated leaves first, each factored
 *    within its envelope. Cheap when circuit segments are short (a
 *    circuit's Schur complement onto its parent is dense over a segment:
 *    O(segment³));
 *  - flat: every node's rows interleaved by slot in a single band matrix of
 *    bandwidth K·(longest window) for K nodes: O(K³·T·window²), the choice
 *    for long horizons with circuits.
 */
export function init(thetaPtr: usize): void {
  nw.theta = thetaPtr;
  nw.hD = arena.allocF64(W + V);
  nw.hL = arena.allocF64(W + V);
  nw.kx = arena.allocF64(W);
  nw.mats = arena.alloc(<usize>(C + 1) << 3);
  nw.envs = arena.alloc(<usize>(C + 1) << 3);
  envelopes();
  nw.rank = arena.allocI32(C + 1);
  nw.K = 0;
  let maxSegment: i32 = 0;
  let treeCost: f64 = 0;
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    sti(nw.rank, k, nw.K++);
    const first = envOf(k);
    for (let i = 0; i < spanOf(k); i++) {
      const width = <f64>(i - ldi(first, i) + 1);
      treeCost += width * width;
    }
    if (k < C) {
      let run = 1;
      for (let t = ldi(nodeLo, k); t < ldi(nodeHi, k); t++) {
        if (t + 1 < ldi(nodeHi, k) && ldi(link, k * T + t)) { run++; continue; }
        const g = <f64>run;
        treeCost += 0.5 * g * g * g;
        if (run > maxSegment) maxSegment = run;
        run = 1;
      }
    }
  }
  // Flat candidates: the L longest sessions keep their energy rows as lanes
  // of the band (a chain: bandwidth nw.G) instead of adding a dense window² block.
  nw.lane = arena.allocI32(V);
  const byLength = arena.allocI32(V);
  sortByWindowDescending(byLength);
  let bestL = -1;
  let bestCost = treeCost;
  for (let L = 0; L <= min(V, Settings.maxLanes); L++) {
    const g = nw.K + L;
    const shortest = L < V ? windowEnd(ldi(byLength, L)) - windowStart(ldi(byLength, L)) : 1;
    const nf = (T + 1) * g;
    const bw = min(nf - 1, max(g * max(shortest - 1, 1), g - 1) + g);
    const cost = <f64>nf * <f64>(bw + 1) * <f64>(bw + 1);
    if (cost < bestCost && (nw.K > 1 || L > 0)) { bestCost = cost; bestL = L; }
  }
  nw.flat = bestL >= 0;
  for (let v = 0; v < V; v++) sti(nw.lane, v, -1);
  if (nw.flat) {
    for (let l = 0; l < bestL; l++) sti(nw.lane, ldi(byLength, l), l);
    nw.G = nw.K + bestL;
    nw.NF = (T + 1) * nw.G;
    const shortest = bestL < V ? windowEnd(ldi(byLength, bestL)) - windowStart(ldi(byLength, bestL)) : 1;
    nw.fbw = min(nw.NF - 1, max(nw.G * max(shortest - 1, 1), nw.G - 1) + nw.G);
    nw.fmat = arena.allocF64(nw.NF * (nw.fbw + 1));
    nw.fenv = fullBand(nw.NF, nw.fbw);
    nw.fvec = arena.allocF64(nw.NF);
    nw.fw = arena.allocF64(nw.NF);
    nw.fv2 = arena.allocF64(nw.NF);
  } else {
    for (let k = 0; k <= C; k++) {
      if (k < C && !ldi(keep, k)) continue;
      const span = spanOf(k);
      store<usize>(nw.mats + (<usize>k << 3), arena.allocF64(span * (ldi(nodeBw, k) + 1)));
    }
  }
  nw.yScratch = arena.allocF64(nw.flat ? 0 : maxSegment * maxSegment);
  nw.sx = arena.allocF64(maxWindow + 2);
  nw.sy = arena.allocF64(2 * (maxWindow + 2));
  nw.W0 = maxWindow + 2;
  nw.scol = arena.allocF64(maxWindow + 2);
  nw.tv = arena.allocF64(T);
  nw.rw = arena.allocF64(m0);
  nw.pD = arena.allocF64(T);
  nw.gG = arena.allocF64(T);
  nw.wv = arena.allocF64(T);
  nw.v2 = arena.allocF64(T);
}

/** Address of element ((k, t), (k, s)), t ≥ s, in whichever ordering is in use. */
@inline function nodeAddr(k: i32, t: i32, s: i32): usize {
  const flat = nw.flat;
  const G = nw.G;
  const rank = nw.rank;
  const fbw = nw.fbw;
  const fmat = nw.fmat;
  if (flat) {
    const r = ldi(rank, k);
    return at(fmat, t * G + r, s * G + r, fbw);
  }
  const l = ldi(nodeLo, k);
  return at(matOf(k), t - l, s - l, ldi(nodeBw, k));
}

/** Add x to element ((k, t), (k, s)), t ≥ s. */
@inline function addNode(k: i32, t: i32, s: i32, x: f64): void {
  const a = nodeAddr(k, t, s);
  store<f64>(a, load<f64>(a) + x);
}

/** Add to element (i, j) of the flat matrix (either order). */
@inline function addFlat(i: i32, j: i32, x: f64): void {
  const fbw = nw.fbw;
  const fmat = nw.fmat;
  const p = at(fmat, max(i, j), min(i, j), fbw);
  store<f64>(p, load<f64>(p) + x);
}

/** A long session's rows as they are in A Θ A': a chain in its lane, tied to its node's rows. */
function addLongSession(v: i32, a: i32, w: i32, off: i32, k: i32, ln: i32, gc: f64, gd: f64, short: i32): void {
  const theta = nw.theta;
  const K = nw.K;
  const G = nw.G;
  const rank = nw.rank;
  const r = ldi(rank, k);
  const thd = dischargeOf(theta, v);
  for (let i = 0; i < w; i++) {
    const j = off + i;
    const t = a + i;
    const tc = ld(theta, oC + j);
    const td = ld(thd, i);
    const row = t * G + K + ln;
    let diag = ld(theta, oE + j) + gc * gc * tc + gd * gd * td;
    if (i > 0) {
      diag += ld(theta, oE + j - 1);
      addFlat(row, row - G, -ld(theta, oE + j - 1));
    }
    addFlat(row, row, diag);
    addFlat(row, t * G + r, gc * tc + gd * td);
    addFlat(t * G + r, t * G + r, tc + td);
  }
  if (short) {
    const e = ld(theta, oE + off + w - 1);
    const row = (a + w) * G + K + ln;
    addFlat(row, row, e + ld(theta, oS + v) + ld(theta, oSig + v));
    addFlat(row, row - G, e);
  }
}

/** Θ_F N_k⁻¹ Θ_F over local rows [s0, s1) of circuit k, subtracted from the parent's block. */
function eliminateSegment(k: i32, p: usize, first: usize, l: i32, bw: i32, par: i32, s0: i32, s1: i32): void {
  const theta = nw.theta;
  const yScratch = nw.yScratch;
  const g = s1 - s0;
  const Y = yScratch;
  for (let jj = 0; jj < g; jj++) {
    const j = s0 + jj;
    const cj = Y + (<usize>(jj * g) << 3);
    const f = ld(theta, oF + k * T + l + j);
    if (f == 0) { memory.fill(cj, 0, <usize>g << 3); continue; }
    memory.fill(cj, 0, <usize>jj << 3);
    st(cj, jj, f / load<f64>(at(p, j, j, bw)));
    for (let ii = jj + 1; ii < g; ii++) {
      const i = s0 + ii;
      const k0 = max(j, ldi(first, i));
      const s = dot(at(p, i, k0, bw), cj + (<usize>(k0 - s0) << 3), i - k0);
      st(cj, ii, -s / load<f64>(at(p, i, i, bw)));
    }
  }
  for (let ii = 0; ii < g; ii++) {
    const ci = Y + (<usize>(ii * g) << 3);
    for (let jj = 0; jj <= ii; jj++) {
      const cj = Y + (<usize>(jj * g) << 3);
      const s = dot(ci + (<usize>ii << 3), cj + (<usize>ii << 3), g - ii);
      if (s != 0) addNode(par, l + s0 + ii, l + s0 + jj, -s);
    }
  }
}

/** Factor A Θ A' for the current Θ. */
/**
 * Spec §10's stage 2 (tiebreak.ts) holds peak slacks at 0 in every slot at
 * the peak, pinning the import there to z: the site rows' block then has
 * no diagonal of its own along those slots (g − g²/p = Θ_g·Θ_q/p = 0) and
 * is singular, so the Sherman–Morrison solve for z's rank one breaks
 * (stage 2 diverged: μ to 1e22 on examples/workplace.json). While this is
 * set, Θ_q counts as at least this share of Θ_g: an inexact Newton step
 * (the residuals stay exact), the block regular. 0 in stage 1, where the
 * floor measured worse (a real-data seed lost its certificate).
 */
export let peakSlackFloor: f64 = 0;
export function setPeakSlackFloor(share: f64): void {
  peakSlackFloor = share;
}

export function factor(): void {
  const theta = nw.theta;
  const hD = nw.hD;
  const hL = nw.hL;
  const kx = nw.kx;
  const sx = nw.sx;
  const sy = nw.sy;
  const scol = nw.scol;
  const W0 = nw.W0;
  const pD = nw.pD;
  const gG = nw.gG;
  const wv = nw.wv;
  const v2 = nw.v2;
  const flat = nw.flat;
  const K = nw.K;
  const G = nw.G;
  const NF = nw.NF;
  const lane = nw.lane;
  const rank = nw.rank;
  const fbw = nw.fbw;
  const fmat = nw.fmat;
  const fenv = nw.fenv;
  const fw = nw.fw;
  const fv2 = nw.fv2;
  if (flat) {
    memory.fill(fmat, 0, (<usize>(NF * (fbw + 1))) << 3);
  } else {
    for (let k = 0; k <= C; k++) {
      if (k < C && !ldi(keep, k)) continue;
      memory.fill(matOf(k), 0, (<usize>(spanOf(k) * (ldi(nodeBw, k) + 1))) << 3);
    }
  }
  // Slot columns on the site rows, and the peak rows eliminated in closed form.
  let s1: f64 = 0;
  for (let t = 0; t < T; t++) {
    const gt = ld(theta, oG + t) + ld(theta, oO + t);
    let d = ld(theta, oX + t) + ld(theta, oU + t);
    if (havePeak) {
      const q = max(ld(theta, oQ + t), peakSlackFloor * gt);
      // A peak row whose import and slack are both held (the tie-break's
      // face can hold them; stage 1 never does) has nothing left but z: it
      // is dropped like an empty row (Δy = 0 there), not divided by zero.
      const p = gt + q > 0 ? gt + q : Settings.hugePivot;
      st(pD, t, p);
      st(gG, t, gt);
      st(wv, t, gt / p);
      s1 += 1 / p;
      // gt − gt²/p (gt = Θ_g + Θ_o), written without the cancellation when gt ≫ Θ_q.
      d += gt * (q / p);
    } else {
      d += gt;
    }
    addNode(C, t, t, d);
  }
  if (havePeak) {
    const om = ld(theta, oZ);
    nw.beta = om / (1 + om * s1);
  }
  for (let k = 0; k < C; k++) {
    if (!ldi(keep, k)) continue;
    const par = ldi(effParent, k);
    for (let t = ldi(nodeLo, k); t < ldi(nodeHi, k); t++) {
      const f = ld(theta, oF + k * T + t);
      addNode(k, t, t, f);
      addNode(par, t, t, f);
      if (flat) {
        // The flow couples (k, t) and (parent, t) inside slot t's group.
        const i = t * G + ldi(rank, k);
        const j = t * G + ldi(rank, par);
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
    const ln = ldi(lane, v);
    if (ln >= 0) {
      addLongSession(v, a, w, off, k, ln, gc, gd, short);
      continue;
    }
    // LDL' of the tridiagonal block; sx ← pivots, sy ← multipliers.
    const thd = dischargeOf(theta, v);
    let dPrev: f64 = 0;
    for (let i = 0; i < mv; i++) {
      let diag: f64;
      let off1: f64 = 0;
      if (i < w) {
        const j = off + i;
        const tc = ld(theta, oC + j);
        const td = ld(thd, i);
        diag = ld(theta, oE + j) + gc * gc * tc + gd * gd * td;
        if (i > 0) { diag += ld(theta, oE + j - 1); off1 = -ld(theta, oE + j - 1); }
        st(kx, j, gc * tc + gd * td);
        addNode(k, a + i, a + i, tc + td);
      } else {
        const e = ld(theta, oE + off + w - 1);
        diag = e + ld(theta, oS + v) + ld(theta, oSig + v);
        off1 = e;
      }
      let l: f64 = 0;
      if (i > 0) {
        l = off1 / dPrev;
        diag -= l * off1;
      }
      const orig = diag + l * off1;
      const piv = diag > Settings.pivotDrop * orig && diag > 0 ? diag : Settings.hugePivot;
      st(sx, i, piv);
      st(sy, i, l);
      st(hD, off + v + i, piv);
      st(hL, off + v + i, l);
      dPrev = piv;
    }
    // −K H⁻¹ K' into the node's band, column by column (rows ≥ j). With
    // H = L D L', H⁻¹ = L⁻ᵀ D⁻¹ L⁻¹ and (L⁻¹)_ij = Π_{k=j+1..i} (−l_k), so
    // below the diagonal H⁻¹_ij = g_i · Π_{k=j+1..i} (−l_k), g = diag(H⁻¹)
    // from g_i = 1/d_i + l_{i+1}² g_{i+1}: one product per entry.
    // Element (a+i, a+j) sits at row a+i, column offset j−i+bw.
    const g = scol;
    let gi: f64 = 1 / ld(sx, mv - 1);
    st(g, mv - 1, gi);
    for (let i = mv - 2; i >= 0; i--) {
      const l = ld(sy, i + 1);
      gi = 1 / ld(sx, i) + l * l * gi;
      st(g, i, gi);
    }
    const kxv = kx + (<usize>off << 3);
    // Weights g_i·kx_i after the multipliers.
    for (let i = 0; i < w; i++) st(sy, i + W0, ld(g, i) * ld(kxv, i));
    // Moving one slot down a column of the node's block.
    const step: usize = flat ? <usize>(G * fbw) << 3 : <usize>ldi(nodeBw, k) << 3;
    let j = 0;
    // Two columns at a time, one per SIMD lane: they share the multipliers,
    // and in tree mode the two results are neighbours in a band row.
    for (; j + 1 < w; j += 2) {
      const kj = ld(kxv, j);
      const kk = f64x2.replace_lane(f64x2.splat(ld(kxv, j + 1)), 0, kj);
      let addr = nodeAddr(k, a + j, a + j);
      store<f64>(addr, load<f64>(addr) - kj * ld(sy, j + W0));
      addr += step;
      // Row j+1: column j's first product, column j+1's diagonal.
      let pv = f64x2.replace_lane(f64x2.splat(1), 0, -ld(sy, j + 1));
      for (let i = j + 1; i < w; i++) {
        const d = f64x2.mul(f64x2.mul(pv, kk), f64x2.splat(ld(sy, i + W0)));
        if (flat) {
          store<f64>(addr, load<f64>(addr) - f64x2.extract_lane(d, 0));
          const a1 = nodeAddr(k, a + i, a + j + 1);
          store<f64>(a1, load<f64>(a1) - f64x2.extract_lane(d, 1));
        } else {
          v128.store(addr, f64x2.sub(v128.load(addr), d));
        }
        addr += step;
        pv = f64x2.mul(pv, f64x2.splat(-ld(sy, i + 1)));
      }
    }
    for (; j < w; j++) {
      const kj = ld(kxv, j);
      let addr = nodeAddr(k, a + j, a + j);
      let prod: f64 = kj;
      for (let i = j; i < w; i++) {
        store<f64>(addr, load<f64>(addr) - prod * ld(sy, i + W0));
        addr += step;
        prod *= -ld(sy, i + 1);
      }
    }
  }
  if (flat) {
    bandFactor(fmat, NF, fbw, fenv);
    if (havePeak) {
      memory.fill(fw, 0, <usize>NF << 3);
      const r = ldi(rank, C);
      for (let t = 0; t < T; t++) st(fw, t * G + r, ld(wv, t));
      memory.copy(fv2, fw, <usize>NF << 3);
      bandSolve(fmat, NF, fbw, fenv, fv2);
      nw.wv2 = dot(fw, fv2, NF);
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
    bandFactor(p, span, bw, envOf(k));
    const par = ldi(effParent, k);
    // Segment by segment (the factor is block diagonal along them):
    // Y = L⁻¹Θ_F, then the parent's block loses Y'Y.
    let s0 = 0;
    while (s0 < span) {
      let s1 = s0 + 1;
      while (s1 < span && ldi(link, k * T + l + s1 - 1)) s1++;
      eliminateSegment(k, p, envOf(k), l, bw, par, s0, s1);
      s0 = s1;
    }
  }
  // Site rows.
  bandFactor(matOf(C), T, ldi(nodeBw, C), envOf(C));
  if (havePeak) {
    for (let t = 0; t < T; t++) st(v2, t, ld(wv, t));
    bandSolve(matOf(C), T, ldi(nodeBw, C), envOf(C), v2);
    nw.wv2 = dot(wv, v2, T);
  }
}
