// The problem in linear memory: dimensions, the pointer table of the
// boundary (see layout.ts) and small typed accessors.

import { Field, Setting, Info } from "./layout";
import * as arena from "./arena";

export let slots: i32 = 0;
export let sessions: i32 = 0;
export let circuits: i32 = 0;
export let windowSlots: i32 = 0;

const table: usize = memory.data(<i32>Field.Count * 8, 8);

@inline export function ptr(f: Field): usize {
  return load<usize>(table + (<usize>f << 3));
}

@inline export function f64At(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline export function setF64(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

@inline export function i32At(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline export function setI32(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

@inline export function setting(s: Setting): f64 {
  return f64At(ptr(Field.Settings), <i32>s);
}

@inline export function setInfo(k: Info, v: f64): void {
  setF64(ptr(Field.Info), <i32>k, v);
}

@inline export function info(k: Info): f64 {
  return f64At(ptr(Field.Info), <i32>k);
}

function place(f: Field, bytes: usize): void {
  store<usize>(table + (<usize>f << 3), arena.alloc(bytes));
}

/** Lay out every boundary array for a problem of the given size. */
export function layout(T: i32, V: i32, C: i32, W: i32): void {
  slots = T;
  sessions = V;
  circuits = C;
  windowSlots = W;
  arena.reset();
  const t8 = <usize>T << 3;
  const v8 = <usize>V << 3;
  const v4 = <usize>V << 2;
  const w8 = <usize>W << 3;
  place(Field.ImportLimit, t8);
  place(Field.ExportLimit, t8);
  place(Field.BaseLoad, t8);
  place(Field.Pv, t8);
  place(Field.ImportPrice, t8);
  place(Field.ExportPrice, t8);
  place(Field.CircuitLimit, (<usize>C * <usize>T) << 3);
  place(Field.CircuitParent, <usize>C << 2);
  place(Field.SessionStart, v4);
  place(Field.SessionEnd, v4);
  place(Field.SessionCircuit, v4);
  place(Field.SessionOffset, v4);
  for (let f = <i32>Field.InitialEnergy; f <= <i32>Field.Departure; f++) place(<Field>f, v8);
  place(Field.Power, w8);
  place(Field.Energy, w8);
  place(Field.Shortfall, v8);
  place(Field.Curtailment, t8);
  place(Field.NetImport, t8);
  place(Field.PhaseLimit, (<usize>(C + 1) * <usize>T) << 3);
  place(Field.UnbalanceLimit, <usize>(C + 1) << 3);
  place(Field.SessionPhase, v4);
  place(Field.AmpsPerKw, v8);
  place(Field.FinalEnergy, v8);
  place(Field.SessionStorage, v4);
  place(Field.Info, <usize>Info.Count << 3);
  place(Field.Settings, <usize>Setting.Count << 3);
  store<usize>(table + (<usize>Field.WarmIn << 3), 0);
  store<usize>(table + (<usize>Field.WarmOut << 3), 0);
}

/**
 * Warm re-plans: place `Field.WarmIn` and `Field.WarmOut` after the other
 * arrays (the rest of the layout, and so a cold solve, is unchanged when
 * the host never asks). Returns their length (see warm.ts).
 */
export function layoutWarm(length: i32): void {
  place(Field.WarmIn, <usize>length << 3);
  place(Field.WarmOut, <usize>length << 3);
}

// Per-session accessors, named after the model's symbols.
@inline export function windowStart(v: i32): i32 { return i32At(ptr(Field.SessionStart), v); }
@inline export function windowEnd(v: i32): i32 { return i32At(ptr(Field.SessionEnd), v); }
@inline export function windowOffset(v: i32): i32 { return i32At(ptr(Field.SessionOffset), v); }
@inline export function sessionCircuit(v: i32): i32 { return i32At(ptr(Field.SessionCircuit), v); }
@inline export function circuitParent(c: i32): i32 { return i32At(ptr(Field.CircuitParent), c); }
@inline export function sessionValue(f: Field, v: i32): f64 { return f64At(ptr(f), v); }
@inline export function slotValue(f: Field, t: i32): f64 { return f64At(ptr(f), t); }
@inline export function circuitLimit(c: i32, t: i32): f64 {
  return f64At(ptr(Field.CircuitLimit), c * slots + t);
}

// Spec §11. Nodes are circuits 0..C-1 and the site, node C.
@inline export function phaseLimit(node: i32, t: i32): f64 {
  return f64At(ptr(Field.PhaseLimit), node * slots + t);
}
@inline export function unbalanceLimit(node: i32): f64 { return f64At(ptr(Field.UnbalanceLimit), node); }
/** -1 three-phase, 0-2 one-phase on L1-L3, 3 one-phase on an unknown phase. */
@inline export function sessionPhase(v: i32): i32 { return i32At(ptr(Field.SessionPhase), v); }
@inline export function ampsPerKw(v: i32): f64 { return f64At(ptr(Field.AmpsPerKw), v); }
/** Spec §12: the hard lower bound on session v's energy after its last window slot. */
@inline export function finalEnergy(v: i32): f64 { return f64At(ptr(Field.FinalEnergy), v); }
/** Spec §12: true when session v is a site battery. */
@inline export function isStorage(v: i32): bool { return i32At(ptr(Field.SessionStorage), v) != 0; }
/** a_v,φ of spec §11: the share of session v's current on phase φ. */
@inline export function phaseShare(v: i32, phi: i32): f64 {
  const p = sessionPhase(v);
  return p < 0 ? 1.0 / 3.0 : (p == 3 || p == phi ? 1.0 : 0.0);
}
