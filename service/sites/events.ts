/**
 * Applying a batch of CSMS events to a site's state. Pure: the store loads
 * what the batch touches, this decides, and the store writes the outcome in
 * one transaction, so a batch with one bad event changes nothing.
 */
import type { Problem } from "../../engine/model/validate.js";
import type { SiteBody, SiteEvent } from "./schema.js";
import type { Announced, SessionRecord, SiteState } from "./state.js";

/** A car drawing under this share of its setpoint counts as a slow reading. */
export const SLOW_SHARE = 0.7;
/** Consecutive slow readings before the car's cap is lowered to what it takes. */
export const SLOW_READINGS_TO_CAP = 3;
/** Setpoints below this are not judged (a car may taper near full). */
export const MIN_JUDGED_SETPOINT_KW = 1;
/** The learned cap leaves this much headroom over the measured power. */
export const CAP_HEADROOM = 1.1;

export interface MeterReading {
  sessionId: string;
  at: string;
  deliveredKwh: number;
}

export interface BatchOutcome {
  problems: Problem[];
  state: SiteState;
  /** Sessions created or changed, keyed by id. */
  sessions: Map<string, SessionRecord>;
  readings: MeterReading[];
  clock?: string;
  nextProfileId: number;
}

export interface BatchContext {
  body: SiteBody;
  state: SiteState;
  clock?: string;
  /** Every session the batch names, as stored (active or ended). */
  sessions: ReadonlyMap<string, SessionRecord>;
  /** Active session per EVSE id. */
  activeByEvse: ReadonlyMap<string, string>;
  /** chargingProfileIds of the site's active sessions. */
  profileIdsInUse: ReadonlySet<number>;
  nextProfileId: number;
}

const HOUR_MS = 3_600_000;

export function applyBatch(ctx: BatchContext, events: readonly SiteEvent[]): BatchOutcome {
  const problems: Problem[] = [];
  const state: SiteState = structuredClone(ctx.state);
  const sessions = new Map<string, SessionRecord>();
  const activeByEvse = new Map(ctx.activeByEvse);
  const idsInUse = new Set(ctx.profileIdsInUse);
  const readings: MeterReading[] = [];
  const evses = new Map(ctx.body.evses.map((e) => [e.id, e]));
  const circuits = new Set(ctx.body.circuits.map((c) => c.id));
  let clock = ctx.clock;
  let nextProfileId = ctx.nextProfileId;
  const { idMin, idMax } = ctx.body.ocppProfiles;

  const sessionOf = (id: string) => sessions.get(id) ?? ctx.sessions.get(id);

  events.forEach((event, i) => {
    const fail = (field: string, message: string) => problems.push({ path: `events[${i}].${field}`, message });
    const atMs = Date.parse(event.at);
    switch (event.type) {
      case "session.started": {
        const evse = evses.get(event.evseId);
        if (evse === undefined) return fail("evseId", `unknown EVSE "${event.evseId}"`);
        if (sessionOf(event.sessionId) !== undefined) return fail("sessionId", `session "${event.sessionId}" was already started`);
        const busy = activeByEvse.get(evse.id);
        if (busy !== undefined) return fail("evseId", `EVSE "${evse.id}" already has the active session "${busy}"`);
        const announced = announce(event, ctx.body, fail);
        if (announced === undefined) return;
        let id = nextProfileId;
        for (let tries = 0; idsInUse.has(id); tries++) {
          if (tries > idMax - idMin) return fail("sessionId", `no free chargingProfileId left in [${idMin}, ${idMax}]`);
          id = id >= idMax ? idMin : id + 1;
        }
        idsInUse.add(id);
        nextProfileId = id >= idMax ? idMin : id + 1;
        sessions.set(event.sessionId, {
          sessionId: event.sessionId,
          evseId: evse.id,
          state: "active",
          startedAt: event.at,
          announced,
          deliveredKwh: 0,
          slowReadings: 0,
          profileId: id,
          ...(event.transactionId !== undefined && { transactionId: event.transactionId }),
        });
        activeByEvse.set(evse.id, event.sessionId);
        break;
      }
      case "session.updated":
      case "session.ended": {
        const stored = sessionOf(event.sessionId);
        if (stored === undefined) return fail("sessionId", `unknown session "${event.sessionId}"`);
        if (stored.state !== "active") return fail("sessionId", `session "${event.sessionId}" has ended`);
        if (atMs < Date.parse(stored.startedAt)) return fail("at", `is before the session started (${stored.startedAt})`);
        const s: SessionRecord = structuredClone(stored);
        let delivered = event.energyDeliveredKwh;
        if (event.type === "session.updated" && event.soc !== undefined) {
          if (s.announced.capacityKwh === undefined)
            return fail("soc", "needs the session's capacityKwh (give energyDeliveredKwh instead)");
          delivered = Math.max(0, (event.soc * s.announced.capacityKwh - s.announced.initialEnergyKwh) / s.announced.chargeEfficiency);
        }
        if (delivered !== undefined) {
          if (delivered < s.deliveredKwh - 1e-9)
            return fail(
              event.type === "session.updated" && event.soc !== undefined ? "soc" : "energyDeliveredKwh",
              `must not decrease (was ${s.deliveredKwh} kWh)`,
            );
          if (s.meteredAt !== undefined && atMs < Date.parse(s.meteredAt))
            return fail("at", `is before the session's last meter value (${s.meteredAt})`);
          judgeReading(s, delivered, atMs, evses.get(s.evseId)?.maxChargeKw ?? Number.POSITIVE_INFINITY);
          s.deliveredKwh = delivered;
          s.meteredAt = event.at;
          readings.push({ sessionId: s.sessionId, at: event.at, deliveredKwh: delivered });
        }
        if (event.type === "session.updated") {
          if (event.departure !== undefined) {
            if (!(Date.parse(event.departure) > Date.parse(s.startedAt))) return fail("departure", "must be after the session started");
            s.announced.departure = event.departure;
            s.announced.defaulted = s.announced.defaulted.filter((d) => d !== "departure");
          }
          if (event.targetEnergyKwh !== undefined) {
            if (s.announced.capacityKwh !== undefined && event.targetEnergyKwh > s.announced.capacityKwh)
              return fail("targetEnergyKwh", `must not exceed the capacity (${s.announced.capacityKwh} kWh)`);
            s.announced.targetEnergyKwh = event.targetEnergyKwh;
            s.announced.defaulted = s.announced.defaulted.filter((d) => d !== "targetEnergyKwh");
          }
          if (event.transactionId !== undefined) s.transactionId = event.transactionId;
          if (event.chargingState === "SuspendedEV") s.evSuspended = true;
          else if (event.chargingState === "Charging") delete s.evSuspended;
        } else {
          s.state = "ended";
          s.endedAt = event.at;
          // A TxProfile goes with its transaction; a TxDefaultProfile stays on the EVSE (and would clash with the next one).
          if (ctx.body.ocppProfiles.purpose === "TxDefaultProfile" && s.lastProfile !== undefined) s.clearPending = true;
          activeByEvse.delete(s.evseId);
          idsInUse.delete(s.profileId);
        }
        sessions.set(s.sessionId, s);
        break;
      }
      case "evse.unavailable":
      case "evse.available": {
        if (!evses.has(event.evseId)) return fail("evseId", `unknown EVSE "${event.evseId}"`);
        const rest = state.unavailableEvses.filter((e) => e !== event.evseId);
        state.unavailableEvses = event.type === "evse.unavailable" ? [...rest, event.evseId] : rest;
        break;
      }
      case "limit.changed": {
        const endMs = Date.parse(event.end);
        if (!(endMs > Date.parse(event.start))) return fail("end", "must be after start");
        const now = Math.max(atMs, clock === undefined ? Number.NEGATIVE_INFINITY : Date.parse(clock));
        if (endMs <= now) return fail("end", "the window is in the past");
        if (event.circuitId !== undefined && !circuits.has(event.circuitId))
          return fail("circuitId", `unknown circuit id "${event.circuitId}"`);
        if (event.importLimitKw === undefined && event.phaseLimitA === undefined)
          return fail("type", "a limit.changed event must carry importLimitKw, phaseLimitA or both");
        if (event.phaseLimitA !== undefined) {
          const node = event.circuitId === undefined ? ctx.body.site : ctx.body.circuits.find((c) => c.id === event.circuitId);
          if (node?.phaseLimitA === undefined)
            return fail(
              "phaseLimitA",
              `${event.circuitId === undefined ? "the site" : `circuit "${event.circuitId}"`} has no phaseLimitA to lower: configure one in the site`,
            );
        }
        state.limits.push({
          eventId: event.eventId,
          start: event.start,
          end: event.end,
          ...(event.importLimitKw !== undefined && { importLimitKw: event.importLimitKw }),
          ...(event.phaseLimitA !== undefined && { phaseLimitA: event.phaseLimitA }),
          ...(event.circuitId !== undefined && { circuitId: event.circuitId }),
        });
        break;
      }
      case "forecast.updated": {
        const { eventId, at, importPrice, exportPrice, baseLoadKw, pvKw } = event;
        if ([importPrice, exportPrice, baseLoadKw, pvKw].every((s) => s === undefined))
          return fail("type", "a forecast.updated event must carry at least one of importPrice, exportPrice, baseLoadKw, pvKw");
        state.forecasts.push({
          eventId,
          at,
          ...(importPrice !== undefined && { importPrice }),
          ...(exportPrice !== undefined && { exportPrice }),
          ...(baseLoadKw !== undefined && { baseLoadKw }),
          ...(pvKw !== undefined && { pvKw }),
        });
        break;
      }
    }
    if (clock === undefined || atMs > Date.parse(clock)) clock = event.at;
  });

  // Windows that ended before the site clock no longer matter.
  if (clock !== undefined) {
    const now = Date.parse(clock);
    state.limits = state.limits.filter((w) => Date.parse(w.end) > now);
  }
  return { problems, state, sessions, readings, clock, nextProfileId };
}

/** The announcement of a session.started event in the model's terms, the site's defaults filling the gaps. */
function announce(
  event: Extract<SiteEvent, { type: "session.started" }>,
  body: SiteBody,
  fail: (field: string, message: string) => void,
): Announced | undefined {
  const d = body.sessionDefaults;
  const capacity = event.capacityKwh;
  if ((event.initialSoc !== undefined || event.targetSoc !== undefined) && capacity === undefined) {
    fail(event.initialSoc !== undefined ? "initialSoc" : "targetSoc", "needs capacityKwh");
    return undefined;
  }
  const initial = event.initialEnergyKwh ?? (event.initialSoc !== undefined ? event.initialSoc * capacity! : 0);
  const defaulted: Announced["defaulted"] = [];
  let target = event.targetEnergyKwh ?? (event.targetSoc !== undefined ? event.targetSoc * capacity! : undefined);
  if (target === undefined && event.requestedEnergyKwh !== undefined) target = initial + event.requestedEnergyKwh;
  if (target === undefined) {
    target = initial + d.energyKwh;
    defaulted.push("targetEnergyKwh");
  }
  if (capacity !== undefined) {
    if (initial > capacity) {
      fail("initialEnergyKwh", `must not exceed capacityKwh (${capacity})`);
      return undefined;
    }
    if (target > capacity) {
      if (defaulted.includes("targetEnergyKwh") || event.requestedEnergyKwh !== undefined) target = capacity;
      else {
        fail("targetEnergyKwh", `must not exceed capacityKwh (${capacity})`);
        return undefined;
      }
    }
  }
  let departure = event.departure;
  if (departure === undefined) {
    departure = new Date(Date.parse(event.at) + d.stayHours * HOUR_MS).toISOString();
    defaulted.push("departure");
  } else if (!(Date.parse(departure) > Date.parse(event.at))) {
    fail("departure", "must be after at");
    return undefined;
  }
  return {
    departure,
    initialEnergyKwh: initial,
    targetEnergyKwh: target,
    ...(capacity !== undefined && { capacityKwh: capacity }),
    ...(event.minEnergyKwh !== undefined && { minEnergyKwh: event.minEnergyKwh }),
    chargeEfficiency: event.chargeEfficiency ?? d.chargeEfficiency,
    ...(event.dischargeEfficiency !== undefined && { dischargeEfficiency: event.dischargeEfficiency }),
    ...(event.degradationCostPerKwh !== undefined && { degradationCostPerKwh: event.degradationCostPerKwh }),
    shortfallPenaltyPerKwh: event.shortfallPenaltyPerKwh ?? d.shortfallPenaltyPerKwh,
    v2g: event.v2g,
    ...(event.phases !== undefined && { phases: event.phases }),
    ...(event.userId !== undefined && { userId: event.userId }),
    defaulted,
  };
}

/**
 * The loop closes on measurements: compare the power a meter value shows
 * since the previous one with the setpoint published for that time. A car
 * that takes clearly less for SLOW_READINGS_TO_CAP readings in a row (a
 * full battery tapering, a car limiting itself) gets its cap lowered to what
 * it takes, so the next plan gives the headroom to the others; a car that
 * takes more than its learned cap gets the cap lifted again.
 */
export function judgeReading(s: SessionRecord, delivered: number, atMs: number, evseMaxKw: number): void {
  const fromMs = Date.parse(s.meteredAt ?? s.startedAt);
  const hours = (atMs - fromMs) / HOUR_MS;
  const profile = s.lastProfile;
  if (!(hours > 0) || profile === undefined) return;
  const slotMs = profile.slotMinutes * 60_000;
  let planned = 0;
  for (let t = 0; t < profile.powerKw.length; t++) {
    const a = Math.max(profile.startMs + t * slotMs, fromMs);
    const b = Math.min(profile.startMs + (t + 1) * slotMs, atMs);
    if (b > a) planned += Math.max(0, profile.powerKw[t]) * (b - a);
  }
  updateMeterCap(s, (delivered - s.deliveredKwh) / hours, planned / (atMs - fromMs), evseMaxKw);
}

/** What the meter loop remembers of a car. */
export interface MeterCap {
  slowReadings: number;
  learnedMaxKw?: number;
}

/**
 * One reading of the meter loop: the car took `takenKw` on average while its
 * setpoint was `setpointKw`. Shared by live sites and `simulate --meter-caps`,
 * so that the two stay one engine.
 */
export function updateMeterCap(cap: MeterCap, takenKw: number, setpointKw: number, evseMaxKw: number): void {
  if (cap.learnedMaxKw !== undefined && takenKw > cap.learnedMaxKw * 0.95) {
    // It takes all we allow: maybe more is possible. Lift the cap and judge again.
    delete cap.learnedMaxKw;
    cap.slowReadings = 0;
    return;
  }
  if (setpointKw < MIN_JUDGED_SETPOINT_KW) return;
  if (takenKw < SLOW_SHARE * setpointKw) cap.slowReadings += 1;
  else cap.slowReadings = 0;
  if (cap.slowReadings >= SLOW_READINGS_TO_CAP) cap.learnedMaxKw = Math.min(evseMaxKw, Math.max(takenKw * CAP_HEADROOM, 0.1 * evseMaxKw));
}
