// The repair passes: from the LP's iterate to a schedule the evaluator
// accepts (spec §5 within 1e-6). `extract` nets charge and discharge into
// one signed power; `settle` then repeats the passes below until nothing
// changes. Every pass moves powers towards zero, and the all-zero schedule
// meets rules 1-4, so they settle after a few rounds:
//  - energy pass: walk each battery, cut charging where it would pass the
//    capacity and discharging where it would pass the floor;
//  - limit pass: per slot, leaves first, scale down the charging (or the
//    discharging) of a circuit's subtree to its limit, then choose the
//    curtailment and scale at the site for the import and export limits;
//  - phase pass (spec §11): per-phase currents and unbalance.
// The drivers (repair, repairPattern and the last fixes) are in
// schedule.ts; the minChargeKw rounding in mincharge/.

import { Field, Setting } from "../layout";
import {
  ptr, setting, windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit, phaseLimit, unbalanceLimit, sessionPhase, ampsPerKw,
  phaseShare,
} from "../problem";
import { stepEnergy } from "../evaluate";
import { addSessionCurrent, sumSubtrees, clearCurrents } from "../phases";
import * as arena from "../arena";
import { Settings } from "./settings";
import { ld, st, ldi, sti, T, V, C, dt, oC, oU, importLimit, dischargeOf } from "./lp";

/** Whether a repair keeps minChargeKw floors: a power is zero or at least its session's floor. */
export enum Floors {
  /** The relaxation's powers: any value in the box. */
  Ignore = 0,
  /** Rounded or patterned powers: below the floor (less Settings.minSlack) means zero. */
  Keep = 1,
}

/**
 * The repair's scratch (static memory; the arrays from the arena, per
 * repair: `allocScratch`, `phaseScratch`). The minChargeKw rounding reuses
 * the node arrays between passes.
 */
@unmanaged export class RepairScratch {
  /** f64[(C+1)·T]: charging under each node. */
  pos: usize = 0;
  /** f64[(C+1)·T], at least the window slots: discharging under each node (≤ 0). */
  neg: usize = 0;
  /** f64[(C+1)·T], at least the window slots: factor for charging. */
  scaleP: usize = 0;
  /** f64[(C+1)·T], at least the window slots: factor for discharging. */
  scaleN: usize = 0;
  /** f64[(C+1)·T]: a node's net after its own cut. */
  netc: usize = 0;
  /** Spec §11: whether any node has a phase or unbalance limit (the phase pass runs). */
  phased: bool = false;
  /** f64[T·3]: the sessions' current on each phase at the site. */
  siteEv: usize = 0;
  /** f64[(C+1)·3]: per-phase currents per node. */
  pcur: usize = 0;
  /** f64[C+1]: unknown-phase currents per node. */
  punk: usize = 0;
}

export const scratch = changetype<RepairScratch>(memory.data(offsetof<RepairScratch>(), 16));

/** The repair's scratch arrays, from the arena (released with the caller's mark). */
export function allocScratch(): void {
  const N = (C + 1) * T;
  const W = windowOffsetEnd();
  scratch.pos = arena.allocF64(max(N, 1));
  scratch.netc = arena.allocF64(max(N, 1));
  scratch.neg = arena.allocF64(max(max(N, 1), W + 1));
  scratch.scaleP = arena.allocF64(max(max(N, 1), W + 1));
  scratch.scaleN = arena.allocF64(max(max(N, 1), W + 1));
}

/** The node session v's power enters: its circuit, or C (the site). */
@inline export function nodeOfSession(v: i32): i32 {
  const c = sessionCircuit(v);
  return c < 0 ? C : c;
}
/** The node above circuit c: its parent, or C (the site). */
@inline export function parentNode(c: i32): i32 {
  const p = circuitParent(c);
  return p < 0 ? C : p;
}

/** Signed powers p = c − d and the curtailment from the LP's x. */
export function extract(x: usize): void {
  const power = ptr(Field.Power);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    const maxC = sessionValue(Field.MaxCharge, v);
    const maxD = sessionValue(Field.MaxDischarge, v);
    const xd = dischargeOf(x, v);
    for (let i = 0; i < w; i++) {
      const j = off + i;
      let p = ld(x, oC + j) - ld(xd, i);
      p = min(maxC, max(-maxD, p));
      if (Math.abs(p) < Settings.dust) p = 0;
      st(power, j, p);
    }
  }
  const curtail = ptr(Field.Curtailment);
  for (let t = 0; t < T; t++) st(curtail, t, min(slotValue(Field.Pv, t), max(0, ld(x, oU + t))));
}

/** Keep every battery within [floor, capacity]; true when a power changed. */
function energyPass(floors: Floors): bool {
  const power = ptr(Field.Power);
  let changed = false;
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const etaD = sessionValue(Field.DischargeEfficiency, v);
    const cap = sessionValue(Field.Capacity, v);
    const floor = sessionValue(Field.EnergyFloor, v);
    const minC = floors == Floors.Keep ? sessionValue(Field.MinCharge, v) : 0;
    let e = sessionValue(Field.InitialEnergy, v);
    for (let i = 0; i < w; i++) {
      let p = ld(power, off + i);
      const p0 = p;
      if (p > 0 && p < minC - Settings.minSlack) p = 0;
      let next = stepEnergy(e, p, dt, etaC, etaD);
      if (next > cap) {
        p = max(0, (cap - e) / (dt * etaC)) * Settings.inside;
        if (p < minC - Settings.minSlack) p = 0;
        next = stepEnergy(e, p, dt, etaC, etaD);
      } else if (next < floor) {
        p = -max(0, (e - floor) * etaD / dt) * Settings.inside;
        next = stepEnergy(e, p, dt, etaC, etaD);
      }
      if (p != p0) { st(power, off + i, p); changed = true; }
      e = next;
    }
  }
  return changed;
}

/** Circuit, import and export limits per slot; true when a power changed. */
function limitPass(floors: Floors): bool {
  const pos = scratch.pos;
  const neg = scratch.neg;
  const scaleP = scratch.scaleP;
  const scaleN = scratch.scaleN;
  const netc = scratch.netc;
  const phased = scratch.phased;
  const siteEv = scratch.siteEv;
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);
  const N = (C + 1) * T;
  memory.fill(pos, 0, <usize>N << 3);
  memory.fill(neg, 0, <usize>N << 3);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    const k = nodeOfSession(v) * T + a;
    for (let i = 0; i < w; i++) {
      const p = ld(power, off + i);
      if (p > 0) st(pos, k + i, ld(pos, k + i) + p);
      else st(neg, k + i, ld(neg, k + i) + p);
    }
  }
  let changed = false;
  if (phased) siteCurrents();
  for (let t = 0; t < T; t++) {
    // Leaves first (children come after their parents): each node asks for
    // the charging (rP) or discharging (rN) its limit needs cut, and hands
    // its parent its net after that cut, as a positive or a negative part.
    for (let c = C - 1; c >= 0; c--) {
      const L = circuitLimit(c, t);
      const net = ld(pos, c * T + t) + ld(neg, c * T + t);
      let rP: f64 = 0;
      let rN: f64 = 0;
      if (net > L + Settings.limitSlack) rP = net - L;
      else if (net < -L - Settings.limitSlack) rN = -L - net;
      st(scaleP, c * T + t, rP);
      st(scaleN, c * T + t, rN);
      const cut = net - rP + rN;
      st(netc, c * T + t, cut);
      const pn = parentNode(c) * T + t;
      if (cut > 0) st(pos, pn, ld(pos, pn) + cut);
      else st(neg, pn, ld(neg, pn) + cut);
    }
    const sp = ld(pos, C * T + t);
    const sn = ld(neg, C * T + t);
    const S = slotValue(Field.Pv, t);
    const I = importLimit(t);
    const E = slotValue(Field.ExportLimit, t);
    const base = slotValue(Field.BaseLoad, t) - S;
    const X = base + sp + sn;
    let rP: f64 = 0;
    let rN: f64 = 0;
    let u = ld(curtail, t);
    let uLo = max(0, -E - X);
    let uHi = min(S, I - X);
    if (phased && phaseLimit(C, t) < Infinity) {
      // Spec §11 at the site: (B − S + u)·k/3 + EV current on φ within ±limit, every φ.
      const lim = phaseLimit(C, t);
      const ks = setting(Setting.SiteAmpsPerKw) / 3;
      for (let phi = 0; phi < 3; phi++) {
        const ev = ld(siteEv, t * 3 + phi);
        uLo = max(uLo, (-lim - ev) / ks - base);
        uHi = min(uHi, (lim - ev) / ks - base);
      }
    }
    if (uLo <= uHi + Settings.limitSlack) {
      // The cheapest curtailment for this slot's cost π·n⁺ − ε'·n⁻ (convex,
      // ε' ≤ π): least while export pays, none to export at a cost, and the
      // relaxation's own choice where import pays (the peak may matter).
      const price = slotValue(Field.ImportPrice, t);
      const exportPrice = min(slotValue(Field.ExportPrice, t), price);
      if (exportPrice >= 0) u = uLo;
      else if (price >= 0) u = -X;
      u = min(S, max(0, min(uHi, max(uLo, u))));
    } else if (X > I) {
      // Import too high even without curtailment: cut charging (all of it
      // when the base load alone is above the limit: spec §5 infeasible).
      u = 0;
      rP = min(sp, X - I);
    } else {
      u = S;
      rN = min(-sn, -E - S - X);
    }
    st(curtail, t, u);
    // Parents first: a node's cut (its own and what its parent passed on)
    // is shared in proportion among its sessions' powers and its children's
    // nets on the same side; a child passes its share on the same way. A cut
    // never reaches a child whose net is on the other side, so a circuit
    // balanced under a limit of ~0 (one car feeding another) stays balanced.
    st(scaleP, C * T + t, sp > 0 ? 1 - min(1, rP / sp) : 1);
    st(scaleN, C * T + t, sn < 0 ? 1 - min(1, rN / -sn) : 1);
    for (let c = 0; c < C; c++) {
      const k = c * T + t;
      const pn = parentNode(c) * T + t;
      const cut = ld(netc, k);
      const cp = ld(pos, k);
      const cn = ld(neg, k);
      const wantP = ld(scaleP, k) + (1 - ld(scaleP, pn)) * max(0, cut);
      const wantN = ld(scaleN, k) + (1 - ld(scaleN, pn)) * max(0, -cut);
      st(scaleP, k, cp > 0 ? 1 - min(1, wantP / cp) : 1);
      st(scaleN, k, cn < 0 ? 1 - min(1, wantN / -cn) : 1);
    }
  }
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    const k = nodeOfSession(v) * T + a;
    const minC = floors == Floors.Keep ? sessionValue(Field.MinCharge, v) : 0;
    for (let i = 0; i < w; i++) {
      const p = ld(power, off + i);
      let q = p;
      if (p > 0) {
        q = p * ld(scaleP, k + i);
        if (q < minC - Settings.minSlack) q = 0;
      } else if (p < 0) {
        q = p * ld(scaleN, k + i);
      }
      if (q != p) { st(power, off + i, q); changed = true; }
    }
  }
  return changed;
}

/**
 * Repeat the passes until no power changes; every few passes, drop larger
 * dust. With `Floors.Keep` a power under its session's minChargeKw is cut to
 * zero, never left between.
 */
export function settle(floors: Floors): void {
  const phased = scratch.phased;
  let dust = Settings.dust;
  for (let pass = 0; pass < Settings.settlePasses; pass++) {
    const a = energyPass(floors);
    const b = limitPass(floors);
    const c = phased && phasePass(floors);
    if (!a && !b && !c) return;
    // Interior-point dust under a limit of ~0 can keep a circuit with
    // charging and discharging beneath it and its parent scaling each other
    // by a few percent a pass; now and then, drop powers 10× larger as dust.
    if (pass % Settings.dustPasses == Settings.dustPasses - 1) {
      dust *= 10;
      dropDust(dust);
    }
  }
  // Still not settled (not seen since dust is dropped): p = 0 meets rules 1-4.
  memory.fill(ptr(Field.Power), 0, <usize>windowOffsetEnd() << 3);
  limitPass(floors);
}

// ---- spec §11: phase currents and unbalance --------------------------------

/** Scratch of the phase pass, from the arena (released with the caller's). */
export function phaseScratch(): void {
  scratch.phased = setting(Setting.HasPhases) != 0;
  scratch.siteEv = arena.allocF64(T * 3 + 1);
  scratch.pcur = arena.allocF64((C + 1) * 3);
  scratch.punk = arena.allocF64(C + 1);
}

/** EV currents per phase at the site, for the curtailment window of `limitPass`. */
function siteCurrents(): void {
  const siteEv = scratch.siteEv;
  const power = ptr(Field.Power);
  memory.fill(siteEv, 0, <usize>(T * 3) << 3);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    const k = ampsPerKw(v);
    for (let i = 0; i < w; i++) {
      const amps = ld(power, off + i) * k;
      for (let phi = 0; phi < 3; phi++) st(siteEv, (a + i) * 3 + phi, ld(siteEv, (a + i) * 3 + phi) + phaseShare(v, phi) * amps);
    }
  }
}

@inline function isUnder(v: i32, nd: i32): bool {
  if (nd == C) return true;
  for (let c = sessionCircuit(v); c >= 0; c = circuitParent(c)) if (c == nd) return true;
  return false;
}

/**
 * Per slot, the first node over a phase or unbalance limit by more than the
 * slack (in A, Settings.limitSlack kW on one phase) scales down the powers that push
 * it over, on the side that does; the next pass looks again. True when a
 * power changed. Moves towards zero only, like every repair step.
 */
function phasePass(floors: Floors): bool {
  const pcur = scratch.pcur;
  const punk = scratch.punk;
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);
  const slack = Settings.limitSlack * setting(Setting.SiteAmpsPerKw);
  let changed = false;
  for (let t = 0; t < T; t++) {
    clearCurrents(pcur, punk);
    for (let v = 0; v < V; v++) {
      const a = windowStart(v);
      if (t < a || t >= windowEnd(v)) continue;
      addSessionCurrent(pcur, punk, v, ld(power, windowOffset(v) + t - a));
    }
    sumSubtrees(pcur, punk, t, ld(curtail, t));
    let kind = -1;
    let node = -1;
    let excess: f64 = 0;
    let sign: f64 = 0;
    for (let nd = 0; nd <= C && kind < 0; nd++) {
      const lim = phaseLimit(nd, t);
      for (let phi = 0; phi < 3 && kind < 0; phi++) {
        const x = ld(pcur, nd * 3 + phi);
        if (Math.abs(x) > lim + slack) { kind = phi; node = nd; excess = Math.abs(x) - lim; sign = x > 0 ? 1 : -1; }
      }
      const U = unbalanceLimit(nd);
      if (U == Infinity) continue;
      for (let q = 0; q < 3 && kind < 0; q++) {
        const d = ld(pcur, nd * 3 + q) - ld(pcur, nd * 3 + (q + 1) % 3);
        const e = Math.abs(d) + ld(punk, nd) - U;
        if (e > slack) { kind = 3 + q; node = nd; excess = e; sign = d >= 0 ? 1 : -1; }
      }
    }
    if (kind < 0) continue;
    // What pushes the node over: Σ of the contributions on the violating side (A).
    let push: f64 = 0;
    for (let pass = 0; pass < 2; pass++) {
      const f = pass == 0 ? 0 : max(0, 1 - excess / push) * Settings.inside;
      for (let v = 0; v < V; v++) {
        const a = windowStart(v);
        if (t < a || t >= windowEnd(v) || !isUnder(v, node)) continue;
        const j = windowOffset(v) + t - a;
        const p = ld(power, j);
        if (p == 0) continue;
        const amps = p * ampsPerKw(v);
        let share: f64 = 0;
        if (kind < 3) {
          share = amps * sign > 0 ? phaseShare(v, kind) * Math.abs(amps) : 0;
        } else {
          const q = kind - 3;
          const ph = sessionPhase(v);
          if (ph == 3) share = Math.abs(amps);
          else if (ph == q && amps * sign > 0) share = Math.abs(amps);
          else if (ph == (q + 1) % 3 && amps * sign < 0) share = Math.abs(amps);
        }
        if (share == 0) continue;
        if (pass == 0) { push += share; continue; }
        let np = p * f;
        if (np > 0 && floors == Floors.Keep && np < sessionValue(Field.MinCharge, v) - Settings.minSlack) np = 0;
        if (np != p) { st(power, j, np); changed = true; }
      }
      if (push <= 0) break;
    }
  }
  return changed;
}

/** Zero every power below `level` kW (towards zero, like every repair step). */
function dropDust(level: f64): void {
  const power = ptr(Field.Power);
  const end = windowOffsetEnd();
  for (let j = 0; j < end; j++) if (Math.abs(ld(power, j)) < level) st(power, j, 0);
}

/** The longest window. */
export function maxWindowSlots(): i32 {
  let m = 0;
  for (let v = 0; v < V; v++) m = max(m, windowEnd(v) - windowStart(v));
  return m;
}

/** One past the last window-slot index (the length of Field.Power in use). */
export function windowOffsetEnd(): i32 {
  let e = 0;
  for (let v = 0; v < V; v++) e = max(e, windowOffset(v) + windowEnd(v) - windowStart(v));
  return e;
}

/** Σ p over the sessions under circuit c in slot t (for rare use outside hot loops). */
export function subtreeSum(c: i32, t: i32): f64 {
  const power = ptr(Field.Power);
  let sum: f64 = 0;
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    if (t < a || t >= windowEnd(v)) continue;
    let k = sessionCircuit(v);
    while (k >= 0 && k != c) k = circuitParent(k);
    if (k == c) sum += ld(power, windowOffset(v) + t - a);
  }
  return sum;
}

/** n_t of the current schedule (sums the powers: for use outside hot loops). */
export function netImport(t: i32): f64 {
  const power = ptr(Field.Power);
  let n = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(ptr(Field.Curtailment), t);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    if (t >= a && t < windowEnd(v)) n += ld(power, windowOffset(v) + t - a);
  }
  return n;
}

// Static data, not a managed array: the runtime is `stub`.
const SHELL_GAPS: usize = memory.data<i32>([1750, 701, 301, 132, 57, 23, 10, 4, 1]);

/** Sort the indices in `order` by ascending `key[index]` (Shell sort, Ciura gaps). */
export function shellSort(order: usize, key: usize, count: i32): void {
  for (let g = 0; g < 9; g++) {
    const gap = load<i32>(SHELL_GAPS + (<usize>g << 2));
    for (let i = gap; i < count; i++) {
      const item = ldi(order, i);
      const k = ld(key, item);
      let j = i;
      while (j >= gap && ld(key, ldi(order, j - gap)) > k) {
        sti(order, j, ldi(order, j - gap));
        j -= gap;
      }
      sti(order, j, item);
    }
  }
}

/** Spec §5's order: less overflow first (beyond 1e-6 kW), then lower cost. */
export function better(overA: f64, costA: f64, overB: f64, costB: f64): bool {
  if (Math.abs(overA - overB) > Settings.overflowTie) return overA < overB;
  return costA < costB;
}

/** True when some session has a minChargeKw floor. */
export function hasMinCharge(): bool {
  for (let v = 0; v < V; v++) {
    if (windowEnd(v) > windowStart(v) && sessionValue(Field.MinCharge, v) > 0) return true;
  }
  return false;
}

/** Session v's battery energy after each of its window slots, into traj[0..w). */
export function trajectory(v: i32, traj: usize): void {
  const power = ptr(Field.Power);
  const off = windowOffset(v);
  const etaC = sessionValue(Field.ChargeEfficiency, v);
  const etaD = sessionValue(Field.DischargeEfficiency, v);
  let e = sessionValue(Field.InitialEnergy, v);
  for (let k = 0; k < windowEnd(v) - windowStart(v); k++) {
    e = stepEnergy(e, ld(power, off + k), dt, etaC, etaD);
    st(traj, k, e);
  }
}
