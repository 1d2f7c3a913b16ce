// The baseline strategies of spec §8: uncontrolled, equalShare, edf, llf.
// All are causal and charge-only: they walk the slots in order, decide each
// slot's powers from the batteries' current state, then step the batteries.
// Site and circuit limits form a tree of capacity nodes: circuits 0..C-1 and
// the grid connection as node C, the root.

import { Field, Setting, StrategyId } from "./layout";
import {
  slots, sessions, circuits, ptr, f64At, setF64, i32At, setI32, setting,
  windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit, phaseLimit, unbalanceLimit, sessionPhase,
  ampsPerKw, phaseShare, isStorage,
} from "./problem";
import { stepEnergy } from "./evaluate";
import * as arena from "./arena";

/** Below this a power is zero (kW). */
const ZERO: f64 = 1e-9;

// Scratch arrays, valid during `runBaseline`.
let energyNow: usize = 0;   // f64[V]: battery energy before the current slot
let cap: usize = 0;         // f64[V]: most the session may take this slot
let alloc: usize = 0;       // f64[V]: power given this slot
let active: usize = 0;      // i32[V]: sessions available this slot
let activeCount: i32 = 0;
let headroom: usize = 0;    // f64[C+1]: capacity left at each node
let nodeOf: usize = 0;      // i32[V]: capacity node a session hangs on
let nodeParent: usize = 0;  // i32[C+1]: parent node, -1 for the root
let key: usize = 0;         // f64[V]: priority key (edf, llf), lower first
let nodeFrozen: usize = 0;  // f64[C+1]: equalShare: frozen power under each node
let nodeOpen: usize = 0;    // i32[C+1]: equalShare: unfrozen sessions under each node
let nodeFull: usize = 0;    // i32[C+1]: equalShare: 1 once the node is saturated
let frozen: usize = 0;      // i32[V]: equalShare: 1 once the session's power is fixed
let nodeScale: usize = 0;   // f64[C+1]: uncontrolled: pass-through factor of each node
// Spec §11 (only when Setting.HasPhases): node currents of the slot being decided.
let phased: bool = false;
let slotNow: i32 = 0;
let cur: usize = 0;         // f64[(C+1)·3]: phase current (A) under each node, the site's base included
let unk: usize = 0;         // f64[C+1]: Σ |current| of one-phase sessions on an unknown phase under each node
let siteBase: usize = 0;    // f64[3]: the site's balanced base current assumed for this slot
let constrained: usize = 0; // i32[C+1]: 1 when the node has a phase or unbalance limit

export function runBaseline(strategy: StrategyId): void {
  const T = slots;
  const V = sessions;
  const C = circuits;
  const dt = setting(Setting.SlotHours);
  const power = ptr(Field.Power);
  const curtail = ptr(Field.Curtailment);

  const scratch = arena.mark();
  energyNow = arena.allocF64(V);
  cap = arena.allocF64(V);
  alloc = arena.allocF64(V);
  active = arena.allocI32(V);
  headroom = arena.allocF64(C + 1);
  nodeOf = arena.allocI32(V);
  nodeParent = arena.allocI32(C + 1);
  key = arena.allocF64(V);
  nodeFrozen = arena.allocF64(C + 1);
  nodeOpen = arena.allocI32(C + 1);
  nodeFull = arena.allocI32(C + 1);
  frozen = arena.allocI32(V);
  nodeScale = arena.allocF64(C + 1);
  phased = setting(Setting.HasPhases) != 0;
  cur = arena.allocF64((C + 1) * 3);
  unk = arena.allocF64(C + 1);
  siteBase = arena.allocF64(1);
  constrained = arena.allocI32(C + 1);
  for (let n = 0; n <= C; n++) {
    let has = unbalanceLimit(n) < Infinity;
    for (let t = 0; t < T && !has; t++) has = phaseLimit(n, t) < Infinity;
    setI32(constrained, n, has ? 1 : 0);
  }

  for (let c = 0; c < C; c++) {
    const parent = circuitParent(c);
    setI32(nodeParent, c, parent >= 0 ? parent : C);
  }
  setI32(nodeParent, C, -1);
  for (let v = 0; v < V; v++) {
    const c = sessionCircuit(v);
    setI32(nodeOf, v, c >= 0 ? c : C);
    // Spec §12: baselines leave storage idle (also when `optimal` falls back here after writing powers).
    if (isStorage(v)) memory.fill(power + (<usize>windowOffset(v) << 3), 0, <usize>(windowEnd(v) - windowStart(v)) << 3);
    setF64(energyNow, v, sessionValue(Field.InitialEnergy, v));
  }

  const siteAmps = setting(Setting.SiteAmpsPerKw) / 3;
  for (let t = 0; t < T; t++) {
    slotNow = t;
    const net0 = slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t);
    const pv = slotValue(Field.Pv, t);
    const siteLim = phaseLimit(C, t);
    // Spec §11 at the site: curtailment lifts the balanced base current to at least −limit, so EVs plan on that.
    setF64(siteBase, 0, max(net0 * siteAmps, -siteLim));
    let u: f64 = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      collectActive(t, dt);
      if (attempt == 3) for (let i = 0; i < activeCount; i++) setF64(cap, i32At(active, i), 0);
      // The grid connection's headroom for EVs; PV first serves the site.
      const siteRoom = slotValue(Field.ImportLimit, t) - net0;
      setF64(headroom, C, siteRoom > 0 ? siteRoom : 0);
      for (let c = 0; c < C; c++) setF64(headroom, c, circuitLimit(c, t));

      if (strategy == StrategyId.Uncontrolled) allocateWithMinimum(false);
      else if (strategy == StrategyId.EqualShare) allocateWithMinimum(true);
      else allocateInOrder(t, strategy == StrategyId.Llf, dt);

      let total: f64 = 0;
      for (let i = 0; i < activeCount; i++) total += f64At(alloc, i32At(active, i));
      // Curtail PV only as far as the export limit (and the site's phase limit) requires.
      const need = -slotValue(Field.ExportLimit, t) - (net0 + total);
      u = need <= 0 ? 0 : (need < pv ? need : pv);
      if (!phased || siteLim == Infinity) break;
      // Currents with this curtailment; EVs only charge, so the lowest phase is the base alone.
      const base = (net0 + u) * siteAmps;
      if (base < -siteLim) {
        u = min(pv, u + (-siteLim - base) / siteAmps);
      }
      const lifted = (net0 + u) * siteAmps;
      fillCurrents();
      let over = false;
      for (let phi = 0; phi < 3; phi++) {
        if (f64At(cur, C * 3 + phi) - f64At(siteBase, 0) + lifted > siteLim + ZERO) over = true;
      }
      if (!over) break;
      // The export limit curtailed more than planned for: plan again on the higher base.
      setF64(siteBase, 0, lifted);
    }

    for (let i = 0; i < activeCount; i++) {
      const v = i32At(active, i);
      const p = f64At(alloc, v);
      setF64(power, windowOffset(v) + t - windowStart(v), p);
      setF64(energyNow, v, stepEnergy(f64At(energyNow, v), p, dt,
        sessionValue(Field.ChargeEfficiency, v), sessionValue(Field.DischargeEfficiency, v)));
    }
    setF64(curtail, t, u);
  }
  arena.release(scratch);
}

/** Sessions available in slot t and the most each may take (charge only). */
function collectActive(t: i32, dt: f64): void {
  activeCount = 0;
  for (let v = 0; v < sessions; v++) {
    if (t < windowStart(v) || t >= windowEnd(v) || isStorage(v)) continue;
    const e = f64At(energyNow, v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const room = (sessionValue(Field.Capacity, v) - e) / (etaC * dt);
    const want = (sessionValue(Field.TargetEnergy, v) - e) / (etaC * dt);
    let c = min(sessionValue(Field.MaxCharge, v), min(room, want));
    const minC = sessionValue(Field.MinCharge, v);
    // Below the minimum the charger cannot run; finish at the minimum if the battery has room.
    if (c > ZERO && c < minC) c = room >= minC ? minC : 0;
    if (c <= ZERO) c = 0;
    setF64(cap, v, c);
    setF64(alloc, v, 0);
    setI32(active, activeCount++, v);
  }
}

/**
 * uncontrolled (proportional scaling) or equalShare (max-min fair water
 * filling), repeated while some sessions land strictly between 0 and their
 * minChargeKw. Those cannot run; dropping them all would waste the room they
 * free, so each round drops only the worst of them (lowest share of their
 * minimum): as many as that share suggests, since k alike sessions at a share
 * r of their minimum fit once (1 − r)·k of them go. Too few dropped only
 * costs another round; each round drops at least one, so it ends.
 */
function allocateWithMinimum(fair: bool): void {
  for (let round = 0; round <= activeCount; round++) {
    if (fair) fillFairly(); else scaleProportionally();
    let violators = 0;
    let worst: f64 = 1;
    for (let i = 0; i < activeCount; i++) {
      const v = i32At(active, i);
      const p = f64At(alloc, v);
      const minC = sessionValue(Field.MinCharge, v);
      // Sorted by −share, the worst come last, and of equal shares the later session.
      let k: f64 = -Infinity;
      if (p > ZERO && p < minC - ZERO) {
        const share = p / minC;
        k = -share;
        violators++;
        worst = min(worst, share);
      }
      setF64(key, v, k);
    }
    if (violators == 0) return;
    sortActiveByKey();
    const drop = max(1, <i32>Math.ceil((1 - worst) * <f64>violators));
    for (let i = 1; i <= drop; i++) setF64(cap, i32At(active, activeCount - i), 0);
  }
}

/** Every session at its cap, each node scaling its subtree down to fit its limit. */
function scaleProportionally(): void {
  const C = circuits;
  const demand = nodeFrozen;
  const factor = nodeScale;
  for (let n = 0; n <= C; n++) setF64(demand, n, 0);
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    const n = i32At(nodeOf, v);
    setF64(demand, n, f64At(demand, n) + f64At(cap, v));
  }
  // Bottom-up (children come after parents): a node passes up what fits its limit.
  for (let node = C - 1; node >= 0; node--) {
    const d = f64At(demand, node);
    const out = min(d, f64At(headroom, node));
    setF64(factor, node, d > 0 ? out / d : 1);
    const parent = i32At(nodeParent, node);
    setF64(demand, parent, f64At(demand, parent) + out);
  }
  const rootDemand = f64At(demand, C);
  setF64(factor, C, rootDemand > 0 ? min(rootDemand, f64At(headroom, C)) / rootDemand : 1);
  // Top-down: a node's factor is its own ratio times its parent's factor.
  for (let n = 0; n < C; n++) {
    setF64(factor, n, f64At(factor, n) * f64At(factor, i32At(nodeParent, n)));
  }
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    setF64(alloc, v, f64At(cap, v) * f64At(factor, i32At(nodeOf, v)));
  }
  fitPhases();
}

/**
 * Max-min fair shares: raise one common level for every session not yet
 * fixed until a session reaches its cap or a node its limit; fix those and
 * go on (progressive filling).
 */
function fillFairly(): void {
  const C = circuits;
  for (let n = 0; n <= C; n++) {
    setF64(nodeFrozen, n, 0);
    setI32(nodeOpen, n, 0);
    setI32(nodeFull, n, 0);
  }
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    setF64(alloc, v, 0);
    const open = f64At(cap, v) > 0;
    setI32(frozen, v, open ? 0 : 1);
    if (open) for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) setI32(nodeOpen, n, i32At(nodeOpen, n) + 1);
  }
  while (i32At(nodeOpen, C) > 0) {
    let level = Infinity;
    for (let i = 0; i < activeCount; i++) {
      const v = i32At(active, i);
      if (i32At(frozen, v) == 0) level = min(level, f64At(cap, v));
    }
    for (let n = 0; n <= C; n++) {
      const open = i32At(nodeOpen, n);
      if (open > 0) level = min(level, (f64At(headroom, n) - f64At(nodeFrozen, n)) / <f64>open);
    }
    if (level < 0) level = 0;
    for (let n = 0; n <= C; n++) {
      const open = i32At(nodeOpen, n);
      if (open > 0 && f64At(nodeFrozen, n) + <f64>open * level >= f64At(headroom, n) - ZERO) setI32(nodeFull, n, 1);
    }
    for (let i = 0; i < activeCount; i++) {
      const v = i32At(active, i);
      if (i32At(frozen, v) != 0) continue;
      let p: f64 = -1;
      if (f64At(cap, v) <= level + ZERO) p = f64At(cap, v);
      else if (pathSaturated(v)) p = level;
      if (p < 0) continue;
      setF64(alloc, v, p);
      setI32(frozen, v, 1);
      for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) {
        setI32(nodeOpen, n, i32At(nodeOpen, n) - 1);
        setF64(nodeFrozen, n, f64At(nodeFrozen, n) + p);
      }
    }
  }
  fitPhases();
}

function pathSaturated(v: i32): bool {
  for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) if (i32At(nodeFull, n) != 0) return true;
  return false;
}

/** edf / llf: sessions in priority order, each taking all it can that still fits on its path. */
function allocateInOrder(t: i32, leastLaxity: bool, dt: f64): void {
  if (phased) clearCurrentsWithBase();
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    const departure = sessionValue(Field.Departure, v);
    let k = departure;
    if (leastLaxity) {
      // Laxity (h): time left minus the time full power needs to reach the target.
      const need = sessionValue(Field.TargetEnergy, v) - f64At(energyNow, v);
      const rate = sessionValue(Field.ChargeEfficiency, v) * sessionValue(Field.MaxCharge, v);
      k = (departure - <f64>t) * dt - (need > 0 ? need / rate : 0);
    }
    setF64(key, v, k);
  }
  sortActiveByKey();
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    let p = f64At(cap, v);
    for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) p = min(p, f64At(headroom, n));
    if (phased) p = min(p, phaseRoom(v));
    if (p <= ZERO || p < sessionValue(Field.MinCharge, v) - ZERO) p = 0;
    setF64(alloc, v, p);
    if (p > 0) for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) setF64(headroom, n, f64At(headroom, n) - p);
    if (phased && p > 0) addCurrent(v, p);
  }
}

/** Heap sort of the active list by (key, index): O(n log n), no allocation, deterministic ties. */
function sortActiveByKey(): void {
  const n = activeCount;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = i32At(active, 0);
    setI32(active, 0, i32At(active, end));
    setI32(active, end, top);
    siftDown(0, end);
  }
}

@inline function before(a: i32, b: i32): bool {
  const ka = f64At(key, a);
  const kb = f64At(key, b);
  return ka < kb || (ka == kb && a < b);
}

function siftDown(start: i32, n: i32): void {
  let root = start;
  while (true) {
    let child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && before(i32At(active, child), i32At(active, child + 1))) child++;
    if (!before(i32At(active, root), i32At(active, child))) return;
    const tmp = i32At(active, root);
    setI32(active, root, i32At(active, child));
    setI32(active, child, tmp);
    root = child;
  }
}

// ---- spec §11: phase and unbalance limits (charge only: every current ≥ 0 but the site's base)

/** Currents of the nodes with nothing allocated yet: zero, the site's assumed base on each phase. */
function clearCurrentsWithBase(): void {
  const C = circuits;
  for (let n = 0; n <= C; n++) {
    for (let phi = 0; phi < 3; phi++) setF64(cur, n * 3 + phi, n == C ? f64At(siteBase, 0) : 0);
    setF64(unk, n, 0);
  }
}

/** Add session v's power p to the currents of every node on its path. */
function addCurrent(v: i32, p: f64): void {
  const amps = p * ampsPerKw(v);
  const unknown = sessionPhase(v) == 3;
  for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) {
    for (let phi = 0; phi < 3; phi++) setF64(cur, n * 3 + phi, f64At(cur, n * 3 + phi) + phaseShare(v, phi) * amps);
    if (unknown) setF64(unk, n, f64At(unk, n) + amps);
  }
}

/** Currents of the whole allocation `alloc`. */
function fillCurrents(): void {
  clearCurrentsWithBase();
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    const p = f64At(alloc, v);
    if (p > 0) addCurrent(v, p);
  }
}

/** The most session v may still take (kW) within the phase and unbalance limits on its path, given `cur`. */
function phaseRoom(v: i32): f64 {
  const k = ampsPerKw(v);
  const unknown = sessionPhase(v) == 3;
  let room: f64 = Infinity;
  for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) {
    if (i32At(constrained, n) == 0) continue;
    const lim = phaseLimit(n, slotNow);
    for (let phi = 0; phi < 3; phi++) {
      const a = phaseShare(v, phi);
      if (a > 0) room = min(room, (lim - f64At(cur, n * 3 + phi)) / (a * k));
    }
    const U = unbalanceLimit(n);
    if (U == Infinity) continue;
    const w = f64At(unk, n);
    const beta = unknown ? k : 0.0;
    for (let phi = 0; phi < 3; phi++) {
      const psi = (phi + 1) % 3;
      const d = f64At(cur, n * 3 + phi) - f64At(cur, n * 3 + psi);
      const alpha = (phaseShare(v, phi) - phaseShare(v, psi)) * k;
      // |d + αp| + w + βp ≤ U, both signs of the absolute value.
      const c1 = beta + alpha;
      const c2 = beta - alpha;
      if (c1 > 0) room = min(room, (U - w - d) / c1);
      if (c2 > 0) room = min(room, (U - w + d) / c2);
    }
  }
  return room > 0 ? room : 0;
}

/**
 * After a kW allocation (uncontrolled, equalShare): scale down the sessions
 * that load a phase or an unbalanced pair beyond its limit, node by node,
 * until every limit holds; as a last resort the sessions under a node still
 * over its limit get nothing. Only lowers powers, so kW limits keep holding.
 */
function fitPhases(): void {
  if (!phased) return;
  const C = circuits;
  for (let round = 0; round < 60; round++) {
    fillCurrents();
    let changed = false;
    for (let n = 0; n <= C; n++) {
      if (i32At(constrained, n) == 0) continue;
      const lim = phaseLimit(n, slotNow);
      for (let phi = 0; phi < 3; phi++) {
        const x = f64At(cur, n * 3 + phi);
        if (x <= lim + ZERO) continue;
        // The EVs' share of this phase's current, scaled to fit what the base leaves.
        const base = n == C ? f64At(siteBase, 0) : 0;
        const ev = x - base;
        const f = ev > 0 ? max(0, (lim - base) / ev) * (1 - 1e-12) : 0;
        scaleUnder(n, phi, -1, f);
        changed = true;
      }
      const U = unbalanceLimit(n);
      if (U == Infinity) continue;
      const w = f64At(unk, n);
      for (let phi = 0; phi < 3 && !changed; phi++) {
        const psi = (phi + 1) % 3;
        const d = f64At(cur, n * 3 + phi) - f64At(cur, n * 3 + psi);
        const heavy = d >= 0 ? phi : psi;
        if (Math.abs(d) + w <= U + ZERO) continue;
        const f = max(0, U / (Math.abs(d) + w)) * (1 - 1e-12);
        scaleUnder(n, heavy, heavy, f);
        changed = true;
      }
    }
    if (!changed) return;
  }
  // Still over after many rounds (never seen): nothing for sessions under a node over its limits.
  fillCurrents();
  for (let n = 0; n <= C; n++) {
    if (i32At(constrained, n) == 0 || !nodeOver(n)) continue;
    for (let i = 0; i < activeCount; i++) {
      const v = i32At(active, i);
      if (under(v, n)) setF64(alloc, v, 0);
    }
  }
}

function nodeOver(n: i32): bool {
  const lim = phaseLimit(n, slotNow);
  for (let phi = 0; phi < 3; phi++) if (f64At(cur, n * 3 + phi) > lim + ZERO) return true;
  const U = unbalanceLimit(n);
  if (U == Infinity) return false;
  const w = f64At(unk, n);
  for (let phi = 0; phi < 3; phi++) {
    if (Math.abs(f64At(cur, n * 3 + phi) - f64At(cur, n * 3 + (phi + 1) % 3)) + w > U + ZERO) return true;
  }
  return false;
}

function under(v: i32, node: i32): bool {
  for (let n = i32At(nodeOf, v); n >= 0; n = i32At(nodeParent, n)) if (n == node) return true;
  return false;
}

/**
 * Scale by f the sessions under node n that put current on phase φ. With
 * `only` ≥ 0 (unbalance), only those one-phase on `only` or on an unknown phase.
 */
function scaleUnder(n: i32, phi: i32, only: i32, f: f64): void {
  for (let i = 0; i < activeCount; i++) {
    const v = i32At(active, i);
    const p = f64At(alloc, v);
    if (p <= 0 || !under(v, n)) continue;
    const ph = sessionPhase(v);
    const hit = only >= 0 ? (ph == only || ph == 3) : phaseShare(v, phi) > 0;
    if (hit) setF64(alloc, v, p * f);
  }
}
