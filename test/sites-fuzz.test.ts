/**
 * Fuzz the live sites' API (a real service, Redis and PostgreSQL): random
 * and mutated site bodies, event batches and paths never yield a 500, every
 * error has the shared shape with a documented code, and the site still
 * plans the next valid event afterwards.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS } from "../engine/errors.js";
import { api } from "./service-helpers.js";
import { fuzzBodies, mutatedJson } from "./fuzz-helpers.js";
import { depot, eventId, startSitesService, type SitesService } from "./sites-helpers.js";

const T0 = Date.parse("2026-12-07T08:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const SITE = depot({
  circuits: [{ id: "c1", limitKw: 30 }],
  evses: [
    { id: "e1", stationId: "cp-A", connectorId: 1, circuitId: "c1", maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
    { id: "e2", stationId: "cp-B", connectorId: 1, maxChargeKw: 22, maxDischargeKw: 11, ocpp: { version: "2.1", unit: "W" } },
    { id: "e3", stationId: "cp-C", connectorId: 1, maxChargeKw: 11, phases: 1, ocpp: { version: "1.6", unit: "A" } },
  ],
});

/** One event of every type, valid against SITE (each batch gets fresh event ids). */
function events(): Record<string, unknown>[] {
  return [
    { eventId: eventId(), type: "session.started", at: at(0), sessionId: "A", evseId: "e1", departure: at(480), targetEnergyKwh: 30 },
    {
      eventId: eventId(),
      type: "session.started",
      at: at(1),
      sessionId: "B",
      evseId: "e2",
      targetSoc: 0.8,
      initialSoc: 0.3,
      capacityKwh: 60,
      v2g: true,
    },
    { eventId: eventId(), type: "session.updated", at: at(15), sessionId: "A", energyDeliveredKwh: 2 },
    { eventId: eventId(), type: "limit.changed", at: at(16), start: at(30), end: at(90), importLimitKw: 12 },
    { eventId: eventId(), type: "forecast.updated", at: at(17), importPrice: [{ start: at(0), value: 0.3 }] },
    { eventId: eventId(), type: "evse.unavailable", at: at(18), evseId: "e3" },
    { eventId: eventId(), type: "session.ended", at: at(20), sessionId: "A" },
  ];
}

type ErrorBody = { statusCode: number; code: string; message: string };

/** A 4xx has the shared error shape with a documented code; nothing is a 500. */
function expectHandled(res: { status: number; body: ErrorBody }): void {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.body.statusCode).toBe(res.status);
    expect(Object.keys(ERRORS)).toContain(res.body.code);
  }
}

describe("live sites fuzz", () => {
  let svc: SitesService;
  beforeAll(async () => {
    svc = await startSitesService("fuzz");
  });
  afterAll(async () => {
    await svc?.close();
  });

  it("never answers 500 to random or mutated site bodies", async () => {
    const bodies = fuzzBodies(mutatedJson(SITE, [...Object.keys(SITE), "site", "tariff", "evses", "planning", "circuits", "ocpp"]));
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (raw) => {
        const res = await api<ErrorBody>(svc.url, "PUT", "/v1/sites/fuzzed", {
          key: svc.acme.key,
          raw,
          headers: { "content-type": "application/json" },
        });
        expectHandled(res);
        if (res.status < 300) accepted++;
      }),
      { numRuns: 250 },
    );
    // The mutations keep some bodies valid: the property saw both answers.
    expect(accepted).toBeGreaterThan(0);
  });

  it("never answers 500 to mutated event batches, and the site plans the next valid event", async () => {
    expect((await svc.put("events-fuzz", SITE)).status).toBeLessThan(300);
    const batch = { events: events() };
    const bodies = fuzzBodies(
      mutatedJson(batch, [
        "events",
        "eventId",
        "type",
        "at",
        "sessionId",
        "evseId",
        "departure",
        "start",
        "end",
        "importLimitKw",
        "importPrice",
      ]),
    );
    let applied = 0;
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom("", "?wait=0", "?wait=abc", "?wait=-3", "?wait=1e9"), async (raw, query) => {
        // Fresh ids, so that a valid batch is applied rather than taken for a retry.
        const fresh = raw.replace(/"ev-[^"]*"/g, () => JSON.stringify(eventId()));
        const res = await api<ErrorBody>(svc.url, "POST", `/v1/sites/events-fuzz/events${query}`, {
          key: svc.acme.key,
          raw: fresh,
          headers: { "content-type": "application/json" },
        });
        expectHandled(res);
        if (res.status < 300) applied++;
      }),
      { numRuns: 250 },
    );
    expect(applied).toBeGreaterThan(0);
    // Whatever the fuzz left, the site takes the next valid event and plans the state it made.
    const next = await svc.events(
      "events-fuzz",
      [{ eventId: eventId(), type: "limit.changed", at: at(600), start: at(600), end: at(660), importLimitKw: 20 }],
      { wait: 30 },
    );
    expect(next.status).toBe(200);
    const { plan: answered } = next.body as { plan: { stateVersion: number } };
    const plan = await svc.plan("events-fuzz");
    expect(plan.status).toBe(200);
    expect(plan.body.stateVersion).toBe(answered.stateVersion);
    expect(plan.body.request.sessions.every((session) => session.maxChargeKw <= 22)).toBe(true);
  });

  it("never answers 500 to random site ids, paths and methods", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "DELETE", "POST", "PUT", "PATCH"),
        fc.string(),
        fc.constantFrom("", "/events", "/plan", "/sessions?state=x", "/sessions?state=active&limit=-1", "/forecast", "/forecast/train"),
        async (method, segment, rest) => {
          const res = await api<ErrorBody>(svc.url, method, `/v1/sites/${encodeURIComponent(segment)}${rest}`, {
            key: svc.acme.key,
            ...(method === "PUT" && { body: SITE }),
            ...(method === "POST" && { body: { events: events() } }),
          });
          expectHandled(res);
        },
      ),
      { numRuns: 200 },
    );
  });
});
