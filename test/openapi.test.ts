/**
 * The OpenAPI document is the contract: the served /docs/json equals the
 * checked-in openapi.json (regenerate with `npm run openapi`), redocly's
 * recommended ruleset finds nothing in it, and its schemas say what the
 * service accepts and sends.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TYPES_FILE, clientTypesText, OPENAPI_FILE, openapiDocument, openapiText } from "../service/api/openapi-file.js";
import { buildEventPayload } from "../service/webhooks/payload.js";
import { OptimizationCompletedEventSchema, OptimizationFailedEventSchema, SitePlanUpdatedEventSchema } from "../service/webhooks/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { validateRequest } from "../engine/model/validate.js";
import { api, exampleRequest, startTestService, type TestService } from "./service-helpers.js";

type Operation = { operationId?: string; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> };
type Doc = {
  openapi: string;
  servers: unknown[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

// ajv-formats is CommonJS: its default export is the function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const fileText = readFileSync(OPENAPI_FILE, "utf8");
const file = JSON.parse(fileText) as Doc;

describe("openapi.json", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService("openapi", {}, { worker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it("is what the service serves at /docs/json, and what `npm run openapi` writes", async () => {
    const served = await api<Doc>(t.url, "GET", "/docs/json");
    expect(served.status).toBe(200);
    expect(served.body).toEqual(file);
    const generated = await openapiDocument();
    expect(openapiText(generated)).toBe(fileText);
    // The typed client's types are openapi-typescript's for this document.
    expect(await clientTypesText(generated)).toBe(readFileSync(CLIENT_TYPES_FILE, "utf8"));
  });

  it("passes redocly lint with the recommended ruleset: no error, no warning", () => {
    const out = execFileSync(
      process.execPath,
      ["node_modules/@redocly/cli/bin/cli.js", "lint", OPENAPI_FILE, "--format=json", "--extends=recommended"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    const report = JSON.parse(out) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("is OpenAPI 3.1 with servers, an operationId on every operation and the error shape on every error", () => {
    expect(file.openapi).toMatch(/^3\.1\./);
    expect(file.servers.length).toBeGreaterThan(0);
    const operations = Object.values(file.paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBe(19);
    const ids = operations.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, op.operationId).toBeGreaterThan(0);
      for (const [status, response] of errors.filter(([status]) => !(op.operationId === "getReadiness" && status === "503")))
        expect(response.content?.["application/json"]?.schema?.$ref, `${op.operationId} ${status}`).toBe("#/components/schemas/Error");
    }
    expect(Object.keys(file.webhooks).sort()).toEqual(["optimization.completed", "optimization.failed", "site.plan.updated"]);
  });

  it("has schemas that reject what the model rejects", () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(file, "openapi.json");
    const submission = ajv.getSchema("openapi.json#/components/schemas/OptimizationSubmissionInput")!;
    const request = exampleRequest();
    expect(submission(request), JSON.stringify(submission.errors)).toBe(true);
    const sessions = request.sessions as Record<string, unknown>[];
    const bad = (change: (s: Record<string, unknown>) => void) => {
      const copy = structuredClone(request);
      change((copy.sessions as Record<string, unknown>[])[0]);
      return submission(copy);
    };
    expect(sessions.length).toBeGreaterThan(0);
    expect(bad((s) => (s.maxChargeKw = 0))).toBe(false);
    expect(bad((s) => (s.chargeEfficiency = 1.5))).toBe(false);
    expect(bad((s) => (s.dischargeEfficiency = 0))).toBe(false);
    expect(bad((s) => (s.targetEnergyKwh = -1))).toBe(false);
    expect(bad((s) => (s.unknownField = 1))).toBe(false);
    const empty = structuredClone(request);
    (empty.tariff as Record<string, unknown>).importPrice = [];
    expect(submission(empty)).toBe(false);
  });

  it("describes the webhook payloads the service builds", () => {
    const v = validateRequest(exampleRequest());
    if (!v.ok) throw new Error("invalid example");
    const response = solve(v.request, { strategy: "edf" });
    const links = { self: "/v1/optimizations/opt_1" };
    const ajv = addFormats(new Ajv2020({ strict: false }));
    ajv.addSchema(file, "openapi.json");
    const check = (component: string, payload: unknown) => {
      const validate = ajv.getSchema(`openapi.json#/components/schemas/${component}`)!;
      expect(validate(payload), `${component}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    for (const includeResult of [false, true]) {
      const payload = buildEventPayload({ type: "optimization.completed", optimizationId: "opt_1", links, response, includeResult });
      expect(OptimizationCompletedEventSchema.safeParse(payload).success).toBe(true);
      check("OptimizationCompletedEvent", payload);
    }
    const failed = buildEventPayload({
      type: "optimization.failed",
      optimizationId: "opt_1",
      links,
      error: { code: "ERR_JOB_TIMEOUT", message: "too long" },
    });
    expect(OptimizationFailedEventSchema.safeParse(failed).success).toBe(true);
    check("OptimizationFailedEvent", failed);
    expect(OptimizationCompletedEventSchema.safeParse(failed).success).toBe(false);
    const plan = {
      type: "site.plan.updated",
      timestamp: "2026-12-07T00:00:00.000Z",
      data: {
        siteId: "north",
        version: 3,
        stateVersion: 7,
        horizonStart: "2026-12-07T00:00:00.000Z",
        changedSessions: [],
        changedFallbacks: [],
        changedStations: [],
        ocppOmitted: "too_large",
        links: { plan: "/v1/sites/north/plan" },
      },
    };
    expect(SitePlanUpdatedEventSchema.safeParse(plan).success).toBe(true);
    check("SitePlanUpdatedEvent", plan);
  });
});
