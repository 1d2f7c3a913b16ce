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
import { dot } from "./band";
import { solve as newtonSolve } from "./newtonsolve";

/** The Schur complement's storage (static memory; the arrays from the arena, per LP). */
@unmanaged class PhaseRowsWorkspace {
  /** f64[nPad]: Θ, owned by the interior point. */
  theta: usize = 0;
  /** f64[mP·mP]: S, then its Cholesky factor (lower, row-major). */
  sm: usize = 0;
  /** Scratch: f64[m] (vy, vm, vz, vw), f64[nPad] (vx), f64[mP] (rr). */
  vy: usize = 0;
  vx: usize = 0;
  vm: usize = 0;
  vz: usize = 0;
  vw: usize = 0;
  rr: usize = 0;
}

const pw = changetype<PhaseRowsWorkspace>(memory.data(offsetof<PhaseRowsWorkspace>(), 16));

export function init(thetaPtr: usize): void {
  newton.init(thetaPtr);
  pw.theta = thetaPtr;
  if (mP == 0) return;
  pw.sm = arena.allocF64(mP * mP);
  pw.vy = arena.allocF64(m);
  pw.vx = arena.allocF64(nPad);
  pw.vm = arena.allocF64(m);
  pw.vz = arena.allocF64(m);
  pw.vw = arena.allocF64(m);
  pw.rr = arena.allocF64(mP);
}

/** out = A Θ A' y (all m rows). */
function normalProduct(y: usize, out: usize): void {
  const theta = pw.theta;
  const vx = pw.vx;
  multiplyAT(y, vx);
  for (let j = 0; j < n; j++) st(vx, j, ld(vx, j) * ld(theta, j));
  multiplyA(vx, out);
}

export function factor(): void {
  const sm = pw.sm;
  const vy = pw.vy;
  const vm = pw.vm;
  const vz = pw.vz;
  const vw = pw.vw;
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
  const sm = pw.sm;
  const vy = pw.vy;
  const vm = pw.vm;
  const vz = pw.vz;
  const vw = pw.vw;
  const rr = pw.rr;
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
