/**
 * Fuzz: random and malformed bodies, headers and paths never yield a 500;
 * every error has the shared shape with a documented code.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS } from "../engine/errors.js";
import { api, exampleRequest, startTestService, type TestService } from "./service-helpers.js";
import { fuzzBodies, mutatedJson } from "./fuzz-helpers.js";

const base = exampleRequest();

/** A valid request with one field somewhere replaced, removed or added. */
const mutated = mutatedJson(base, [...Object.keys(base), "sessions", "horizon", "site", "tariff", "webhook", "metadata"]);

const bodies = fc.oneof(fuzzBodies(mutated), fc.constant('{"horizon":{"slots":1e308}}'));

describe("fuzz", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService("fuzz", { rateLimitMax: 100_000, bodyLimitBytes: 256 * 1024 }, { worker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it("never answers 500 to random bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
        fc.constantFrom("", "?wait=abc", "?wait=-1", "?wait=0"),
        async (raw, type, query) => {
          const headers: Record<string, string> = type ? { "content-type": type } : {};
          const res = await api<{ statusCode: number; code: string }>(t.url, "POST", `/v1/optimizations${query}`, {
            key: t.acme.key,
            raw,
            headers,
          });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.body.statusCode).toBe(res.status);
            expect(Object.keys(ERRORS)).toContain(res.body.code);
          } else {
            expect(res.status).toBe(202);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never answers 500 to random paths and methods", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "DELETE", "POST", "PUT", "PATCH"),
        fc.string(),
        fc.constantFrom("", "?limit=x", "?cursor=%00", "?limit=1&cursor=opt_zzzzzzzzz0000000000000000"),
        async (method, segment, query) => {
          const res = await api<{ code: string }>(t.url, method, `/v1/optimizations/${encodeURIComponent(segment)}${query}`, {
            key: t.acme.key,
          });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(Object.keys(ERRORS)).toContain(res.body.code);
        },
      ),
      { numRuns: 200 },
    );
  });
});
