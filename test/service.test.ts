/**
 * The job service end to end: submit → worker thread solves → signed
 * webhook, verified with standardwebhooks on a real receiver. Also ?wait=,
 * failures with their codes, cancel while running, the job timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completedJob, ownedJob } from "../service/api/owned-job.js";
import { startReceiver, verify, type Receiver } from "./webhooks-helpers.js";
import { api, eventually, exampleRequest, startTestService, syntheticRequest, type TestService } from "./service-helpers.js";

type Job = {
  id: string;
  status: string;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
  metadata?: Record<string, unknown>;
  result?: { status: string; strategy: string; cost: { total: number }; sessions: unknown[] };
  links: { self: string; deliveries: string };
};
type Payload = { type: string; data: { id: string; status: string; cost?: { total: number }; error?: { code: string }; result?: unknown } };

describe("job service end to end", () => {
  let t: TestService;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = await startReceiver();
    t = await startTestService("e2e");
  });
  afterAll(async () => {
    await t.close();
    await hooks.close();
  });

  it("solves a job in a worker thread and delivers a signed webhook", async () => {
    const submitted = await api<Job>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      body: { ...exampleRequest("edf", "depot-v2g"), webhook: { url: hooks.url("/acme"), includeResult: true }, metadata: { run: 1 } },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    const done = await eventually(
      () => api<Job>(t.url, "GET", `/v1/optimizations/${id}`, { key: t.acme.key }),
      (r) => r.body.status === "completed",
    );
    expect(done.body.result!.strategy).toBe("edf");
    expect(done.body.result!.status).toBe("feasible");
    expect(done.body.metadata).toEqual({ run: 1 });
    expect(Date.parse(done.body.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.body.startedAt!));

    const received = await eventually(
      async () => hooks.requests.filter((r) => r.path === "/acme"),
      (rs) => rs.length > 0,
    );
    const payload = verify(t.acme.secret, received[0]) as Payload;
    expect(payload.type).toBe("optimization.completed");
    expect(payload.data.id).toBe(id);
    expect(payload.data.cost!.total).toBeCloseTo(done.body.result!.cost.total, 9);
    expect(payload.data.result).toEqual(done.body.result);
    // What result-rendering routes (OCPP, charts) build on.
    const loaded = await completedJob(t.service, "acme", id);
    expect(loaded.result.cost.total).toBe(done.body.result!.cost.total);
    await expect(ownedJob(t.service, "globex", id)).rejects.toMatchObject({ code: "ERR_NOT_FOUND" });
    // Signed with acme's secret, not globex's.
    expect(() => verify(t.globex.secret, received[0])).toThrow();

    const deliveries = await eventually(
      () =>
        api<{ items: { id: string; status: string; attempts: unknown[] }[] }>(t.url, "GET", done.body.links.deliveries, {
          key: t.acme.key,
        }),
      (r) => r.body.items.length === 1 && r.body.items[0].status === "succeeded",
    );
    expect(deliveries.body.items[0].attempts).toHaveLength(1);
    expect((await api(t.url, "GET", done.body.links.deliveries, { key: t.globex.key })).status).toBe(404);

    // Redelivery: the same webhook-id again; never for another tenant.
    const deliveryId = deliveries.body.items[0].id;
    const redeliver = `${done.body.links.deliveries}/${deliveryId}/redeliver`;
    expect((await api(t.url, "POST", redeliver, { key: t.globex.key })).status).toBe(404);
    expect((await api(t.url, "POST", redeliver, { key: t.acme.key })).status).toBe(202);
    const again = await eventually(
      async () => hooks.requests.filter((r) => r.path === "/acme"),
      (rs) => rs.length === 2,
    );
    expect(again[1].headers["webhook-id"]).toBe(received[0].headers["webhook-id"]);
    verify(t.acme.secret, again[1]);

    const metrics = await api<string>(t.url, "GET", "/metrics");
    expect(metrics.body).toMatch(/wattplan_webhook_attempts_total\{outcome="success"\} [1-9]/);
    expect(metrics.body).toMatch(/wattplan_solve_seconds_count\{strategy="edf"\} [1-9]/);
    const ready = await api<{ workers: number }>(t.url, "GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.workers).toBeGreaterThan(0);
  });

  it("returns the result in the response with ?wait= (200)", async () => {
    const res = await api<Job>(t.url, "POST", "/v1/optimizations?wait=20", { key: t.globex.key, body: exampleRequest("llf") });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("completed");
    expect(res.body.result!.strategy).toBe("llf");
    expect(res.headers.get("location")).toBe(`/v1/optimizations/${res.body.id}`);
  });

  it("serves a completed job's schedule as OCPP profiles, to its own tenant only", async () => {
    const done = await api<Job>(t.url, "POST", "/v1/optimizations?wait=20", { key: t.acme.key, body: exampleRequest("edf", "depot-v2g") });
    expect(done.body.status).toBe("completed");
    type Ocpp = { version: string; unit: string; ocpp: { sessionId: string; action: string; payload: { evseId: number } }[] };
    const res = await api<Ocpp>(t.url, "GET", `${done.body.links.self}/ocpp?version=2.0.1&unit=A`, { key: t.acme.key });
    expect(res.status).toBe(200);
    expect([res.body.version, res.body.unit]).toEqual(["2.0.1", "A"]);
    expect(res.body.ocpp.map((m) => m.sessionId)).toEqual(done.body.result!.sessions.map((s) => (s as { id: string }).id));
    expect(res.body.ocpp.every((m) => m.action === "SetChargingProfile")).toBe(true);
    const stranger = await api<{ code: string }>(t.url, "GET", `${done.body.links.self}/ocpp?version=1.6`, { key: t.globex.key });
    expect([stranger.status, stranger.body.code]).toEqual([404, "ERR_NOT_FOUND"]);
    const badVersion = await api<{ code: string }>(t.url, "GET", `${done.body.links.self}/ocpp?version=3.0`, { key: t.acme.key });
    expect(badVersion.status).toBe(400);
  });

  it("draws a completed job as an SVG chart, for its own tenant only", async () => {
    const done = await api<Job>(t.url, "POST", "/v1/optimizations?wait=20", {
      key: t.acme.key,
      body: exampleRequest("optimal", "pv-export-limit"),
    });
    expect(done.body.status).toBe("completed");
    const res = await fetch(`${t.url}${done.body.links.self}/chart.svg`, { headers: { authorization: `Bearer ${t.acme.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = await res.text();
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toMatch(/<\/svg>\s*$/);
    expect(svg).toContain("PV");
    const stranger = await fetch(`${t.url}${done.body.links.self}/chart.svg`, { headers: { authorization: `Bearer ${t.globex.key}` } });
    expect(stranger.status).toBe(404);
  });

  it("solves with the default strategy, optimal, and proves it with a bound", async () => {
    type Proven = { status: string; cost: { total: number }; solver: { bound?: number; relativeGap?: number; iterations: number } };
    const res = await api<Job>(t.url, "POST", "/v1/optimizations?wait=20", {
      key: t.acme.key,
      body: { ...exampleRequest("optimal", "depot-v2g"), strategy: undefined },
    });
    expect(res.body.status).toBe("completed");
    const result = res.body.result as unknown as Proven & { strategy: string };
    expect(result.strategy).toBe("optimal");
    expect(result.status).toBe("optimal");
    expect(result.solver.iterations).toBeGreaterThan(0);
    expect(result.solver.bound).toBeLessThanOrEqual(result.cost.total);
    expect(result.cost.total - result.solver.bound!).toBeLessThanOrEqual(Math.max(1e-4 * Math.abs(result.cost.total), 1e-3));
  });
});

describe("running jobs", () => {
  let t: TestService;
  beforeAll(async () => {
    // Every solve first sleeps, so a job can be caught while it runs.
    t = await startTestService("running", { testSolveDelayMs: 1500, jobTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers 202 when ?wait= ends before the job, and 409 to a cancel once it runs", async () => {
    const res = await api<Job>(t.url, "POST", "/v1/optimizations?wait=0.2", { key: t.acme.key, body: exampleRequest() });
    expect(res.status).toBe(202);
    const id = res.body.id;
    await eventually(
      () => api<Job>(t.url, "GET", `/v1/optimizations/${id}`, { key: t.acme.key }),
      (r) => r.body.status === "running",
    );
    const cancel = await api<{ code: string }>(t.url, "DELETE", `/v1/optimizations/${id}`, { key: t.acme.key });
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe("ERR_NOT_CANCELABLE");
    const done = await eventually(
      () => api<Job>(t.url, "GET", `/v1/optimizations/${id}`, { key: t.acme.key }),
      (r) => r.body.status === "completed",
    );
    expect(done.body.attempts).toBe(1);
  });

  it("skips a job canceled while it waited for the busy worker", async () => {
    const first = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: exampleRequest() });
    const second = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: exampleRequest() });
    const cancel = await api<Job>(t.url, "DELETE", `/v1/optimizations/${second.body.id}`, { key: t.acme.key });
    expect(cancel.status).toBe(200);
    await eventually(
      () => api<Job>(t.url, "GET", `/v1/optimizations/${first.body.id}`, { key: t.acme.key }),
      (r) => r.body.status === "completed",
    );
    const after = await api<Job>(t.url, "GET", `/v1/optimizations/${second.body.id}`, { key: t.acme.key });
    expect(after.body.status).toBe("canceled");
    expect(after.body.startedAt).toBeUndefined();
  });
});

describe("job timeout", () => {
  let t: TestService;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = await startReceiver();
    t = await startTestService("timeout", { testSolveDelayMs: 3000, jobTimeoutMs: 500 });
  });
  afterAll(async () => {
    await t.close();
    await hooks.close();
  });

  it("fails a job that runs past the timeout with ERR_JOB_TIMEOUT, says so by webhook, and ignores its late result", async () => {
    const res = await api<Job>(t.url, "POST", "/v1/optimizations?wait=10", {
      key: t.acme.key,
      body: { ...syntheticRequest(5, 8), webhook: { url: hooks.url("/failed") } },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("failed");
    expect(res.body.error!.code).toBe("ERR_JOB_TIMEOUT");
    const received = await eventually(
      async () => hooks.requests.filter((r) => r.path === "/failed"),
      (rs) => rs.length > 0,
    );
    const payload = verify(t.acme.secret, received[0]) as Payload;
    expect(payload.type).toBe("optimization.failed");
    expect(payload.data.error!.code).toBe("ERR_JOB_TIMEOUT");
    // Its thread was terminated (BullMQ saw it exit), the retry found the job final and skipped it.
    await eventually(
      () => t.service.producer.queue.getJobState(res.body.id),
      (state) => state === "completed",
    );
    const job = await t.service.producer.queue.getJob(res.body.id);
    expect((job!.stacktrace ?? []).join("\n") + (job!.failedReason ?? "")).toMatch(/exit/i);
    // The worker goes on with a fresh thread.
    const next = await api<Job>(t.url, "POST", "/v1/optimizations?wait=10", { key: t.acme.key, body: syntheticRequest(5, 8) });
    expect(next.body.error?.code).toBe("ERR_JOB_TIMEOUT");
    expect(next.body.attempts).toBe(1);
    const later = await api<Job>(t.url, "GET", `/v1/optimizations/${res.body.id}`, { key: t.acme.key });
    expect(later.body.status).toBe("failed");
    expect(later.body.result).toBeUndefined();
  });
});
