// minChargeKw rounding, stage four: swap blocks. A session short at a dear
// penalty, in a slot where the room is all held by other sessions' blocks,
// takes the slot from one of them, block for block (see `swapMinCharge`).

import { Field } from "../../layout";
import {
  ptr, windowStart, windowEnd, windowOffset, sessionCircuit, circuitParent,
  sessionValue, slotValue, circuitLimit,
} from "../../problem";
import * as arena from "../../arena";
import { Settings } from "../settings";
import { ld, st, ldi, sti, T, V, C, dt, importLimit } from "../lp";
import { nodeOfSession, parentNode, shellSort, maxWindowSlots, trajectory } from "../repair";

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
