/**
 * The fallback cap: what each EVSE may draw when the CSMS is gone and every
 * EVSE could be drawing at once. Each circuit's limit (its lowest slot in the
 * horizon) is split equally among the EVSEs below it, the grid connection's
 * headroom (lowest import limit minus base load, PV ignored) among all EVSEs;
 * an EVSE gets the smallest of its shares. Equal shares on every level mean
 * that all EVSEs at their cap still meet every limit.
 *
 * Phase limits (spec §11) are shared the same way, in A per phase: every EVSE
 * below a node counts on every phase of it (a fallback outlives the car: the
 * next one may be one-phase, on any phase), the site's after its balanced
 * base load.
 */
import type { PerSlot, Request } from "../../engine/model/schema.js";
import { DEFAULT_VOLTAGE_V } from "./units.js";

export interface EvseShare {
  /** The session's `evseId`, or null for sessions without one (each its own EVSE). */
  evseId: string | null;
  /** Indices (request order) of the sessions on this EVSE. */
  sessions: number[];
  /** The cap in kW. */
  shareKw: number;
  /** What sets the cap: `site` or `circuit <id>`. */
  limitedBy: string;
  /** The per-phase current cap (A) from the phase limits above it, if any. */
  phaseShareA?: number;
  /** What sets phaseShareA: `site phaseLimitA` or `circuit <id> phaseLimitA`. */
  phaseLimitedBy?: string;
  /** The circuits above the EVSE (its own and their parents). */
  path: string[];
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
      e = { evseId: s.evseId ?? null, sessions: [], shareKw: 0, limitedBy: "site", path: [] };
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

  const volts = request.site.voltageV ?? DEFAULT_VOLTAGE_V;
  const phaseLimitOf = new Map(
    request.circuits.flatMap((c) => (c.phaseLimitA === undefined ? [] : [[c.id, lowest(c.phaseLimitA)] as const])),
  );
  let sitePhaseShare: number | undefined;
  if (request.site.phaseLimitA !== undefined) {
    let phaseHeadroom = Number.POSITIVE_INFINITY;
    for (let t = 0; t < request.horizon.slots; t++) {
      const baseA = (slotValue(request.site.baseLoadKw, t) * 1000) / (3 * volts);
      phaseHeadroom = Math.min(phaseHeadroom, slotValue(request.site.phaseLimitA, t) - baseA);
    }
    sitePhaseShare = Math.max(0, phaseHeadroom) / Math.max(1, evses.length);
  }

  evses.forEach((e, j) => {
    e.path = [...pathsOf[j]];
    e.shareKw = siteShare;
    for (const c of pathsOf[j]) {
      const share = limitOf.get(c)! / below.get(c)!;
      if (share < e.shareKw) {
        e.shareKw = share;
        e.limitedBy = `circuit ${c}`;
      }
    }
    if (sitePhaseShare !== undefined) {
      e.phaseShareA = sitePhaseShare;
      e.phaseLimitedBy = "site phaseLimitA";
    }
    for (const c of pathsOf[j]) {
      const limit = phaseLimitOf.get(c);
      if (limit === undefined) continue;
      const share = limit / below.get(c)!;
      if (e.phaseShareA === undefined || share < e.phaseShareA) {
        e.phaseShareA = share;
        e.phaseLimitedBy = `circuit ${c} phaseLimitA`;
      }
    }
  });
  return evses;
}

/**
 * An EVSE's fallback cap in kW: the smaller of its kW share and its phase
 * share. `ampsOnPhases` is how many phases carry the cap's current: the
 * session's phases for a limit in A (OCPP limits in A are per phase), 1 for a
 * limit in W (a one-phase car may draw all of it on one phase).
 */
export function fallbackCapKw(share: EvseShare, voltageV: number, ampsOnPhases: number): { capKw: number; limitedBy: string } {
  const phaseCapKw = share.phaseShareA === undefined ? Number.POSITIVE_INFINITY : (share.phaseShareA * voltageV * ampsOnPhases) / 1000;
  return phaseCapKw < share.shareKw
    ? { capKw: phaseCapKw, limitedBy: share.phaseLimitedBy! }
    : { capKw: share.shareKw, limitedBy: share.limitedBy };
}
