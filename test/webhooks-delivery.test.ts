import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { WattplanError } from "../engine/errors.js";
import type { Response } from "../engine/model/schema.js";
import {
  buildEventPayload,
  createWebhookDispatcher,
  deliveryIdFor,
  DeliverySchema,
  generateWebhookSecret,
  type AttemptEvent,
  type Delivery,
  type OptimizationEventType,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
} from "../service/webhooks/index.js";
import { deletePrefix, REDIS, startReceiver, verify, waitFor, type Handler, type Receiver } from "./webhooks-helpers.js";

const RESPONSE: Response = {
  status: "feasible",
  strategy: "edf",
  cost: { total: 7, energy: 7, demand: 0, degradation: 0, shortfall: 0 },
  peakImportKw: 11,
  warnings: [],
  infeasibleSlots: [],
  sessions: [],
  site: { netImportKw: [11], curtailedPvKw: [0] },
  solver: { iterations: 0, solveMs: 1 },
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Fixture {
  dispatcher: WebhookDispatcher;
  receiver: Receiver;
  secrets: string[];
  outcomes: AttemptEvent[];
  prefix: string;
  send(opts?: { url?: string; optimizationId?: string; type?: OptimizationEventType; tenantId?: string }): Promise<string>;
  settled(deliveryId: string, tenantId?: string): Promise<Delivery>;
}

async function setup(
  name: string,
  handler: Handler,
  overrides: Partial<WebhookDispatcherOptions> = {},
  startWorker = true,
): Promise<Fixture> {
  const prefix = `wh-test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const receiver = await startReceiver(handler);
  const secrets = [generateWebhookSecret()];
  const outcomes: AttemptEvent[] = [];
  const dispatcher = createWebhookDispatcher({
    connection: REDIS,
    prefix,
    secretsFor: () => secrets,
    retrySchedule: [0, 20, 40],
    attemptTimeoutMs: 5000,
    allowCidrs: ["127.0.0.1/32"],
    onAttempt: (e) => outcomes.push(e),
    onError: () => undefined,
    ...overrides,
  });
  cleanups.push(
    () => deletePrefix(prefix),
    () => receiver.close(),
    () => dispatcher.close(),
  );
  if (startWorker) dispatcher.startWorker();
  const fixture: Fixture = {
    dispatcher,
    receiver,
    secrets,
    outcomes,
    prefix,
    async send({ url = receiver.url(), optimizationId = "opt_1", type = "optimization.completed", tenantId = "tenant-a" } = {}) {
      const payload =
        type === "optimization.completed"
          ? buildEventPayload({
              type,
              optimizationId,
              links: { self: `https://api.example.com/v1/optimizations/${optimizationId}` },
              response: RESPONSE,
            })
          : buildEventPayload({ type, optimizationId, links: { self: "x" }, error: { code: "ERR_SCHEDULER_FAILED", message: "boom" } });
      const { deliveryId } = await dispatcher.enqueue({ tenantId, optimizationId, url, type, payload });
      return deliveryId;
    },
    settled: (deliveryId, tenantId = "tenant-a") =>
      waitFor(
        () => dispatcher.getDelivery(tenantId, deliveryId),
        (d) => d !== undefined && d.status !== "pending",
      ) as Promise<Delivery>,
  };
  return fixture;
}

const timestampOf = (iso: string): string => String(Math.floor(Date.parse(iso) / 1000));

describe("webhook delivery (real Redis, real HTTP receivers)", () => {
  it("delivers a signed event that standardwebhooks verifies on the raw body", async () => {
    const f = await setup("success", () => ({ status: 204 }));
    const id = await f.send();
    const d = await f.settled(id);

    expect(d).toMatchObject({
      id,
      tenantId: "tenant-a",
      optimizationId: "opt_1",
      event: "optimization.completed",
      url: f.receiver.url(),
      status: "succeeded",
      cycle: 1,
    });
    expect(d.nextAttemptAt).toBeUndefined();
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ cycle: 1, attempt: 1, statusCode: 204, outcome: "success" });
    expect(d.attempts[0].error).toBeUndefined();

    expect(f.receiver.requests).toHaveLength(1);
    const [request] = f.receiver.requests;
    expect(request.headers["webhook-id"]).toBe(id);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-timestamp"]).toBe(timestampOf(d.attempts[0].at));
    const payload = verify(f.secrets[0], request) as { type: string; data: { id: string; status: string; cost: unknown } };
    expect(payload).toMatchObject({
      type: "optimization.completed",
      data: { id: "opt_1", status: "completed", solveStatus: "feasible", cost: RESPONSE.cost },
    });
    expect(DeliverySchema.parse(d)).toEqual(d);
    expect(f.outcomes.map((o) => o.outcome)).toEqual(["success"]);
    expect(f.outcomes[0]).toMatchObject({ deliveryId: id, tenantId: "tenant-a", statusCode: 204, attempt: 1 });
  });

  it("lists deliveries by tenant and optimization, keeps them with a TTL, and hides them from other tenants", async () => {
    const f = await setup("list", () => ({ status: 200 }), { retentionMs: 60_000 });
    const first = await f.send({ optimizationId: "opt_1" });
    const second = await f.send({ optimizationId: "opt_1", type: "optimization.failed" });
    const other = await f.send({ optimizationId: "opt_2" });
    await Promise.all([first, second, other].map((id) => f.settled(id)));

    const listed = await f.dispatcher.listDeliveries("tenant-a", "opt_1");
    expect(listed.map((d) => d.id)).toEqual([first, second]);
    expect(listed.map((d) => d.event)).toEqual(["optimization.completed", "optimization.failed"]);
    expect(listed.every((d) => d.status === "succeeded" && d.attempts.length === 1)).toBe(true);
    expect(await f.dispatcher.listDeliveries("tenant-b", "opt_1")).toEqual([]);
    expect(await f.dispatcher.getDelivery("tenant-b", first)).toBeUndefined();
    expect(await f.dispatcher.redeliver("tenant-b", first)).toBeUndefined();

    const redis = new Redis(REDIS);
    try {
      const ttl = await redis.pttl(`${f.prefix}:webhook-records:delivery:${first}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await redis.pttl(`${f.prefix}:webhook-records:attempts:${first}`)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it("retries while the receiver is down and delivers exactly once when it is back", async () => {
    const f = await setup("down-up", () => ({ status: 200 }), { retrySchedule: [0, 30, 60, 120, 240, 480, 960, 1920, 3840] });
    await f.receiver.down();
    const id = await f.send();
    await waitFor(
      () => f.dispatcher.getDelivery("tenant-a", id),
      (d) => (d?.attempts.length ?? 0) >= 2,
    );
    await f.receiver.up();
    const d = await f.settled(id);

    expect(d.status).toBe("succeeded");
    const failures = d.attempts.slice(0, -1);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const a of failures) {
      expect(a.outcome).toBe("retry");
      expect(a.statusCode).toBeUndefined();
      expect(a.error).toMatch(/ECONNREFUSED/);
    }
    const last = d.attempts[d.attempts.length - 1];
    expect(last).toMatchObject({ outcome: "success", statusCode: 200, attempt: d.attempts.length });
    expect(f.receiver.requests).toHaveLength(1);
    expect(f.receiver.requests[0].headers["webhook-id"]).toBe(id);
    expect(f.receiver.requests[0].headers["webhook-timestamp"]).toBe(timestampOf(last.at));
    verify(f.secrets[0], f.receiver.requests[0]);
    // Attempts follow one another in order.
    const starts = d.attempts.map((a) => Date.parse(a.at));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it("retries 5xx answers with the same webhook-id and a fresh signature and timestamp", async () => {
    // The 1.1 s delay puts the second attempt in a later Unix second than the first.
    const f = await setup("5xx", (_r, i) => ({ status: [503, 500, 200][i] ?? 200 }), { retrySchedule: [0, 1100, 20] });
    const id = await f.send();
    const d = await f.settled(id);

    expect(d.status).toBe("succeeded");
    expect(d.attempts.map((a) => [a.statusCode, a.outcome])).toEqual([
      [503, "retry"],
      [500, "retry"],
      [200, "success"],
    ]);
    const requests = f.receiver.requests;
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([id]));
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    requests.forEach((r, i) => {
      expect(r.headers["webhook-timestamp"]).toBe(timestampOf(d.attempts[i].at));
      verify(f.secrets[0], r);
    });
    expect(Number(requests[1].headers["webhook-timestamp"])).toBeGreaterThan(Number(requests[0].headers["webhook-timestamp"]));
    expect(requests[1].headers["webhook-signature"]).not.toBe(requests[0].headers["webhook-signature"]);
    expect(f.outcomes.map((o) => o.outcome)).toEqual(["retry", "retry", "success"]);
  });

  it("honours retry-after: the next attempt is scheduled no earlier than the receiver asked", async () => {
    const f = await setup("retry-after", (_r, i) => (i === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 204 }));
    const id = await f.send();
    const waiting = await waitFor(
      () => f.dispatcher.getDelivery("tenant-a", id),
      (d) => d?.attempts.length === 1,
    );
    const first = waiting!.attempts[0];
    expect(first).toMatchObject({ statusCode: 429, outcome: "retry" });
    expect(first.error).toMatch(/retry-after 1 s/);
    expect(waiting!.status).toBe("pending");
    // The schedule says 20 ms; the header says 1 s, measured from the end of the attempt.
    expect(Date.parse(waiting!.nextAttemptAt!) - (Date.parse(first.at) + first.durationMs)).toBe(1000);

    const d = await f.settled(id);
    expect(d.status).toBe("succeeded");
    expect(Date.parse(d.attempts[1].at)).toBeGreaterThanOrEqual(Date.parse(waiting!.nextAttemptAt!));
  });

  it("caps retry-after at maxRetryAfterMs", async () => {
    const f = await setup(
      "retry-after-cap",
      (_r, i) => (i === 0 ? { status: 503, headers: { "retry-after": "86400" } } : { status: 204 }),
      { maxRetryAfterMs: 300 },
    );
    const id = await f.send();
    const waiting = await waitFor(
      () => f.dispatcher.getDelivery("tenant-a", id),
      (d) => d?.attempts.length === 1,
    );
    const first = waiting!.attempts[0];
    expect(Date.parse(waiting!.nextAttemptAt!) - (Date.parse(first.at) + first.durationMs)).toBe(300);
    expect((await f.settled(id)).status).toBe("succeeded");
  });

  it("disables the endpoint on 410: later events to it are not sent until it is re-enabled", async () => {
    let gone = true;
    const f = await setup("gone", () => ({ status: gone ? 410 : 204 }));
    const id = await f.send();
    const d = await f.settled(id);
    expect(d.status).toBe("disabled");
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ statusCode: 410, outcome: "disabled" });
    gone = false; // from now on the receiver would accept, but must not be asked
    expect(await f.dispatcher.disabledEndpoints("tenant-a")).toEqual([
      { url: f.receiver.url(), disabledAt: expect.any(String), deliveryId: id },
    ]);

    const later = await f.send({ type: "optimization.failed" });
    const laterDelivery = await f.dispatcher.getDelivery("tenant-a", later);
    expect(laterDelivery).toMatchObject({ status: "disabled", attempts: [] });
    expect(laterDelivery!.statusReason).toMatch(/410/);
    await expect(f.dispatcher.redeliver("tenant-a", id)).rejects.toMatchObject({ code: "ERR_WEBHOOK_ENDPOINT_DISABLED", statusCode: 409 });

    // Other endpoints and other tenants are unaffected.
    const otherPath = await f.send({ url: f.receiver.url("/other") });
    const otherTenant = await f.send({ tenantId: "tenant-b" });
    expect((await f.settled(otherPath)).status).toBe("succeeded");
    expect((await f.settled(otherTenant, "tenant-b")).status).toBe("succeeded");
    expect(f.receiver.requests.filter((r) => r.path === "/hook")).toHaveLength(2); // the 410 and tenant-b's

    expect(await f.dispatcher.enableEndpoint("tenant-a", f.receiver.url())).toBe(true);
    expect(await f.dispatcher.disabledEndpoints("tenant-a")).toEqual([]);
    const again = await f.dispatcher.redeliver("tenant-a", later);
    expect(again).toMatchObject({ status: "pending", cycle: 2 });
    expect((await f.settled(later)).status).toBe("succeeded");
    expect(f.outcomes.filter((o) => o.outcome === "disabled")).toHaveLength(1);
  });

  it("stops a pending delivery whose endpoint another delivery's 410 disabled", async () => {
    // opt_a's first attempt gets 500 and waits 2 s for its retry; meanwhile opt_b gets 410.
    const f = await setup("gone-pending", (r) => ({ status: r.body.includes('"id":"opt_b"') ? 410 : 500 }), { retrySchedule: [0, 2000] });
    const a = await f.send({ optimizationId: "opt_a" });
    await waitFor(
      () => f.dispatcher.getDelivery("tenant-a", a),
      (d) => d?.attempts.length === 1,
    );
    const b = await f.send({ optimizationId: "opt_b" });
    expect((await f.settled(b)).status).toBe("disabled");
    expect(await f.dispatcher.getDelivery("tenant-a", a)).toMatchObject({ status: "pending" });

    const d = await f.settled(a);
    expect(d.status).toBe("disabled");
    expect(d.attempts).toHaveLength(1);
    expect(d.statusReason).toContain(b);
    expect(f.receiver.requests).toHaveLength(2);
  });

  it("works on a caller's ioredis instance and leaves it open on close", async () => {
    const connection = new Redis({ ...REDIS, maxRetriesPerRequest: null });
    cleanups.push(async () => connection.quit());
    const f = await setup("shared", () => ({ status: 204 }), { connection });
    expect((await f.settled(await f.send())).status).toBe("succeeded");
    await f.dispatcher.close();
    expect(await connection.ping()).toBe("PONG");
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const target = await startReceiver(() => ({ status: 200 }));
    cleanups.push(() => target.close());
    const f = await setup("redirect", () => ({ status: 307, headers: { location: target.url() } }));
    const id = await f.send();
    const d = await f.settled(id);
    expect(d.status).toBe("failed");
    expect(d.attempts.map((a) => [a.statusCode, a.outcome])).toEqual([
      [307, "retry"],
      [307, "retry"],
      [307, "failed"],
    ]);
    expect(d.attempts[0].error).toMatch(/redirects are not followed/);
    expect(d.statusReason).toMatch(/no attempts left/);
    expect(target.requests).toHaveLength(0);
    expect(f.receiver.requests).toHaveLength(3);
  });

  it("counts a timeout as a failed attempt", async () => {
    const f = await setup("timeout", () => ({ hang: true }), { attemptTimeoutMs: 300, retrySchedule: [0, 20] });
    const id = await f.send();
    const d = await f.settled(id);
    expect(d.status).toBe("failed");
    expect(d.attempts).toHaveLength(2);
    for (const a of d.attempts) {
      expect(a.statusCode).toBeUndefined();
      expect(a.error).toMatch(/timed out after 300 ms/);
    }
    expect(f.outcomes.map((o) => o.outcome)).toEqual(["retry", "failed"]);
    expect(f.receiver.requests).toHaveLength(2);
  });

  it("refuses private, loopback, link-local and metadata URLs at enqueue without an allowlist", async () => {
    const f = await setup("ssrf-submit", () => ({ status: 204 }), { allowCidrs: [] });
    const refused = [
      [f.receiver.url(), /loopback/],
      [`http://localhost:${f.receiver.port}/hook`, /loopback/],
      ["http://10.1.2.3/hook", /private/],
      ["http://169.254.169.254/latest/meta-data/", /metadata/],
      ["http://[::1]:8080/hook", /loopback/],
      ["ftp://example.com/hook", /scheme/],
    ] as const;
    for (const [url, reason] of refused) {
      const error = await f.send({ url }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, url).toBeInstanceOf(WattplanError);
      expect(error).toMatchObject({ code: "ERR_WEBHOOK_URL_REFUSED", statusCode: 400, message: expect.stringMatching(reason) });
    }
    expect(f.dispatcher.checkUrl("http://10.1.2.3/hook")).toMatchObject({ ok: false });
    expect(await f.dispatcher.listDeliveries("tenant-a", "opt_1")).toEqual([]);
    expect(f.receiver.requests).toHaveLength(0);
  });

  it("refuses at connect time a host name that resolves to a refused address, without retrying", async () => {
    const f = await setup("ssrf-connect", () => ({ status: 204 }), {
      allowCidrs: [],
      resolver: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    const id = await f.send({ url: `http://hooks.example.test:${f.receiver.port}/hook` });
    const d = await f.settled(id);
    expect(d.status).toBe("failed");
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0].outcome).toBe("refused");
    expect(d.attempts[0].error).toMatch(/"hooks\.example\.test" resolves only to refused addresses: 127\.0\.0\.1 is a loopback address/);
    expect(f.outcomes.map((o) => o.outcome)).toEqual(["refused"]);
    expect(f.receiver.requests).toHaveLength(0);
  });

  it("signs with every active secret during a rotation", async () => {
    const f = await setup("rotation", () => ({ status: 204 }));
    const [oldSecret] = f.secrets;
    const newSecret = generateWebhookSecret();
    f.secrets.push(newSecret);
    await f.settled(await f.send());
    const during = f.receiver.requests[0];
    expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    verify(oldSecret, during);
    verify(newSecret, during);

    f.secrets.shift();
    await f.settled(await f.send());
    const after = f.receiver.requests[1];
    verify(newSecret, after);
    expect(() => verify(oldSecret, after)).toThrow(/No matching signature/);
  });

  it("does not send unsigned: a tenant without an active secret gets failed attempts", async () => {
    const f = await setup("no-secret", () => ({ status: 204 }), { secretsFor: () => [], retrySchedule: [0, 20] });
    const d = await f.settled(await f.send());
    expect(d.status).toBe("failed");
    expect(d.attempts.map((a) => a.error)).toEqual([
      "not signed: no active signing secret for this tenant",
      "not signed: no active signing secret for this tenant; no attempts left",
    ]);
    expect(f.receiver.requests).toHaveLength(0);
  });

  it("redelivers a failed delivery: a new cycle with the same webhook-id", async () => {
    let status = 500;
    const f = await setup("redeliver", () => ({ status }), { retrySchedule: [0, 20] });
    const id = await f.send();
    const failed = await f.settled(id);
    expect(failed.status).toBe("failed");
    expect(failed.attempts).toHaveLength(2);

    status = 200;
    const reopened = await f.dispatcher.redeliver("tenant-a", id);
    expect(reopened).toMatchObject({ id, status: "pending", cycle: 2 });
    const d = await f.settled(id);
    expect(d.status).toBe("succeeded");
    expect(d.statusReason).toBeUndefined();
    expect(d.attempts.map((a) => [a.cycle, a.attempt, a.statusCode, a.outcome])).toEqual([
      [1, 1, 500, "retry"],
      [1, 2, 500, "failed"],
      [2, 1, 200, "success"],
    ]);
    expect(f.receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([id, id, id]);
    f.receiver.requests.forEach((r) => verify(f.secrets[0], r));
    expect(await f.dispatcher.redeliver("tenant-a", "msg_unknown")).toBeUndefined();
  });

  it("refuses to redeliver a delivery that is still pending", async () => {
    const f = await setup("redeliver-pending", () => ({ status: 204 }), {}, false);
    const id = await f.send();
    await expect(f.dispatcher.redeliver("tenant-a", id)).rejects.toMatchObject({ code: "ERR_WEBHOOK_DELIVERY_PENDING", statusCode: 409 });
    expect(await f.dispatcher.getDelivery("tenant-a", id)).toMatchObject({ status: "pending", nextAttemptAt: expect.any(String) });
  });

  it("with a deliveryId, enqueue is idempotent: calls at once and later make one delivery, sent once", async () => {
    const f = await setup("idempotent", () => ({ status: 204 }));
    const deliveryId = deliveryIdFor("optimization:opt_once");
    expect(deliveryId).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(deliveryIdFor("optimization:opt_once")).toBe(deliveryId);
    expect(deliveryIdFor("optimization:opt_other")).not.toBe(deliveryId);
    const event = (timestamp: string) => {
      const payload = buildEventPayload({
        type: "optimization.completed",
        optimizationId: "opt_once",
        links: { self: "x" },
        response: RESPONSE,
        timestamp: new Date(timestamp),
      });
      return { tenantId: "tenant-a", optimizationId: "opt_once", url: f.receiver.url(), type: payload.type, payload };
    };
    // Different bodies on purpose: the first stored one is the one sent.
    const ids = await Promise.all(
      ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"].map((t) => f.dispatcher.enqueue(event(t), { deliveryId })),
    );
    expect(ids.map((r) => r.deliveryId)).toEqual([deliveryId, deliveryId, deliveryId]);
    const d = await f.settled(deliveryId);
    expect(d.status).toBe("succeeded");
    expect(d.attempts).toHaveLength(1);
    expect(await f.dispatcher.enqueue(event("2026-01-04T00:00:00Z"), { deliveryId })).toEqual({ deliveryId });
    expect(await f.dispatcher.listDeliveries("tenant-a", "opt_once")).toHaveLength(1);
    expect(f.receiver.requests).toHaveLength(1);
    expect(f.receiver.requests[0].headers["webhook-id"]).toBe(deliveryId);
    const sent = verify(f.secrets[0], f.receiver.requests[0]) as { timestamp: string };
    expect(["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"]).toContain(sent.timestamp);

    // The same id for another optimization is refused, as is an id of the wrong form.
    await expect(f.dispatcher.enqueue({ ...event("2026-01-01T00:00:00Z"), optimizationId: "opt_else" }, { deliveryId })).rejects.toThrow(
      /another event/,
    );
    await expect(f.dispatcher.enqueue(event("2026-01-01T00:00:00Z"), { deliveryId: "msg_x:1" })).rejects.toThrow(TypeError);
  });

  it("refuses a payload above maxPayloadBytes", async () => {
    const f = await setup("too-large", () => ({ status: 204 }), { maxPayloadBytes: 200 }, false);
    await expect(f.send()).rejects.toMatchObject({ code: "ERR_WEBHOOK_PAYLOAD_TOO_LARGE" });
  });

  it("closes a worker in bounded time while an attempt hangs, leaving the attempt unrecorded", async () => {
    const f = await setup("close", () => ({ hang: true }), { attemptTimeoutMs: 60_000 }, false);
    const worker = f.dispatcher.startWorker({ closeTimeoutMs: 200 });
    const id = await f.send();
    await waitFor(
      async () => f.receiver.requests.length,
      (n) => n === 1,
    );
    await worker.close();
    const d = await f.dispatcher.getDelivery("tenant-a", id);
    expect(d).toMatchObject({ status: "pending", attempts: [] });
    expect(f.outcomes).toEqual([]);
  });
});
