/**
 * The webhook outbox: a job that became final while its worker died before
 * enqueueing the webhook still gets it (from a sweeper), once; the live path
 * and sweepers racing on one job make one delivery. The crashes are
 * simulated by driving the job store directly (finish, never notify) and by
 * undoing the half-done steps of a notification.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type ServiceConfig } from "../service/config.js";
import { validateRequest } from "../engine/model/validate.js";
import { newJobId } from "../service/queue/keys.js";
import { createMetrics } from "../service/queue/metrics.js";
import { JobStore } from "../service/queue/store.js";
import { startService, type RunningService } from "../service/runtime.js";
import { solve } from "../engine/scheduler/solve.js";
import { TenantStore } from "../service/tenants.js";
import type { Notifier } from "../service/worker/notify.js";
import { WebhookOutbox } from "../service/worker/outbox.js";
import { createNotifier } from "../service/worker/webhooks.js";
import { deliveryIdFor, type Delivery } from "../service/webhooks/index.js";
import {
  api,
  deletePrefix,
  eventually,
  exampleRequest,
  makeTenant,
  testConfig,
  uniquePrefix,
  SHARED_REDIS_URL,
  type TestTenant,
} from "./service-helpers.js";
import { startReceiver, verify, type Receiver } from "./webhooks-helpers.js";

type Payload = {
  type: string;
  timestamp: string;
  data: { id: string; status: string; cost?: { total: number }; error?: { code: string } };
};

const request = exampleRequest("edf");
const checked = validateRequest(request);
if (!checked.ok) throw new Error("examples/workplace.json is invalid");
const response = solve(checked.request, { strategy: "edf" });
const resultJson = JSON.stringify(response);

let prefix: string;
let config: ServiceConfig;
let acme: TestTenant;
let tenants: TenantStore;
let redis: Redis;
let store: JobStore;
let hooks: Receiver;
const services: RunningService[] = [];
const notifiers: Notifier[] = [];

beforeEach(async () => {
  prefix = uniquePrefix("outbox");
  config = testConfig(prefix);
  acme = makeTenant("acme");
  tenants = new TenantStore([acme.tenant]);
  redis = new Redis(SHARED_REDIS_URL);
  store = new JobStore(redis, { prefix, retentionSeconds: config.retentionSeconds });
  hooks = await startReceiver();
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  await Promise.all(notifiers.splice(0).map((n) => n.close()));
  reader = undefined;
  await hooks.close();
  redis.disconnect();
  await deletePrefix(prefix);
});

/** A worker process of its own (no API), as `wattplan worker` runs it. */
async function startWorkerProcess(overrides: Partial<ServiceConfig> = {}): Promise<RunningService> {
  const service = await startService({ config: { ...config, ...overrides }, tenants, api: false });
  services.push(service);
  return service;
}

/** A notifier as another worker process has it (own connections), its delivery worker not started. */
function otherNotifier(): Notifier {
  const notifier = createNotifier(
    config,
    () => tenants,
    createMetrics(),
    () => {},
  );
  notifiers.push(notifier);
  return notifier;
}

/**
 * A job that ran and became final, as the processor leaves it, with no
 * notification at all: its worker died right after the final status.
 */
async function finishedJob(
  path: string,
  outcome: "completed" | "failed",
  finishedAt = new Date(Date.now() - 10 * 60_000),
): Promise<string> {
  const id = newJobId();
  await store.create({
    id,
    tenant: "acme",
    strategy: "edf",
    request,
    webhook: { url: hooks.url(path), includeResult: false },
    createdAt: new Date(finishedAt.getTime() - 1000),
  });
  expect((await store.start(id, 1, finishedAt)).ok).toBe(true);
  if (outcome === "completed") {
    await store.putResult(id, resultJson);
    expect((await store.finish(id, ["running"], { status: "completed", solveMs: 3 }, finishedAt)).ok).toBe(true);
  } else {
    expect(
      (await store.finish(id, ["running"], { status: "failed", error: { code: "ERR_SCHEDULER_FAILED", message: "boom" } }, finishedAt)).ok,
    ).toBe(true);
  }
  return id;
}

const requestsTo = (path: string) => hooks.requests.filter((r) => r.path === path);

let reader: Notifier | undefined;
/** The job's delivery records (read through a notifier of its own). */
async function deliveriesOf(id: string): Promise<Delivery[]> {
  reader ??= otherNotifier();
  return reader.listDeliveries("acme", id);
}

describe("the webhook outbox", () => {
  it("takes its sweep interval and grace period from the environment", () => {
    expect(loadConfig({})).toMatchObject({ webhookOutboxSweepMs: 5000, webhookOutboxGraceMs: 30_000 });
    expect(loadConfig({ WATTPLAN_WEBHOOK_OUTBOX_SWEEP_MS: "250", WATTPLAN_WEBHOOK_OUTBOX_GRACE_MS: "0" })).toMatchObject({
      webhookOutboxSweepMs: 250,
      webhookOutboxGraceMs: 0,
    });
    expect(() => loadConfig({ WATTPLAN_WEBHOOK_OUTBOX_SWEEP_MS: "0" })).toThrow(ConfigError);
    expect(() => loadConfig({ WATTPLAN_WEBHOOK_OUTBOX_GRACE_MS: "-1" })).toThrow(/WATTPLAN_WEBHOOK_OUTBOX_GRACE_MS/);
  });

  it("enters completed and failed jobs that have a webhook with their final status, never canceled ones or ones without", async () => {
    const completed = await finishedJob("/c", "completed");
    const failed = await finishedJob("/f", "failed");
    const canceled = newJobId();
    await store.create({
      id: canceled,
      tenant: "acme",
      strategy: "edf",
      request,
      webhook: { url: hooks.url("/x"), includeResult: false },
      createdAt: new Date(),
    });
    expect((await store.finish(canceled, ["queued"], { status: "canceled" })).ok).toBe(true);
    const silent = newJobId();
    await store.create({ id: silent, tenant: "acme", strategy: "edf", request, createdAt: new Date() });
    await store.start(silent, 1);
    expect(
      (await store.finish(silent, ["running"], { status: "failed", error: { code: "ERR_SCHEDULER_FAILED", message: "boom" } })).ok,
    ).toBe(true);
    // A refused transition does not enter it either.
    const refused = newJobId();
    await store.create({
      id: refused,
      tenant: "acme",
      strategy: "edf",
      request,
      webhook: { url: hooks.url("/r"), includeResult: false },
      createdAt: new Date(),
    });
    expect((await store.finish(refused, ["running"], { status: "completed", solveMs: 1 })).ok).toBe(false);

    expect(await store.inOutbox(completed)).toBe(true);
    expect(await store.inOutbox(failed)).toBe(true);
    expect(await store.inOutbox(canceled)).toBe(false);
    expect(await store.inOutbox(silent)).toBe(false);
    expect(await store.inOutbox(refused)).toBe(false);
  });

  it("reports its size and the age of its oldest entry as Prometheus gauges", async () => {
    const metrics = createMetrics();
    metrics.watchOutbox(() => store.outboxStats());
    const scrape = async () => {
      const text = await metrics.registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
      return { count: value("wattplan_webhook_outbox"), age: value("wattplan_webhook_outbox_oldest_seconds") };
    };
    expect(await scrape()).toEqual({ count: 0, age: 0 });
    const old = await finishedJob("/old", "completed", new Date(Date.now() - 120_000));
    await finishedJob("/new", "failed", new Date());
    const full = await scrape();
    expect(full.count).toBe(2);
    expect(full.age).toBeGreaterThanOrEqual(120);
    expect(full.age).toBeLessThan(3600);
    await store.removeFromOutbox(old);
    const after = await scrape();
    expect(after.count).toBe(1);
    expect(after.age).toBeLessThan(120);
  });

  it("a sweeper leaves entries younger than the grace period to the live path", async () => {
    const id = await finishedJob("/young", "completed", new Date());
    const outbox = new WebhookOutbox(store, otherNotifier());
    expect(await outbox.sweep(60_000)).toBe(0);
    expect(await store.inOutbox(id)).toBe(true);
    expect(await deliveriesOf(id)).toEqual([]);
    // Past the grace period it is taken.
    expect(await outbox.sweep(0)).toBe(1);
    expect(await store.inOutbox(id)).toBe(false);
    expect(await deliveriesOf(id)).toHaveLength(1);
  });

  it("keeps an entry until its delivery is stored and queued; drops one whose webhook can never be sent", async () => {
    const id = await finishedJob("/kept", "completed");
    // Enqueueing fails (here: the dispatcher is closed, as in a process shutting down).
    const closed = otherNotifier();
    await closed.close();
    await expect(new WebhookOutbox(store, closed).notify(id)).rejects.toThrow(/closed/);
    expect(await store.inOutbox(id)).toBe(true);

    // A worker whose SSRF policy refuses the URL (no 127.0.0.1 allowlist) would refuse it on every retry.
    const strict = createNotifier(
      { ...config, webhookAllowlist: [] },
      () => tenants,
      createMetrics(),
      () => {},
    );
    notifiers.push(strict);
    const logged: string[] = [];
    await new WebhookOutbox(store, strict, (m) => logged.push(m)).notify(id);
    expect(await store.inOutbox(id)).toBe(false);
    expect(logged.join("\n")).toMatch(new RegExp(`webhook of job ${id} dropped: ERR_WEBHOOK_URL_REFUSED`));
    expect(await deliveriesOf(id)).toEqual([]);
  });

  it("delivers the webhook of a job whose worker died before notifying, once, signed", async () => {
    const done = await finishedJob("/swept", "completed");
    const failed = await finishedJob("/swept-failed", "failed");
    // Started after the "crash"; default grace period (30 s): the entries are 10 minutes old.
    await startWorkerProcess({ webhookOutboxSweepMs: 200 });

    for (const [id, path, type] of [
      [done, "/swept", "optimization.completed"],
      [failed, "/swept-failed", "optimization.failed"],
    ] as const) {
      const received = await eventually(
        async () => requestsTo(path),
        (rs) => rs.length > 0,
      );
      const payload = verify(acme.secret, received[0]) as Payload;
      expect(payload.type).toBe(type);
      expect(payload.data.id).toBe(id);
      if (type === "optimization.completed") expect(payload.data.cost!.total).toBeCloseTo(response.cost.total, 9);
      else expect(payload.data.error!.code).toBe("ERR_SCHEDULER_FAILED");
      expect(received[0].headers["webhook-id"]).toBe(deliveryIdFor(`optimization:${id}`));
      await eventually(
        () => store.inOutbox(id),
        (inside) => !inside,
      );
      const deliveries = await eventually(
        () => deliveriesOf(id),
        (ds) => ds.length === 1 && ds[0].status === "succeeded",
      );
      expect(deliveries[0].attempts).toHaveLength(1);
    }

    // A sweeper that died after queueing but before removing the entry: the
    // entry comes back, is swept again, and makes no second delivery.
    await redis.zadd(store.keys.webhookOutbox, 0, done);
    expect(await new WebhookOutbox(store, otherNotifier()).sweep(0)).toBe(1);
    expect(await store.inOutbox(done)).toBe(false);
    const after = await deliveriesOf(done);
    expect(after.map((d) => [d.status, d.attempts.length])).toEqual([["succeeded", 1]]);
    expect(requestsTo("/swept")).toHaveLength(1);
  });

  it("queues a delivery that was stored but never queued (the worker died in between)", async () => {
    const id = await finishedJob("/half", "completed");
    const deliveryId = deliveryIdFor(`optimization:${id}`);
    // The dead worker's half: the delivery stored and queued, the entry left...
    const record = (await store.get(id))!;
    await otherNotifier().jobFinished(record, resultJson);
    // ...and the queue job undone: as if it had died before queueing.
    const queue = new Queue("webhook-deliveries", { connection: { host: "127.0.0.1", port: 6379 }, prefix });
    try {
      expect(await queue.getJobState(`${deliveryId}-1-1`)).toBe("waiting");
      await queue.remove(`${deliveryId}-1-1`);
      expect(await queue.getJobState(`${deliveryId}-1-1`)).toBe("unknown");
    } finally {
      await queue.close();
    }
    const pending = await deliveriesOf(id);
    expect(pending.map((d) => [d.id, d.status, d.attempts.length])).toEqual([[deliveryId, "pending", 0]]);
    expect(await store.inOutbox(id)).toBe(true);

    await startWorkerProcess({ webhookOutboxSweepMs: 200 });
    const received = await eventually(
      async () => requestsTo("/half"),
      (rs) => rs.length > 0,
    );
    expect(received[0].headers["webhook-id"]).toBe(deliveryId);
    expect((verify(acme.secret, received[0]) as Payload).data.id).toBe(id);
    const deliveries = await eventually(
      () => deliveriesOf(id),
      (ds) => ds[0]?.status === "succeeded",
    );
    expect(deliveries.map((d) => [d.id, d.attempts.length])).toEqual([[deliveryId, 1]]);
    await eventually(
      () => store.inOutbox(id),
      (inside) => !inside,
    );
    expect(requestsTo("/half")).toHaveLength(1);
  });

  it("the live path and sweepers notifying the same jobs at once make one delivery each", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => finishedJob(`/race/${i}`, i % 2 ? "failed" : "completed")));
    const otherConnection = redis.duplicate();
    try {
      const live = new WebhookOutbox(store, otherNotifier());
      const sweeperA = new WebhookOutbox(
        new JobStore(otherConnection, { prefix, retentionSeconds: config.retentionSeconds }),
        otherNotifier(),
      );
      const sweeperB = new WebhookOutbox(store, otherNotifier());
      // Every job notified by the "live path" and by two sweepers (two processes) at once, twice over; none fails.
      await Promise.all([...ids.map((id) => live.notify(id)), sweeperA.sweep(0), sweeperB.sweep(0), ...ids.map((id) => live.notify(id))]);
    } finally {
      otherConnection.disconnect();
    }
    for (const id of ids) expect(await store.inOutbox(id)).toBe(false);
    const stored = await Promise.all(ids.map((id) => deliveriesOf(id)));
    expect(stored.map((ds) => ds.length)).toEqual(ids.map(() => 1));

    // Delivered by a worker: one request per job, each with its own webhook-id.
    await startWorkerProcess();
    for (let i = 0; i < ids.length; i++)
      await eventually(
        () => deliveriesOf(ids[i]),
        (ds) => ds[0]?.status === "succeeded",
      );
    const received = hooks.requests.filter((r) => r.path.startsWith("/race/"));
    expect(received).toHaveLength(ids.length);
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(ids.length);
    for (const r of received) expect(() => verify(acme.secret, r)).not.toThrow();
  });

  it("with a sweeper that takes entries at once, jobs run through the service still get one webhook each", async () => {
    // Grace 0 and a fast sweep: the sweeper races the live path on every job.
    const service = await startService({ config: { ...config, webhookOutboxGraceMs: 0, webhookOutboxSweepMs: 50 }, tenants });
    services.push(service);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api<{ id: string }>(service.url!, "POST", "/v1/optimizations", {
        key: acme.key,
        body: { ...request, webhook: { url: hooks.url(`/live/${i}`) } },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    for (const id of ids) {
      const deliveries = await eventually(
        () => deliveriesOf(id),
        (ds) => ds[0]?.status === "succeeded",
      );
      expect(deliveries.map((d) => d.id)).toEqual([deliveryIdFor(`optimization:${id}`)]);
      await eventually(
        () => store.inOutbox(id),
        (inside) => !inside,
      );
    }
    const received = hooks.requests.filter((r) => r.path.startsWith("/live/"));
    expect(received.map((r) => r.path).sort()).toEqual(ids.map((_, i) => `/live/${i}`).sort());
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(ids.length);
  });
});
