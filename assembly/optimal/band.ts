// Dense kernels on band matrices stored by rows (row i holds columns
// i − bw .. i), factored within an envelope: row i is zero left of column
// first[i]. The Newton system's node blocks (newton.ts) are such matrices.
// see: George & Liu, Computer Solution of Large Sparse Positive Definite
//      Systems (1981), ch. 4 (envelope methods).

import * as arena from "../arena";
import { ld, st, ldi, sti } from "./lp";
import { Settings } from "./settings";

/** Address of element (i, j), j ≤ i ≤ j + bw, of a lower band matrix. */
@inline export function at(p: usize, i: i32, j: i32, bw: i32): usize {
  return p + ((<usize>(i * (bw + 1) + j - i + bw)) << 3);
}

/** Σ a[k]·b[k], k < len, two lanes at a time. */
@inline export function dot(a: usize, b: usize, len: i32): f64 {
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

/**
 * In-place Cholesky L L' of a band matrix whose row i is zero left of
 * column first[i] (its envelope, i − bw ≤ first[i] ≤ i). L keeps the
 * envelope, so the work is Σ_i (i − first[i])², not n·bw²: a node's band is
 * as wide as its longest window, while most rows are only as wide as the
 * windows that cover them.
 */
export function bandFactor(p: usize, nn: i32, bw: i32, first: usize): void {
  for (let i = 0; i < nn; i++) {
    const fi = ldi(first, i);
    for (let j = fi; j <= i; j++) {
      const k0 = max(fi, ldi(first, j));
      const aij = at(p, i, j, bw);
      let s = load<f64>(aij) - dot(at(p, i, k0, bw), at(p, j, k0, bw), j - k0);
      if (j < i) {
        store<f64>(aij, s / load<f64>(at(p, j, j, bw)));
      } else {
        const a = load<f64>(aij); // the original diagonal: not yet overwritten
        store<f64>(aij, s > Settings.pivotDrop * a && s > 0 ? Math.sqrt(s) : Settings.hugePivot);
      }
    }
  }
}

/** x ← (L L')⁻¹ x, L from `bandFactor` with the same envelope. */
export function bandSolve(p: usize, nn: i32, bw: i32, first: usize, x: usize): void {
  for (let i = 0; i < nn; i++) {
    const j0 = ldi(first, i);
    const s = ld(x, i) - dot(at(p, i, j0, bw), x + (<usize>j0 << 3), i - j0);
    st(x, i, s / load<f64>(at(p, i, i, bw)));
  }
  for (let i = nn - 1; i >= 0; i--) {
    const xi = ld(x, i) / load<f64>(at(p, i, i, bw));
    st(x, i, xi);
    for (let k = ldi(first, i); k < i; k++) st(x, k, ld(x, k) - load<f64>(at(p, i, k, bw)) * xi);
  }
}

/** The full band as envelope: first[i] = max(0, i − bw). */
export function fullBand(nn: i32, bw: i32): usize {
  const first = arena.allocI32(nn);
  for (let i = 0; i < nn; i++) sti(first, i, max(0, i - bw));
  return first;
}
