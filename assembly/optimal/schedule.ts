// From the LP's iterate to a schedule the evaluator accepts (spec §5 within
// 1e-6): net charge and discharge into one signed power, repair what the
// interior iterate (approximately feasible) or the netting (which only
// raises the battery energy) may break (repair.ts), round for minChargeKw
// (mincharge/), then hold the final energies and cover a base load's
// overrun of the import limit.

import { Field, Setting } from "../layout";
import {
  ptr, windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, circuitLimit, finalEnergy, isStorage, setting, slotValue,
} from "../problem";
import { stepEnergy } from "../evaluate";
import * as arena from "../arena";
import { Settings } from "./settings";
import { ld, st, T, V, dt, importLimit } from "./lp";
import {
  Floors, allocScratch, phaseScratch, extract, settle, hasMinCharge, subtreeSum, netImport, scratch,
} from "./repair";
import { roundRelaxed } from "./mincharge/round";

export { better, hasMinCharge } from "./repair";
export { augmentMinCharge } from "./mincharge/round";
export { swapMinCharge } from "./mincharge/swap";

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
 *
 * A second pass undoes discharging where the import limit has no room:
 * the final energy is a hard constraint and the limit is not, so where
 * every slot is over it (status infeasible) the battery gives back what it
 * discharged, and the overflow grows by only that. Where the limit pass
 * had cut a cycling battery's charging in such slots and kept its
 * discharging, the final energy was left unmet, the evaluator fell back to
 * a baseline, and the site lost its V2G cover: 2 kWh more overflow in a
 * case test/infeasible-claims.test.ts found.
 */
function holdFinalEnergy(): void {
  if (scratch.phased) return;
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
    for (let pass = 0; pass < 2; pass++) for (let i = w - 1; i >= 0; i--) {
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
      if (pass == 1 && !(p < 0)) continue;
      // One regime per slot: undo discharging, or add charging.
      const gain = p < 0 ? dt / etaD : dt * etaC;
      let raise = p < 0 ? -p : maxC - p;
      raise = min(raise, deficit / gain / Settings.inside);
      raise = min(raise, max(0, (cap - highest) / gain) * Settings.inside);
      if (pass == 0) raise = min(raise, max(0, importLimit(t) - netImport(t)) * Settings.inside);
      let c = sessionCircuit(v);
      while (c >= 0 && raise > 0) {
        raise = min(raise, max(0, circuitLimit(c, t) - subtreeSum(c, t)) * Settings.inside);
        c = circuitParent(c);
      }
      if (raise > 0) st(power, off + i, p + raise);
    }
  }
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
  allocScratch();
  extract(x);
  // Dust below a block that the pattern switched on: lift it to the floor.
  if (patterned) snapToMinimum();
  settle(patterned ? Floors.Keep : Floors.Ignore);
  if (!patterned && hasMinCharge()) roundRelaxed();
  holdFinalEnergy();
  coverOverrun();
  arena.release(mark);
}

/**
 * Spec §10's stage 2 holds the sessions' energy rows to the interior's
 * accuracy, and a session that stage 1 left a few 1e-6 kWh from its
 * required energy (a car metered a rounding under its target) can come out
 * of it that far short: at 1000 per kWh, more than a small total's
 * tolerance of 1e-3. Cover such deficits by charging more, earliest slots
 * first, where every limit has room: maxChargeKw, the capacity over the
 * later slots, the import limit, the circuits on the path and, under a
 * demand charge, the peak the schedule already pays. Sessions with a
 * charging floor, V2G sessions and phase limits are left as they are.
 */
export function coverShortfall(): void {
  if (scratch.phased) return;
  const power = ptr(Field.Power);
  const mark = arena.mark();
  const net = arena.allocF64(T + 1);
  let peak = setting(Setting.PeakThreshold);
  for (let t = 0; t < T; t++) {
    st(net, t, netImport(t));
    peak = max(peak, ld(net, t));
  }
  const demand = setting(Setting.DemandCharge) > 0;
  for (let v = 0; v < V; v++) {
    if (isStorage(v) || sessionValue(Field.MinCharge, v) > 0 || sessionValue(Field.MaxDischarge, v) > 0) continue;
    const a = windowStart(v);
    const w = windowEnd(v) - a;
    if (w <= 0) continue;
    const off = windowOffset(v);
    const etaC = sessionValue(Field.ChargeEfficiency, v);
    const cap = sessionValue(Field.Capacity, v);
    const maxC = sessionValue(Field.MaxCharge, v);
    const e0 = sessionValue(Field.InitialEnergy, v);
    let e = e0;
    for (let k = 0; k < w; k++) e = stepEnergy(e, ld(power, off + k), dt, etaC, 1);
    let deficit = sessionValue(Field.RequiredEnergy, v) - e;
    // Charging only: the highest energy is the last, so the capacity's room is cap − e.
    for (let i = 0; i < w && deficit > 0; i++) {
      const t = a + i;
      const p = ld(power, off + i);
      if (p < 0) continue;
      let raise = min(maxC - p, deficit / (dt * etaC) / Settings.inside);
      raise = min(raise, max(0, (cap - e) / (dt * etaC)) * Settings.inside);
      raise = min(raise, max(0, importLimit(t) - ld(net, t)) * Settings.inside);
      if (demand) raise = min(raise, max(0, peak - ld(net, t)) * Settings.inside);
      let c = sessionCircuit(v);
      while (c >= 0 && raise > 0) {
        raise = min(raise, max(0, circuitLimit(c, t) - subtreeSum(c, t)) * Settings.inside);
        c = circuitParent(c);
      }
      if (!(raise > 0)) continue;
      st(power, off + i, p + raise);
      st(net, t, ld(net, t) + raise);
      e += raise * dt * etaC;
      deficit -= raise * dt * etaC;
    }
  }
  arena.release(mark);
}
