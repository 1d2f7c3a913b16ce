// The Newton system with spec §11's phase rows: A Θ A' partitioned into the
// structured rows (0..m0, factored by newton.ts along sessions, circuits and
// the peak) and the phase rows (m0..m):
//   [ M00 M01 ] [dy0]   [r0]
//   [ M10 M11 ] [dy1] = [r1],   S = M11 − M10 M00⁻¹ M01 (dense, mP × mP).
// S is formed column by column with one structured solve each, then
// factored by dense Cholesky; a solve is two structured solves and one with
// S. Exact (same Newton direction as a factorisation of the whole matrix),
// at O(mP) structured solves plus mP³/3 per iteration: cheap while the phase
// rows that can bind are few, the cost of phases at scale otherwise.

import * as arena from "../arena";
import { Settings } from "./settings";
import { ld, st, n, nPad, m, m0, mP, multiplyA, multiplyAT } from "./lp";
import * as newton from "./newton";
import { solve as newtonSolve } from "./newtonsolve";

let theta: usize = 0;
let sm: usize = 0;   // f64[mP·mP]: S, then its Cholesky factor (lower, row-major)
let vy: usize = 0;   // f64[m]
let vx: usize = 0;   // f64[nPad]
let vm: usize = 0;   // f64[m]
let vz: usize = 0;   // f64[m]
let vw: usize = 0;   // f64[m]
let rr: usize = 0;   // f64[mP]

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

export function init(thetaPtr: usize): void {
  newton.init(thetaPtr);
  theta = thetaPtr;
  if (mP == 0) return;
  sm = arena.allocF64(mP * mP);
  vy = arena.allocF64(m);
  vx = arena.allocF64(nPad);
  vm = arena.allocF64(m);
  vz = arena.allocF64(m);
  vw = arena.allocF64(m);
  rr = arena.allocF64(mP);
}

/** out = A Θ A' y (all m rows). */
function normalProduct(y: usize, out: usize): void {
  multiplyAT(y, vx);
  for (let j = 0; j < n; j++) st(vx, j, ld(vx, j) * ld(theta, j));
  multiplyA(vx, out);
}

export function factor(): void {
  newton.factor();
  if (mP == 0) return;
  for (let j = 0; j < mP; j++) {
    memory.fill(vy, 0, <usize>m << 3);
    st(vy, m0 + j, 1);
    normalProduct(vy, vm);          // column m0 + j of A Θ A'
    newtonSolve(vm, vz);           // M00⁻¹ M01 e_j in vz[0..m0)
    memory.fill(vz + (<usize>m0 << 3), 0, <usize>mP << 3);
    normalProduct(vz, vw);          // M10 M00⁻¹ M01 e_j in vw[m0..m)
    for (let i = 0; i < mP; i++) st(sm, i * mP + j, ld(vm, m0 + i) - ld(vw, m0 + i));
  }
  // Dense Cholesky of the symmetric part, lower triangle in place.
  for (let i = 0; i < mP; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0.5 * (ld(sm, i * mP + j) + ld(sm, j * mP + i));
      if (j == i) s = ld(sm, i * mP + i);
      const diag = s;
      s -= dot(sm + (<usize>(i * mP) << 3), sm + (<usize>(j * mP) << 3), j);
      if (j < i) st(sm, i * mP + j, s / ld(sm, j * mP + j));
      else st(sm, i * mP + i, s > Settings.pivotDrop * diag && s > 0 ? Math.sqrt(s) : Settings.hugePivot);
    }
  }
}

/** dy = (A Θ A')⁻¹ r over all m rows, with the factors of the last `factor()`. */
export function solve(r: usize, dy: usize): void {
  if (mP == 0) {
    newtonSolve(r, dy);
    return;
  }
  newtonSolve(r, vz);                                   // w = M00⁻¹ r0
  memory.fill(vz + (<usize>m0 << 3), 0, <usize>mP << 3);
  normalProduct(vz, vw);                                 // M10 w
  for (let i = 0; i < mP; i++) st(rr, i, ld(r, m0 + i) - ld(vw, m0 + i));
  for (let i = 0; i < mP; i++) {
    let s = ld(rr, i);
    for (let k = 0; k < i; k++) s -= ld(sm, i * mP + k) * ld(rr, k);
    st(rr, i, s / ld(sm, i * mP + i));
  }
  for (let i = mP - 1; i >= 0; i--) {
    let s = ld(rr, i);
    for (let k = i + 1; k < mP; k++) s -= ld(sm, k * mP + i) * ld(rr, k);
    st(rr, i, s / ld(sm, i * mP + i));
  }
  memory.fill(vy, 0, <usize>m0 << 3);
  for (let i = 0; i < mP; i++) st(vy, m0 + i, ld(rr, i));
  normalProduct(vy, vm);                                 // M01 dy1 in vm[0..m0)
  newtonSolve(vm, vw);                                  // M00⁻¹ M01 dy1
  for (let i = 0; i < m0; i++) st(dy, i, ld(vz, i) - ld(vw, i));
  for (let i = 0; i < mP; i++) st(dy, m0 + i, ld(rr, i));
}
