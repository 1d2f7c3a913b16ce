/**
 * `webhook.includeResult` for real sites (issue 15 part 3): a result that
 * does not fit the 64 KiB body as JSON arrives gzipped in base64, exact when
 * that fits, with its per-slot series rounded to 1 W / 1 Wh when only that
 * fits (a 300×96 day), and is otherwise left out with a link to GET it. End
 * to end on a real receiver with generated 300-session requests.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import type { Response } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { OPENAPI_FILE } from "../service/api/openapi-file.js";
import {
  buildEventPayload,
  DEFAULT_MAX_PAYLOAD_BYTES,
  payloadBytes,
  RESULT_ROUNDING,
  type WebhookPayload,
} from "../service/webhooks/payload.js";
import { GENERATORS } from "../testkit/generators/index.js";
import { api, eventually, startTestService, type TestService } from "./service-helpers.js";
import { startReceiver, verify, type Receiver } from "./webhooks-helpers.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false }));
ajv.addSchema(JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as object, "openapi.json");
const validateEvent = ajv.getSchema("openapi.json#/components/schemas/OptimizationCompletedEvent")!;

const LINKS = { self: "/v1/optimizations/opt_1", deliveries: "/v1/optimizations/opt_1/deliveries" };

/** What docs/webhooks.md tells a receiver to do. */
function decodeResult(data: WebhookPayload["data"]): Response {
  if (data.resultEncoding === "json") return data.result!;
  if (data.resultEncoding === "gzip+base64")
    return JSON.parse(gunzipSync(Buffer.from(data.resultEncoded!, "base64")).toString("utf8")) as Response;
  throw new Error(`no result: ${JSON.stringify(data).slice(0, 200)}`);
}

function generated(sessions: number, seed = 1) {
  const v = validateRequest(GENERATORS.workplace({ sessions, slots: 96, seed }));
  if (!v.ok) throw new Error("the generator made an invalid request");
  return v.request;
}

/** Every per-slot series of `a` within half a rounding step of `b`'s, the rest equal. */
function expectRoundedFrom(a: Response, b: Response) {
  const half = RESULT_ROUNDING / 2 + 1e-12;
  const close = (x: number[], y: number[]) => {
    expect(x).toHaveLength(y.length);
    expect(Math.max(0, ...x.map((v, i) => Math.abs(v - y[i])))).toBeLessThanOrEqual(half);
  };
  expect(a.sessions.map((s) => s.id)).toEqual(b.sessions.map((s) => s.id));
  a.sessions.forEach((s, i) => {
    close(s.powerKw, b.sessions[i].powerKw);
    close(s.energyKwh, b.sessions[i].energyKwh);
    expect(s.deliveredKwh).toBe(b.sessions[i].deliveredKwh);
    expect(s.shortfallKwh).toBe(b.sessions[i].shortfallKwh);
  });
  close(a.site.netImportKw, b.site.netImportKw);
  close(a.site.curtailedPvKw, b.site.curtailedPvKw);
  expect(a.cost).toEqual(b.cost);
  expect(a.solver).toEqual(b.solver);
  // The rounded values are short: at most three decimals.
  expect(a.sessions.flatMap((s) => s.powerKw).every((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6)).toBe(true);
}

describe("buildEventPayload: the result of a real site", () => {
  it("gzips a 40×96 result that does not fit as JSON, exactly", () => {
    const response = solve(generated(40), {});
    const p = buildEventPayload({ type: "optimization.completed", optimizationId: "opt_1", links: LINKS, response, includeResult: true });
    const asJson = { ...p, data: { ...p.data, resultEncoded: undefined, result: response } };
    expect(payloadBytes(asJson)).toBeGreaterThan(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(p.data.resultEncoding).toBe("gzip+base64");
    expect(p.data.resultRoundedTo).toBeUndefined();
    expect(p.data.result).toBeUndefined();
    expect(payloadBytes(p)).toBeLessThanOrEqual(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(decodeResult(p.data)).toEqual(response);
    expect(validateEvent(p), JSON.stringify(validateEvent.errors)).toBe(true);
  });

  it("rounds the series of a 300×96 result to 1 W / 1 Wh to fit, and says so", () => {
    const response = solve(generated(300), {});
    const p = buildEventPayload({ type: "optimization.completed", optimizationId: "opt_1", links: LINKS, response, includeResult: true });
    expect(p.data.resultEncoding).toBe("gzip+base64");
    expect(p.data.resultRoundedTo).toBe(0.001);
    expect(payloadBytes(p)).toBeLessThanOrEqual(DEFAULT_MAX_PAYLOAD_BYTES);
    expectRoundedFrom(decodeResult(p.data), response);
    expect(validateEvent(p), JSON.stringify(validateEvent.errors)).toBe(true);
  });
});

describe("includeResult end to end", () => {
  let t: TestService;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = await startReceiver();
    t = await startTestService("result", { jobTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await t.close();
    await hooks.close();
  });

  async function submitAndReceive(body: Record<string, unknown>, path: string) {
    const submitted = await api<{ id: string }>(t.url, "POST", "/v1/optimizations", {
      key: t.acme.key,
      body: { ...body, webhook: { url: hooks.url(path), includeResult: true } },
    });
    expect(submitted.status).toBe(202);
    const [request] = await eventually(
      async () => hooks.requests.filter((r) => r.path === path),
      (rs) => rs.length > 0,
      60_000,
    );
    const job = await api<{ status: string; result: Response }>(t.url, "GET", `/v1/optimizations/${submitted.body.id}`, {
      key: t.acme.key,
    });
    expect(job.body.status).toBe("completed");
    return { request, payload: verify(t.acme.secret, request) as WebhookPayload, result: job.body.result };
  }

  it("delivers a 300-session day's result in the webhook, within 64 KiB", async () => {
    const { request, payload, result } = await submitAndReceive(GENERATORS.workplace({ sessions: 300, slots: 96, seed: 3 }), "/r300");
    expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(payload.data.resultEncoding).toBe("gzip+base64");
    expect(payload.data.resultRoundedTo).toBe(RESULT_ROUNDING);
    expect(payload.data.resultOmitted).toBeUndefined();
    const decoded = decodeResult(payload.data);
    expect(decoded.sessions).toHaveLength(300);
    expectRoundedFrom(decoded, result);
  });

  it("delivers a 40-session result exactly as GET returns it", async () => {
    const { payload, result } = await submitAndReceive(GENERATORS.depotV2g({ sessions: 40, slots: 96, seed: 2 }), "/r40");
    expect(payload.data.resultEncoding).toBe("gzip+base64");
    expect(payload.data.resultRoundedTo).toBeUndefined();
    expect(decodeResult(payload.data)).toEqual(result);
  });

  it("leaves out a result too large even rounded, and links to the job", async () => {
    const { payload, result } = await submitAndReceive(GENERATORS.workplace({ sessions: 1000, slots: 96, seed: 1 }), "/r1000");
    expect(payload.data.resultOmitted).toBe("too_large");
    expect(payload.data.resultEncoding).toBeUndefined();
    expect(payload.data.links.self).toBe(`/v1/optimizations/${payload.data.id}`);
    expect(result.sessions).toHaveLength(1000);
  });
});
