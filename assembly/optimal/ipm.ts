// Primal-dual interior point with Mehrotra's predictor-corrector for
//   min c'x  s.t.  A x = b,  lo ≤ x ≤ up,
// duals y (rows), zl, zu ≥ 0 (bounds). Each iteration factors A Θ A' once
// (newton.ts, structured) and solves it twice. One iteration, as `run`
// reads:
//   residuals   rp = b − Ax, rd = c − A'y − zl + zu, μ = (s_l'zl + s_u'zu)/2n,
//               the bound b'y + Σ min(r_j lo_j, r_j up_j), the gap;
//               the scaling Θ = (zl/s_l + zu/s_u)⁻¹ (s_l = x − lo, s_u = up − x)
//   converged?  ‖rp‖ ≤ primalTol and gap ≤ gapTolerance; limits; stall
//   factor      A Θ A'
//   predictor   the affine direction (targets ξ = −s∘z) and its steps
//   centering   σ = (μ_aff/μ)³
//   corrector   targets ξ = σμ − s∘z − Δs_aff∘Δz_aff, the direction again
//   re-centre   while a step is short, Gondzio's centrality correctors (up to
//               two more solves, each kept only if the steps grow)
//   step        x += α_P Δx, (y, zl, zu) += α_D (Δy, Δzl, Δzu), α = min(1, 0.995·α_max)
// see: Mehrotra, "On the implementation of a primal-dual interior point
//      method", SIAM J. Optim. 2(4), 1992; Wright (1997) ch. 10-11.
//
// Why an interior point and not PDHG: measured on our generator at
// 1000×96, PDHG-style first-order methods need thousands of matrix passes
// to reach a 1e-4 relative gap, while this method reaches 1e-6 in 20-40
// iterations whose Newton solve costs a few passes over the windows (the
// structure makes the factorisation nearly linear in the number of
// sessions); it also yields a dual iterate, hence a proven bound, every
// iteration.

import * as arena from "../arena";
import {
  ld, st, n, nPad, m, lo, up, cost, rhs, costScale, objOffset, multiplyA, multiplyAT, oE, oG,
} from "./lp";
import * as newton from "./phaserows";
import { Settings } from "./settings";
import { Budget } from "./budget";
import { hasMinCharge } from "./repair";
import { Field } from "../layout";
import { ptr } from "../problem";
import { warmColumns, warmRows, canonicalMap, settleRows } from "./warm";

@external("env", "performanceNow")
declare function performanceNow(): f64;


/** How the loop ended. */
export enum IpmExit {
  Converged = 0,
  IterationLimit = 1,
  TimeLimit = 2,
  /** Steps collapsed before the gap closed (numerical limit reached). */
  Stalled = 3,
  /** The proven bound passed the budget's cutoff (`Budget.cutoffAbove`): the caller rejects this LP whatever the rest of the run. */
  Cutoff = 4,
}

/** Where `run` starts. */
export enum Start {
  /** The box midpoint, bound duals μ0/h + |c| (`start`). */
  Cold = 0,
  /** The iterate the last run left (same LP): the bound and the iteration count carry on. */
  Resume = 1,
  /** The previous solve's iterate in Field.WarmIn (warm.ts), pushed back towards the central path; cold where it has none. */
  Warm = 2,
  /** The point `solution.x` holds (same rows, boxes that contain it), pushed inside; duals fitted to this LP's costs (`pointStart`). */
  FromPoint = 3,
}

/** Whether a run leaves its iterate in Field.WarmOut for the next solve (warm.ts). */
export enum Record {
  None = 0,
  /** The first iterate with μ and the primal residual below the recording thresholds (else the last). */
  Path = 1,
}

/** The iterate a run leaves (OSQP's solution): primal x (f64[nPad]) and row duals y (f64[m]). */
@unmanaged export class Solution {
  x: usize = 0;
  y: usize = 0;
}

/** What a run reports (OSQP's info). */
@unmanaged export class IpmInfo {
  /** Iterations of the last run (carried on by a resumed run). */
  iterations: i32 = 0;
  /** How the last run ended (its iterate in `x`; `y` matches only when Converged). */
  exit: IpmExit = IpmExit.Converged;
  /** Best proven lower bound seen (model units), rounding allowance taken off. */
  bound: f64 = -Infinity;
  /** The same without the allowance for rounding: what the loop's gap uses. */
  rawBound: f64 = -Infinity;
  /** c'x of the current iterate (model units). */
  primalObjective: f64 = 0;
  /** (primalObjective − rawBound) / max(1, |primalObjective|). */
  gap: f64 = Infinity;
}

/**
 * Everything the loop touches besides the LP (OSQP's workspace); its arrays
 * are allocated once per LP from the arena by `init`. Column arrays are
 * f64[nPad], row arrays f64[m].
 */
@unmanaged class IpmWorkspace {
  /** Bound duals. */
  zl: usize = 0;
  zu: usize = 0;
  /** 1 for a free column, 0 for a fixed one. */
  fm: usize = 0;
  /** fm / (x − lo), fm / (up − x): the slacks' reciprocals. */
  isl: usize = 0;
  isu: usize = 0;
  /** fm / zl, fm / zu. */
  izl: usize = 0;
  izu: usize = 0;
  /** Θ = fm / (zl·isl + zu·isu + 1 − fm), the Newton system's scaling. */
  theta: usize = 0;
  /** The direction. */
  dx: usize = 0;
  dzl: usize = 0;
  dzu: usize = 0;
  dy: usize = 0;
  /** Residuals: rp = b − Ax (rows), rd = fm·(c − A'y − zl + zu) (columns). */
  rp: usize = 0;
  rd: usize = 0;
  /** A'y. */
  aty: usize = 0;
  /** Complementarity targets of the direction being computed. */
  xil: usize = 0;
  xiu: usize = 0;
  /** The best iterate seen (merit below). */
  xBest: usize = 0;
  /** Scratch: column (tn, xtmp) and row (tm, mtmp, dyc) vectors. */
  tn: usize = 0;
  xtmp: usize = 0;
  tm: usize = 0;
  mtmp: usize = 0;
  dyc: usize = 0;
  /** Spare direction arrays: a centrality corrector is solved into them and swapped in when it pays. */
  sdx: usize = 0;
  sdzl: usize = 0;
  sdzu: usize = 0;
  sdy: usize = 0;
  /** Centrality correctors allowed per iteration in this run (0 with minChargeKw floors). */
  correctors: i32 = 0;
  /** Largest feasible steps along the last direction. */
  maxPrimal: f64 = 1;
  maxDual: f64 = 1;
  /** Of the current iterate (set by `residuals`): max |rp| / (1 + ‖b‖∞), and μ. */
  pinf: f64 = 0;
  mu: f64 = 0;
  /** Free columns of the current LP (the n of μ = s'z / 2n). */
  nfree: i32 = 0;
  /** Best merit max(pinf/primalTol, gap/gapTolerance) and primal residual of this run. */
  bestMerit: f64 = Infinity;
  bestPinf: f64 = Infinity;
}

// The records live in static memory, made once with the module: in the
// arena they would shift the arrays allocated after them (newton.ts: a
// shift alone cost ~30% at 1000×96). `init` resets them for each LP.
export const solution = changetype<Solution>(memory.data(offsetof<Solution>(), 16));
export const info = changetype<IpmInfo>(memory.data(offsetof<IpmInfo>(), 16));
const w = changetype<IpmWorkspace>(memory.data(offsetof<IpmWorkspace>(), 16));

// Column loops run two lanes at a time over the padded length; fixed columns
// carry fm = 0, zl = zu = 0 and x = lo = up, so every formula below gives 0
// for them without a branch.
@inline function lane(p: usize, j: i32): v128 { return v128.load(p + (<usize>j << 3)); }
@inline function put(p: usize, j: i32, v: v128): void { v128.store(p + (<usize>j << 3), v); }
@inline function sum2(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/** Solution, info and workspace for the LP of lp.build() (arrays from the arena). */
export function init(): void {
  const N = nPad;
  const x = arena.allocF64(N);
  const xBest = arena.allocF64(N);
  const fm = arena.allocF64(N);
  const isl = arena.allocF64(N);
  const isu = arena.allocF64(N);
  const izl = arena.allocF64(N);
  const izu = arena.allocF64(N);
  const zl = arena.allocF64(N);
  const zu = arena.allocF64(N);
  const theta = arena.allocF64(N);
  const dx = arena.allocF64(N);
  const dzl = arena.allocF64(N);
  const dzu = arena.allocF64(N);
  const rd = arena.allocF64(N);
  const aty = arena.allocF64(N);
  const xil = arena.allocF64(N);
  const xiu = arena.allocF64(N);
  const tn = arena.allocF64(N);
  const xtmp = arena.allocF64(N);
  const y = arena.allocF64(m);
  const dy = arena.allocF64(m);
  const rp = arena.allocF64(m);
  const tm = arena.allocF64(m);
  const mtmp = arena.allocF64(m);
  const dyc = arena.allocF64(m);
  newton.init(theta);
  // After newton.init: its factor storage keeps the alignment it was measured with.
  const sdx = arena.allocF64(N);
  const sdzl = arena.allocF64(N);
  const sdzu = arena.allocF64(N);
  const sdy = arena.allocF64(m);
  w.sdx = sdx; w.sdzl = sdzl; w.sdzu = sdzu; w.sdy = sdy;
  solution.x = x;
  solution.y = y;
  info.iterations = 0;
  info.exit = IpmExit.Converged;
  info.bound = -Infinity;
  info.rawBound = -Infinity;
  info.primalObjective = 0;
  info.gap = Infinity;
  w.zl = zl; w.zu = zu; w.fm = fm;
  w.isl = isl; w.isu = isu; w.izl = izl; w.izu = izu; w.theta = theta;
  w.dx = dx; w.dzl = dzl; w.dzu = dzu; w.dy = dy;
  w.rp = rp; w.rd = rd; w.aty = aty; w.xil = xil; w.xiu = xiu; w.xBest = xBest;
  w.tn = tn; w.xtmp = xtmp; w.tm = tm; w.mtmp = mtmp; w.dyc = dyc;
  w.maxPrimal = 1;
  w.maxDual = 1;
  w.bestMerit = Infinity;
  w.bestPinf = Infinity;
}

/**
 * Column j's box as both starts take it: an energy, shortfall or surplus
 * box narrower than Settings.minBox is widened to it (fixed, it could leave
 * the energy chain infeasible; settings.ts says why), and a column whose box
 * is no wider than fixedWidth (or that pads the arrays) is fixed at its
 * lower end with zero bound duals. True when the column is free (marked in fm).
 */
function openColumn(j: i32, x: usize, zl: usize, zu: usize, fm: usize): bool {
  const l = ld(lo, j);
  let u = ld(up, j);
  if (j >= oE && j < oG && u > l && u - l < Settings.minBox) {
    u = l + Settings.minBox;
    st(up, j, u);
  }
  if (j >= n || !(u - l > Settings.fixedWidth)) {
    st(x, j, l); st(zl, j, 0); st(zu, j, 0); st(fm, j, 0);
    return false;
  }
  st(fm, j, 1);
  return true;
}

/**
 * The start: x at the box midpoints, y = 0, bound duals zl = μ0/h + max(c, 0),
 * zu = μ0/h + max(−c, 0) (h = half the box), which make the dual residual
 * zero and the complementarity μ0 per pair. Returns the free columns.
 */
function start(mu0: f64): i32 {
  const x = solution.x;
  const zl = w.zl;
  const zu = w.zu;
  const fm = w.fm;
  let free = 0;
  for (let j = 0; j < nPad; j++) {
    if (!openColumn(j, x, zl, zu, fm)) continue;
    free++;
    const l = ld(lo, j);
    const h = 0.5 * (ld(up, j) - l);
    const c = ld(cost, j);
    st(x, j, l + h);
    st(zl, j, mu0 / h + max(c, 0));
    st(zu, j, mu0 / h + max(-c, 0));
  }
  memory.fill(solution.y, 0, <usize>m << 3);
  return free;
}

@inline function finite(v: f64): bool { return v - v == 0; }

/**
 * The warm start (Gondzio 1998; Yildirim & Wright 2002): the previous
 * solve's iterate, recorded on its central path at μ_w (not its optimum,
 * whose products are too small to move), mapped by the host onto this LP.
 * Row duals y where given (else 0). Columns take their warm x (a column
 * without one, of a new session, starts at its box midpoint), then
 * `settleRows` (warm.ts) makes the rows hold where a column of their own
 * can take up the change (energy chains, shortfall, flows, import, peak),
 * every x a share `warmInside` of its box off either end. Bound duals: a
 * warm column's are raised to at least β·μ_w over its slack, so that no
 * product sits far below μ_w; a column without them gets zl − zu = c − A'y
 * and products μ_w. Fixed columns as in `start`. Returns the free columns.
 * see: Gondzio, "Warm start of the primal-dual method applied in the
 *      cutting-plane scheme", Math. Program. 83, 1998; Yildirim & Wright,
 *      "Warm-start strategies in interior-point methods for linear
 *      programming", SIAM J. Optim. 12(3), 2002.
 */
function warmStart(mu0: f64): i32 {
  const src = ptr(Field.WarmIn);
  const nc = warmColumns();
  const mc = warmRows();
  const x = solution.x;
  const y = solution.y;
  const zl = w.zl;
  const zu = w.zu;
  const fm = w.fm;
  const aty = w.aty;
  let muW = ld(src, 3 * nc + mc);
  if (!(muW >= Settings.warmMinMu)) muW = Settings.warmMinMu;
  if (!(muW <= mu0)) muW = mu0;
  for (let i = 0; i < m; i++) {
    const v = i < mc ? ld(src, 3 * nc + i) : 0;
    st(y, i, finite(v) ? v : 0);
  }
  multiplyAT(y, aty);
  const mark = arena.mark();
  const map = canonicalMap();
  const inside = Settings.warmInside;
  const beta = Settings.warmCentrality;
  // x first (the warm bound duals kept in zl, zu; NaN where none), then the rows settled, then the duals.
  let free = 0;
  for (let j = 0; j < nPad; j++) {
    if (!openColumn(j, x, zl, zu, fm)) continue;
    free++;
    const l = ld(lo, j);
    const u = ld(up, j);
    const k = load<i32>(map + (<usize>j << 2));
    const wx = k >= 0 ? ld(src, k) : NaN;
    const wl = k >= 0 ? ld(src, nc + k) : NaN;
    const wu = k >= 0 ? ld(src, 2 * nc + k) : NaN;
    if (finite(wx) && finite(wl) && finite(wu) && wl >= 0 && wu >= 0) {
      st(x, j, wx);
      st(zl, j, wl);
      st(zu, j, wu);
    } else {
      st(x, j, l + 0.5 * (u - l));
      st(zl, j, NaN);
      st(zu, j, NaN);
    }
  }
  arena.release(mark);
  settleRows(x, src, inside);
  for (let j = 0; j < n; j++) {
    if (ld(fm, j) == 0) continue;
    const l = ld(lo, j);
    const u = ld(up, j);
    const margin = inside * (u - l);
    const xv = min(max(ld(x, j), l + margin), u - margin);
    st(x, j, xv);
    const wl = ld(zl, j);
    if (finite(wl)) {
      st(zl, j, max(wl, beta * muW / (xv - l)));
      st(zu, j, max(ld(zu, j), beta * muW / (u - xv)));
    } else {
      const r = ld(cost, j) - ld(aty, j);
      st(zl, j, muW / (xv - l) + max(r, 0));
      st(zu, j, muW / (u - xv) + max(-r, 0));
    }
  }
  return free;
}

/**
 * A start from the point `solution.x` holds, for an LP with the same rows
 * and boxes that still contain it (the tie-break's stage 2: stage 1's
 * iterate, on the face; Start.FromPoint). Each free column's x is pushed
 * Settings.pointInside of its box inside either end (the face's cut
 * columns have stage 1's value at one end of their box; near 1e-3 of it
 * stage 2 measured slower than cold). Row duals: the weighted least
 * squares fit of the new costs, y = (A S² A')⁻¹ A S² c with S the smaller
 * slack of each free column (one factorisation of the Newton system), so
 * that r = c − A'y is small where a column has room, and with it the
 * products s·|r| the bound duals add to μ0 (with y = 0, s·|c|: up to
 * T × a battery's capacity). Bound duals zl = μ0/s_l + max(r, 0),
 * zu = μ0/s_u + max(−r, 0) (dual residual zero), fixed columns as in
 * `start`. Returns the free columns.
 */
function pointStart(mu0: f64): i32 {
  const x = solution.x;
  const y = solution.y;
  const zl = w.zl;
  const zu = w.zu;
  const fm = w.fm;
  const theta = w.theta;
  const aty = w.aty;
  const t = w.xtmp;
  const share = Settings.pointInside;
  let free = 0;
  for (let j = 0; j < nPad; j++) {
    const xv = ld(x, j);
    st(theta, j, 0);
    if (!openColumn(j, x, zl, zu, fm)) continue;
    free++;
    const l = ld(lo, j);
    const u = ld(up, j);
    const margin = share * (u - l);
    const v = finite(xv) ? min(max(xv, l + margin), u - margin) : l + 0.5 * (u - l);
    st(x, j, v);
    const s = min(v - l, u - v);
    st(theta, j, s * s);
  }
  for (let j = 0; j < nPad; j++) st(t, j, ld(theta, j) * ld(cost, j));
  multiplyA(t, w.tm);
  newton.factor();
  newton.solve(w.tm, y);
  for (let i = 0; i < m; i++) if (!finite(ld(y, i))) st(y, i, 0);
  multiplyAT(y, aty);
  for (let j = 0; j < n; j++) {
    if (ld(fm, j) == 0) continue;
    const l = ld(lo, j);
    const u = ld(up, j);
    const v = ld(x, j);
    const r = ld(cost, j) - ld(aty, j);
    st(zl, j, mu0 / (v - l) + max(r, 0));
    st(zu, j, mu0 / (u - v) + max(-r, 0));
  }
  return free;
}

/** The current iterate into Field.WarmOut (warm.ts's layout), NaN where a column is fixed. */
function recordWarm(): void {
  const dst = ptr(Field.WarmOut);
  const nc = warmColumns();
  const mc = warmRows();
  const x = solution.x;
  const y = solution.y;
  const zl = w.zl;
  const zu = w.zu;
  const fm = w.fm;
  for (let k = 0; k < 3 * nc; k++) st(dst, k, NaN);
  const mark = arena.mark();
  const map = canonicalMap();
  for (let j = 0; j < n; j++) {
    const k = load<i32>(map + (<usize>j << 2));
    if (k < 0 || ld(fm, j) == 0) continue;
    st(dst, k, ld(x, j));
    st(dst, nc + k, ld(zl, j));
    st(dst, 2 * nc + k, ld(zu, j));
  }
  arena.release(mark);
  for (let i = 0; i < mc; i++) st(dst, 3 * nc + i, i < m ? ld(y, i) : NaN);
  st(dst, 3 * nc + mc, w.mu);
  st(dst, 3 * nc + mc + 2, 1);
}

/**
 * Field.WarmOut's reference iteration count (warm.ts meta[1]): a cold
 * run's own, a warm run's inherited from the cold solve it descends from,
 * so that the next warm start's budget is measured against a cold solve.
 */
function recordReference(from: Start): void {
  const at = 3 * warmColumns() + warmRows() + 1;
  st(ptr(Field.WarmOut), at, from == Start.Warm ? ld(ptr(Field.WarmIn), at) : <f64>info.iterations);
}

/** The iterations a cold solve of the previous problem took (warm.ts meta[1]), NaN when unknown. */
export function warmReference(): f64 {
  return ld(ptr(Field.WarmIn), 3 * warmColumns() + warmRows() + 1);
}

/**
 * Newton direction for complementarity targets
 *   (x−lo)∘Δzl + zl∘Δx = ξl,  (up−x)∘Δzu − zu∘Δx = ξu:
 * Δx = Θ(A'Δy − ρ), ρ = rd − ξl/(x−lo) + ξu/(up−x), (AΘA')Δy = rp + AΘρ.
 * Then the largest steps along it (w.maxPrimal, w.maxDual).
 */
function direction(accurate: bool): void {
  const rd = w.rd;
  const xil = w.xil;
  const xiu = w.xiu;
  const isl = w.isl;
  const isu = w.isu;
  const izl = w.izl;
  const izu = w.izu;
  const theta = w.theta;
  const tn = w.tn;
  const tm = w.tm;
  const rp = w.rp;
  const dx = w.dx;
  const dy = w.dy;
  const dzl = w.dzl;
  const dzu = w.dzu;
  const zl = w.zl;
  const zu = w.zu;
  for (let j = 0; j < nPad; j += 2) {
    const rho = f64x2.add(f64x2.sub(lane(rd, j), f64x2.mul(lane(xil, j), lane(isl, j))), f64x2.mul(lane(xiu, j), lane(isu, j)));
    put(tn, j, f64x2.mul(lane(theta, j), rho));
    put(dx, j, rho);
  }
  multiplyA(tn, tm);
  for (let i = 0; i < m; i++) st(tm, i, ld(tm, i) + ld(rp, i));
  newton.solve(tm, dy);
  // Early iterates tolerate rough directions; accuracy matters as the gap
  // closes, and only for the step taken (the predictor only sets σ and the
  // corrector's second-order term).
  if (accurate && info.gap < Settings.refineGap) refine();
  multiplyAT(dy, tn);
  // With the direction, the largest steps: 1 / max_j(−Δx/(x−lo), Δx/(up−x))
  // and 1 / max_j(−Δzl/zl, −Δzu/zu), from the reciprocals of the scaling
  // (no division per column; fixed columns have zero reciprocals).
  let qp = f64x2.splat(0);
  let qd = f64x2.splat(0);
  for (let j = 0; j < nPad; j += 2) {
    const a = lane(isl, j);
    const b = lane(isu, j);
    const d = f64x2.mul(lane(theta, j), f64x2.sub(lane(tn, j), lane(dx, j)));
    const l = f64x2.mul(f64x2.sub(lane(xil, j), f64x2.mul(lane(zl, j), d)), a);
    const u = f64x2.mul(f64x2.add(lane(xiu, j), f64x2.mul(lane(zu, j), d)), b);
    put(dx, j, d);
    put(dzl, j, l);
    put(dzu, j, u);
    qp = f64x2.max(qp, f64x2.max(f64x2.neg(f64x2.mul(d, a)), f64x2.mul(d, b)));
    qd = f64x2.max(qd, f64x2.neg(f64x2.min(f64x2.mul(l, lane(izl, j)), f64x2.mul(u, lane(izu, j)))));
  }
  w.maxPrimal = reciprocalStep(qp);
  w.maxDual = reciprocalStep(qd);
}

@inline function reciprocalStep(q: v128): f64 {
  const m = max(f64x2.extract_lane(q, 0), f64x2.extract_lane(q, 1));
  return m > 1 ? 1 / m : 1;
}

/**
 * Iterative refinement of (AΘA')Δy = tm against the unfactored operator.
 * Late iterations make the eliminated blocks nearly singular (the peak's
 * rank-one term through Sherman–Morrison, Θ spanning 1e±10), and a pass or
 * two of refinement restores the direction at the price of a solve each.
 */
function refine(): void {
  const tm = w.tm;
  const dy = w.dy;
  const xtmp = w.xtmp;
  const mtmp = w.mtmp;
  const dyc = w.dyc;
  const theta = w.theta;
  let scale: f64 = 0;
  for (let i = 0; i < m; i++) scale = max(scale, Math.abs(ld(tm, i)));
  for (let pass = 0; pass < Settings.refinePasses; pass++) {
    multiplyAT(dy, xtmp);
    for (let j = 0; j < nPad; j += 2) put(xtmp, j, f64x2.mul(lane(xtmp, j), lane(theta, j)));
    multiplyA(xtmp, mtmp);
    let res: f64 = 0;
    for (let i = 0; i < m; i++) {
      const r = ld(tm, i) - ld(mtmp, i);
      st(mtmp, i, r);
      res = max(res, Math.abs(r));
    }
    if (res <= Settings.refineTol * (1 + scale)) return;
    newton.solve(mtmp, dyc);
    for (let i = 0; i < m; i++) st(dy, i, ld(dy, i) + ld(dyc, i));
  }
}

/** Columns that are not fixed (fm = 1). */
function countFree(): i32 {
  const fm = w.fm;
  let free = 0;
  for (let j = 0; j < n; j++) if (ld(fm, j) != 0) free++;
  return free;
}

/**
 * Residuals of the current iterate, rp = b − Ax and rd = c − A'y − zl + zu
 * (w.pinf = ‖rp‖∞/(1 + bnorm)), the complementarity μ = (s_l'zl + s_u'zu)/2n,
 * c'x, the bound and the gap (into `info`), and, in the same pass over the
 * columns, the scaling for the next Newton system: isl = fm/(x − lo),
 * isu = fm/(up − x), Θ = fm/(zl·isl + zu·isu + 1 − fm), izl = fm/zl,
 * izu = fm/zu, and the predictor's targets ξ = −s∘z.
 */
function residuals(bnorm: f64): void {
  const x = solution.x;
  const y = solution.y;
  const tm = w.tm;
  const rp = w.rp;
  const rd = w.rd;
  const aty = w.aty;
  const fm = w.fm;
  const zl = w.zl;
  const zu = w.zu;
  const isl = w.isl;
  const isu = w.isu;
  const izl = w.izl;
  const izu = w.izu;
  const theta = w.theta;
  const xil = w.xil;
  const xiu = w.xiu;
  multiplyA(x, tm);
  let pinf: f64 = 0;
  for (let i = 0; i < m; i++) {
    const r = ld(rhs, i) - ld(tm, i);
    st(rp, i, r);
    pinf = max(pinf, Math.abs(r));
  }
  w.pinf = pinf / (1 + bnorm);
  multiplyAT(y, aty);
  // One pass for the dual residual, the complementarity, c'x and the bound:
  // with r = c − A'y, c'x = b'y + r'x ≥ b'y + Σ_j min(r_j lo_j, r_j up_j)
  // for every x in the boxes, whatever y is: a proven lower bound.
  let compV = f64x2.splat(0);
  let objV = f64x2.splat(0);
  let boxV = f64x2.splat(0);
  let errV = f64x2.splat(0);
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  for (let j = 0; j < nPad; j += 2) {
    const f = lane(fm, j);
    const zlv = lane(zl, j);
    const zuv = lane(zu, j);
    const cv = lane(cost, j);
    const r = f64x2.sub(cv, lane(aty, j));
    put(rd, j, f64x2.mul(f, f64x2.add(f64x2.sub(r, zlv), zuv)));
    const xv = lane(x, j);
    const lv = lane(lo, j);
    const uv = lane(up, j);
    compV = f64x2.add(compV, f64x2.add(f64x2.mul(f64x2.sub(xv, lv), zlv), f64x2.mul(f64x2.sub(uv, xv), zuv)));
    objV = f64x2.add(objV, f64x2.mul(cv, xv));
    const end = v128.bitselect(lv, uv, f64x2.gt(r, zero));
    boxV = f64x2.add(boxV, f64x2.mul(r, end));
    const mag = f64x2.abs(end);
    errV = f64x2.add(errV, f64x2.mul(mag, f64x2.add(f64x2.abs(r), f64x2.abs(cv))));
    // The scaling (fixed columns: nf = 1 keeps every division finite, f = 0 the result 0).
    const nf = f64x2.sub(one, f);
    const a = f64x2.div(f, f64x2.add(f64x2.sub(xv, lv), nf));
    const b = f64x2.div(f, f64x2.add(f64x2.sub(uv, xv), nf));
    put(isl, j, a);
    put(isu, j, b);
    const den = f64x2.add(f64x2.add(f64x2.mul(zlv, a), f64x2.mul(zuv, b)), nf);
    put(theta, j, f64x2.div(f, den));
    put(izl, j, f64x2.div(f, f64x2.add(zlv, nf)));
    put(izu, j, f64x2.div(f, f64x2.add(zuv, nf)));
    put(xil, j, f64x2.neg(f64x2.mul(f64x2.sub(xv, lv), zlv)));
    put(xiu, j, f64x2.neg(f64x2.mul(f64x2.sub(uv, xv), zuv)));
  }
  let by: f64 = 0;
  let byAbs: f64 = 0;
  for (let i = 0; i < m; i++) {
    const t = ld(rhs, i) * ld(y, i);
    by += t;
    byAbs += Math.abs(t);
  }
  // The bound is exact in exact arithmetic only: where |y| is large its
  // sums cancel, and their rounding (~u·Σ|terms|, allowed generously) is
  // taken off, so a blown-up dual iterate gives a useless bound, not a
  // wrong one.
  const err = Settings.boundRounding * (byAbs + sum2(errV));
  const raw = (by + sum2(boxV)) * costScale + objOffset;
  if (raw > info.rawBound) info.rawBound = raw;
  const bound = raw - err * costScale;
  if (bound > info.bound) info.bound = bound;
  const objective = sum2(objV) * costScale + objOffset;
  info.primalObjective = objective;
  // The loop steers by the plain bound (a degenerate LP's large duals
  // would keep the rounding term above any tolerance); only the reported
  // bound carries it.
  info.gap = (objective - info.rawBound) / max(1, Math.abs(objective));
  w.mu = sum2(compV) / (2 * <f64>w.nfree);
}

/**
 * The predictor (affine scaling): the direction for the targets ξ = −s∘z
 * that `residuals` set, and the complementarity after its largest steps,
 * μ_aff = ((s_l + α_P Δx)'(zl + α_D Δzl) + (s_u − α_P Δx)'(zu + α_D Δzu)) / 2n.
 */
function predictor(): f64 {
  direction(false);
  const x = solution.x;
  const dx = w.dx;
  const zl = w.zl;
  const zu = w.zu;
  const dzl = w.dzl;
  const dzu = w.dzu;
  const ap = f64x2.splat(w.maxPrimal);
  const ad = f64x2.splat(w.maxDual);
  let affV = f64x2.splat(0);
  for (let j = 0; j < nPad; j += 2) {
    const d = f64x2.mul(ap, lane(dx, j));
    const xv = lane(x, j);
    affV = f64x2.add(affV, f64x2.mul(f64x2.add(f64x2.sub(xv, lane(lo, j)), d), f64x2.add(lane(zl, j), f64x2.mul(ad, lane(dzl, j)))));
    affV = f64x2.add(affV, f64x2.mul(f64x2.sub(f64x2.sub(lane(up, j), xv), d), f64x2.add(lane(zu, j), f64x2.mul(ad, lane(dzu, j)))));
  }
  return sum2(affV) / (2 * <f64>w.nfree);
}

/** Mehrotra's centering: σ = (μ_aff/μ)³, at most 1. */
@inline function centering(muAff: f64, mu: f64): f64 {
  const ratio = muAff / mu;
  return min(1, ratio * ratio * ratio);
}

/**
 * The corrector: targets ξ = σμ − s∘z − Δs_aff∘Δz_aff (Δs_l = Δx,
 * Δs_u = −Δx, from the predictor's direction), then the direction again,
 * refined late in the solve.
 */
function corrector(sigmaMu: f64): void {
  const x = solution.x;
  const dx = w.dx;
  const zl = w.zl;
  const zu = w.zu;
  const dzl = w.dzl;
  const dzu = w.dzu;
  const xil = w.xil;
  const xiu = w.xiu;
  const target = f64x2.splat(sigmaMu);
  for (let j = 0; j < nPad; j += 2) {
    const d = lane(dx, j);
    const xv = lane(x, j);
    put(xil, j, f64x2.sub(f64x2.sub(target, f64x2.mul(f64x2.sub(xv, lane(lo, j)), lane(zl, j))), f64x2.mul(d, lane(dzl, j))));
    put(xiu, j, f64x2.add(f64x2.sub(target, f64x2.mul(f64x2.sub(lane(up, j), xv), lane(zu, j))), f64x2.mul(d, lane(dzu, j))));
  }
  direction(true);
}

/** Exchange the direction (Δx, Δzl, Δzu, Δy) with the spare arrays (pointers only). */
function swapDirection(): void {
  let t = w.dx; w.dx = w.sdx; w.sdx = t;
  t = w.dzl; w.dzl = w.sdzl; w.sdzl = t;
  t = w.dzu; w.dzu = w.sdzu; w.sdzu = t;
  t = w.dy; w.dy = w.sdy; w.sdy = t;
}

/**
 * Gondzio's multiple centrality correctors, after `corrector` (same factors),
 * only while the shorter step is below Settings.correctorBelow: with α̃ = min(1, α + reach) for each of the two steps, the trial point's
 * products v = (s + α̃_P Δs)∘(z + α̃_D Δz) are pushed into
 * [low·σμ, high·σμ] (the excess above only down to −high·σμ), and the
 * direction is solved again with the targets ξ + (t − v). It is kept when
 * α_P + α_D grows by at least gain·reach, otherwise the previous direction
 * is restored and the correctors stop. The residuals rp, rd are unchanged,
 * so this only re-centres: the LP, its optimum and the bound are untouched.
 * Returns the correctors kept.
 */
function correctors(sigmaMu: f64): i32 {
  const x = solution.x;
  let dx = w.dx;
  let dzl = w.dzl;
  let dzu = w.dzu;
  const zl = w.zl;
  const zu = w.zu;
  const fm = w.fm;
  const xil = w.xil;
  const xiu = w.xiu;
  const lowV = f64x2.splat(Settings.correctorLow * sigmaMu);
  const highV = f64x2.splat(Settings.correctorHigh * sigmaMu);
  const negHighV = f64x2.splat(-Settings.correctorHigh * sigmaMu);
  let kept = 0;
  for (let k = 0; k < w.correctors; k++) {
    const aP = min(1, Settings.stepToBoundary * w.maxPrimal);
    const aD = min(1, Settings.stepToBoundary * w.maxDual);
    if (min(aP, aD) >= Settings.correctorBelow) break;
    const tP = f64x2.splat(min(1, aP + Settings.correctorReach));
    const tD = f64x2.splat(min(1, aD + Settings.correctorReach));
    const savedP = w.maxPrimal;
    const savedD = w.maxDual;
    for (let j = 0; j < nPad; j += 2) {
      const f = lane(fm, j);
      const d = f64x2.mul(tP, lane(dx, j));
      const xv = lane(x, j);
      const vl = f64x2.mul(f64x2.add(f64x2.sub(xv, lane(lo, j)), d), f64x2.add(lane(zl, j), f64x2.mul(tD, lane(dzl, j))));
      const vu = f64x2.mul(f64x2.sub(f64x2.sub(lane(up, j), xv), d), f64x2.add(lane(zu, j), f64x2.mul(tD, lane(dzu, j))));
      // t − v: up to low·σμ from below, down to high·σμ (at most high·σμ less) from above.
      const cl = f64x2.add(f64x2.max(f64x2.sub(lowV, vl), f64x2.splat(0)), f64x2.max(negHighV, f64x2.min(f64x2.sub(highV, vl), f64x2.splat(0))));
      const cu = f64x2.add(f64x2.max(f64x2.sub(lowV, vu), f64x2.splat(0)), f64x2.max(negHighV, f64x2.min(f64x2.sub(highV, vu), f64x2.splat(0))));
      put(xil, j, f64x2.add(lane(xil, j), f64x2.mul(f, cl)));
      put(xiu, j, f64x2.add(lane(xiu, j), f64x2.mul(f, cu)));
    }
    swapDirection();                    // the new direction goes to the spare arrays
    direction(false);
    const nP = min(1, Settings.stepToBoundary * w.maxPrimal);
    const nD = min(1, Settings.stepToBoundary * w.maxDual);
    if (nP + nD >= aP + aD + Settings.correctorGain * Settings.correctorReach) {
      kept++;
      dx = w.dx; dzl = w.dzl; dzu = w.dzu;
      continue;
    }
    swapDirection();
    w.maxPrimal = savedP;
    w.maxDual = savedD;
    break;
  }
  return kept;
}

/**
 * The step: x += α_P Δx, zl += α_D Δzl, zu += α_D Δzu, y += α_D Δy with
 * α = min(1, 0.995·α_max) (Settings.stepToBoundary). Returns whether both
 * steps collapsed (below Settings.stallStep).
 */
function step(): bool {
  const x = solution.x;
  const y = solution.y;
  const dx = w.dx;
  const dy = w.dy;
  const zl = w.zl;
  const zu = w.zu;
  const dzl = w.dzl;
  const dzu = w.dzu;
  const alphaP = min(1, Settings.stepToBoundary * w.maxPrimal);
  const alphaD = min(1, Settings.stepToBoundary * w.maxDual);
  const aP = f64x2.splat(alphaP);
  const aD = f64x2.splat(alphaD);
  for (let j = 0; j < nPad; j += 2) {
    put(x, j, f64x2.add(lane(x, j), f64x2.mul(aP, lane(dx, j))));
    put(zl, j, f64x2.add(lane(zl, j), f64x2.mul(aD, lane(dzl, j))));
    put(zu, j, f64x2.add(lane(zu, j), f64x2.mul(aD, lane(dzu, j))));
  }
  for (let i = 0; i < m; i++) st(y, i, ld(y, i) + alphaD * ld(dy, i));
  return alphaP < Settings.stallStep && alphaD < Settings.stallStep;
}

/**
 * After `residuals`: keep the iterate nearest to both tolerances (late
 * iterations can lose accuracy, and whatever the exit the schedule comes
 * from the best one), and say whether the loop must stop: the iteration
 * or time limit, or a stall (collapsed steps, or a primal residual
 * `breakdown` times the best seen). Returns the exit, or −1 to go on.
 */
function limitReached(budget: Budget, iterations: i32, stalls: i32): i32 {
  const pinf = w.pinf;
  // |gap|: an iterate whose bound overshoots its objective is broken, not good.
  const merit = max(pinf / budget.primalTol, Math.abs(info.gap) / budget.gapTolerance);
  if (merit < w.bestMerit) {
    w.bestMerit = merit;
    memory.copy(w.xBest, solution.x, <usize>nPad << 3);
  }
  w.bestPinf = min(w.bestPinf, pinf);
  if (info.bound - budget.cutoffFrom > budget.cutoffSlack) return IpmExit.Cutoff;
  if (iterations >= budget.iterations) return IpmExit.IterationLimit;
  if (budget.timeLimitMs > 0 && performanceNow() - budget.started >= budget.timeLimitMs) return IpmExit.TimeLimit;
  if (stalls >= Settings.stallSteps || (w.bestPinf < Settings.breakdownFrom && pinf > Settings.breakdown * w.bestPinf)) return IpmExit.Stalled;
  // The dual broke down: a NaN, or (nearly feasible) a bound far above the
  // objective, which no dual can prove. Seen in the tie-break's stage 2 on
  // faces that hold most columns; without this it ran to its budget on NaN.
  if (isNaN(pinf) || isNaN(info.gap) || (pinf < Settings.breakdownFrom && info.gap < -Settings.gapBreakdown)) return IpmExit.Stalled;
  return -1;
}

/**
 * Run the interior point from `from` (the box midpoint, the iterate the
 * last run left, or the previous solve's), within the budget's iterations,
 * time and tolerances. The caller reads `solution` and `info` afterwards,
 * whatever the exit. `mu0` scales the starting bound duals (complementarity
 * μ0 at the box midpoint; the most a warm start's μ_w may be). With
 * `record`, the iterate is left in Field.WarmOut for the next solve.
 */
export function run(budget: Budget, from: Start, mu0: f64, record: Record = Record.None): IpmExit {
  if (from == Start.Resume) {
    w.nfree = countFree();
  } else {
    w.nfree = from == Start.Warm ? warmStart(mu0) : from == Start.FromPoint ? pointStart(mu0) : start(mu0);
    info.iterations = 0;
    info.bound = -Infinity;
    info.rawBound = -Infinity;
  }
  let recorded = record == Record.None;
  w.bestMerit = Infinity;
  w.bestPinf = Infinity;
  // Not with floors: the minChargeKw rounding starts from the relaxation's
  // point on the optimal face, and its stages were tuned on the path without
  // correctors (a golden case lost its 1% gap with them; bench/RESULTS.md §11).
  w.correctors = hasMinCharge() ? 0 : Settings.maxCorrectors;
  info.gap = Infinity;
  let bnorm: f64 = 0;
  for (let i = 0; i < m; i++) bnorm = max(bnorm, Math.abs(ld(rhs, i)));
  let stalls = 0;
  while (true) {
    residuals(bnorm);
    // The warm start's own point is not on this LP's path: recorded from the first step on.
    if (!recorded && w.mu <= Settings.warmRecordMu && w.pinf <= Settings.warmRecordPrimal && (from != Start.Warm || info.iterations > 0)) {
      recordWarm();
      recorded = true;
    }
    if (w.nfree == 0 || (w.pinf <= budget.primalTol && info.gap <= budget.gapTolerance)) {
      if (!recorded) recordWarm();
      if (record != Record.None) recordReference(from);
      return (info.exit = IpmExit.Converged);
    }
    const exit = limitReached(budget, info.iterations, stalls);
    if (exit >= 0) {
      if (!recorded) recordWarm();
      if (record != Record.None) recordReference(from);
      memory.copy(solution.x, w.xBest, <usize>nPad << 3);
      return (info.exit = <IpmExit>exit);
    }
    info.iterations++;
    newton.factor();                                  // A Θ A'
    const mu = w.mu;
    const sigma = centering(predictor(), mu);         // σ = (μ_aff/μ)³
    corrector(sigma * mu);                            // ξ = σμ − s∘z − Δs_aff∘Δz_aff
    correctors(sigma * mu);                           // Gondzio: re-centre the trial point
    if (step()) stalls++;                             // x, y, z += α Δ
    else stalls = 0;
  }
}
