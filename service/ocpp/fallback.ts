/**
 * The fallback cap: what each EVSE may draw when the CSMS is gone and every
 * EVSE could be drawing at once. Each circuit's limit (its lowest slot in the
 * horizon) is split equally among the EVSEs below it, the grid connection's
 * headroom (lowest import limit minus base load, PV ignored) among all EVSEs;
 * an EVSE gets the smallest of its shares. Equal shares on every level mean
 * that all EVSEs at their cap still meet every limit.
 */
import type { PerSlot, Request } from "../../engine/model/schema.js";

export interface EvseShare {
  /** The session's `evseId`, or null for sessions without one (each its own EVSE). */
  evseId: string | null;
  /** Indices (request order) of the sessions on this EVSE. */
  sessions: number[];
  /** The cap in kW. */
  shareKw: number;
  /** What sets the cap: `site` or `circuit <id>`. */
  limitedBy: string;
}

const lowest = (v: PerSlot) => (Array.isArray(v) ? Math.min(...v) : v);
const slotValue = (v: PerSlot, t: number) => (Array.isArray(v) ? v[t] : v);

export function evseShares(request: Request): EvseShare[] {
  const evses: EvseShare[] = [];
  const byKey = new Map<string, EvseShare>();
  request.sessions.forEach((s, i) => {
    const key = s.evseId !== undefined ? `evse:${s.evseId}` : `session:${s.id}`;
    let e = byKey.get(key);
    if (e === undefined) {
      e = { evseId: s.evseId ?? null, sessions: [], shareKw: 0, limitedBy: "site" };
      byKey.set(key, e);
      evses.push(e);
    }
    e.sessions.push(i);
  });

  const parentOf = new Map(request.circuits.map((c) => [c.id, c.parentId]));
  const limitOf = new Map(request.circuits.map((c) => [c.id, lowest(c.limitKw)]));
  // An EVSE whose sessions name different circuits counts below all of them.
  const pathsOf = evses.map((e) => {
    const path = new Set<string>();
    for (const i of e.sessions) {
      for (let c = request.sessions[i].circuitId; c !== undefined; c = parentOf.get(c)) path.add(c);
    }
    return path;
  });
  const below = new Map<string, number>();
  for (const path of pathsOf) for (const c of path) below.set(c, (below.get(c) ?? 0) + 1);

  let headroom = Number.POSITIVE_INFINITY;
  for (let t = 0; t < request.horizon.slots; t++) {
    headroom = Math.min(headroom, slotValue(request.site.importLimitKw, t) - slotValue(request.site.baseLoadKw, t));
  }
  const siteShare = Math.max(0, headroom) / Math.max(1, evses.length);

  evses.forEach((e, j) => {
    e.shareKw = siteShare;
    for (const c of pathsOf[j]) {
      const share = limitOf.get(c)! / below.get(c)!;
      if (share < e.shareKw) {
        e.shareKw = share;
        e.limitedBy = `circuit ${c}`;
      }
    }
  });
  return evses;
}
