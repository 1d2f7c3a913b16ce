// From the LP's iterate to a schedule the evaluator accepts (spec §5 within
// 1e-6): net charge and discharge into one signed power, then repair what
// the interior iterate (approximately feasible) or the netting (which only
// raises the battery energy) may break, and round for minChargeKw.
//
// Every repair step moves powers towards zero, and the all-zero schedule
// meets rules 1-4, so the passes below settle after a few rounds:
//  - energy pass: walk each battery, cut charging where it would pass the
//    capacity and discharging where it would pass the floor;
//  - limit pass: per slot, leaves first, scale down the charging (or the
//    discharging) of a circuit's subtree to its limit, then choose the
//    curtailment and scale at the site for the import and export limits.

import { Field, Info, Setting } from "../layout";
import {
  ptr, setting, info, windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit, phaseLimit, unbalanceLimit, sessionPhase, ampsPerKw,
  phaseShare, finalEnergy, isStorage,
} from "../problem";
import { stepEnergy, evaluate } from "../evaluate";
import { addSessionCurrent, sumSubtrees, clearCurrents } from "../phases";
import * as arena from "../arena";
import { Settings } from "./settings";
import { ld, st, ldi, sti, T, V, C, dt, oC, oU, importLimit, dischargeOf } from "./lp";

let pos: usize = 0;     // f64[(C+1)·T]: charging under each node
let neg: usize = 0;     // f64[(C+1)·T]: discharging under each node (≤ 0)
let scaleP: usize = 0;  // f64[(C+1)·T]: factor for charging
let scaleN: usize = 0;  // f64[(C+1)·T]: factor for discharging
let netc: usize = 0;    // f64[(C+1)·T]: a node's net after its own cut
let enforceMin: bool = false;
/** augmentMinCharge: blocks may claim room other sessions hold above their floors. */
let claiming: bool = false;
/** augmentMinCharge: buy toward the required energy where the penalty pays, no final settle. */
let augmenting: bool = false;

@inline function nodeOfSession(v: i32): i32 {
  const c = sessionCircuit(v);
  return c < 0 ? C : c;
}
@inline function parentNode(c: i32): i32 {
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
function energyPass(): bool {
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
    const minC = enforceMin ? sessionValue(Field.MinCharge, v) : 0;
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
function limitPass(): bool {
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
    const minC = enforceMin ? sessionValue(Field.MinCharge, v) : 0;
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


function settle(): void {
  let dust = Settings.dust;
  for (let pass = 0; pass < 200; pass++) {
    const a = energyPass();
    const b = limitPass();
    const c = phased && phasePass();
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
  limitPass();
}

// ---- spec §11: phase currents and unbalance --------------------------------

let phased: bool = false;
let siteEv: usize = 0;  // f64[T·3]: the sessions' current on each phase at the site
let pcur: usize = 0;    // f64[(C+1)·3]
let punk: usize = 0;    // f64[C+1]

/** Scratch of the phase pass, from the arena (released with the caller's). */
function phaseScratch(): void {
  phased = setting(Setting.HasPhases) != 0;
  siteEv = arena.allocF64(T * 3 + 1);
  pcur = arena.allocF64((C + 1) * 3);
  punk = arena.allocF64(C + 1);
}

/** EV currents per phase at the site, for the curtailment window of `limitPass`. */
function siteCurrents(): void {
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
function phasePass(): bool {
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
        if (np > 0 && enforceMin && np < sessionValue(Field.MinCharge, v) - Settings.minSlack) np = 0;
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
function maxWindowSlots(): i32 {
  let m = 0;
  for (let v = 0; v < V; v++) m = max(m, windowEnd(v) - windowStart(v));
  return m;
}

function windowOffsetEnd(): i32 {
  let e = 0;
  for (let v = 0; v < V; v++) e = max(e, windowOffset(v) + windowEnd(v) - windowStart(v));
  return e;
}

/** Powers within 1e-7 kW under minChargeKw are the interior's dust on a block at the floor. */
function snapToMinimum(): void {
  const power = ptr(Field.Power);
  for (let v = 0; v < V; v++) {
    const minC = sessionValue(Field.MinCharge, v);
    if (minC <= 0) continue;
    const off = windowOffset(v);
    const w = windowEnd(v) - windowStart(v);
    for (let i = 0; i < w; i++) {
      const p = ld(power, off + i);
      if (p > 0 && p < minC && p > minC - Settings.minSnap) st(power, off + i, minC);
    }
  }
}

/**
 * Where the base load alone is above I_t the relaxation covers it with V2G,
 * and the interior point's last digits (or a rounding) can leave the signed
 * schedule a few 1e-6 kW over, which spec §5 calls infeasible. The repair
 * only moves powers towards zero, so it cannot close that: here idle or
 * discharging batteries discharge the missing power, as far as their
 * limits, their circuits and their later energy floors allow.
 */
function coverOverrun(): void {
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);
  for (let t = 0; t < T; t++) {
    let over = netImport(t) - importLimit(t);
    if (!(over > 0)) continue;
    const u = ld(curtail, t);
    const less = min(u, over);
    st(curtail, t, u - less);
    over -= less;
    for (let v = 0; v < V && over > 0; v++) {
      const a = windowStart(v);
      const w = windowEnd(v) - a;
      const i = t - a;
      if (i < 0 || i >= w) continue;
      const off = windowOffset(v);
      const p = ld(power, off + i);
      const maxD = sessionValue(Field.MaxDischarge, v);
      if (p > 0 || p <= -maxD) continue;
      let add = min(over, maxD + p);
      // Later energy: each kW more lowers every e_k from slot i on by Δ/η_d.
      const etaC = sessionValue(Field.ChargeEfficiency, v);
      const etaD = sessionValue(Field.DischargeEfficiency, v);
      const floor = sessionValue(Field.EnergyFloor, v);
      let e = sessionValue(Field.InitialEnergy, v);
      let lowest: f64 = Infinity;
      for (let k = 0; k < w; k++) {
        e = stepEnergy(e, ld(power, off + k), dt, etaC, etaD);
        if (k >= i) lowest = min(lowest, e);
      }
      add = min(add, max(0, (lowest - floor) * etaD / dt) * Settings.inside);
      // Spec §12: nor the energy after the last slot below the final energy (the floor for EVs).
      add = min(add, max(0, (e - finalEnergy(v)) * etaD / dt) * Settings.inside);
      // Circuits: discharging more makes each sum on the path more negative.
      let c = sessionCircuit(v);
      while (c >= 0 && add > 0) {
        add = min(add, max(0, circuitLimit(c, t) + subtreeSum(c, t)) * Settings.inside);
        c = circuitParent(c);
      }
      if (!(add > 0)) continue;
      st(power, off + i, p - add);
      over -= add;
    }
  }
}

/**
 * Spec §12: the repair's scaling of charging (limit pass) can leave a site
 * battery a rounding short of its final energy, which the interior point
 * kept strictly above. Raise its power where every limit has room, latest
 * slots first: less discharging first (each kW gives Δ/η_d kWh), then more
 * charging (Δ·η_c), within maxChargeKw, the capacity over the later slots,
 * the circuits on its path and the import limit. Skipped under phase
 * limits (left to the evaluator, which then falls back to a baseline).
 */
function holdFinalEnergy(): void {
  if (phased) return;
  const power = ptr(Field.Power);
  for (let v = 0; v < V; v++) {
    if (!isStorage(v)) continue;
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const etaD = sessionValue(Field.DischargeEfficiency, v);
    const cap = sessionValue(Field.Capacity, v);
    const maxC = sessionValue(Field.MaxCharge, v);
    const final = finalEnergy(v);
    for (let i = w - 1; i >= 0; i--) {
      // The trajectory now: the deficit, and the highest energy from slot i on (the capacity's room).
      let e = sessionValue(Field.InitialEnergy, v);
      let highest: f64 = -Infinity;
      for (let k = 0; k < w; k++) {
        e = stepEnergy(e, ld(power, off + k), dt, etaC, etaD);
        if (k >= i) highest = max(highest, e);
      }
      const deficit = final - e;
      if (!(deficit > 0)) break;
      const t = a + i;
      const p = ld(power, off + i);
      // One regime per slot: undo discharging, or add charging.
      const gain = p < 0 ? dt / etaD : dt * etaC;
      let raise = p < 0 ? -p : maxC - p;
      raise = min(raise, deficit / gain / Settings.inside);
      raise = min(raise, max(0, (cap - highest) / gain) * Settings.inside);
      raise = min(raise, max(0, importLimit(t) - netImport(t)) * Settings.inside);
      let c = sessionCircuit(v);
      while (c >= 0 && raise > 0) {
        raise = min(raise, max(0, circuitLimit(c, t) - subtreeSum(c, t)) * Settings.inside);
        c = circuitParent(c);
      }
      if (raise > 0) st(power, off + i, p + raise);
    }
  }
}

/** Σ p over the sessions under circuit c in slot t (for rare use outside hot loops). */
function subtreeSum(c: i32, t: i32): f64 {
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
function netImport(t: i32): f64 {
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
function shellSort(order: usize, key: usize, count: i32): void {
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

/**
 * Per slot and circuit, pool the powers the relaxation set below their
 * sessions' floors and hand the pool out again in whole blocks, dearest
 * shortfall (then largest fractional power) first; what is left under a
 * block goes to the first block. The circuit's sum never grows, so the
 * room the relaxation used stays used by someone who can use it.
 */
function consolidate(): void {
  const power = ptr(Field.Power);
  const mark = arena.mark();
  const count = arena.allocI32(T + 1);
  for (let v = 0; v < V; v++) {
    const minC = sessionValue(Field.MinCharge, v);
    if (minC <= 0) continue;
    const a = windowStart(v);
    const off = windowOffset(v);
    for (let i = 0; i < windowEnd(v) - a; i++) {
      const p = ld(power, off + i);
      if (p > 0 && p < minC - Settings.minSlack) sti(count, a + i + 1, ldi(count, a + i + 1) + 1);
    }
  }
  for (let t = 1; t <= T; t++) sti(count, t, ldi(count, t) + ldi(count, t - 1));
  const total = ldi(count, T);
  if (total == 0) { arena.release(mark); return; }
  const entry = arena.allocI32(total);   // window-slot index
  const owner = arena.allocI32(total);   // session
  const fill = arena.allocI32(T);
  for (let v = 0; v < V; v++) {
    const minC = sessionValue(Field.MinCharge, v);
    if (minC <= 0) continue;
    const a = windowStart(v);
    const off = windowOffset(v);
    for (let i = 0; i < windowEnd(v) - a; i++) {
      const p = ld(power, off + i);
      if (!(p > 0 && p < minC - Settings.minSlack)) continue;
      const k = ldi(count, a + i) + ldi(fill, a + i);
      sti(fill, a + i, ldi(fill, a + i) + 1);
      sti(entry, k, off + i);
      sti(owner, k, v);
    }
  }
  const idx = arena.allocI32(total);
  const key = arena.allocF64(total);
  for (let t = 0; t < T; t++) {
    const k0 = ldi(count, t);
    const n = ldi(count, t + 1) - k0;
    if (n == 0) continue;
    // Group by circuit, dearest shortfall first, then largest power.
    for (let e = 0; e < n; e++) {
      const v = ldi(owner, k0 + e);
      sti(idx, e, k0 + e);
      const group = <f64>nodeOfSession(v);
      const pen = sessionValue(Field.ShortfallPenalty, v);
      const p = ld(power, ldi(entry, k0 + e));
      st(key, k0 + e, group * 1e12 - min(pen, 1e6) * 1e4 - p);
    }
    shellSort(idx, key, n);
    let e = 0;
    while (e < n) {
      const group = nodeOfSession(ldi(owner, ldi(idx, e)));
      let end = e;
      let pool: f64 = 0;
      while (end < n && nodeOfSession(ldi(owner, ldi(idx, end))) == group) {
        const j = ldi(entry, ldi(idx, end));
        pool += ld(power, j);
        st(power, j, 0);
        end++;
      }
      let first = -1;
      for (let r = e; r < end; r++) {
        const k = ldi(idx, r);
        const v = ldi(owner, k);
        const minC = sessionValue(Field.MinCharge, v);
        if (pool < minC) continue;
        st(power, ldi(entry, k), minC);
        pool -= minC;
        if (first < 0) first = k;
      }
      if (first >= 0 && pool > 0) {
        const j = ldi(entry, first);
        const maxC = sessionValue(Field.MaxCharge, ldi(owner, first));
        st(power, j, min(maxC, ld(power, j) + pool));
      }
      e = end;
    }
  }
  arena.release(mark);
}

/**
 * minChargeKw rounding. The relaxation may charge a session below its
 * floor; such powers are rounded down to zero (always feasible), and the
 * energy lost is bought back greedily, cheapest import price first, in
 * blocks of at least minChargeKw where the site, every circuit on the
 * session's path and the battery capacity leave room. The result is
 * feasible; its gap to the relaxation bound is reported, not hidden.
 */
function roundMinCharge(target: usize, relaxedPeak: f64, mode: i32): void {
  // mode 0: drop sub-floor powers; mode 1: pool them per circuit and slot first.
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);
  if (mode == 1) consolidate();

  enforceMin = true;
  settle();
  // Net power under each node (subtree sums) and the site's net import.
  const N = (C + 1) * T;
  const sub = pos;
  memory.fill(sub, 0, <usize>N << 3);
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const off = windowOffset(v);
    const k = nodeOfSession(v) * T + a;
    for (let i = 0; i < w; i++) st(sub, k + i, ld(sub, k + i) + ld(power, off + i));
  }
  for (let c = C - 1; c >= 0; c--) {
    const pn = parentNode(c) * T;
    for (let t = 0; t < T; t++) st(sub, pn + t, ld(sub, pn + t) + ld(sub, c * T + t));
  }
  // When claiming, the room a node's sessions hold above their floors (and
  // what unfloored sessions charge) counts as free: the pattern re-solve
  // that follows takes it back from them.
  // Only the dearest short sessions claim (a cheap session must not take a
  // dear one's room first), from every session, equals too: the re-solve can
  // move a claimed session's energy to slots the claimer cannot reach, and
  // keeps the result only when it pays.
  const claim = netc;
  let topPenalty: f64 = -Infinity;
  if (claiming) {
    // The dearest level among the sessions still short.
    for (let v = 0; v < V; v++) {
      const a = windowStart(v);
      const off = windowOffset(v);
      let e = sessionValue(Field.InitialEnergy, v);
      const etaC = sessionValue(Field.ChargeEfficiency, v);
      const etaD = sessionValue(Field.DischargeEfficiency, v);
      for (let i = 0; i < windowEnd(v) - a; i++) e = stepEnergy(e, ld(power, off + i), dt, etaC, etaD);
      if (ld(target, v) - e > Settings.needDust) topPenalty = max(topPenalty, sessionValue(Field.ShortfallPenalty, v));
    }
    memory.fill(claim, 0, <usize>N << 3);
    for (let v = 0; v < V; v++) {
      const a = windowStart(v);
      const off = windowOffset(v);
      const minC = sessionValue(Field.MinCharge, v);
      const k = nodeOfSession(v) * T + a;
      for (let i = 0; i < windowEnd(v) - a; i++) {
        const p = ld(power, off + i);
        if (p > 0) st(claim, k + i, ld(claim, k + i) + (minC > 0 ? max(0, p - minC) : p));
      }
    }
    for (let c = C - 1; c >= 0; c--) {
      const pn = parentNode(c) * T;
      for (let t = 0; t < T; t++) st(claim, pn + t, ld(claim, pn + t) + ld(claim, c * T + t));
    }
  }
  const tried = neg; // reuse: 1 when a slot was tried for the current session
  const traj = scaleP; // reuse: the session's energy after each window slot
  const suffix = scaleN; // reuse: highest energy from each window slot on
  const demand = setting(Setting.DemandCharge);
  const threshold = setting(Setting.PeakThreshold);
  // The continuous schedule's peak is already paid for: fill up to it freely.
  let peak: f64 = relaxedPeak;
  for (let t = 0; t < T; t++) {
    peak = max(peak, slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(curtail, t) + ld(sub, C * T + t));
  }
  // Dearest shortfall first (a block bought for a soft session may take the
  // room a 1000/kWh one needs), then shortest windows (fewest slots to choose).
  const order = arena.allocI32(V);
  const key = arena.allocF64(V);
  for (let v = 0; v < V; v++) {
    sti(order, v, v);
    st(key, v, -sessionValue(Field.ShortfallPenalty, v) * <f64>(T + 1) + <f64>(windowEnd(v) - windowStart(v)));
  }
  shellSort(order, key, V);
  for (let rank = 0; rank < V; rank++) {
    const v = ldi(order, rank);
    const minC = sessionValue(Field.MinCharge, v);
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (minC <= 0 || w <= 0) continue;
    const off = windowOffset(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const maxC = sessionValue(Field.MaxCharge, v);
    const cap = sessionValue(Field.Capacity, v);
    const etaD = sessionValue(Field.DischargeEfficiency, v);
    const e0 = sessionValue(Field.InitialEnergy, v);
    const claims = claiming && sessionValue(Field.ShortfallPenalty, v) >= topPenalty;
    let e = e0;
    for (let i = 0; i < w; i++) { e = stepEnergy(e, ld(power, off + i), dt, etaC, etaD); st(traj, i, e); }
    let need = ld(target, v) - e;
    if (need <= Settings.needDust) continue;
    // Phase 0 stops each slot at the paid peak level; phase 1, if energy is
    // still missing, goes past it (the cost then counts the new peak).
    for (let phase = 0; phase < 2 && need > Settings.needDust; phase++) {
    for (let i = 0; i < w; i++) st(tried, i, 0);
    for (let round = 0; round < w && need > Settings.needDust; round++) {
      // Highest energy from each slot on: charging there raises all of it.
      let high: f64 = -Infinity;
      for (let i = w - 1; i >= 0; i--) { high = max(high, ld(traj, i)); st(suffix, i, high); }
      // The slot where one more kWh costs least: energy price plus any rise
      // of the peak above the level already paid for.
      let best = -1;
      let bestAdd: f64 = 0;
      let bestScore: f64 = Infinity;
      for (let i = 0; i < w; i++) {
        if (ld(tried, i) != 0) continue;
        const p = ld(power, off + i);
        if (p < 0) continue;
        const t = a + i;
        // Claimed power leaves the site's import too once re-solved.
        const net = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(curtail, t) + ld(sub, C * T + t) - (claims ? ld(claim, C * T + t) : 0);
        let room = min(maxC - p, importLimit(t) - net);
        let c = sessionCircuit(v);
        while (c >= 0) {
          room = min(room, circuitLimit(c, t) - ld(sub, c * T + t) + (claims ? ld(claim, c * T + t) : 0));
          c = circuitParent(c);
        }
        room = min(room, (cap - ld(suffix, i)) / (dt * etaC)) * Settings.inside;
        let add = min(room, need / (dt * etaC));
        // Stop at the paid peak level where the block allows: other slots take the rest.
        const level = max(peak, threshold);
        if (phase == 0) add = min(add, max(level - net, minC - p));
        if (p + add < minC) {
          if (p + room < minC) continue;
          add = minC - p;
        }
        if (add <= 0) continue;
        const cost = dt * slotValue(Field.ImportPrice, t) * add + demand * max(0, net + add - max(peak, threshold));
        const score = cost / add;
        // Claiming buys toward the required energy: only where that pays.
        if (augmenting && !(score < sessionValue(Field.ShortfallPenalty, v) * dt * etaC)) continue;
        if (score < bestScore) { bestScore = score; best = i; bestAdd = add; }
      }
      if (best < 0) break;
      st(tried, best, 1);
      const t = a + best;
      const add = bestAdd;
      st(power, off + best, ld(power, off + best) + add);
      need -= dt * etaC * add;
      e = best > 0 ? ld(traj, best - 1) : e0;
      for (let i = best; i < w; i++) { e = stepEnergy(e, ld(power, off + i), dt, etaC, etaD); st(traj, i, e); }
      let node = nodeOfSession(v);
      while (true) {
        st(sub, node * T + t, ld(sub, node * T + t) + add);
        if (node == C) break;
        node = parentNode(node);
      }
      peak = max(peak, slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(curtail, t) + ld(sub, C * T + t) - (claims ? ld(claim, C * T + t) : 0));
    }
    }
  }
  // Claimed room overfills nodes: the pattern re-solve settles that.
  if (!augmenting) settle();
}

/**
 * After a pattern re-solve: switch on blocks for sessions still short of
 * their required energy, where the shortfall penalty pays for the energy,
 * counting room other sessions hold above their floors as free. The result
 * may break limits; it is only a pattern for `resolveWithPattern`, whose
 * schedule the caller compares with the one before. Returns whether a
 * block was added.
 */
export function augmentMinCharge(claim: bool): bool {
  const mark = arena.mark();
  const N = (C + 1) * T;
  const W = windowOffsetEnd();
  pos = arena.allocF64(max(N, 1));
  netc = arena.allocF64(max(N, 1));
  neg = arena.allocF64(max(max(N, 1), W + 1));
  scaleP = arena.allocF64(max(max(N, 1), W + 1));
  scaleN = arena.allocF64(max(max(N, 1), W + 1));
  phaseScratch();
  const power = ptr(Field.Power);
  let before: f64 = 0;
  for (let j = 0; j < W; j++) before += Math.abs(ld(power, j));
  const target = arena.allocF64(V);
  for (let v = 0; v < V; v++) st(target, v, sessionValue(Field.RequiredEnergy, v));
  let peak: f64 = -Infinity;
  for (let t = 0; t < T; t++) peak = max(peak, netImport(t));
  claiming = claim;
  augmenting = true;
  roundMinCharge(target, peak, 0);
  augmenting = false;
  claiming = false;
  enforceMin = false;
  let after: f64 = 0;
  for (let j = 0; j < W; j++) after += Math.abs(ld(power, j));
  arena.release(mark);
  return after != before;
}

/** The site's net import in slot t, from the node sums (sub) rather than a pass over the sessions. */
@inline function siteNet(t: i32, sub: usize): f64 {
  return slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + ld(ptr(Field.Curtailment), t) + ld(sub, C * T + t);
}

/** Room left for more charging by session v in slot t: the site's import and every circuit on its path (sub: node sums). */
function roomOnPath(v: i32, t: i32, sub: usize): f64 {
  let room = importLimit(t) - siteNet(t, sub);
  let c = sessionCircuit(v);
  while (c >= 0) {
    room = min(room, circuitLimit(c, t) - ld(sub, c * T + t));
    c = circuitParent(c);
  }
  return room;
}

/** Add delta to session v's power in slot t (window slot i) and to the node sums on its path. */
function movePower(v: i32, i: i32, delta: f64, sub: usize): void {
  const j = windowOffset(v) + i;
  st(ptr(Field.Power), j, ld(ptr(Field.Power), j) + delta);
  const t = windowStart(v) + i;
  let node = nodeOfSession(v);
  while (true) {
    st(sub, node * T + t, ld(sub, node * T + t) + delta);
    if (node == C) break;
    node = parentNode(node);
  }
}

/** Session v's battery energy after each of its window slots, into traj[0..w). */
function trajectory(v: i32, traj: usize): void {
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

/**
 * Window slot of one of session u's idle slots where its block pu from
 * slot t could go instead (the cheapest import price), or −1: room on its
 * path, no new site peak, and, moved earlier, the energies in between (which
 * rise by the block) within its capacity. traj: scratch for u's energies.
 */
function shiftSlot(u: i32, t: i32, pu: f64, sub: usize, peak: f64, traj: usize): i32 {
  const a = windowStart(u);
  const w = windowEnd(u) - a;
  const off = windowOffset(u);
  const power = ptr(Field.Power);
  const raise = dt * sessionValue(Field.ChargeEfficiency, u) * pu;
  const cap = sessionValue(Field.Capacity, u);
  trajectory(u, traj);
  // Highest energy from window slot i up to (not including) t's: walk back from t.
  let high: f64 = -Infinity;
  let best = -1;
  let bestPrice: f64 = Infinity;
  for (let i = w - 1; i >= 0; i--) {
    const s = a + i;
    if (s < t) high = max(high, ld(traj, i));
    if (s == t || !(Math.abs(ld(power, off + i)) <= Settings.idlePower)) continue;
    if (s < t && high + raise > cap) continue;
    if (roomOnPath(u, s, sub) < pu) continue;
    // The demand charge: the move must not raise the site's peak.
    if (siteNet(s, sub) + pu > peak) continue;
    const price = slotValue(Field.ImportPrice, s);
    if (price < bestPrice) { bestPrice = price; best = i; }
  }
  return best;
}

/**
 * After the augment rounds: a session still short at a dear penalty where
 * the room is all held by other sessions' blocks takes a slot from one of
 * them, one block for one block. The other session either moves its block
 * to an idle slot of its own where there is room (not raising the site's
 * peak, within its capacity) or, when it is cheaper, goes without (its
 * penalty against ours). The victim must sit under the deepest limit that
 * stops the block (the site's import when no circuit does), so that freeing
 * it frees every binding limit on the way; victims never discharge (a lost
 * block must not push a later discharge below the floor). Like
 * `augmentMinCharge`, the result is a pattern for the re-solve, whose
 * schedule the caller compares with the one before. Returns whether a
 * block moved.
 */
export function swapMinCharge(): bool {
  const power = ptr(Field.Power);
  const mark = arena.mark();
  const N = (C + 1) * T;
  const sub = arena.allocF64(max(N, 1));
  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const off = windowOffset(v);
    const k = nodeOfSession(v) * T + a;
    for (let i = 0; i < windowEnd(v) - a; i++) st(sub, k + i, ld(sub, k + i) + ld(power, off + i));
  }
  for (let c = C - 1; c >= 0; c--) {
    const pn = parentNode(c) * T;
    for (let t = 0; t < T; t++) st(sub, pn + t, ld(sub, pn + t) + ld(sub, c * T + t));
  }
  let peak: f64 = -Infinity;
  for (let t = 0; t < T; t++) peak = max(peak, siteNet(t, sub));
  // Who is plugged in, slot by slot (counting sort over the windows).
  const first = arena.allocI32(T + 1);
  for (let v = 0; v < V; v++) for (let t = windowStart(v); t < windowEnd(v); t++) sti(first, t + 1, ldi(first, t + 1) + 1);
  for (let t = 1; t <= T; t++) sti(first, t, ldi(first, t) + ldi(first, t - 1));
  const plugged = arena.allocI32(max(ldi(first, T), 1));
  const fill = arena.allocI32(T);
  for (let v = 0; v < V; v++) {
    for (let t = windowStart(v); t < windowEnd(v); t++) {
      sti(plugged, ldi(first, t) + ldi(fill, t), v);
      sti(fill, t, ldi(fill, t) + 1);
    }
  }
  const traj = arena.allocF64(maxWindowSlots() + 1);
  const trajU = arena.allocF64(maxWindowSlots() + 1);
  // Floored sessions by penalty, dearest first; the sessions that ever discharge.
  const order = arena.allocI32(max(V, 1));
  const key = arena.allocF64(max(V, 1));
  const discharges = arena.allocI32(max(V, 1));
  let floored = 0;
  for (let v = 0; v < V; v++) {
    st(key, v, -sessionValue(Field.ShortfallPenalty, v));
    const off = windowOffset(v);
    const w = windowEnd(v) - windowStart(v);
    for (let i = 0; i < w; i++) if (ld(power, off + i) < -Settings.idlePower) sti(discharges, v, 1);
    if (w > 0 && sessionValue(Field.MinCharge, v) > 0) sti(order, floored++, v);
  }
  shellSort(order, key, floored);
  let moved = false;
  for (let rank = 0; rank < floored; rank++) {
    const v = ldi(order, rank);
    const minC = sessionValue(Field.MinCharge, v);
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const pen = sessionValue(Field.ShortfallPenalty, v);
    const cap = sessionValue(Field.Capacity, v);
    const off = windowOffset(v);
    trajectory(v, traj);
    let need = sessionValue(Field.RequiredEnergy, v) - ld(traj, w - 1);
    if (!(need > Settings.needDust)) continue;
    const block = dt * etaC * minC;
    for (let i = 0; i < w && need > Settings.needDust; i++) {
      // Idle slots only (the interior point's dust counts as idle).
      const p = ld(power, off + i);
      if (!(Math.abs(p) <= Settings.idlePower)) continue;
      // Room in the battery for a block here: every later energy rises by `block`.
      let high: f64 = -Infinity;
      for (let q = i; q < w; q++) high = max(high, ld(traj, q));
      if (cap - high < block) continue;
      const t = a + i;
      const room = roomOnPath(v, t, sub);
      if (room >= minC - p) continue; // free room: the augment rounds' business
      // The deepest limit short of a block: the site's import unless a circuit.
      let binding = C;
      let c = sessionCircuit(v);
      while (c >= 0) {
        if (circuitLimit(c, t) - ld(sub, c * T + t) < minC - p) { binding = c; break; }
        c = circuitParent(c);
      }
      const gain = pen * min(need, block);
      let victim = -1;
      let victimSlot = -1;
      let victimCost: f64 = Infinity;
      let shiftTries = 0;
      for (let m = ldi(first, t); m < ldi(first, t + 1); m++) {
        const u = ldi(plugged, m);
        const iu = t - windowStart(u);
        if (u == v || ldi(discharges, u)) continue;
        const pu = ld(power, windowOffset(u) + iu);
        if (!(pu > 0) || room + pu < minC - p) continue;
        if (binding < C) {
          let k = sessionCircuit(u);
          while (k >= 0 && k != binding) k = circuitParent(k);
          if (k != binding) continue;
        }
        // Going without the block, or moving it.
        let cost = sessionValue(Field.ShortfallPenalty, u) * dt * sessionValue(Field.ChargeEfficiency, u) * pu;
        let slot = -1;
        // Looking for a slot to move to walks the victim's window: a few
        // tries per slot, and none once a trade costs nothing.
        if (victimCost > 0 && shiftTries < Settings.shiftTries) {
          shiftTries++;
          const s = shiftSlot(u, t, pu, sub, peak, trajU);
          if (s >= 0) {
            const moveCost = dt * pu * (slotValue(Field.ImportPrice, windowStart(u) + s) - slotValue(Field.ImportPrice, t));
            if (moveCost < cost) { cost = moveCost; slot = s; }
          }
        }
        if (cost < victimCost && cost < gain) { victimCost = cost; victim = u; victimSlot = slot; }
      }
      if (victim < 0) continue;
      const iu = t - windowStart(victim);
      const freed = ld(power, windowOffset(victim) + iu);
      movePower(victim, iu, -freed, sub);
      if (victimSlot >= 0) movePower(victim, victimSlot, freed, sub);
      movePower(v, i, minC - p, sub);
      trajectory(v, traj);
      need = sessionValue(Field.RequiredEnergy, v) - ld(traj, w - 1);
      moved = true;
    }
  }
  arena.release(mark);
  return moved;
}

/**
 * Turn the LP iterate `x` into a feasible schedule in Field.Power and
 * Field.Curtailment (scratch from the arena, released before returning).
 */
export function repair(x: usize): void {
  repairWith(x, false);
}

/**
 * Like `repair`, for the LP re-solved with a fixed on/off pattern: its
 * powers already respect minChargeKw (up to the interior's dust), so the
 * repair keeps the rule and does not round again.
 */
export function repairPattern(x: usize): void {
  repairWith(x, true);
}

function repairWith(x: usize, patterned: bool): void {
  const mark = arena.mark();
  phaseScratch();
  const N = (C + 1) * T;
  pos = arena.allocF64(max(N, 1));
  netc = arena.allocF64(max(N, 1));
  neg = arena.allocF64(max(max(N, 1), windowOffsetEnd() + 1));
  scaleP = arena.allocF64(max(max(N, 1), windowOffsetEnd() + 1));
  scaleN = arena.allocF64(max(max(N, 1), windowOffsetEnd() + 1));
  enforceMin = false;
  extract(x);
  if (patterned) {
    // Dust below a block that the pattern switched on: lift it to the floor.
    snapToMinimum();
    enforceMin = true;
  }
  settle();
  if (!patterned && hasMinCharge()) {
    const target = arena.allocF64(V);
    const traj = arena.allocF64(maxWindowSlots() + 1);
    for (let v = 0; v < V; v++) {
      const w = windowEnd(v) - windowStart(v);
      trajectory(v, traj);
      st(target, v, w > 0 ? ld(traj, w - 1) : 0);
    }
    let relaxedPeak: f64 = -Infinity;
    for (let t = 0; t < T; t++) relaxedPeak = max(relaxedPeak, netImport(t));
    // Two roundings from the same relaxed schedule (sub-floor powers
    // dropped; pooled into blocks); the better by spec §5's order stays.
    // (Rebuilding every floored session from zero, dearest first, was tried
    // and lost badly: greedy blocks crowd the cheap slots of a binding
    // circuit, where the relaxation spreads them.)
    const W = windowOffsetEnd();
    const power = ptr(Field.Power);
    const curtail = ptr(Field.Curtailment);
    const relaxedPower = arena.allocF64(W + 1);
    const relaxedCurtail = arena.allocF64(T);
    const bestPower = arena.allocF64(W + 1);
    const bestCurtail = arena.allocF64(T);
    memory.copy(relaxedPower, power, <usize>W << 3);
    memory.copy(relaxedCurtail, curtail, <usize>T << 3);
    let bestOver: f64 = Infinity;
    let bestCost: f64 = Infinity;
    for (let mode = 0; mode < 2; mode++) {
      memory.copy(power, relaxedPower, <usize>W << 3);
      memory.copy(curtail, relaxedCurtail, <usize>T << 3);
      roundMinCharge(target, relaxedPeak, mode);
      evaluate();
      const over = info(Info.Overflow);
      const cost = info(Info.MaxViolation) <= Settings.violationLimit ? info(Info.TotalCost) : Infinity;
      if (mode == 0 || better(over, cost, bestOver, bestCost)) {
        bestOver = over;
        bestCost = cost;
        memory.copy(bestPower, power, <usize>W << 3);
        memory.copy(bestCurtail, curtail, <usize>T << 3);
      }
    }
    memory.copy(power, bestPower, <usize>W << 3);
    memory.copy(curtail, bestCurtail, <usize>T << 3);
  }
  holdFinalEnergy();
  coverOverrun();
  enforceMin = false;
  arena.release(mark);
}
