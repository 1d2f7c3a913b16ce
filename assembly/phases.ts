// Spec §11: phase currents of every node (circuits 0..C-1, the site as node
// C) in one slot, from the sessions' signed powers. A three-phase session
// puts a third of its current on each phase, a one-phase session all of it
// on its phase, or on every phase when its phase is unknown; base load, PV
// and curtailment are balanced and count at the site only. For the
// unbalance rule each node also sums the |current| of its sessions on an
// unknown phase: they may sit on either phase of a pair.

import { Field, Setting } from "./layout";
import {
  circuits, f64At, setF64, setting, circuitParent, sessionCircuit,
  sessionPhase, ampsPerKw, slotValue, phaseLimit, unbalanceLimit,
} from "./problem";

/** Node phase currents, f64[(C+1)·3]: node n phase φ at n·3 + φ. */
export function nodeCurrent(buf: usize, n: i32, phi: i32): f64 { return f64At(buf, n * 3 + phi); }

/** Add a session's signed power p (kW) to its node's currents in `cur` (f64[(C+1)·3]) and `unk` (f64[C+1]). */
@inline export function addSessionCurrent(cur: usize, unk: usize, v: i32, p: f64): void {
  const c = sessionCircuit(v);
  const n = c >= 0 ? c : circuits;
  const amps = p * ampsPerKw(v);
  const ph = sessionPhase(v);
  if (ph < 0) {
    const third = amps / 3;
    for (let phi = 0; phi < 3; phi++) setF64(cur, n * 3 + phi, f64At(cur, n * 3 + phi) + third);
  } else if (ph == 3) {
    for (let phi = 0; phi < 3; phi++) setF64(cur, n * 3 + phi, f64At(cur, n * 3 + phi) + amps);
    setF64(unk, n, f64At(unk, n) + Math.abs(amps));
  } else {
    setF64(cur, n * 3 + ph, f64At(cur, n * 3 + ph) + amps);
  }
}

/**
 * Finish a slot: sum subtrees into parents (children come after parents) and
 * add the site's balanced base load − PV + curtailment u. Call after every
 * session's power went in through `addSessionCurrent`.
 */
export function sumSubtrees(cur: usize, unk: usize, t: i32, u: f64): void {
  const C = circuits;
  for (let c = C - 1; c >= 0; c--) {
    const par = circuitParent(c);
    const p = par >= 0 ? par : C;
    for (let phi = 0; phi < 3; phi++) setF64(cur, p * 3 + phi, f64At(cur, p * 3 + phi) + f64At(cur, c * 3 + phi));
    setF64(unk, p, f64At(unk, p) + f64At(unk, c));
  }
  const site = (slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + u) * setting(Setting.SiteAmpsPerKw) / 3;
  for (let phi = 0; phi < 3; phi++) setF64(cur, C * 3 + phi, f64At(cur, C * 3 + phi) + site);
}

/**
 * Largest excess (A) over node n's phase and unbalance limits in slot t,
 * from summed currents; ≤ 0 when within them.
 */
export function phaseExcess(cur: usize, unk: usize, n: i32, t: i32): f64 {
  let worst: f64 = -Infinity;
  const lim = phaseLimit(n, t);
  for (let phi = 0; phi < 3; phi++) worst = max(worst, Math.abs(f64At(cur, n * 3 + phi)) - lim);
  const U = unbalanceLimit(n);
  if (U < Infinity) {
    const w = f64At(unk, n);
    for (let phi = 0; phi < 3; phi++) {
      const d = f64At(cur, n * 3 + phi) - f64At(cur, n * 3 + (phi + 1) % 3);
      worst = max(worst, Math.abs(d) + w - U);
    }
  }
  return worst;
}

/** Zero the per-slot buffers. */
export function clearCurrents(cur: usize, unk: usize): void {
  memory.fill(cur, 0, <usize>(circuits + 1) * 24);
  memory.fill(unk, 0, <usize>(circuits + 1) * 8);
}


