/**
 * The replay driver: real sessions driven through a live site over the HTTP
 * API, as a CSMS would send them. The site runs on the events' clock, so a
 * week replays as fast as the service plans. Each slot the driver sends
 * what a CSMS knows (arrivals with the driver's announcements, meter values,
 * departures), waits for the plan, and applies the plan's first slot to the
 * real EVs exactly as `simulate` does (service/simulate/simulator.ts): the
 * two must agree, since they are one engine. It speaks to the API through
 * the typed client (service/client), as a CSMS would, from the outside.
 */
import { computeMetrics, type StrategyMetrics } from "../simulate/metrics.js";
import {
  applySlot,
  evStopped,
  emptyRunResult,
  type RunResult,
  type SimSession,
  type SimulationOptions,
  type SiteGrid,
} from "../simulate/simulator.js";
import { isoUtc, MINUTE_MS } from "../simulate/time.js";
import type { StrategyName } from "../../engine/model/schema.js";
import { wattplanClient, type Schemas, type WattplanClient } from "../client/index.js";

export interface ApiTarget {
  baseUrl: string;
  apiKey: string;
}

export interface DriveOptions {
  siteId: string;
  strategy: StrategyName;
  horizonHours: number;
  simulation: SimulationOptions;
  /** Let the site lower the caps of cars that take less than offered (off: exactly what `simulate` plans). @defaultValue false */
  meterCaps?: boolean;
  /** Called once per replayed slot. */
  onSlot?: (slot: number, slots: number) => void;
  /** Called with every plan the driver applied (tests check each against the independent checker). */
  onPlan?: (plan: { request: unknown; response: unknown }) => void;
}

export interface DriveResult {
  run: RunResult;
  metrics: StrategyMetrics;
  /** Events the API accepted, and sessions it reports ended at the end (for the zero-lost check). */
  eventsSent: number;
  sessionsStarted: number;
  sessionsEnded: number;
  plans: number;
}

export class ReplayError extends Error {}

/** fetch that waits out a 429 (retry-after) and retries, as a well-behaved CSMS would. Events are idempotent, so retries are safe. */
async function fetchRetrying(request: Request): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(request.clone());
    if (res.status !== 429 || attempt >= 10) return res;
    await res.body?.cancel();
    const seconds = Number(res.headers.get("retry-after") ?? "1");
    await new Promise((r) => setTimeout(r, 1000 * Math.min(60, Number.isFinite(seconds) ? seconds : 1)));
  }
}

function clientOf(target: ApiTarget): WattplanClient {
  return wattplanClient({ baseUrl: target.baseUrl, apiKey: target.apiKey, fetch: fetchRetrying });
}

/** EVSEs for the replay: a session takes the first free EVSE of its power, so EVSEs are reused as cars come and go. */
function assignEvses(sessions: readonly SimSession[]): { evseOf: string[]; evses: Schemas["EvseInput"][] } {
  const pools = new Map<string, { id: string; freeFrom: number }[]>();
  const evses: Schemas["EvseInput"][] = [];
  const evseOf = new Array<string>(sessions.length);
  const order = sessions.map((_, v) => v).sort((a, b) => sessions[a].firstSlot - sessions[b].firstSlot);
  for (const v of order) {
    const s = sessions[v];
    const key = `${s.maxChargeKw}|${s.maxDischargeKw}`;
    const pool = pools.get(key) ?? [];
    pools.set(key, pool);
    let evse = pool.find((e) => e.freeFrom <= s.firstSlot);
    if (evse === undefined) {
      evse = { id: `evse-${evses.length + 1}`, freeFrom: 0 };
      pool.push(evse);
      evses.push({
        id: evse.id,
        stationId: `station-${evses.length + 1}`,
        connectorId: 1,
        maxChargeKw: s.maxChargeKw,
        maxDischargeKw: s.maxDischargeKw,
        ocpp: { version: "2.0.1", unit: "W" },
      });
    }
    evse.freeFrom = Math.max(s.endSlot, s.firstSlot + 1);
    evseOf[v] = evse.id;
  }
  return { evseOf, evses };
}

export async function driveSite(target: ApiTarget, sessions: SimSession[], grid: SiteGrid, options: DriveOptions): Promise<DriveResult> {
  const started = performance.now();
  const o = options.simulation;
  if (sessions.some((s) => s.v2g))
    throw new ReplayError("the replay driver sends meter values as energy delivered, so it replays charging only (v2g-share 0)");
  const slotMs = grid.slotMinutes * MINUTE_MS;
  const { evseOf, evses } = assignEvses(sessions);
  const wp = clientOf(target);
  const site: Schemas["SiteBodyInput"] = {
    site: { importLimitKw: o.capacityKw, exportLimitKw: o.exportLimitKw },
    tariff: { importPrice: 0 },
    evses,
    planning: {
      slotMinutes: grid.slotMinutes,
      horizonHours: options.horizonHours,
      // The horizon simulate's plans reach to: the cars' departures, as far as its cap.
      maxHorizonHours: Math.max(options.horizonHours, ((o.maxHorizonSlots ?? 0) * grid.slotMinutes) / 60),
      strategy: options.strategy,
      clock: "events",
      meterCaps: options.meterCaps ?? false,
    },
    sessionDefaults: { shortfallPenaltyPerKwh: o.shortfallPenaltyPerKwh },
  };
  const siteUrl = `/v1/sites/${encodeURIComponent(options.siteId)}`;
  const path = { siteId: options.siteId };
  const put = await wp.PUT("/v1/sites/{siteId}", { params: { path }, body: site });
  if (put.error) throw new ReplayError(`PUT ${siteUrl}: ${put.response.status} ${put.error.message}`);

  const N = grid.slots;
  const energy = Float64Array.from(sessions, (s) => s.initialEnergyKwh);
  const result = emptyRunResult(options.strategy, o.capacityKw, N, sessions.length);
  const order = sessions.map((_, v) => v).sort((a, b) => sessions[a].firstSlot - sessions[b].firstSlot);
  let next = 0;
  let present: number[] = [];
  let eventsSent = 0;
  let sessionsStarted = 0;
  let plans = 0;
  let serial = 0;
  const delivered = (v: number) => Math.round((energy[v] - sessions[v].initialEnergyKwh) * 1e9) / 1e9;
  // What a station reports when the EV stops by itself (as simulate tells its online strategies).
  const suspended = new Uint8Array(sessions.length);
  const newlyStopped = (v: number): boolean => {
    if (options.simulation.evStops === "silent" || suspended[v] === 1 || !evStopped(sessions[v], energy[v])) return false;
    suspended[v] = 1;
    return true;
  };

  for (let k = 0; k < N; k++) {
    const at = isoUtc(grid.startMs + k * slotMs);
    const events: Schemas["SiteEventInput"][] = [];
    const id = () => `${options.siteId}-${++serial}`;
    for (const v of present) {
      const s = sessions[v];
      events.push(
        s.endSlot <= k
          ? { eventId: id(), type: "session.ended", at, sessionId: s.id, energyDeliveredKwh: delivered(v) }
          : {
              eventId: id(),
              type: "session.updated",
              at,
              sessionId: s.id,
              energyDeliveredKwh: delivered(v),
              ...(newlyStopped(v) && { chargingState: "SuspendedEV" }),
            },
      );
    }
    present = present.filter((v) => sessions[v].endSlot > k);
    while (next < order.length && sessions[order[next]].firstSlot <= k) {
      const v = order[next++];
      const s = sessions[v];
      if (s.endSlot <= k) continue;
      present.push(v);
      sessionsStarted++;
      events.push({
        eventId: id(),
        type: "session.started",
        at,
        sessionId: s.id,
        evseId: evseOf[v],
        departure: isoUtc(s.declaredDepartureMs),
        initialEnergyKwh: s.initialEnergyKwh,
        targetEnergyKwh: s.declaredTargetKwh,
        capacityKwh: Math.max(s.announcedCapacityKwh, s.declaredTargetKwh, s.initialEnergyKwh),
      });
    }
    result.pluggedIn[k] = present.length;
    let power = new Map<string, number>();
    if (events.length > 0) {
      const posted = await wp.POST("/v1/sites/{siteId}/events", { params: { path, query: { wait: 30 } }, body: { events } });
      if (posted.response.status !== 200)
        throw new ReplayError(`POST events at ${at}: ${posted.response.status} ${posted.error?.message ?? "(no plan within 30 s)"}`);
      eventsSent += events.length;
      if (present.length > 0) {
        const plan = await wp.GET("/v1/sites/{siteId}/plan", { params: { path } });
        if (plan.data === undefined || plan.data.request.horizon.start !== new Date(grid.startMs + k * slotMs).toISOString())
          throw new ReplayError(`GET plan at ${at}: ${plan.response.status}, not the plan of this slot`);
        plans++;
        options.onPlan?.(plan.data);
        result.solves++;
        result.solveMs[k] = plan.data.response.solver.solveMs;
        power = new Map(plan.data.response.sessions.map((s) => [s.id, s.powerKw[0]]));
      }
    }
    applySlot(k, present, (v) => power.get(sessions[v].id) ?? 0, sessions, energy, grid, o, result);
    options.onSlot?.(k + 1, N);
  }
  // Cars still plugged in at the end leave now.
  if (present.length > 0) {
    const at = isoUtc(grid.startMs + N * slotMs);
    const events = present.map((v): Schemas["SiteEventInput"] => ({
      eventId: `${options.siteId}-${++serial}`,
      type: "session.ended",
      at,
      sessionId: sessions[v].id,
      energyDeliveredKwh: delivered(v),
    }));
    const posted = await wp.POST("/v1/sites/{siteId}/events", { params: { path }, body: { events } });
    if (posted.error) throw new ReplayError(`POST final events: ${posted.response.status} ${posted.error.message}`);
    eventsSent += events.length;
  }
  sessions.forEach((s, v) => (result.deliveredKwh[v] = energy[v] - s.initialEnergyKwh));
  result.runMs = performance.now() - started;
  const ended = await wp.GET("/v1/sites/{siteId}/sessions", { params: { path, query: { state: "ended" } } });
  if (ended.data === undefined) throw new ReplayError(`GET sessions: ${ended.response.status} ${ended.error?.message ?? ""}`);
  return {
    run: result,
    metrics: computeMetrics(result, sessions, grid),
    eventsSent,
    sessionsStarted,
    sessionsEnded: ended.data.sessions.length,
    plans,
  };
}
