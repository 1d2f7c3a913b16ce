/**
 * The contract from the outside: every operation of openapi.json, called
 * through the typed client (service/client, generated from the document)
 * against a real service over real Redis and PostgreSQL. A request or an
 * answer that drifts from the document fails to compile or fails here:
 * every answer's status must be declared, and every JSON answer must be
 * valid against its declared schema (ajv, from the document itself).
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAPI_FILE } from "../service/api/openapi-file.js";
import { wattplanClient, type Schemas, type WattplanClient } from "../service/client/index.js";
import { depot, eventId, startSitesService, type SitesService } from "./sites-helpers.js";
import { exampleRequest } from "./service-helpers.js";
import { startReceiver, waitFor, type Receiver } from "./webhooks-helpers.js";

type Declared = Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as {
  paths: Record<string, Record<string, { operationId: string; responses: Declared }>>;
};
// ajv-formats is CommonJS: its default export is the function. OCPP limits are `multipleOf: 0.1`, which
// plain ajv tests in binary floating point (4140.7 would fail): compare to 6 decimals, as OCPP validators do.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, multipleOfPrecision: 6 }));
ajv.addSchema(doc, "openapi.json");
/** Every operation of the document, as a matcher of the requests that reach it. */
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({
    id: op.operationId,
    method: method.toUpperCase(),
    pattern: new RegExp(`^${path.replace(/\./g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    responses: op.responses,
  })),
);

describe("the typed client", () => {
  let t: SitesService;
  let hooks: Receiver;
  let wp: WattplanClient;
  const reached = new Set<string>();
  const violations: string[] = [];
  let validated = 0;
  /** The client's fetch: records the operation, and checks the answer against the document. */
  const recording = async (request: Request) => {
    const path = new URL(request.url).pathname;
    const op = operations.find((o) => o.method === request.method && o.pattern.test(path));
    const response = await fetch(request);
    if (op === undefined) return response;
    reached.add(op.id);
    const declared = op.responses[String(response.status)];
    const ref = declared?.content?.["application/json"]?.schema?.$ref;
    if (declared === undefined) violations.push(`${op.id}: status ${response.status} is not declared`);
    else if (ref !== undefined && (response.headers.get("content-type") ?? "").includes("json")) {
      const validate = ajv.getSchema(`openapi.json${ref}`)!;
      if (!validate(await response.clone().json())) violations.push(`${op.id} ${response.status}: ${ajv.errorsText(validate.errors)}`);
      validated++;
    }
    return response;
  };

  beforeAll(async () => {
    t = await startSitesService("client");
    hooks = await startReceiver();
    wp = wattplanClient({ baseUrl: t.url, apiKey: t.acme.key, fetch: recording });
  });
  afterAll(async () => {
    await t?.close();
    await hooks?.close();
  });

  it("reaches the health operations", async () => {
    const live = await wp.GET("/health/live");
    expect(live.data?.status).toBe("live");
    const ready = await wp.GET("/health/ready");
    expect([200, 503]).toContain(ready.response.status);
    const readiness: Schemas["Readiness"] | undefined = ready.data ?? (ready.error as Schemas["Readiness"] | undefined);
    expect(readiness?.redis).toBe(true);
    const metrics = await wp.GET("/metrics", { parseAs: "text" });
    expect(metrics.data).toContain("wattplan_queue_depth");
  });

  it("submits, reads, lists, charts, exports to OCPP and redelivers an optimization", async () => {
    const body = { ...(exampleRequest("edf") as Schemas["OptimizationSubmissionInput"]), webhook: { url: hooks.url() } };
    const submitted = await wp.POST("/v1/optimizations", { body, params: { query: { wait: 20 } } });
    expect(submitted.response.status).toBe(200);
    const job = submitted.data as Schemas["Optimization"];
    expect(job.status).toBe("completed");
    expect(job.result?.strategy).toBe("edf");
    expect(job.result?.sessions.length).toBe(body.sessions.length);

    const got = await wp.GET("/v1/optimizations/{id}", { params: { path: { id: job.id } } });
    expect(got.data?.result?.cost.total).toBe(job.result?.cost.total);
    const list = await wp.GET("/v1/optimizations", { params: { query: { limit: 5 } } });
    expect(list.data?.items.map((i) => i.id)).toContain(job.id);

    const chart = await wp.GET("/v1/optimizations/{id}/chart.svg", { params: { path: { id: job.id } }, parseAs: "text" });
    expect(chart.response.headers.get("content-type")).toContain("image/svg+xml");
    expect(chart.data).toContain("<svg");

    const ocpp = await wp.GET("/v1/optimizations/{id}/ocpp", {
      params: { path: { id: job.id }, query: { version: "2.0.1", unit: "A", maxPeriods: 12 } },
    });
    expect(ocpp.data?.version).toBe("2.0.1");
    const payload = ocpp.data?.ocpp[0].payload;
    expect(payload && "chargingProfile" in payload ? payload.chargingProfile.chargingSchedule[0].chargingRateUnit : undefined).toBe("A");
    // The other versions' payloads, with fallback profiles (each answer is validated against the document).
    for (const version of ["1.6", "2.1"] as const) {
      const other = await wp.GET("/v1/optimizations/{id}/ocpp", { params: { path: { id: job.id }, query: { version, fallback: "true" } } });
      expect(other.data?.ocpp.some((m) => m.sessionId === null)).toBe(true);
      const first = other.data?.ocpp[0].payload;
      expect(first !== undefined && (version === "1.6" ? "csChargingProfiles" in first : "chargingProfile" in first)).toBe(true);
    }

    const canceled = await wp.DELETE("/v1/optimizations/{id}", { params: { path: { id: job.id } } });
    expect(canceled.response.status).toBe(409);
    expect(canceled.error?.code).toBe("ERR_NOT_CANCELABLE");

    const deliveries = await waitFor(
      () => wp.GET("/v1/optimizations/{id}/deliveries", { params: { path: { id: job.id } } }),
      (r) => r.data?.items[0]?.status === "succeeded",
    );
    const delivery = deliveries.data!.items[0];
    expect(delivery.event).toBe("optimization.completed");
    // The webhook as received is the document's webhook payload.
    const event = ajv.getSchema("openapi.json#/components/schemas/OptimizationCompletedEvent")!;
    expect(event(JSON.parse(hooks.requests[0].body)), ajv.errorsText(event.errors)).toBe(true);
    const again = await wp.POST("/v1/optimizations/{id}/deliveries/{deliveryId}/redeliver", {
      params: { path: { id: job.id, deliveryId: delivery.id } },
    });
    expect(again.response.status).toBe(202);
    expect(again.data?.cycle).toBe(2);
  });

  it("types the error shape of every failure", async () => {
    const missing = await wp.GET("/v1/optimizations/{id}", { params: { path: { id: "opt_missing" } } });
    expect(missing.data).toBeUndefined();
    expect([missing.response.status, missing.error?.code, missing.error?.statusCode]).toEqual([404, "ERR_NOT_FOUND", 404]);
    const invalid = await wp.POST("/v1/optimizations", {
      body: {
        ...(exampleRequest() as Schemas["OptimizationSubmissionInput"]),
        horizon: { start: "2026-01-01T00:00:00Z", slotMinutes: 15, slots: 0 },
      },
    });
    expect(invalid.error?.code).toBe("ERR_INVALID_REQUEST");
    const anonymous = await wattplanClient({ baseUrl: t.url, fetch: recording }).GET("/v1/optimizations");
    expect(anonymous.error?.code).toBe("ERR_UNAUTHORIZED");
  });

  it("puts a live site, posts events, reads its plan and sessions, and deletes it", async () => {
    const siteId = "client-depot";
    const put = await wp.PUT("/v1/sites/{siteId}", { params: { path: { siteId } }, body: depot() as Schemas["SiteBodyInput"] });
    expect(put.response.status).toBe(201);
    expect(put.data?.siteId).toBe(siteId);
    const site = await wp.GET("/v1/sites/{siteId}", { params: { path: { siteId } } });
    expect(site.data?.body.evses.map((e) => e.id)).toEqual(["e1", "e2", "e3"]);

    const events: Schemas["SiteEventInput"][] = [
      {
        eventId: eventId(),
        type: "session.started",
        at: "2026-12-07T08:00:00Z",
        sessionId: "s1",
        evseId: "e1",
        departure: "2026-12-07T12:00:00Z",
        targetEnergyKwh: 20,
      },
    ];
    const posted = await wp.POST("/v1/sites/{siteId}/events", { params: { path: { siteId }, query: { wait: 20 } }, body: { events } });
    expect(posted.response.status).toBe(200);
    expect(posted.data?.applied).toEqual([events[0].eventId]);

    const plan = await wp.GET("/v1/sites/{siteId}/plan", { params: { path: { siteId } } });
    expect(plan.data?.request.sessions.map((s) => s.id)).toEqual(["s1"]);
    expect(plan.data?.response.sessions[0].powerKw.length).toBe(plan.data?.request.horizon.slots);
    const message = plan.data?.ocpp.find((m) => m.sessionId === "s1");
    expect(message?.payload && "chargingProfile" in message.payload ? message.payload.chargingProfile.id : undefined).toBeGreaterThan(0);

    const sessions = await wp.GET("/v1/sites/{siteId}/sessions", { params: { path: { siteId }, query: { state: "all" } } });
    expect(sessions.data?.sessions.map((s) => [s.sessionId, s.state])).toEqual([["s1", "active"]]);

    // The site has no forecast setting: both forecast operations answer their declared 409.
    const forecast = await wp.GET("/v1/sites/{siteId}/forecast", { params: { path: { siteId } } });
    expect(forecast.error?.code).toBe("ERR_FORECAST_UNAVAILABLE");
    const train = await wp.POST("/v1/sites/{siteId}/forecast/train", { params: { path: { siteId } } });
    expect(train.error?.code).toBe("ERR_FORECAST_UNAVAILABLE");

    const deleted = await wp.DELETE("/v1/sites/{siteId}", { params: { path: { siteId }, query: { purge: "true" } } });
    expect(deleted.data).toEqual({ siteId, deleted: true, purged: true });
    const gone = await wp.GET("/v1/sites/{siteId}", { params: { path: { siteId } } });
    expect(gone.error?.code).toBe("ERR_SITE_NOT_FOUND");
  });

  it("has reached every operation of the document, and every answer was as declared", () => {
    expect(operations.length).toBe(19);
    expect(operations.map((o) => o.id).filter((id) => !reached.has(id))).toEqual([]);
    expect(violations).toEqual([]);
    expect(validated).toBeGreaterThanOrEqual(15);
  });
});
