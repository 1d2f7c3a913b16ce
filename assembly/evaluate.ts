// Schedule evaluation, spec §5-7: from the signed powers p_v,t and the
// curtailment u_t, the battery trajectories, shortfalls, net import, the cost
// terms and the largest rule violation. Every strategy ends here, so every
// reported number is recomputed from the schedule actually returned.

import { Field, Setting, Info } from "./layout";
import {
  slots, sessions, circuits, ptr, f64At, setF64, setInfo, setting,
  windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit, finalEnergy,
} from "./problem";
import * as arena from "./arena";
import { addSessionCurrent, sumSubtrees, phaseExcess, clearCurrents } from "./phases";

@inline function pos(x: f64): f64 { return x > 0 ? x : 0; }
@inline function neg(x: f64): f64 { return x < 0 ? -x : 0; }

/** e_v,t after a slot of power p, from e (spec §5). */
@inline export function stepEnergy(e: f64, p: f64, dt: f64, etaC: f64, etaD: f64): f64 {
  return e + dt * (etaC * pos(p) - neg(p) / etaD);
}

/** Evaluate the schedule in Field.Power / Field.Curtailment; fill outputs and Info. */
export function evaluate(): void {
  const T = slots;
  const V = sessions;
  const C = circuits;
  const dt = setting(Setting.SlotHours);
  const power = ptr(Field.Power);
  const energy = ptr(Field.Energy);
  const net = ptr(Field.NetImport);
  const curtail = ptr(Field.Curtailment);
  const tol: f64 = 1e-6;

  let violation: f64 = 0;
  let degradation: f64 = 0;
  let shortfallCost: f64 = 0;
  const scratch = arena.mark();
  const circuitSum = arena.allocF64(C * T);

  for (let t = 0; t < T; t++) {
    setF64(net, t, slotValue(Field.BaseLoad, t) - slotValue(Field.Pv, t) + f64At(curtail, t));
  }

  for (let v = 0; v < V; v++) {
    const a = windowStart(v);
    const b = windowEnd(v);
    const off = windowOffset(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const etaD = sessionValue(Field.DischargeEfficiency, v);
    const maxC = sessionValue(Field.MaxCharge, v);
    const minC = sessionValue(Field.MinCharge, v);
    const maxD = sessionValue(Field.MaxDischarge, v);
    const cap = sessionValue(Field.Capacity, v);
    const floor = sessionValue(Field.EnergyFloor, v);
    const degr = sessionValue(Field.DegradationCost, v);
    const circuit = sessionCircuit(v);
    let e = sessionValue(Field.InitialEnergy, v);
    for (let t = a; t < b; t++) {
      const w = off + t - a;
      const p = f64At(power, w);
      // Rule 1: power bounds; rule 2: minChargeKw floor when charging.
      violation = max(violation, max(p - maxC, -maxD - p));
      if (p > tol) violation = max(violation, minC - p);
      e = stepEnergy(e, p, dt, etaC, etaD);
      setF64(energy, w, e);
      // Rule 3: energy between min(emin, e0) and the capacity.
      violation = max(violation, max(e - cap, floor - e));
      degradation += dt * degr * neg(p);
      setF64(net, t, f64At(net, t) + p);
      if (circuit >= 0) setF64(circuitSum, circuit * T + t, f64At(circuitSum, circuit * T + t) + p);
    }
    let short: f64 = 0;
    if (b > a) {
      short = pos(sessionValue(Field.RequiredEnergy, v) - e);
      // Spec §12: a battery's energy after the last slot is at least its final energy (hard).
      violation = max(violation, finalEnergy(v) - e);
    }
    setF64(ptr(Field.Shortfall), v, short);
    shortfallCost += sessionValue(Field.ShortfallPenalty, v) * short;
  }

  // Rule 4: circuit sums over subtrees. Children come after parents, so a
  // reverse sweep adds each finished subtree into its parent.
  for (let c = C - 1; c >= 0; c--) {
    const parent = circuitParent(c);
    for (let t = 0; t < T; t++) {
      const s = f64At(circuitSum, c * T + t);
      violation = max(violation, Math.abs(s) - circuitLimit(c, t));
      if (parent >= 0) setF64(circuitSum, parent * T + t, f64At(circuitSum, parent * T + t) + s);
    }
  }

  // Spec §11: phase currents and unbalance of every node with a limit, as a
  // violation in kW (amps at the site's voltage on one phase).
  if (setting(Setting.HasPhases) != 0) violation = max(violation, phaseViolation(power, curtail));

  // Rule 5 and the cost of §7.
  let energyCost: f64 = 0;
  let peak: f64 = 0;
  let overflow: f64 = 0;
  for (let t = 0; t < T; t++) {
    const n = f64At(net, t);
    const u = f64At(curtail, t);
    violation = max(violation, max(-u, u - slotValue(Field.Pv, t)));
    violation = max(violation, -slotValue(Field.ExportLimit, t) - n);
    overflow += pos(n - slotValue(Field.ImportLimit, t));
    energyCost += dt * (slotValue(Field.ImportPrice, t) * pos(n) - slotValue(Field.ExportPrice, t) * neg(n));
    peak = max(peak, n);
  }
  const demand = setting(Setting.DemandCharge) * pos(peak - setting(Setting.PeakThreshold));
  arena.release(scratch);

  setInfo(Info.EnergyCost, energyCost);
  setInfo(Info.DemandCost, demand);
  setInfo(Info.DegradationCost, degradation);
  setInfo(Info.ShortfallCost, shortfallCost);
  setInfo(Info.TotalCost, energyCost + demand + degradation + shortfallCost);
  setInfo(Info.PeakImport, peak);
  setInfo(Info.Overflow, overflow);
  setInfo(Info.MaxViolation, violation);
}

/** Largest excess over a phase or unbalance limit (spec §11), in kW on one phase at the site voltage. */
export function phaseViolation(power: usize, curtail: usize): f64 {
  const T = slots;
  const V = sessions;
  const C = circuits;
  const scratch = arena.mark();
  const cur = arena.allocF64((C + 1) * 3);
  const unk = arena.allocF64(C + 1);
  let worst: f64 = 0;
  const kwPerAmp = 1 / setting(Setting.SiteAmpsPerKw);
  for (let t = 0; t < T; t++) {
    clearCurrents(cur, unk);
    for (let v = 0; v < V; v++) {
      const a = windowStart(v);
      if (t < a || t >= windowEnd(v)) continue;
      addSessionCurrent(cur, unk, v, f64At(power, windowOffset(v) + t - a));
    }
    sumSubtrees(cur, unk, t, f64At(curtail, t));
    for (let n = 0; n <= C; n++) worst = max(worst, phaseExcess(cur, unk, n, t) * kwPerAmp);
  }
  arena.release(scratch);
  return worst;
}
