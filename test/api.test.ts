/**
 * The HTTP API, black-box: auth, validation and error shapes, idempotency,
 * tenant isolation, listing, cancel, limits. Real server on port 0, real Redis.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completedJob } from "../service/api/owned-job.js";
import { ERRORS } from "../engine/errors.js";
import { api, exampleRequest, startTestService, syntheticRequest, type TestService } from "./service-helpers.js";

type Job = {
  id: string;
  status: string;
  error?: { code: string };
  result?: { strategy: string };
  metadata?: unknown;
  links: { self: string };
};
type ErrorBody = { statusCode: number; code: string; message: string; details?: { problems?: { path: string; message: string }[] } };

describe("API with queued jobs only (no worker)", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService("api", { bodyLimitBytes: 64 * 1024, maxProblemCells: 5000 }, { worker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it("refuses requests without a key or with an unknown key (401)", async () => {
    for (const key of [undefined, "wp_not-a-key"]) {
      const res = await api<ErrorBody>(t.url, "GET", "/v1/optimizations", { key });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("ERR_UNAUTHORIZED");
      expect(res.body.statusCode).toBe(401);
    }
    const malformed = await api<ErrorBody>(t.url, "GET", "/v1/optimizations", { headers: { authorization: "Basic Zm9vOmJhcg==" } });
    expect(malformed.status).toBe(401);
  });

  it("accepts a job: 202, id, Location, queued", async () => {
    const res = await api<Job>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      body: { ...exampleRequest(), metadata: { site: "north" } },
    });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("queued");
    expect(res.headers.get("location")).toBe(`/v1/optimizations/${res.body.id}`);
    const got = await api<Job>(t.url, "GET", res.body.links.self, { key: t.acme.key });
    expect(got.status).toBe(200);
    expect(got.body.status).toBe("queued");
    expect(got.body.metadata).toEqual({ site: "north" });
  });

  it("reports every invalid field with its JSON path (400)", async () => {
    const bad = exampleRequest();
    (bad.horizon as Record<string, unknown>).slots = 0;
    (bad.sessions as Record<string, unknown>[])[1].maxChargeKw = -3;
    const res = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      body: { ...bad, webhook: { url: "ftp://x" }, extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("ERR_INVALID_REQUEST");
    const paths = res.body.details!.problems!.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["horizon.slots", "sessions[1].maxChargeKw", "webhook.url", "(root)"]));
  });

  it("maps fastify's own errors to stable codes: bad JSON 400, wrong type 415, too large 413", async () => {
    const badJson = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, raw: '{"horizon": ' });
    expect([badJson.status, badJson.body.code]).toEqual([400, "ERR_INVALID_JSON"]);
    const empty = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, raw: "" });
    expect([empty.status, empty.body.code]).toEqual([400, "ERR_INVALID_JSON"]);
    const text = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      raw: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect([text.status, text.body.code]).toEqual([415, "ERR_UNSUPPORTED_MEDIA_TYPE"]);
    const big = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      raw: JSON.stringify({ pad: "x".repeat(70 * 1024) }),
    });
    expect([big.status, big.body.code]).toEqual([413, "ERR_BODY_TOO_LARGE"]);
  });

  it("refuses a problem above the size limit before enqueueing it (413)", async () => {
    const res = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: syntheticRequest(100, 51) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("ERR_PROBLEM_TOO_LARGE");
  });

  it("refuses a webhook URL the SSRF policy will never deliver to (400)", async () => {
    const res = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      body: { ...exampleRequest(), webhook: { url: "http://169.254.169.254/latest" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("ERR_WEBHOOK_URL_REFUSED");
  });

  it("returns the same job for the same Idempotency-Key and body, 409 for a different body", async () => {
    const headers = { "idempotency-key": "order-42" };
    const body = exampleRequest();
    const first = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body, headers });
    // Same content, keys in another order: the canonical hash matches.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: reordered, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const different = await api<ErrorBody>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      body: { ...body, strategy: "llf" },
      headers,
    });
    expect(different.status).toBe(409);
    expect(different.body.code).toBe("ERR_IDEMPOTENCY_CONFLICT");
    // Keys are per tenant: another tenant's same key is a new job.
    const other = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.globex.key, body, headers });
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it("gives concurrent submissions with one Idempotency-Key one job", async () => {
    const headers = { "idempotency-key": "burst-1" };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: exampleRequest(), headers })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it("isolates tenants: get, cancel, deliveries and lists never show another tenant's job (404)", async () => {
    const mine = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: exampleRequest() });
    const id = mine.body.id;
    for (const [method, path] of [
      ["GET", `/v1/optimizations/${id}`],
      ["DELETE", `/v1/optimizations/${id}`],
      ["GET", `/v1/optimizations/${id}/deliveries`],
    ] as const) {
      const res = await api<ErrorBody>(t.url, method, path, { key: t.globex.key });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe("ERR_NOT_FOUND");
    }
    const list = await api<{ items: Job[] }>(t.url, "GET", "/v1/optimizations?limit=100", { key: t.globex.key });
    expect(list.body.items.map((j) => j.id)).not.toContain(id);
    expect((await api<Job>(t.url, "GET", `/v1/optimizations/${id}`, { key: t.acme.key })).body.status).toBe("queued");
  });

  it("answers 404 for unknown ids and routes", async () => {
    const unknownId = await api<ErrorBody>(t.url, "GET", "/v1/optimizations/opt_000000000ffffffffffffffff", { key: t.acme.key });
    expect([unknownId.status, unknownId.body.code]).toEqual([404, "ERR_NOT_FOUND"]);
    const junkId = await api<ErrorBody>(t.url, "GET", "/v1/optimizations/..%2F..%2Fetc", { key: t.acme.key });
    expect(junkId.status).toBe(404);
    const route = await api<ErrorBody>(t.url, "GET", "/v2/nothing");
    expect([route.status, route.body.code]).toEqual([404, "ERR_ROUTE_NOT_FOUND"]);
  });

  it("has no result to render before a job completes (409 ERR_NOT_COMPLETED)", async () => {
    const job = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: exampleRequest() });
    await expect(completedJob(t.service, "acme", job.body.id)).rejects.toMatchObject({ code: "ERR_NOT_COMPLETED", statusCode: 409 });
  });

  it("cancels a queued job once; a second cancel is 409", async () => {
    const job = await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.acme.key, body: exampleRequest() });
    const canceled = await api<Job>(t.url, "DELETE", `/v1/optimizations/${job.body.id}`, { key: t.acme.key });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");
    const again = await api<ErrorBody>(t.url, "DELETE", `/v1/optimizations/${job.body.id}`, { key: t.acme.key });
    expect([again.status, again.body.code]).toEqual([409, "ERR_NOT_CANCELABLE"]);
    expect((await api<Job>(t.url, "GET", `/v1/optimizations/${job.body.id}`, { key: t.acme.key })).body.status).toBe("canceled");
  });

  it("lists the tenant's jobs newest first, page by page", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await api<Job>(t.url, "POST", "/v1/optimizations", { key: t.globex.key, body: exampleRequest() })).body.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api<{ items: Job[]; nextCursor?: string }>(
        t.url,
        "GET",
        `/v1/optimizations?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { key: t.globex.key },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((j) => j.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    const newest = seen.filter((id) => ids.includes(id));
    expect(newest).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const bad = await api<ErrorBody>(t.url, "GET", "/v1/optimizations?limit=0", { key: t.globex.key });
    expect([bad.status, bad.body.code]).toEqual([400, "ERR_INVALID_REQUEST"]);
  });

  it("is not ready without a worker, live anyway; serves metrics and the OpenAPI document", async () => {
    expect((await api(t.url, "GET", "/health/live")).status).toBe(200);
    const ready = await api<{ redis: boolean; workers: number }>(t.url, "GET", "/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.redis).toBe(true);
    const metrics = await api<string>(t.url, "GET", "/metrics");
    expect(metrics.body).toContain("wattplan_queue_depth");
    expect(metrics.body).toContain("wattplan_jobs_submitted_total");
    const doc = await api<{ paths: Record<string, unknown> }>(t.url, "GET", "/docs/json");
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/v1/optimizations", "/v1/optimizations/{id}"]));
    const ui = await fetch(`${t.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain("swagger");
  });
});

describe("rate limit", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService("ratelimit", { rateLimitMax: 3, rateLimitWindowMs: 60_000 }, { worker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it("limits each tenant separately and answers 429 with retry-after", async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof api<ErrorBody>>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await api<ErrorBody>(t.url, "GET", "/v1/optimizations", { key: t.acme.key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.body.code).toBe("ERR_RATE_LIMITED");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api(t.url, "GET", "/v1/optimizations", { key: t.globex.key })).status).toBe(200);
  });
});

describe("error registry", () => {
  it("documents every error code in docs/errors.md", () => {
    const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");
    const missing = Object.keys(ERRORS).filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});
