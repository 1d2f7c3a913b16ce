/**
 * Fuzz: random and malformed bodies, headers and paths never yield a 500;
 * every error has the shared shape with a documented code.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS } from "../engine/errors.js";
import { api, exampleRequest, startTestService, type TestService } from "./service-helpers.js";

const base = exampleRequest();

/** A valid request with one field somewhere replaced, removed or added. */
const mutated = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom(...Object.keys(base), "sessions", "horizon", "site", "tariff", "webhook", "metadata"),
        fc.nat(30),
        fc.string(),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.option(fc.jsonValue(), { nil: undefined }),
  )
  .map(([path, value]) => {
    const copy = structuredClone(base) as Record<string, unknown>;
    let node: unknown = copy;
    for (let i = 0; i < path.length - 1; i++) {
      const next = (node as Record<string | number, unknown> | null)?.[path[i] as string];
      if (next === null || typeof next !== "object") break;
      node = next;
    }
    if (node !== null && typeof node === "object") {
      const key = path[path.length - 1] as string;
      if (value === undefined) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = value;
    }
    return JSON.stringify(copy);
  });

const bodies = fc.oneof(
  fc.json(),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  mutated,
  mutated.map((s) => s.slice(0, Math.max(0, s.length - 7))),
  fc.constantFrom(
    "",
    "{",
    "[]",
    "null",
    "1e999",
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
    "\u0000",
    '{"horizon":{"slots":1e308}}',
  ),
);

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
