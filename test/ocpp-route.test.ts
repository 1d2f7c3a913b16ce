import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { ocppRoute, type StoredOptimization } from "../service/api/ocpp-route.js";
import { profileOf, readJson, schemaValidator } from "./ocpp-helpers.js";

class NotFound extends Error {
  readonly statusCode = 404;
  readonly code = "ERR_TEST_NOT_FOUND";
}

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  const v = validateRequest(readJson("../examples/depot-v2g.json"));
  if (!v.ok) throw new Error("invalid example");
  const stored = new Map<string, StoredOptimization>([["opt-1", { request: v.request, response: solve(v.request, { strategy: "edf" }) }]]);
  app = Fastify();
  await app.register(swagger, { openapi: { info: { title: "test", version: "0" } }, transform: jsonSchemaTransform });
  await app.register(ocppRoute, {
    loadOptimization: (id) => {
      const o = stored.get(id);
      if (o === undefined) throw new NotFound(`no optimization ${id}`);
      return o;
    },
    prefix: "/v1/optimizations",
  });
  base = await app.listen({ port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await app.close();
});

describe("GET /v1/optimizations/:id/ocpp", () => {
  it("answers the messages, valid against the official schema of the asked version", async () => {
    for (const version of ["1.6", "2.0.1", "2.1"] as const) {
      const res = await fetch(`${base}/v1/optimizations/opt-1/ocpp?version=${version}&unit=A&maxPeriods=6&fallback=true&units=van-2:W`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        version: string;
        unit: string;
        ocpp: Array<{ sessionId: string | null; payload: unknown; energy?: { scheduledKwh: number } }>;
        warnings: string[];
      };
      expect(body.version).toBe(version);
      expect(body.unit).toBe("A");
      expect(body.ocpp).toHaveLength(24);
      const validate = schemaValidator(version);
      for (const m of body.ocpp) expect(validate(m.payload)).toBe(true);
      expect(profileOf(version, body.ocpp[1].payload).schedules[0].chargingRateUnit).toBe("W");
      expect(body.ocpp[0].energy!.scheduledKwh).toBeGreaterThan(0);
    }
  });

  it("answers 400 for a bad querystring or an unknown session unit, and passes the loader's 404 through", async () => {
    for (const q of [
      "",
      "version=3",
      "version=2.1&unit=kW",
      "version=2.1&maxPeriods=0",
      "version=2.1&maxPeriods=abc",
      "version=2.1&fallback=maybe",
      "version=2.1&units=nobody:A",
    ]) {
      const res = await fetch(`${base}/v1/optimizations/opt-1/ocpp?${q}`);
      expect(res.status, q).toBe(400);
    }
    const missing = await fetch(`${base}/v1/optimizations/nope/ocpp?version=2.1`);
    expect(missing.status).toBe(404);
  });

  it("is described in the OpenAPI document with its query parameters", async () => {
    await app.ready();
    const doc = app.swagger() as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string }>; summary?: string } }>;
    };
    const op = doc.paths["/v1/optimizations/{id}/ocpp"]?.get;
    expect(op?.summary).toContain("OCPP");
    const names = (op?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    for (const n of ["path:id", "query:version", "query:unit", "query:maxPeriods", "query:fallback", "query:units"])
      expect(names).toContain(n);
  });
});
