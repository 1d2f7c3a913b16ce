/**
 * The pure part of a re-plan: a site's snapshot at one instant → the model
 * request, its solve, each session's OCPP profile and whether it changed,
 * the fallback and station-max profiles, and the plan body as JSON. No I/O:
 * it runs in the planner's thread or in a plan thread (plan-threads.ts),
 * whose messages carry its input and output by structured clone.
 */
import { formatProblems, validateRequest } from "../../engine/model/validate.js";
import type { Request, Response } from "../../engine/model/schema.js";
import { solve } from "../../engine/scheduler/solve.js";
import { WarmState } from "../../engine/scheduler/warm.js";
import { DEFAULT_PHASES, DEFAULT_VOLTAGE_V, FALLBACK_STACK_LEVEL, ocppMessages } from "../ocpp/index.js";
import { clearProfile } from "../ocpp/clear.js";
import { evseShares, fallbackCapKw, type EvseShare } from "../ocpp/fallback.js";
import { isoUtc } from "../ocpp/profile.js";
import { stationMaxPayload } from "../ocpp/station-max.js";
import { unitContext, wattsPerUnit } from "../ocpp/units.js";
import { compileSitePlan, type PlanningForecast } from "./compile.js";
import { DEFAULT_MIN_CHANGE_SHARE, type OcppEntry } from "./schema.js";
import type { PublishedProfile, SessionRecord, SiteRecord } from "./state.js";
import type { PlanBody } from "./store.js";

/** What a plan is computed from: the snapshot read under the planning lock, and the instant. */
export interface PlanInput {
  site: SiteRecord;
  /** Active sessions, oldest first. */
  sessions: SessionRecord[];
  /** Ended sessions whose TxDefaultProfile the plan clears. */
  pendingClears: SessionRecord[];
  /** The fallback limit keys last published per EVSE. */
  fallbacks: Record<string, string>;
  /** The station-max limit keys last published per station. */
  stationMax: Record<string, string>;
  /** The site clock the plan starts at (its slot). */
  nowMs: number;
  /** The plan's computedAt, ISO. */
  computedAt: string;
  forecast?: PlanningForecast;
}

/** A computed plan, ready to publish. */
export interface ComputedPlan {
  stateVersion: number;
  computedAt: string;
  horizonStart: string;
  /** The plan body (PlanBody) as JSON: what the store keeps. */
  json: string;
  /** Each session whose profile changed, with the profile it is sent now. */
  profiles: [string, PublishedProfile][];
  /** Fallback limit keys per EVSE, when the site has fallbacks. */
  fallbackKeys?: Record<string, string>;
  /** Station-max limit keys per station, when the site has them. */
  stationKeys?: Record<string, string>;
  /** Sessions whose pending clear this plan sends. */
  cleared: string[];
  /** The OCPP entries that changed (the webhook's). */
  changed: OcppEntry[];
}

/**
 * The previous solve of each site with planning.warmStart that this process
 * (or plan thread) planned, least recently planned first; the oldest goes
 * past WARM_SITES (a 300-session site's state is ~1 MB). A site planned in
 * another thread or process, or after a restart, starts cold: the state is
 * a speed-up, never needed for a right answer (a state that does not fit
 * the request is refused).
 */
const warmStates = new Map<number, WarmState>();
const WARM_SITES = 64;

function warmStateOf(site: SiteRecord): WarmState | undefined {
  if (!site.body.planning.warmStart) return undefined;
  const state = warmStates.get(site.pk) ?? new WarmState();
  warmStates.delete(site.pk);
  warmStates.set(site.pk, state);
  for (const pk of warmStates.keys()) {
    if (warmStates.size <= WARM_SITES) break;
    warmStates.delete(pk);
  }
  return state;
}

export function computePlan(input: PlanInput): ComputedPlan {
  const { site, sessions, nowMs, forecast } = input;
  const settings = forecast?.settings;
  const { request: compiled, notes, forecasts, expected } = compileSitePlan(site.body, site.state, sessions, nowMs, forecast);
  const valid = validateRequest(compiled);
  if (!valid.ok) throw new Error(`site ${site.siteId}: the compiled request is invalid (a bug):\n${formatProblems(valid.problems)}`);
  const request = valid.request;
  const warm = warmStateOf(site);
  const response = solve(request, { warm });
  const { entries, profiles, warnings } = profilesOf(site, sessions, request, response);
  const { fallback, stationMax } = site.body.ocppProfiles;
  const caps = fallback === undefined && stationMax === undefined ? undefined : siteCaps(site, request);
  const fallbacks = fallback === undefined ? undefined : fallbackProfiles(site, caps!, input.fallbacks, warnings);
  const stations = stationMax === undefined ? undefined : stationMaxProfiles(site, caps!, input.stationMax, warnings);
  const clears = clearEntries(site, input.pendingClears);
  // Clears first: a CSMS that sends the entries in order frees the stack level before the next session's profile takes it.
  const all = [...clears, ...entries, ...(fallbacks?.entries ?? []), ...(stations?.entries ?? [])];
  const plan: PlanBody = {
    stateVersion: site.stateVersion,
    computedAt: input.computedAt,
    request: compiled,
    response,
    ocpp: all.map((e) => e.entry),
    changedSessions: [...clears, ...entries].filter((e) => e.changed).map((e) => e.entry.sessionId!),
    changedFallbacks: (fallbacks?.entries ?? []).filter((e) => e.changed).map((e) => e.entry.evseId!),
    changedStations: (stations?.entries ?? []).filter((e) => e.changed).map((e) => e.entry.stationId),
    warnings: [...notes, ...response.warnings, ...warnings],
    ...(warm !== undefined && { warmStart: warm.lastOutcome }),
    ...(settings !== undefined &&
      forecast !== undefined && {
        forecast: {
          trainedAt: forecast.forecast.trainedAt,
          trainedOnSessions: forecast.forecast.sessions,
          departureLevel: settings.departureLevel,
          energyLevel: settings.energyLevel,
          sessions: forecasts,
          ...(expected !== undefined && { expectedArrivals: expected }),
        },
      }),
  };
  return {
    stateVersion: site.stateVersion,
    computedAt: input.computedAt,
    horizonStart: request.horizon.start,
    json: JSON.stringify(plan),
    profiles: [...profiles],
    ...(fallbacks !== undefined && { fallbackKeys: fallbacks.keys }),
    ...(stations !== undefined && { stationKeys: stations.keys }),
    cleared: clears.map((e) => e.entry.sessionId!),
    changed: all.filter((e) => e.changed).map((e) => e.entry),
  };
}

interface Entry {
  entry: OcppEntry;
  changed: boolean;
}

/** Each planned session's profile, and whether it differs from what the session was last sent. */
function profilesOf(
  site: SiteRecord,
  sessions: readonly SessionRecord[],
  request: Request,
  response: Response,
): { entries: Entry[]; profiles: Map<string, PublishedProfile>; warnings: string[] } {
  const evses = new Map(site.body.evses.map((e) => [e.id, e]));
  const byId = new Map(sessions.map((s) => [s.sessionId, s]));
  const candidates: { entry: OcppEntry; profile: PublishedProfile; delta: ProfileDelta; maxChargeKw: number }[] = [];
  const warnings: string[] = [];
  const startMs = Date.parse(request.horizon.start);
  const slotMs = request.horizon.slotMinutes * 60_000;
  const endMs = startMs + request.horizon.slots * slotMs;
  request.sessions.forEach((session, i) => {
    const stored = byId.get(session.id);
    const evse = session.evseId === undefined ? undefined : evses.get(session.evseId);
    if (stored === undefined || evse === undefined) return;
    const scheduled = response.sessions[i];
    let payload: unknown;
    try {
      const result = ocppMessages(
        { ...request, sessions: [session] },
        { ...response, sessions: [scheduled] },
        {
          version: evse.ocpp.version,
          unit: evse.ocpp.unit,
          ...(evse.ocpp.maxPeriods !== undefined && { maxPeriods: evse.ocpp.maxPeriods }),
          phaseToUse: evse.ocpp.acPhaseSwitchingSupported,
          stackLevel: site.body.ocppProfiles.stackLevel,
          purpose: site.body.ocppProfiles.purpose,
          profileIdBase: stored.profileId,
        },
      );
      payload = result.messages[0].payload;
      warnings.push(...result.warnings);
    } catch (error) {
      warnings.push(`session ${session.id}: no OCPP profile: ${(error as Error).message}`);
      return;
    }
    const limits = limitTimeline(payload);
    const profile: PublishedProfile = {
      startMs,
      slotMinutes: request.horizon.slotMinutes,
      // Only meter values are judged against it: watts are plenty.
      powerKw: scheduled.powerKw.map((p) => Math.round(p * 1000) / 1000),
      limits,
      endMs,
      ...(session.transactionId !== undefined && { transactionId: session.transactionId }),
    };
    const kwPerUnit = wattsPerUnit(unitContext(session, evse.ocpp.unit, request.site.voltageV)) / 1000;
    candidates.push({
      entry: {
        sessionId: session.id,
        evseId: evse.id,
        stationId: evse.stationId,
        action: "SetChargingProfile",
        payload: payload as Record<string, unknown>,
      },
      profile,
      delta: profileDelta(stored.lastProfile, profile, kwPerUnit),
      maxChargeKw: evse.maxChargeKw,
    });
  });
  // Site bodies stored before the setting existed are read back without it (they are not re-parsed).
  const share = site.body.ocppProfiles.minChangeShare ?? DEFAULT_MIN_CHANGE_SHARE;
  const changed = profilesToSend(candidates, share, smallestLimitKw(request));
  const entries: Entry[] = [];
  const profiles = new Map<string, PublishedProfile>();
  candidates.forEach((c, i) => {
    // A profile not sent again leaves the station on the last one: that stays what meter values are judged against.
    if (changed[i]) profiles.set(c.entry.sessionId!, c.profile);
    entries.push({ entry: c.entry, changed: changed[i] });
  });
  return { entries, profiles, warnings };
}

/**
 * Which profiles to send. A profile that must be sent (`send`) is; one whose
 * limits rose anywhere by more than `share` of its EVSE's maxChargeKw is
 * (kept, its car would draw that much less than planned); one whose limits
 * only fell is kept while the sum of such cuts over the site stays within
 * `share` of the smallest kW limit of the site and its circuits (kept, each
 * such car may draw a little more than planned: the sum is what the limits
 * could be exceeded by), smallest cuts first. So an interior-point optimum
 * that moved a limit by a fraction of a watt (10999.8 → 10999.9 W) sends
 * nothing, while a lowered grid limit or a re-planned car still goes out.
 */
export function profilesToSend(
  candidates: readonly { delta: ProfileDelta; maxChargeKw: number }[],
  share: number,
  smallestLimitKw: number,
): boolean[] {
  const changed = candidates.map(({ delta, maxChargeKw }) => delta.send || delta.raiseKw > share * maxChargeKw);
  let roomKw = share * smallestLimitKw;
  const cuts = candidates
    .map((c, i) => ({ i, cutKw: c.delta.send ? 0 : c.delta.cutKw }))
    .filter(({ i }) => !changed[i])
    .sort((a, b) => a.cutKw - b.cutKw);
  for (const { i, cutKw } of cuts) {
    if (cutKw <= roomKw) roomKw -= cutKw;
    else changed[i] = true;
  }
  return changed;
}

/** The smallest kW limit of the request's site and circuits over the horizon. */
function smallestLimitKw(request: Request): number {
  const least = (x: number | readonly number[]) => (typeof x === "number" ? x : Math.min(...x));
  return Math.min(least(request.site.importLimitKw), ...request.circuits.map((c) => least(c.limitKw)));
}

/**
 * A `ClearChargingProfile` for each ended session whose TxDefaultProfile is
 * still on its EVSE. Sent once: the plan that carries it resets the flag.
 * A session whose EVSE left the site is dropped with its flag.
 */
function clearEntries(site: SiteRecord, pending: readonly SessionRecord[]): Entry[] {
  const evses = new Map(site.body.evses.map((e) => [e.id, e]));
  return pending.flatMap((s) => {
    const evse = evses.get(s.evseId);
    if (evse === undefined) return [];
    return [
      {
        entry: {
          sessionId: s.sessionId,
          evseId: evse.id,
          stationId: evse.stationId,
          action: "ClearChargingProfile" as const,
          payload: clearProfile(evse.ocpp.version, s.profileId),
        },
        changed: true,
      },
    ];
  });
}

/**
 * How a session's next profile differs from the one it was last sent: it
 * must be sent (`send`) when it has none, its transaction id changed, or
 * the old profile runs out within half a horizon (the station would fall
 * back to lower profiles when it ends); otherwise by how much, in kW, its
 * limit rises and falls at most where the two overlap (`kwPerUnit`: kW in
 * one unit of the limits).
 */
export type ProfileDelta = { send: true } | { send: false; raiseKw: number; cutKw: number };

export function profileDelta(last: PublishedProfile | undefined, next: PublishedProfile, kwPerUnit: number): ProfileDelta {
  if (last === undefined || last.transactionId !== next.transactionId) return { send: true };
  if (last.endMs - next.startMs < (next.endMs - next.startMs) / 2) return { send: true };
  const until = Math.min(last.endMs, next.endMs);
  const breaks = [...new Set([...last.limits, ...next.limits].map(([t]) => t).filter((t) => t >= next.startMs && t < until)), next.startMs];
  let raise = 0;
  let cut = 0;
  for (const t of breaks) {
    const d = limitAt(next.limits, t) - limitAt(last.limits, t);
    raise = Math.max(raise, d);
    cut = Math.max(cut, -d);
  }
  return { send: false, raiseKw: raise * kwPerUnit, cutKw: cut * kwPerUnit };
}

/** Whether a profile differs from the last one at all (what `minChangeShare: 0` sends on). */
export function profileChanged(last: PublishedProfile | undefined, next: PublishedProfile): boolean {
  const d = profileDelta(last, next, 1);
  return d.send || d.raiseKw > 0 || d.cutKw > 0;
}

function limitAt(limits: readonly [number, number][], t: number): number {
  let value = 0;
  for (const [start, limit] of limits) {
    if (start > t) break;
    value = limit;
  }
  return value;
}

interface SchedulePeriods {
  startSchedule?: string;
  chargingSchedulePeriod?: { startPeriod: number; limit: number }[];
}

/** The limits of a SetChargingProfile payload (any version) as [absolute ms, limit] steps. */
export function limitTimeline(payload: unknown): [number, number][] {
  const p = payload as {
    csChargingProfiles?: { chargingSchedule?: SchedulePeriods };
    chargingProfile?: { chargingSchedule?: SchedulePeriods[] };
  };
  const schedule = p.csChargingProfiles?.chargingSchedule ?? p.chargingProfile?.chargingSchedule?.[0];
  if (schedule?.startSchedule === undefined || schedule.chargingSchedulePeriod === undefined) return [];
  const start = Date.parse(schedule.startSchedule);
  return schedule.chargingSchedulePeriod.map((period) => [start + period.startPeriod * 1000, period.limit]);
}

/**
 * Each EVSE's fallback TxDefaultProfile (ocppProfiles.fallback): its safe
 * share of the limits above it over the horizon (service/ocpp/fallback.ts;
 * every EVSE of the site counts, occupied or not, so all of them at their
 * caps still meet every limit), at most its own maxChargeKw. Changed when
 * its limit differs from the last one published.
 */
/** Every EVSE of the site as an idle pseudo-session, and its share of the limits above it (service/ocpp/fallback.ts). */
interface SiteCaps {
  pseudo: Request;
  shares: EvseShare[];
}

function siteCaps(site: SiteRecord, request: Request): SiteCaps {
  const end = new Date(Date.parse(request.horizon.start) + request.horizon.slots * request.horizon.slotMinutes * 60_000).toISOString();
  // One idle pseudo-session per EVSE: the shares are those of the whole site.
  const pseudo: Request = {
    ...request,
    sessions: site.body.evses.map((e) => ({
      ...PSEUDO_SESSION,
      id: `evse:${e.id}`,
      evseId: e.id,
      ...(e.circuitId !== undefined && { circuitId: e.circuitId }),
      departure: end,
      maxChargeKw: e.maxChargeKw,
      connectorId: e.connectorId,
      ...(e.phases !== undefined && { phases: e.phases }),
      ...(e.voltageV !== undefined && { voltageV: e.voltageV }),
    })),
  };
  return { pseudo, shares: evseShares(pseudo) };
}

function fallbackProfiles(
  site: SiteRecord,
  { pseudo, shares }: SiteCaps,
  published: Record<string, string>,
  warnings: string[],
): { entries: Entry[]; keys: Record<string, string> } {
  const policy = site.body.ocppProfiles.fallback!;
  const entries: Entry[] = [];
  const keys: Record<string, string> = {};
  site.body.evses.forEach((evse, j) => {
    const volts = evse.voltageV ?? pseudo.site.voltageV ?? DEFAULT_VOLTAGE_V;
    const share = fallbackCapKw(shares[j], volts, evse.ocpp.unit === "A" ? (evse.phases ?? DEFAULT_PHASES) : 1);
    const capKw = Math.min(evse.maxChargeKw, share.capKw);
    // A one-EVSE request whose fallback is this EVSE's cap: ocppMessages gives a fallback the id base + sessions + j.
    const one: Request = {
      ...pseudo,
      site: { ...pseudo.site, importLimitKw: capKw, baseLoadKw: 0, phaseLimitA: undefined },
      circuits: [],
      sessions: [{ ...pseudo.sessions[j], circuitId: undefined }],
    };
    const result = ocppMessages(one, idleResponse(one), {
      version: evse.ocpp.version,
      unit: evse.ocpp.unit,
      fallback: true,
      profileIdBase: policy.idBase + j - 1,
    });
    const message = result.messages.find((m) => m.sessionId === null);
    if (message === undefined) return;
    const payload = withStackLevel(message.payload, policy.stackLevel);
    const key = JSON.stringify(limitTimeline(payload).map(([, limit]) => limit));
    keys[evse.id] = key;
    if (!(capKw > 0))
      warnings.push(`fallback for EVSE ${evse.id} is 0 kW (set by ${share.limitedBy}): a station that loses the CSMS stops charging there`);
    entries.push({
      entry: {
        sessionId: null,
        evseId: evse.id,
        stationId: evse.stationId,
        action: "SetChargingProfile",
        payload: payload as Record<string, unknown>,
      },
      changed: published[evse.id] !== key,
    });
  });
  return { entries, keys };
}

/**
 * Each station's station-max profile (ocppProfiles.stationMax): one limit for
 * the whole station, from its EVSEs' fallback caps. The sum of them all, but
 * for a station whose EVSEs sit under different circuits at most the sum
 * under each such circuit, because the station may put its whole cap on one
 * connector: so every limit holds with each station at its cap, with or
 * without the EVSE fallbacks. In A (per phase, three phases) when every EVSE
 * of the station is in A, else in W; a W cap counts one phase's current
 * against the phase limits (a one-phase car may draw it all on one phase).
 */
function stationMaxProfiles(
  site: SiteRecord,
  { pseudo, shares }: SiteCaps,
  published: Record<string, string>,
  warnings: string[],
): { entries: Entry[]; keys: Record<string, string> } {
  const policy = site.body.ocppProfiles.stationMax!;
  const byStation = new Map<string, number[]>();
  site.body.evses.forEach((evse, j) => byStation.set(evse.stationId, [...(byStation.get(evse.stationId) ?? []), j]));
  const entries: Entry[] = [];
  const keys: Record<string, string> = {};
  [...byStation].forEach(([stationId, members], k) => {
    const first = site.body.evses[members[0]];
    const unit = members.every((j) => site.body.evses[j].ocpp.unit === "A") ? "A" : "W";
    const volts = first.voltageV ?? pseudo.site.voltageV ?? DEFAULT_VOLTAGE_V;
    const capOf = new Map(
      members.map((j) => {
        const evse = site.body.evses[j];
        const share = fallbackCapKw(shares[j], evse.voltageV ?? volts, unit === "A" ? 3 : 1);
        return [j, { capKw: Math.min(evse.maxChargeKw, share.capKw), limitedBy: share.limitedBy }];
      }),
    );
    let capKw = members.reduce((sum, j) => sum + capOf.get(j)!.capKw, 0);
    let limitedBy = "the sum of its EVSEs' shares";
    for (const circuit of new Set(members.flatMap((j) => shares[j].path))) {
      const under = members.filter((j) => shares[j].path.includes(circuit));
      if (under.length === members.length) continue;
      const sum = under.reduce((s, j) => s + capOf.get(j)!.capKw, 0);
      if (sum < capKw) {
        capKw = sum;
        limitedBy = `its EVSEs under circuit ${circuit}`;
      }
    }
    const tenths = Math.floor(((capKw * 1000) / (unit === "A" ? 3 * volts : 1)) * 10 + 1e-6);
    const payload = stationMaxPayload(first.ocpp.version, {
      id: policy.idBase + k,
      stackLevel: policy.stackLevel,
      purpose: "StationMax",
      startSchedule: isoUtc(Date.parse(pseudo.horizon.start)),
      slotSeconds: pseudo.horizon.slotMinutes * 60,
      unit,
      periods: [{ slot: 0, slots: pseudo.horizon.slots, value: tenths }],
      ...(unit === "A" && { numberPhases: 3 }),
    });
    const key = `${unit}:${tenths}`;
    keys[stationId] = key;
    if (!(tenths > 0))
      warnings.push(
        `station-max profile for station ${stationId} is 0 (set by ${limitedBy}): a station that loses the CSMS stops charging`,
      );
    entries.push({
      entry: { sessionId: null, evseId: null, stationId, action: "SetChargingProfile", payload: payload as Record<string, unknown> },
      changed: published[stationId] !== key,
    });
  });
  return { entries, keys };
}

const PSEUDO_SESSION = {
  initialEnergyKwh: 0,
  targetEnergyKwh: 0,
  minEnergyKwh: 0,
  minChargeKw: 0,
  maxDischargeKw: 0,
  chargeEfficiency: 1,
  dischargeEfficiency: 1,
  degradationCostPerKwh: 0,
  shortfallPenaltyPerKwh: 0,
};

/** A schedule of nothing for every session of `request` (the fallback builder needs a response beside the request). */
function idleResponse(request: Request): Response {
  const T = request.horizon.slots;
  return {
    status: "optimal",
    strategy: request.strategy,
    cost: { total: 0, energy: 0, demand: 0, degradation: 0, shortfall: 0 },
    peakImportKw: 0,
    warnings: [],
    infeasibleSlots: [],
    sessions: request.sessions.map((s) => ({
      id: s.id,
      powerKw: new Array<number>(T).fill(0),
      energyKwh: new Array<number>(T).fill(0),
      deliveredKwh: 0,
      shortfallKwh: 0,
    })),
    site: { netImportKw: new Array<number>(T).fill(0), curtailedPvKw: new Array<number>(T).fill(0) },
    solver: { iterations: 0, solveMs: 0 },
  };
}

/** The fallback at the site's configured stack level (ocppMessages puts it at {@link FALLBACK_STACK_LEVEL}). */
function withStackLevel(payload: unknown, stackLevel: number): unknown {
  if (stackLevel === FALLBACK_STACK_LEVEL) return payload;
  const p = structuredClone(payload) as { csChargingProfiles?: { stackLevel: number }; chargingProfile?: { stackLevel: number } };
  if (p.csChargingProfiles !== undefined) p.csChargingProfiles.stackLevel = stackLevel;
  if (p.chargingProfile !== undefined) p.chargingProfile.stackLevel = stackLevel;
  return p;
}
