// Warm re-plans: the canonical layout in which an interior-point iterate
// crosses the boundary (Field.WarmOut from one solve, Field.WarmIn into the
// next), so that the host can map it from one problem onto another (a
// horizon shifted by some slots, sessions added or removed) knowing only
// the boundary's own arrays (window offsets, slots, circuits), never the
// LP's column offsets.
//
// Canonical columns (nc = 3W + 2V + 5T + 1 + C·T):
//   c[W], d[W], e[W]          per window slot (d for every session: NaN where it cannot discharge)
//   s[V], σ[V]                per session
//   g[T], o[T], x[T], u[T], q[T], z[1], F[C·T]
// Canonical rows (mc = W + V + 2T + C·T): the LP's rows before the phase
// rows, in the LP's order: energy[W], shortfall[V], site[T], peak[T], circuit[C·T].
// The vector is x[nc], zl[nc], zu[nc], y[mc], then `warmMeta` entries:
//   [0] μ of the iterate, [1] the iterations of the cold solve it descends
//   from (the next warm start's budget is a share of it), [2] 1 when written.
// A value of NaN means "none": the column (or row) starts cold.
//
// Only the LP's columns before the phase columns have a canonical place;
// lp.ts orders them c, d, e, s, σ, g, o, x, u, q, z, F, so every column but
// the discharge ones (kept only for sessions that can discharge) sits at a
// constant offset from its canonical index.

import { Field } from "../layout";
import { windowSlots, sessions, slots, circuits, windowStart, windowEnd, windowOffset, sessionValue } from "../problem";
import * as arena from "../arena";
import * as lp from "./lp";
import { Settings } from "./settings";

/** Entries after x, zl, zu and y. */
export const warmMeta: i32 = 3;

/** Canonical columns of the problem laid out by `setup`. */
export function warmColumns(): i32 {
  return 3 * windowSlots + 2 * sessions + 5 * slots + 1 + circuits * slots;
}

/** Canonical rows of the problem laid out by `setup`. */
export function warmRows(): i32 {
  return windowSlots + sessions + 2 * slots + circuits * slots;
}

/** Length of Field.WarmIn and Field.WarmOut. */
export function warmLength(): i32 {
  return 3 * warmColumns() + warmRows() + warmMeta;
}

/**
 * i32[nPad] from the arena (the caller releases it): the canonical index of
 * each LP column (after lp.build), −1 for the phase columns and the padding.
 */
export function canonicalMap(): usize {
  const map = arena.allocI32(lp.nPad);
  for (let j = 0; j < lp.nPad; j++) {
    let k = -1;
    if (j < lp.oD) k = j;                                   // c
    else if (j >= lp.oE && j < lp.oPh) k = j - lp.oE + 2 * lp.W; // e, s, σ, g, o, x, u, q, z, F
    lp.sti(map, j, k);
  }
  for (let v = 0; v < lp.V; v++) {                          // d: by its session's window
    const w = windowEnd(v) - windowStart(v);
    const off = windowOffset(v);
    for (let i = 0; i < w; i++) {
      const d = lp.dCol(v, i);
      if (d >= 0) lp.sti(map, d, lp.W + off + i);
    }
  }
  return map;
}

@inline function inside(v: f64, l: f64, u: f64, share: f64): f64 {
  const margin = share * (u - l);
  return min(max(v, l + margin), u - margin);
}

@inline function isFree(j: i32): bool {
  return lp.ld(lp.up, j) - lp.ld(lp.lo, j) > Settings.fixedWidth;
}

/**
 * Make the rows hold where a column of their own can take up the change,
 * walking the structure once, every value kept `share` of its box inside
 * it: each battery's energy chain from e0 (a new session's charging on a
 * straight line to its requirement, where the host had no warm value), its
 * shortfall from its last energy, each circuit's flow from what its
 * sessions and children draw (leaves first), the import from the site's
 * balance, the peak slacks from the import. What the boxes stop is left as
 * the interior point's primal residual. `src` is Field.WarmIn (NaN: none).
 */
export function settleRows(x: usize, src: usize, share: f64): void {
  const T = lp.T;
  const C = lp.C;
  const dt = lp.dt;
  const mark = arena.mark();
  const draw = arena.allocF64((C + 1) * T);
  for (let v = 0; v < lp.V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const gc = dt * sessionValue(Field.ChargeEfficiency, v);
    const gd = dt / sessionValue(Field.DischargeEfficiency, v);
    let prev = lp.ld(lp.rhs, lp.rE + off);
    const line = max(0, sessionValue(Field.RequiredEnergy, v) - prev) / (gc * <f64>w);
    const k = lp.ldi(lp.node, v);
    // Slots the host had nothing for (a new session, or a window reaching past the old horizon) first take
    // what the requirement still lacks, latest first: the requirement of a car staying past the horizon grows
    // with it by exactly what one more slot can deliver.
    let e = prev;
    for (let i = 0; i < w; i++) {
      const cj = lp.oC + off + i;
      const fresh = isFree(cj) && !(lp.ld(src, off + i) - lp.ld(src, off + i) == 0);
      if (fresh) st(x, cj, inside(line, lp.ld(lp.lo, cj), lp.ld(lp.up, cj), share));
      const d = lp.dCol(v, i);
      e += gc * lp.ld(x, cj) - gd * (d >= 0 ? lp.ld(x, d) : 0);
    }
    let lack = lp.ldi(lp.hasShort, v) != 0 ? lp.ld(lp.rhs, lp.rS + v) - e : 0;
    for (let i = w - 1; i >= 0 && lack > 0; i--) {
      const cj = lp.oC + off + i;
      if (!isFree(cj) || lp.ld(src, off + i) - lp.ld(src, off + i) == 0) continue;
      const c = lp.ld(x, cj);
      const more = min(lack / gc, max(0, inside(lp.ld(lp.up, cj), lp.ld(lp.lo, cj), lp.ld(lp.up, cj), share) - c));
      st(x, cj, c + more);
      lack -= more * gc;
    }
    for (let i = 0; i < w; i++) {
      const j = off + i;
      const cj = lp.oC + j;
      const d = lp.dCol(v, i);
      const dv = d >= 0 ? lp.ld(x, d) : 0;
      const ej = lp.oE + j;
      let ev = prev + gc * lp.ld(x, cj) - gd * dv;
      if (isFree(ej)) ev = inside(ev, lp.ld(lp.lo, ej), lp.ld(lp.up, ej), share);
      st(x, ej, ev);
      prev = lp.ld(x, ej);
      const r = k * T + a + i;
      st(draw, r, lp.ld(draw, r) + lp.ld(x, cj) - dv);
    }
    if (lp.ldi(lp.hasShort, v) != 0) {
      const need = lp.ld(lp.rhs, lp.rS + v) - prev;        // s − σ
      const s = lp.oS + v;
      const g = lp.oSig + v;
      if (need >= 0) {
        if (isFree(s)) st(x, s, inside(need + lp.ld(x, g), lp.ld(lp.lo, s), lp.ld(lp.up, s), share));
      } else if (isFree(g)) {
        st(x, g, inside(lp.ld(x, s) - need, lp.ld(lp.lo, g), lp.ld(lp.up, g), share));
      }
    }
  }
  for (let c = C - 1; c >= 0; c--) {
    if (lp.ldi(lp.keep, c) == 0) continue;
    const p = lp.ldi(lp.effParent, c);
    for (let t = 0; t < T; t++) {
      const f = lp.oF + c * T + t;
      if (isFree(f)) st(x, f, inside(lp.ld(draw, c * T + t), lp.ld(lp.lo, f), lp.ld(lp.up, f), share));
      st(draw, p * T + t, lp.ld(draw, p * T + t) + lp.ld(x, f));
    }
  }
  let peak: f64 = 0;
  for (let t = 0; t < T; t++) {
    // g + o − x − u = B − S + Σ_direct (c − d) + Σ_top F
    const g = lp.oG + t;
    const need = lp.ld(lp.rhs, lp.rSite + t) + lp.ld(draw, C * T + t) - lp.ld(x, lp.oO + t) + lp.ld(x, lp.oX + t) + lp.ld(x, lp.oU + t);
    if (isFree(g)) st(x, g, inside(need, lp.ld(lp.lo, g), lp.ld(lp.up, g), share));
    peak = max(peak, lp.ld(x, g) + lp.ld(x, lp.oO + t));
  }
  if (lp.havePeak) {
    if (isFree(lp.oZ)) st(x, lp.oZ, inside(max(lp.ld(x, lp.oZ), peak), lp.ld(lp.lo, lp.oZ), lp.ld(lp.up, lp.oZ), share));
    const z = lp.ld(x, lp.oZ);
    for (let t = 0; t < T; t++) {
      const q = lp.oQ + t;
      if (isFree(q)) st(x, q, inside(z - lp.ld(x, lp.oG + t) - lp.ld(x, lp.oO + t), lp.ld(lp.lo, q), lp.ld(lp.up, q), share));
    }
  }
  arena.release(mark);
}

@inline function st(p: usize, i: i32, v: f64): void { lp.st(p, i, v); }
