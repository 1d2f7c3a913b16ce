/**
 * Live sites in PostgreSQL. Every write that a plan depends on runs in one
 * transaction holding the site's row lock and bumps its state version; plans
 * are published only over a plan computed from an older state (or an older
 * clock), so a slow planner can never overwrite a newer plan.
 */
import type { WarmOutcome } from "../../engine/scheduler/warm.js";
import type { ForecastModel, PlugInForecast, Recalibration } from "../forecast/index.js";
import type { SiteOcppEntry } from "../webhooks/index.js";
import type { PlanForecast, SiteForecast, TrainingMetrics } from "./forecast.js";
import type pg from "pg";
import { WattplanError } from "../../engine/errors.js";
import { canonicalJson } from "../queue/canonical.js";
import { applyBatch, type MeterReading } from "./events.js";
import type { SiteBody, SiteEvent } from "./schema.js";
import { EMPTY_STATE, type PublishedProfile, type SessionRecord, type SiteRecord, type SiteState } from "./state.js";

export interface EventsOutcome {
  siteId: string;
  /** The state version after the batch (unchanged when every event was a duplicate). */
  stateVersion: number;
  applied: string[];
  /** Event ids already applied earlier (a retried batch): not applied again. */
  duplicates: string[];
}

/** An applied batch with what its re-plan request needs (read in the batch's transaction). */
export interface AppliedEvents extends EventsOutcome {
  sitePk: number;
  /** The site's planning.debounceMs. */
  debounceMs: number;
}

export interface StoredPlan {
  version: number;
  stateVersion: number;
  horizonStart: string;
  computedAt: string;
  body: PlanBody;
}

/** The published plan (GET /v1/sites/:siteId/plan), without `version`, which the store assigns. */
export interface PlanBody {
  stateVersion: number;
  computedAt: string;
  request: unknown;
  response: unknown;
  ocpp: SiteOcppEntry[];
  /** Sessions whose profile differs from what they were sent before (the webhook's `ocpp`). */
  changedSessions: string[];
  /** EVSEs whose fallback profile changed (absent in plans from before fallbacks). */
  changedFallbacks?: string[];
  /** Stations whose station-max profile changed (absent in plans from before them). */
  changedStations?: string[];
  warnings: string[];
  /** With planning.warmStart: how the solve started. */
  warmStart?: WarmOutcome;
  forecast?: PlanForecast;
}

/** A plan body already serialized (by a plan thread): its JSON and the fields the store indexes. */
export interface SerializedPlan {
  stateVersion: number;
  computedAt: string;
  /** The PlanBody as JSON. */
  json: string;
}

/** What a plan starts from (SiteStore.planningSnapshot). */
export interface PlanningSnapshot {
  site: SiteRecord;
  /** Active sessions, oldest first. */
  sessions: SessionRecord[];
  /** Ids of the active sessions that have no plug-in forecast stored yet (`savePlugInForecasts`). */
  withoutPlugInForecast: ReadonlySet<string>;
  /** Ended sessions whose TxDefaultProfile the plan clears (SessionRecord.clearPending), in the order they ended. */
  pendingClears: SessionRecord[];
  /** The fallback limit keys last published per EVSE. */
  fallbacks: Record<string, string>;
  /** The station-max limit keys last published per station. */
  stationMax: Record<string, string>;
  /** The newest published plan, if any. */
  latest?: { version: number; stateVersion: number; horizonStart: string };
}

interface SiteRow {
  pk: string;
  tenant_id: string;
  site_id: string;
  body: SiteBody;
  state: SiteState;
  state_version: string;
  clock: Date | null;
  next_profile_id: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

interface SessionRow {
  session_id: string;
  evse_id: string;
  state: "active" | "ended";
  started_at: Date;
  ended_at: Date | null;
  announced: SessionRecord["announced"];
  delivered_kwh: number;
  metered_at: Date | null;
  learned_max_kw: number | null;
  slow_readings: number;
  profile_id: string;
  transaction_id: string | null;
  last_profile: PublishedProfile | null;
  ev_suspended: boolean;
  clear_pending: boolean;
  /** Absent where a query leaves it out. */
  plug_in_forecast?: PlugInForecast | null;
}

/** An ended session with the forecast it was given at plug-in, where one was stored. */
export interface EndedSession {
  session: SessionRecord;
  plugInForecast?: PlugInForecast;
}

function siteOf(r: SiteRow): SiteRecord {
  return {
    pk: Number(r.pk),
    tenantId: r.tenant_id,
    siteId: r.site_id,
    body: r.body,
    state: { ...EMPTY_STATE, ...r.state },
    stateVersion: Number(r.state_version),
    ...(r.clock !== null && { clock: r.clock.toISOString() }),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function sessionOf(r: SessionRow): SessionRecord {
  return {
    sessionId: r.session_id,
    evseId: r.evse_id,
    state: r.state,
    startedAt: r.started_at.toISOString(),
    ...(r.ended_at !== null && { endedAt: r.ended_at.toISOString() }),
    announced: r.announced,
    deliveredKwh: r.delivered_kwh,
    ...(r.ev_suspended && { evSuspended: true }),
    ...(r.clear_pending && { clearPending: true }),
    ...(r.metered_at !== null && { meteredAt: r.metered_at.toISOString() }),
    ...(r.learned_max_kw !== null && { learnedMaxKw: r.learned_max_kw }),
    slowReadings: r.slow_readings,
    profileId: Number(r.profile_id),
    ...(r.transaction_id !== null && { transactionId: r.transaction_id }),
    ...(r.last_profile !== null && { lastProfile: r.last_profile }),
  };
}

const notFound = (siteId: string) => new WattplanError("ERR_SITE_NOT_FOUND", `no site "${siteId}"`);

export class SiteStore {
  constructor(readonly pool: pg.Pool) {}

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client between two queries (a plan is solving) has no listener of its own: PostgreSQL
    // shutting down then emits 'error' on it, which would crash the process. The next query fails instead.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on("error", onError);
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.off("error", onError);
      // A client whose connection broke is discarded, not returned to the pool.
      client.release(lost);
    }
  }

  /** Create or replace a site. Replacing keeps its sessions, events and plans; an EVSE with an active session cannot be removed. */
  async putSite(tenantId: string, siteId: string, body: SiteBody): Promise<{ site: SiteRecord; created: boolean }> {
    return this.transaction(async (c) => {
      const existing = await c.query<SiteRow>("SELECT * FROM sites WHERE tenant_id = $1 AND site_id = $2 FOR UPDATE", [tenantId, siteId]);
      if (existing.rowCount === 0) {
        const inserted = await c.query<SiteRow>(
          "INSERT INTO sites (tenant_id, site_id, body, state, next_profile_id) VALUES ($1, $2, $3, $4, $5) RETURNING *",
          [tenantId, siteId, body, EMPTY_STATE, body.ocppProfiles.idMin],
        );
        return { site: siteOf(inserted.rows[0]), created: true };
      }
      const row = existing.rows[0];
      const active = await c.query<{ session_id: string; evse_id: string; profile_id: string }>(
        "SELECT session_id, evse_id, profile_id FROM site_sessions WHERE site_pk = $1 AND state = 'active'",
        [row.pk],
      );
      const evses = new Set(body.evses.map((e) => e.id));
      const problems = active.rows
        .filter((s) => !evses.has(s.evse_id))
        .map((s) => ({
          path: "evses",
          message: `EVSE "${s.evse_id}" has the active session "${s.session_id}"; end it before removing the EVSE`,
        }));
      if (problems.length > 0) throw new WattplanError("ERR_SITE_CONFLICT", problems.map((p) => p.message).join("; "), { problems });
      const next = Number(row.next_profile_id);
      const nextProfileId = next >= body.ocppProfiles.idMin && next <= body.ocppProfiles.idMax ? next : body.ocppProfiles.idMin;
      // A deleted site put again comes back with its history, but not with the limits and forecasts of before.
      const revived = row.deleted_at !== null;
      const updated = await c.query<SiteRow>(
        `UPDATE sites SET body = $2, state_version = state_version + 1, next_profile_id = $3, updated_at = now(), deleted_at = NULL
           ${revived ? ", state = '{}'::jsonb" : ""}
         WHERE pk = $1 RETURNING *`,
        [row.pk, body, nextProfileId],
      );
      return { site: siteOf(updated.rows[0]), created: revived };
    });
  }

  async getSite(tenantId: string, siteId: string): Promise<SiteRecord | undefined> {
    const r = await this.pool.query<SiteRow>("SELECT * FROM sites WHERE tenant_id = $1 AND site_id = $2 AND deleted_at IS NULL", [
      tenantId,
      siteId,
    ]);
    return r.rowCount === 0 ? undefined : siteOf(r.rows[0]);
  }

  async getSiteByPk(pk: number): Promise<SiteRecord | undefined> {
    const r = await this.pool.query<SiteRow>("SELECT * FROM sites WHERE pk = $1 AND deleted_at IS NULL", [pk]);
    return r.rowCount === 0 ? undefined : siteOf(r.rows[0]);
  }

  /**
   * Remove a site from the API. Without `purge` its sessions, events and
   * plans stay (the history forecasting learns from) and a later PUT of the
   * same id brings it back with them; active sessions are ended at the
   * deletion. With `purge` every row of the site is deleted.
   */
  async deleteSite(tenantId: string, siteId: string, purge: boolean): Promise<boolean> {
    return this.transaction(async (c) => {
      const r = await c.query<{ pk: string }>(
        purge
          ? "DELETE FROM sites WHERE tenant_id = $1 AND site_id = $2 RETURNING pk"
          : "UPDATE sites SET deleted_at = now(), state_version = state_version + 1 WHERE tenant_id = $1 AND site_id = $2 AND deleted_at IS NULL RETURNING pk",
        [tenantId, siteId],
      );
      if (r.rowCount === 0) return false;
      if (!purge)
        await c.query("UPDATE site_sessions SET state = 'ended', ended_at = now() WHERE site_pk = $1 AND state = 'active'", [r.rows[0].pk]);
      return true;
    });
  }

  /**
   * Apply a batch of events, all or nothing. An event id seen before is a
   * duplicate (its batch was retried) and is not applied again; the same id
   * with a different body is a 409.
   */
  async applyEvents(tenantId: string, siteId: string, events: readonly SiteEvent[]): Promise<AppliedEvents> {
    const seen = new Map<string, number>();
    const repeated = events.flatMap((e, i) => {
      const first = seen.get(e.eventId);
      seen.set(e.eventId, first ?? i);
      return first === undefined ? [] : [{ path: `events[${i}].eventId`, message: `repeats events[${first}].eventId "${e.eventId}"` }];
    });
    if (repeated.length > 0) throw invalidEvents(repeated);

    return this.transaction(async (c) => {
      const siteRows = await c.query<SiteRow>(
        "SELECT * FROM sites WHERE tenant_id = $1 AND site_id = $2 AND deleted_at IS NULL FOR UPDATE",
        [tenantId, siteId],
      );
      if (siteRows.rowCount === 0) throw notFound(siteId);
      const site = siteOf(siteRows.rows[0]);

      const stored = await c.query<{ event_id: string; body: unknown }>(
        "SELECT event_id, body FROM site_events WHERE site_pk = $1 AND event_id = ANY($2)",
        [site.pk, events.map((e) => e.eventId)],
      );
      const before = new Map(stored.rows.map((r) => [r.event_id, canonicalJson(r.body)]));
      const conflicts = events.flatMap((e, i) => {
        const body = before.get(e.eventId);
        return body !== undefined && body !== canonicalJson(e)
          ? [{ path: `events[${i}].eventId`, message: `event "${e.eventId}" was already applied with a different body` }]
          : [];
      });
      if (conflicts.length > 0)
        throw new WattplanError("ERR_IDEMPOTENCY_CONFLICT", conflicts.map((p) => `${p.path}: ${p.message}`).join("\n"), {
          problems: conflicts,
        });
      const fresh = events.filter((e) => !before.has(e.eventId));
      const duplicates = events.filter((e) => before.has(e.eventId)).map((e) => e.eventId);
      const planning = { sitePk: site.pk, debounceMs: site.body.planning.debounceMs };
      if (fresh.length === 0) return { siteId, stateVersion: site.stateVersion, applied: [], duplicates, ...planning };

      const named = [...new Set(fresh.flatMap((e) => ("sessionId" in e ? [e.sessionId] : [])))];
      // Only the sessions the batch names are judged or written: the others' last profile (~2 KB each) is not read.
      const sessionRows = await c.query<SessionRow>(
        `SELECT ${SESSION_COLUMNS_BUT_PROFILE}, CASE WHEN session_id = ANY($2) THEN last_profile END AS last_profile
         FROM site_sessions WHERE site_pk = $1 AND (state = 'active' OR clear_pending OR session_id = ANY($2))`,
        [site.pk, named],
      );
      const sessions = new Map(sessionRows.rows.map((r) => [r.session_id, sessionOf(r)]));
      const active = [...sessions.values()].filter((s) => s.state === "active");
      // A profile still to be cleared keeps its id: a new session must not be handed it meanwhile.
      const holdingIds = [...sessions.values()].filter((s) => s.state === "active" || s.clearPending === true);
      const nextRow = Number(siteRows.rows[0].next_profile_id);
      const outcome = applyBatch(
        {
          body: site.body,
          state: site.state,
          clock: site.clock,
          sessions,
          activeByEvse: new Map(active.map((s) => [s.evseId, s.sessionId])),
          profileIdsInUse: new Set(holdingIds.map((s) => s.profileId)),
          nextProfileId: nextRow,
        },
        fresh,
      );
      if (outcome.problems.length > 0) throw invalidEvents(outcome.problems);

      const stateVersion = site.stateVersion + 1;
      await c.query("UPDATE sites SET state = $2, state_version = $3, clock = $4, next_profile_id = $5, updated_at = now() WHERE pk = $1", [
        site.pk,
        outcome.state,
        stateVersion,
        outcome.clock ?? null,
        outcome.nextProfileId,
      ]);
      for (const s of outcome.sessions.values()) await upsertSession(c, site.pk, s);
      await insertReadings(c, site.pk, outcome.readings);
      await c.query(
        `INSERT INTO site_events (site_pk, event_id, type, at, body, state_version)
         SELECT $1, e.event_id, e.type, e.at, e.body, $2
         FROM jsonb_to_recordset($3::jsonb) AS e(event_id text, type text, at timestamptz, body jsonb)`,
        [site.pk, stateVersion, JSON.stringify(fresh.map((e) => ({ event_id: e.eventId, type: e.type, at: e.at, body: e })))],
      );
      return { siteId, stateVersion, applied: fresh.map((e) => e.eventId), duplicates, ...planning };
    });
  }

  /** The site and its active sessions, read under the site's planning lock (see {@link withPlanningLock}). */
  /** The site's forecast model, if one was trained. */
  async forecast(pk: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<SiteForecast | undefined> {
    const r = await client.query<{
      trained_at: Date;
      sessions: number;
      metrics: TrainingMetrics;
      model: ForecastModel;
      recalibration: Recalibration | null;
    }>("SELECT trained_at, sessions, metrics, model, recalibration FROM site_forecasts WHERE site_pk = $1", [pk]);
    const row = r.rows[0];
    return row === undefined
      ? undefined
      : {
          trainedAt: row.trained_at.toISOString(),
          sessions: row.sessions,
          metrics: row.metrics,
          model: row.model,
          ...(row.recalibration !== null && { recalibration: row.recalibration }),
        };
  }

  /** The online recalibration of the site's forecast (read on every plan: it moves without retraining). */
  async recalibration(pk: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<Recalibration | undefined> {
    const r = await client.query<{ recalibration: Recalibration | null }>("SELECT recalibration FROM site_forecasts WHERE site_pk = $1", [
      pk,
    ]);
    return r.rows[0]?.recalibration ?? undefined;
  }

  /** Store the recalibration a plan updated; not a new state version (the plan that learned it is computed with it). */
  async saveRecalibration(pk: number, recalibration: Recalibration, client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    await client.query("UPDATE site_forecasts SET recalibration = $2 WHERE site_pk = $1", [pk, JSON.stringify(recalibration)]);
  }

  /** Sessions that ended after `afterMs` (all ended ones for null), in the order they ended, with their plug-in forecasts. */
  async sessionsEndedAfter(pk: number, afterMs: number | null, client: pg.ClientBase | pg.Pool = this.pool): Promise<EndedSession[]> {
    const r = await client.query<SessionRow>(
      `SELECT * FROM site_sessions WHERE site_pk = $1 AND state = 'ended' AND ($2::timestamptz IS NULL OR ended_at > $2::timestamptz)
       ORDER BY ended_at, session_id`,
      [pk, afterMs === null ? null : new Date(afterMs).toISOString()],
    );
    return r.rows.map((row) => ({
      session: sessionOf(row),
      ...(row.plug_in_forecast !== null && row.plug_in_forecast !== undefined && { plugInForecast: row.plug_in_forecast }),
    }));
  }

  /** Store the forecasts active sessions were given at plug-in; a session's first one stays. */
  async savePlugInForecasts(
    pk: number,
    forecasts: ReadonlyMap<string, PlugInForecast>,
    client: pg.ClientBase | pg.Pool = this.pool,
  ): Promise<void> {
    if (forecasts.size === 0) return;
    await client.query(
      `UPDATE site_sessions s SET plug_in_forecast = f.forecast
       FROM jsonb_to_recordset($2::jsonb) AS f(session_id text, forecast jsonb)
       WHERE s.site_pk = $1 AND s.session_id = f.session_id AND s.plug_in_forecast IS NULL`,
      [pk, JSON.stringify([...forecasts].map(([id, forecast]) => ({ session_id: id, forecast })))],
    );
  }

  /** When the site's model was trained and on how many sessions (cheap: no model). */
  async forecastStamp(
    pk: number,
    client: pg.ClientBase | pg.Pool = this.pool,
  ): Promise<{ trainedAt: string; sessions: number } | undefined> {
    const r = await client.query<{ trained_at: Date; sessions: number }>(
      "SELECT trained_at, sessions FROM site_forecasts WHERE site_pk = $1",
      [pk],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : { trainedAt: row.trained_at.toISOString(), sessions: row.sessions };
  }

  /** Store a newly trained model; plans depend on it, so it is a new state version. */
  async saveForecast(
    pk: number,
    trained: { sessions: number; metrics: TrainingMetrics; model: ForecastModel; recalibration?: Recalibration },
    trainedAt: Date,
    client?: pg.ClientBase,
  ): Promise<void> {
    const work = async (c: pg.ClientBase) => {
      await c.query(
        `INSERT INTO site_forecasts (site_pk, trained_at, sessions, metrics, model, recalibration) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (site_pk) DO UPDATE SET
           trained_at = EXCLUDED.trained_at, sessions = EXCLUDED.sessions, metrics = EXCLUDED.metrics, model = EXCLUDED.model,
           recalibration = EXCLUDED.recalibration`,
        [
          pk,
          trainedAt,
          trained.sessions,
          JSON.stringify(trained.metrics),
          JSON.stringify(trained.model),
          trained.recalibration === undefined ? null : JSON.stringify(trained.recalibration),
        ],
      );
      await c.query("UPDATE sites SET state_version = state_version + 1, updated_at = now() WHERE pk = $1", [pk]);
    };
    // In the caller's transaction (the planning lock, so that no plan's recalibration is lost), or in one of its own.
    if (client !== undefined) await work(client);
    else await this.transaction(work);
  }

  /** Ended sessions that lasted a while: what a forecast can learn from. */
  async endedSessionCount(pk: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<number> {
    const r = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM site_sessions WHERE site_pk = $1 AND state = 'ended' AND ended_at > started_at",
      [pk],
    );
    return Number(r.rows[0].n);
  }

  async sessions(pk: number, state: "active" | "ended" | "all", client: pg.ClientBase | pg.Pool = this.pool): Promise<SessionRecord[]> {
    const r = await client.query<SessionRow>(
      `SELECT * FROM site_sessions WHERE site_pk = $1 ${state === "all" ? "" : "AND state = $2"} ORDER BY started_at, session_id`,
      state === "all" ? [pk] : [pk, state],
    );
    return r.rows.map(sessionOf);
  }

  /**
   * Run `work` holding the site's planning lock (a transaction-level
   * advisory lock): two workers never plan one site at once, even when a
   * stalled job is retried while its first worker is still alive.
   */
  async withPlanningLock<T>(pk: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (!Number.isSafeInteger(pk)) throw new TypeError(`site pk must be an integer, not ${pk}`);
    // One round trip (a simple query takes no parameters: pk is an integer, checked above). A plan is
    // recomputed from the state whenever it is missing, so its commit need not wait for the disk
    // (events, which are the state, keep synchronous commits).
    return this.transaction(work, `BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock(${PLANNING_LOCK_SPACE}, ${pk})`);
  }

  /**
   * What a plan starts from, read under the site's planning lock in two
   * queries: the site, the published profile keys, the newest plan's
   * version, state and slot, the active sessions (oldest first) and the
   * ended ones whose profile is still to be cleared. Undefined when the
   * site is gone.
   */
  async planningSnapshot(client: pg.ClientBase, pk: number): Promise<PlanningSnapshot | undefined> {
    const siteRows = await client.query<
      SiteRow & {
        fallbacks: Record<string, string>;
        station_max: Record<string, string>;
        plan_version: string | null;
        plan_state_version: string | null;
        plan_horizon_start: Date | null;
      }
    >(
      `SELECT s.*, p.version AS plan_version, p.state_version AS plan_state_version, p.horizon_start AS plan_horizon_start
       FROM sites s
       LEFT JOIN LATERAL (SELECT version, state_version, horizon_start FROM site_plans WHERE site_pk = s.pk ORDER BY version DESC LIMIT 1) p ON true
       WHERE s.pk = $1 AND s.deleted_at IS NULL`,
      [pk],
    );
    const row = siteRows.rows[0];
    if (row === undefined) return undefined;
    const sessionRows = await client.query<SessionRow>(
      `SELECT * FROM site_sessions WHERE site_pk = $1 AND (state = 'active' OR clear_pending)
       ORDER BY state <> 'active', CASE WHEN state = 'active' THEN started_at ELSE ended_at END, session_id`,
      [pk],
    );
    const rows = sessionRows.rows;
    return {
      site: siteOf(row),
      sessions: rows.filter((r) => r.state === "active").map(sessionOf),
      withoutPlugInForecast: new Set(
        rows.filter((r) => r.state === "active" && (r.plug_in_forecast ?? null) === null).map((r) => r.session_id),
      ),
      pendingClears: rows.filter((r) => r.state !== "active" && r.clear_pending).map(sessionOf),
      fallbacks: row.fallbacks ?? {},
      stationMax: row.station_max ?? {},
      ...(row.plan_version !== null && {
        latest: {
          version: Number(row.plan_version),
          stateVersion: Number(row.plan_state_version),
          horizonStart: row.plan_horizon_start!.toISOString(),
        },
      }),
    };
  }

  /**
   * Publish a plan unless a plan of a newer state (or the same state at a
   * later clock) is already published; returns its version, or undefined
   * when it was stale. Records what each session given in `profiles` was
   * sent (the planner gives only those whose profile changed: the others
   * keep the one their station holds).
   */
  async publishPlan(
    client: pg.ClientBase,
    pk: number,
    plan: PlanBody | SerializedPlan,
    horizonStart: string,
    profiles: ReadonlyMap<string, PublishedProfile>,
    fallbacks?: Record<string, string>,
    cleared: readonly string[] = [],
    stationMax?: Record<string, string>,
  ): Promise<number | undefined> {
    const latest = await client.query<{ version: string; state_version: string; horizon_start: Date }>(
      "SELECT version, state_version, horizon_start FROM site_plans WHERE site_pk = $1 ORDER BY version DESC LIMIT 1",
      [pk],
    );
    const last = latest.rows[0];
    if (last !== undefined) {
      const newer =
        plan.stateVersion > Number(last.state_version) ||
        (plan.stateVersion === Number(last.state_version) && Date.parse(horizonStart) > last.horizon_start.getTime());
      if (!newer) return undefined;
    }
    const version = last === undefined ? 1 : Number(last.version) + 1;
    await client.query(
      "INSERT INTO site_plans (site_pk, version, state_version, horizon_start, computed_at, body) VALUES ($1, $2, $3, $4, $5, $6)",
      [pk, version, plan.stateVersion, horizonStart, plan.computedAt, "json" in plan ? plan.json : JSON.stringify(plan)],
    );
    if (profiles.size > 0)
      await client.query(
        `UPDATE site_sessions s SET last_profile = p.profile
         FROM json_to_recordset($2::json) AS p(session_id text, profile json)
         WHERE s.site_pk = $1 AND s.session_id = p.session_id`,
        [pk, JSON.stringify([...profiles].map(([sessionId, profile]) => ({ session_id: sessionId, profile })))],
      );
    if (fallbacks !== undefined) await client.query("UPDATE sites SET fallbacks = $2 WHERE pk = $1", [pk, fallbacks]);
    if (stationMax !== undefined) await client.query("UPDATE sites SET station_max = $2 WHERE pk = $1", [pk, stationMax]);
    if (cleared.length > 0)
      await client.query("UPDATE site_sessions SET clear_pending = false WHERE site_pk = $1 AND session_id = ANY($2)", [pk, cleared]);
    // Plans are small but many (one per slot and event); keep the last 500 per site.
    await client.query("DELETE FROM site_plans WHERE site_pk = $1 AND version <= $2", [pk, version - PLANS_KEPT]);
    return version;
  }

  /** Ended sessions whose TxDefaultProfile the next plan clears (SessionRecord.clearPending). */
  async pendingClears(client: pg.ClientBase, pk: number): Promise<SessionRecord[]> {
    const r = await client.query<SessionRow>(
      "SELECT * FROM site_sessions WHERE site_pk = $1 AND clear_pending ORDER BY ended_at, session_id",
      [pk],
    );
    return r.rows.map(sessionOf);
  }

  /** The station-max limit keys last published per station. */
  async publishedStationMax(client: pg.ClientBase, pk: number): Promise<Record<string, string>> {
    const r = await client.query<{ station_max: Record<string, string> }>("SELECT station_max FROM sites WHERE pk = $1", [pk]);
    return r.rows[0]?.station_max ?? {};
  }

  /** The fallback limit keys last published per EVSE. */
  async publishedFallbacks(client: pg.ClientBase, pk: number): Promise<Record<string, string>> {
    const r = await client.query<{ fallbacks: Record<string, string> }>("SELECT fallbacks FROM sites WHERE pk = $1", [pk]);
    return r.rows[0]?.fallbacks ?? {};
  }

  async latestPlan(pk: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<StoredPlan | undefined> {
    const r = await client.query<{ version: string; state_version: string; horizon_start: Date; computed_at: Date; body: PlanBody }>(
      "SELECT version, state_version, horizon_start, computed_at, body FROM site_plans WHERE site_pk = $1 ORDER BY version DESC LIMIT 1",
      [pk],
    );
    const row = r.rows[0];
    return row === undefined
      ? undefined
      : {
          version: Number(row.version),
          stateVersion: Number(row.state_version),
          horizonStart: row.horizon_start.toISOString(),
          computedAt: row.computed_at.toISOString(),
          body: row.body,
        };
  }

  /** The newest plan's version and state version, without its body (what `?wait=` polls). */
  async latestPlanHead(pk: number): Promise<{ version: number; stateVersion: number } | undefined> {
    const r = await this.pool.query<{ version: string; state_version: string }>(
      "SELECT version, state_version FROM site_plans WHERE site_pk = $1 ORDER BY version DESC LIMIT 1",
      [pk],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : { version: Number(row.version), stateVersion: Number(row.state_version) };
  }

  /** The newest state version a published plan was computed from (0 when none). */
  async plannedStateVersion(pk: number): Promise<number> {
    const r = await this.pool.query<{ v: string | null }>("SELECT max(state_version) AS v FROM site_plans WHERE site_pk = $1", [pk]);
    return Number(r.rows[0]?.v ?? 0);
  }

  /**
   * Every live site with what its newest plan was computed from: the slot
   * clock re-plans those whose plan is older than their state (an event whose
   * re-plan request was lost with Redis) or, on the wall clock, older than the
   * current slot.
   */
  async planningStatus(): Promise<
    { pk: number; clock: "wall" | "events"; slotMinutes: number; stateVersion: number; plannedStateVersion: number; lastStart?: number }[]
  > {
    const r = await this.pool.query<{
      pk: string;
      clock: string | null;
      slot_minutes: number;
      state_version: string;
      planned: string | null;
      last_start: Date | null;
    }>(
      `SELECT s.pk, s.body->'planning'->>'clock' AS clock, (s.body->'planning'->>'slotMinutes')::int AS slot_minutes, s.state_version,
              p.planned, p.last_start
       FROM sites s
       LEFT JOIN LATERAL (SELECT max(state_version) AS planned, max(horizon_start) AS last_start FROM site_plans WHERE site_pk = s.pk) p ON true
       WHERE s.deleted_at IS NULL`,
    );
    return r.rows.map((row) => ({
      pk: Number(row.pk),
      clock: row.clock === "events" ? "events" : "wall",
      slotMinutes: row.slot_minutes,
      stateVersion: Number(row.state_version),
      plannedStateVersion: Number(row.planned ?? 0),
      ...(row.last_start !== null && { lastStart: row.last_start.getTime() }),
    }));
  }

  /** Meter readings of a session, oldest first. */
  async readings(pk: number, sessionId: string): Promise<MeterReading[]> {
    const r = await this.pool.query<{ at: Date; delivered_kwh: number }>(
      "SELECT at, delivered_kwh FROM site_meter_readings WHERE site_pk = $1 AND session_id = $2 ORDER BY at",
      [pk, sessionId],
    );
    return r.rows.map((row) => ({ sessionId, at: row.at.toISOString(), deliveredKwh: row.delivered_kwh }));
  }
}

const SESSION_COLUMNS_BUT_PROFILE = `site_pk, session_id, evse_id, state, started_at, ended_at, announced, delivered_kwh, metered_at,
  learned_max_kw, slow_readings, profile_id, transaction_id, ev_suspended, clear_pending`;

/** First key of the planning advisory locks (the second is the site's pk). */
const PLANNING_LOCK_SPACE = 0x57504c4e; // "WPLN"
const PLANS_KEPT = 500;

function invalidEvents(problems: { path: string; message: string }[]): WattplanError {
  return new WattplanError(
    "ERR_INVALID_REQUEST",
    `the events were not applied:\n${problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`,
    {
      problems,
    },
  );
}

async function upsertSession(c: pg.ClientBase, pk: number, s: SessionRecord): Promise<void> {
  await c.query(
    `INSERT INTO site_sessions (site_pk, session_id, evse_id, state, started_at, ended_at, announced, delivered_kwh, metered_at,
                                learned_max_kw, slow_readings, profile_id, transaction_id, last_profile, ev_suspended, clear_pending)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (site_pk, session_id) DO UPDATE SET
       state = EXCLUDED.state, ended_at = EXCLUDED.ended_at, announced = EXCLUDED.announced, delivered_kwh = EXCLUDED.delivered_kwh,
       metered_at = EXCLUDED.metered_at, learned_max_kw = EXCLUDED.learned_max_kw, slow_readings = EXCLUDED.slow_readings,
       transaction_id = EXCLUDED.transaction_id, ev_suspended = EXCLUDED.ev_suspended, clear_pending = EXCLUDED.clear_pending`,
    [
      pk,
      s.sessionId,
      s.evseId,
      s.state,
      s.startedAt,
      s.endedAt ?? null,
      s.announced,
      s.deliveredKwh,
      s.meteredAt ?? null,
      s.learnedMaxKw ?? null,
      s.slowReadings,
      s.profileId,
      s.transactionId ?? null,
      s.lastProfile ?? null,
      s.evSuspended === true,
      s.clearPending === true,
    ],
  );
}

async function insertReadings(c: pg.ClientBase, pk: number, readings: readonly MeterReading[]): Promise<void> {
  if (readings.length === 0) return;
  await c.query(
    `INSERT INTO site_meter_readings (site_pk, session_id, at, delivered_kwh)
     SELECT $1, r.session_id, r.at, r.delivered_kwh FROM jsonb_to_recordset($2::jsonb) AS r(session_id text, at timestamptz, delivered_kwh float8)`,
    [pk, JSON.stringify(readings.map((r) => ({ session_id: r.sessionId, at: r.at, delivered_kwh: r.deliveredKwh })))],
  );
}
