// The Newton system's solve, dy = (A Θ A')⁻¹ r, with the factors of the last
// `newton.factor()` (see newton.ts for the elimination order): sessions
// onto their nodes, the coupling rows (tree: circuits leaves first, the
// peak by Sherman–Morrison, the site, circuits back down; flat: one band
// solve), then the sessions back.

import { windowStart, windowEnd, windowOffset } from "../problem";
import {
  ld, st, ldi, T, V, C, oF, rE, rS, rSite, rPeak, rCirc, node, m0, hasShort, keep, effParent,
  nodeLo, nodeHi, nodeBw, havePeak, nodeRow,
} from "./lp";
import { dot, bandSolve } from "./band";
import { nw, matOf, envOf, spanOf } from "./newton";

/** Solve a session's tridiagonal block (factors from `base`) in place on sx[0..mv). */
function sessionSolve(base: i32, mv: i32): void {
  const hD = nw.hD;
  const hL = nw.hL;
  const sx = nw.sx;
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
  const pD = nw.pD;
  const beta = nw.beta;
  let s: f64 = 0;
  for (let t = 0; t < T; t++) s += ld(src, t) / ld(pD, t);
  for (let t = 0; t < T; t++) st(dst, t, (ld(src, t) - beta * s) / ld(pD, t));
}

/** dy = (A Θ A')⁻¹ r, with the factors of the last `factor()`. */
export function solve(r: usize, dy: usize): void {
  const kx = nw.kx;
  const sx = nw.sx;
  const rw = nw.rw;
  const flat = nw.flat;
  const lane = nw.lane;
  memory.copy(rw, r, <usize>m0 << 3);
  memory.fill(dy, 0, <usize>m0 << 3);
  // Forward: sessions onto their nodes.
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    if (ldi(lane, v) >= 0) continue;
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
    if (ldi(lane, v) >= 0) continue;
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
  const tv = nw.tv;
  const rw = nw.rw;
  const gG = nw.gG;
  if (!havePeak) return;
  peakSolve(rw + (<usize>rPeak << 3), tv);
  for (let t = 0; t < T; t++) st(rw, rSite + t, ld(rw, rSite + t) - ld(gG, t) * ld(tv, t));
}

/** Peak rows from the site rows' solution (backward half). */
function peakBackward(dy: usize): void {
  const tv = nw.tv;
  const rw = nw.rw;
  const gG = nw.gG;
  if (!havePeak) return;
  for (let t = 0; t < T; t++) st(tv, t, ld(rw, rPeak + t) - ld(gG, t) * ld(dy, rSite + t));
  peakSolve(tv, dy + (<usize>rPeak << 3));
}

/** Coupling rows (and long sessions) in flat mode: one band solve, Sherman–Morrison for the peak. */
function solveFlat(dy: usize): void {
  const rw = nw.rw;
  const beta = nw.beta;
  const wv2 = nw.wv2;
  const G = nw.G;
  const NF = nw.NF;
  const rank = nw.rank;
  const fbw = nw.fbw;
  const fmat = nw.fmat;
  const fenv = nw.fenv;
  const fvec = nw.fvec;
  const fw = nw.fw;
  const fv2 = nw.fv2;
  peakForward();
  memory.fill(fvec, 0, <usize>NF << 3);
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    const r = ldi(rank, k);
    for (let t = 0; t < T; t++) st(fvec, t * G + r, ld(rw, nodeRow(k, t)));
  }
  forLongSessions(fvec, true);
  bandSolve(fmat, NF, fbw, fenv, fvec);
  if (havePeak) {
    const f = beta * dot(fw, fvec, NF) / (1 + beta * wv2);
    for (let i = 0; i < NF; i++) st(fvec, i, ld(fvec, i) - f * ld(fv2, i));
  }
  for (let k = 0; k <= C; k++) {
    if (k < C && !ldi(keep, k)) continue;
    const r = ldi(rank, k);
    const lo = k < C ? ldi(nodeLo, k) : 0;
    const hi = k < C ? ldi(nodeHi, k) : T;
    for (let t = 0; t < T; t++) st(dy, nodeRow(k, t), t >= lo && t < hi ? ld(fvec, t * G + r) : 0);
  }
  forLongSessions(dy, false);
  peakBackward(dy);
}

/** Gather long sessions' rows from rw into the flat vector, or scatter the solution into dy. */
function forLongSessions(target: usize, gather: bool): void {
  const rw = nw.rw;
  const K = nw.K;
  const G = nw.G;
  const lane = nw.lane;
  const fvec = nw.fvec;
  if (G == K) return;
  for (let v = 0; v < V; v++) {
    const ln = ldi(lane, v);
    if (ln < 0) continue;
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    for (let i = 0; i < w; i++) {
      const f = (a + i) * G + K + ln;
      if (gather) st(target, f, ld(rw, rE + off + i));
      else st(target, rE + off + i, ld(fvec, f));
    }
    if (ldi(hasShort, v)) {
      const f = (a + w) * G + K + ln;
      if (gather) st(target, f, ld(rw, rS + v));
      else st(target, rS + v, ld(fvec, f));
    }
  }
}

/** Coupling rows in tree mode: circuits leaves first, the site, circuits back down. */
function solveTree(dy: usize): void {
  const theta = nw.theta;
  const tv = nw.tv;
  const rw = nw.rw;
  const wv = nw.wv;
  const v2 = nw.v2;
  const beta = nw.beta;
  const wv2 = nw.wv2;
  const rank = nw.rank;
  // Circuits leaves first onto their parents.
  for (let k = C - 1; k >= 0; k--) {
    if (!ldi(keep, k)) continue;
    const l = ldi(nodeLo, k);
    const span = spanOf(k);
    for (let i = 0; i < span; i++) st(tv, i, ld(rw, rCirc + k * T + l + i));
    bandSolve(matOf(k), span, ldi(nodeBw, k), envOf(k), tv);
    const par = ldi(effParent, k);
    for (let i = 0; i < span; i++) {
      const row = nodeRow(par, l + i);
      st(rw, row, ld(rw, row) + ld(theta, oF + k * T + l + i) * ld(tv, i));
    }
  }
  // Peak rows onto the site rows, then the site rows (Sherman–Morrison for the rank one).
  peakForward();
  const ys = dy + (<usize>rSite << 3);
  memory.copy(ys, rw + (<usize>rSite << 3), <usize>T << 3);
  bandSolve(matOf(C), T, ldi(nodeBw, C), envOf(C), ys);
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
      st(tv, i, ld(rw, rCirc + k * T + l + i) + ld(theta, oF + k * T + l + i) * ld(dy, nodeRow(par, l + i)));
    }
    bandSolve(matOf(k), span, ldi(nodeBw, k), envOf(k), tv);
    for (let i = 0; i < span; i++) st(dy, rCirc + k * T + l + i, ld(tv, i));
  }
}
