/**
 * Live sites under faults, with real servers: no worker while events arrive,
 * and Redis killed between an event's commit and its re-plan request. In
 * both the events stay applied and the plan catches up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalRedis, type LocalRedis } from "../service/redis.js";
import { startService, type RunningService } from "../service/runtime.js";
import { dropSchema } from "../service/sites/db.js";
import { TenantStore } from "../service/tenants.js";
import { api, deletePrefix, eventually, makeTenant, testConfig, uniquePrefix } from "./service-helpers.js";
import { DATABASE_URL, depot, eventId, startPrivatePostgres, uniqueSchema, type Plan, type PrivatePostgres } from "./sites-helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const acme = makeTenant("acme");
const started = (sessionId: string, evseId: string, at: string) => ({
  eventId: eventId(),
  type: "session.started",
  at,
  sessionId,
  evseId,
  departure: "2026-12-07T18:00:00Z",
  targetEnergyKwh: 20,
});

async function service(
  prefix: string,
  schema: string,
  options: { api?: boolean; worker?: boolean; redisUrl?: string; databaseUrl?: string },
): Promise<RunningService> {
  const config = testConfig(prefix, {
    sites: "on",
    databaseUrl: options.databaseUrl ?? DATABASE_URL,
    databaseSchema: schema,
    sitesClockMs: 300,
    ...(options.redisUrl !== undefined && { redisUrl: options.redisUrl }),
  });
  const s = await startService({ config, tenants: new TenantStore([acme.tenant]), api: options.api, worker: options.worker });
  cleanups.push(() => s.close());
  return s;
}

const planOf = (url: string, siteId: string) => api<Plan>(url, "GET", `/v1/sites/${siteId}/plan`, { key: acme.key });

describe("live sites under faults", () => {
  it("accepts events with no worker running, and plans them once one starts", async () => {
    const prefix = uniquePrefix("sites-noworker");
    const schema = uniqueSchema("noworker");
    cleanups.push(
      () => dropSchema(DATABASE_URL, schema),
      () => deletePrefix(prefix),
    );
    const apiOnly = await service(prefix, schema, { worker: false });
    const url = apiOnly.url!;
    expect((await api(url, "PUT", "/v1/sites/s1", { key: acme.key, body: depot() })).status).toBe(201);
    const posted = await api<{ stateVersion: number }>(url, "POST", "/v1/sites/s1/events", {
      key: acme.key,
      body: { events: [started("A", "e1", "2026-12-07T08:00:00Z"), started("B", "e2", "2026-12-07T08:05:00Z")] },
    });
    expect(posted.status).toBe(202);
    const pending = await planOf(url, "s1");
    expect(pending.status).toBe(409);
    expect((pending.body as unknown as { code: string }).code).toBe("ERR_PLAN_PENDING");

    await service(prefix, schema, { api: false });
    const plan = await eventually(
      () => planOf(url, "s1"),
      (r) => r.status === 200 && r.body.stateVersion >= posted.body.stateVersion,
    );
    expect(plan.body.request.sessions.map((s) => s.id).sort()).toEqual(["A", "B"]);
  });

  it("refuses events while PostgreSQL is down, nothing half-applied, and plans again once it is back", async () => {
    const pg: PrivatePostgres = await startPrivatePostgres();
    cleanups.push(() => pg.destroy());
    const prefix = uniquePrefix("sites-pg");
    cleanups.push(() => deletePrefix(prefix));
    const s = await service(prefix, "wattplan", { databaseUrl: pg.url });
    const url = s.url!;
    await api(url, "PUT", "/v1/sites/s3", { key: acme.key, body: depot() });
    const first = await api(url, "POST", "/v1/sites/s3/events?wait=20", {
      key: acme.key,
      body: { events: [started("A", "e1", "2026-12-07T08:00:00Z")] },
    });
    expect(first.status).toBe(200);

    await pg.stop();
    const batch = { events: [started("B", "e2", "2026-12-07T08:10:00Z"), started("C", "e3", "2026-12-07T08:11:00Z")] };
    const during = await api<{ code: string }>(url, "POST", "/v1/sites/s3/events", { key: acme.key, body: batch });
    expect(during.status).toBe(503);
    expect(during.body.code).toBe("ERR_SITES_UNAVAILABLE");

    await pg.start();
    // The CSMS retries the same batch: applied now, once.
    const retried = await eventually(
      () => api<{ applied: string[]; stateVersion: number }>(url, "POST", "/v1/sites/s3/events?wait=20", { key: acme.key, body: batch }),
      (r) => r.status === 200,
    );
    expect(retried.body.applied).toHaveLength(2);
    const plan = await planOf(url, "s3");
    expect(plan.body.stateVersion).toBe(retried.body.stateVersion);
    expect(plan.body.request.sessions.map((x) => x.id).sort()).toEqual(["A", "B", "C"]);
  });

  it("re-plans an event whose re-plan request was lost with Redis, once Redis is back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattplan-sites-redis-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    // A redis-server of our own (never the shared one), fsync'd, so that it comes back with its queues.
    let redis: LocalRedis = await startLocalRedis({ persistDir: dir });
    cleanups.push(() => redis.stop());
    const prefix = uniquePrefix("sites-redis");
    const schema = uniqueSchema("redis");
    cleanups.push(() => dropSchema(DATABASE_URL, schema));
    const s = await service(prefix, schema, { redisUrl: redis.url });
    const url = s.url!;
    await api(url, "PUT", "/v1/sites/s2", { key: acme.key, body: depot() });
    const first = await api<{ plan?: { version: number } }>(url, "POST", "/v1/sites/s2/events?wait=20", {
      key: acme.key,
      body: { events: [started("A", "e1", "2026-12-07T08:00:00Z")] },
    });
    expect(first.status).toBe(200);

    await redis.stop();
    const during = await api<{ stateVersion: number }>(url, "POST", "/v1/sites/s2/events", {
      key: acme.key,
      body: { events: [started("B", "e2", "2026-12-07T08:10:00Z")] },
    });
    // Applied (PostgreSQL has it), answered without the queue.
    expect(during.status).toBe(202);
    const site = await api<{ stateVersion: number }>(url, "GET", "/v1/sites/s2", { key: acme.key });
    expect(site.body.stateVersion).toBe(during.body.stateVersion);

    redis = await startLocalRedis({ port: redis.port, persistDir: dir });
    const plan = await eventually(
      () => planOf(url, "s2"),
      (r) => r.status === 200 && r.body.stateVersion >= during.body.stateVersion,
      60_000,
    );
    expect(plan.body.request.sessions.map((x) => x.id).sort()).toEqual(["A", "B"]);
  });
});
