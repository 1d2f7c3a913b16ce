/**
 * Live sites end to end: a real service, real Redis (the plan queue), a real
 * PostgreSQL schema, a real webhook receiver on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import { limitTimeline } from "../service/sites/planner.js";
import { api } from "./service-helpers.js";
import { schemaValidator } from "./ocpp-helpers.js";
import { depot, eventId, startSitesService, type OcppEntry, type Plan, type SitesService } from "./sites-helpers.js";
import { startReceiver, verify, waitFor, type Receiver } from "./webhooks-helpers.js";

const T0 = Date.parse("2026-12-07T08:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const started = (sessionId: string, evseId: string, minutes: number, extra: Record<string, unknown> = {}) => ({
  eventId: eventId(),
  type: "session.started",
  at: at(minutes),
  sessionId,
  evseId,
  departure: at(minutes + 8 * 60),
  targetEnergyKwh: 30,
  ...extra,
});

const profileIdOf = (entry: OcppEntry): number => {
  const p = entry.payload as { csChargingProfiles?: { chargingProfileId: number }; chargingProfile?: { id: number } };
  return p.csChargingProfiles?.chargingProfileId ?? p.chargingProfile!.id;
};

let svc: SitesService;
beforeAll(async () => {
  svc = await startSitesService("api");
});
afterAll(async () => {
  await svc?.close();
});

describe("PUT /v1/sites/:siteId", () => {
  it("creates, returns and replaces a site, tenant-scoped", async () => {
    const created = await svc.put("s-crud", depot());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ siteId: "s-crud", stateVersion: 1, links: { plan: "/v1/sites/s-crud/plan" } });
    const replaced = await svc.put("s-crud", depot({ tariff: { importPrice: 0.3 } }));
    expect(replaced.status).toBe(200);
    expect(replaced.body.stateVersion).toBe(2);
    const read = await api(svc.url, "GET", "/v1/sites/s-crud", { key: svc.acme.key });
    expect(read.status).toBe(200);
    expect((read.body.body as { tariff: { importPrice: number } }).tariff.importPrice).toBe(0.3);
    // Another tenant does not see it.
    const other = await api(svc.url, "GET", "/v1/sites/s-crud", { key: svc.globex.key });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe("ERR_SITE_NOT_FOUND");
  });

  it("names every problem of an invalid site by its path", async () => {
    const bad = depot({
      evses: [
        { id: "e1", stationId: "cp-A", connectorId: 1, circuitId: "nowhere", maxChargeKw: 11, ocpp: { version: "2.0.1" } },
        { id: "e1", stationId: "cp-A", connectorId: 1, maxChargeKw: 0, ocpp: { version: "2.0.1" } },
      ],
    });
    const r = await svc.put("s-bad", bad);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("ERR_INVALID_REQUEST");
    const paths = (r.body.details as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(paths).toContain("evses[1].maxChargeKw");
    const semantic = await svc.put("s-bad", depot({ evses: [bad.evses[0], { ...bad.evses[0], maxChargeKw: 7 }] }));
    expect(semantic.status).toBe(400);
    const semanticPaths = (semantic.body.details as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(semanticPaths).toEqual(expect.arrayContaining(["evses[0].circuitId", "evses[1].id", "evses[1].connectorId"]));
    const series = await svc.put(
      "s-bad",
      depot({
        site: {
          importLimitKw: [
            { start: at(60), value: 30 },
            { start: at(0), value: 20 },
          ],
        },
      }),
    );
    expect(series.status).toBe(400);
    expect((series.body.details as { problems: { path: string }[] }).problems.map((p) => p.path)).toContain("site.importLimitKw[1].start");
  });
});

describe("events and plans", () => {
  it("plans every session, with valid OCPP messages, profile ids stable for the whole stay", async () => {
    expect((await svc.put("s-plan", depot())).status).toBe(201);
    const first = await svc.events(
      "s-plan",
      [started("A", "e1", 0, { transactionId: "tx-A" }), started("B", "e3", 5, { transactionId: "42" })],
      {
        wait: 20,
      },
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ applied: expect.any(Array), duplicates: [], plan: { stateVersion: 2 } });

    const plan = (await svc.plan("s-plan")).body;
    expect(plan.stateVersion).toBe(2);
    // The plan carries the exact model request it solved: anyone can re-check it.
    const check = validateRequest(plan.request);
    expect(check.ok).toBe(true);
    expect(plan.request.horizon.start).toBe(at(0));
    expect(plan.request.sessions.map((s) => s.id).sort()).toEqual(["A", "B"]);
    expect(plan.response.status).toBe("optimal");
    const byId = new Map(plan.ocpp.map((e) => [e.sessionId, e]));
    expect(byId.get("A")).toMatchObject({ evseId: "e1", stationId: "cp-A", action: "SetChargingProfile" });
    expect(byId.get("B")).toMatchObject({ evseId: "e3", stationId: "cp-B" });
    expect(schemaValidator("2.0.1")(byId.get("A")!.payload)).toBe(true);
    expect(schemaValidator("1.6")(byId.get("B")!.payload)).toBe(true);
    expect((byId.get("A")!.payload as { chargingProfile: { transactionId: string } }).chargingProfile.transactionId).toBe("tx-A");
    const ids = { A: profileIdOf(byId.get("A")!), B: profileIdOf(byId.get("B")!) };
    expect(ids.A).toBeGreaterThanOrEqual(1_000_000);
    expect(ids.B).not.toBe(ids.A);

    // Meter values move the clock and change the plan; the ids stay.
    const metered = await svc.events(
      "s-plan",
      [
        { eventId: eventId(), type: "session.updated", at: at(30), sessionId: "A", energyDeliveredKwh: 5 },
        { eventId: eventId(), type: "session.updated", at: at(30), sessionId: "B", energyDeliveredKwh: 5 },
      ],
      { wait: 20 },
    );
    expect(metered.status).toBe(200);
    const next = (await svc.plan("s-plan")).body;
    expect(next.version).toBeGreaterThan(plan.version);
    expect(next.request.horizon.start).toBe(at(30));
    expect(next.request.sessions.find((s) => s.id === "A")!.initialEnergyKwh).toBe(5);
    const nextById = new Map(next.ocpp.map((e) => [e.sessionId, e]));
    expect(profileIdOf(nextById.get("A")!)).toBe(ids.A);
    expect(profileIdOf(nextById.get("B")!)).toBe(ids.B);

    // A new session on the EVSE A left gets its own id, never one in use.
    await svc.events("s-plan", [{ eventId: eventId(), type: "session.ended", at: at(45), sessionId: "A" }, started("C", "e1", 46)], {
      wait: 20,
    });
    const third = (await svc.plan("s-plan")).body;
    const c = third.ocpp.find((e) => e.sessionId === "C")!;
    expect(profileIdOf(c)).not.toBe(ids.B);
    expect(profileIdOf(c)).not.toBe(ids.A);
    expect(third.ocpp.map((e) => e.sessionId).sort()).toEqual(["B", "C"]);

    const ended = await api<{ sessions: { sessionId: string; deliveredKwh: number; state: string }[] }>(
      svc.url,
      "GET",
      "/v1/sites/s-plan/sessions?state=ended",
      { key: svc.acme.key },
    );
    expect(ended.body.sessions).toEqual([expect.objectContaining({ sessionId: "A", state: "ended", deliveredKwh: 5 })]);
  });

  it("applies a retried event once and refuses an event id reused with another body", async () => {
    await svc.put("s-idem", depot());
    const event = started("A", "e1", 0);
    const once = await svc.events("s-idem", [event]);
    expect(once.status).toBe(202);
    const again = await svc.events("s-idem", [event]);
    expect(again.body).toMatchObject({ applied: [], duplicates: [event.eventId], stateVersion: once.body.stateVersion });
    const conflict = await svc.events("s-idem", [{ ...event, targetEnergyKwh: 31 }]);
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe("ERR_IDEMPOTENCY_CONFLICT");
  });

  it("rejects a batch with one bad event as a whole, naming each problem", async () => {
    await svc.put("s-reject", depot());
    const r = await svc.events("s-reject", [
      started("A", "e1", 0),
      started("B", "e9", 0),
      started("A", "e2", 0),
      { eventId: eventId(), type: "session.updated", at: at(0), sessionId: "nobody", energyDeliveredKwh: 1 },
      { eventId: eventId(), type: "limit.changed", at: at(60), start: at(0), end: at(30), importLimitKw: 10 },
      { eventId: eventId(), type: "session.started", at: at(0), sessionId: "Z", evseId: "e3", departure: at(-10) },
    ]);
    expect(r.status).toBe(400);
    const problems = (r.body.details as { problems: { path: string; message: string }[] }).problems;
    expect(problems.map((p) => p.path)).toEqual([
      "events[1].evseId",
      "events[2].sessionId",
      "events[3].sessionId",
      "events[4].end",
      "events[5].departure",
    ]);
    // Nothing of the batch was applied, not even its valid first event.
    const sessions = await api<{ sessions: unknown[] }>(svc.url, "GET", "/v1/sites/s-reject/sessions?state=all", { key: svc.acme.key });
    expect(sessions.body.sessions).toEqual([]);
    const older = await svc.events("s-reject", [started("A", "e1", 60)]);
    expect(older.status).toBe(202);
    const before = await svc.events("s-reject", [
      { eventId: eventId(), type: "session.updated", at: at(30), sessionId: "A", energyDeliveredKwh: 1 },
    ]);
    expect(before.status).toBe(400);
    expect((before.body.details as { problems: { path: string }[] }).problems[0].path).toBe("events[0].at");
    const unknownSite = await svc.events("nowhere", [started("A", "e1", 0)]);
    expect(unknownSite.status).toBe(404);
  });

  it("holds a DSO limit window in the plan, on the safe side of every slot it touches", async () => {
    await svc.put("s-limit", depot());
    await svc.events("s-limit", [started("A", "e1", 0), started("B", "e2", 0), started("C", "e3", 0)], { wait: 20 });
    const r = await svc.events(
      "s-limit",
      [{ eventId: eventId(), type: "limit.changed", at: at(1), start: at(50), end: at(120), importLimitKw: 12 }],
      {
        wait: 20,
      },
    );
    expect(r.status).toBe(200);
    const plan = (await svc.plan("s-limit")).body;
    const limits = plan.request.site.importLimitKw as number[];
    // 15-minute slots from 08:00: the window 08:50-10:00 touches the slots 08:45 to 09:45, not 10:00.
    expect(limits.slice(0, 3)).toEqual([40, 40, 40]);
    expect(limits.slice(3, 8)).toEqual([12, 12, 12, 12, 12]);
    expect(limits[8]).toBe(40);
    plan.response.site.netImportKw.forEach((kw, t) => expect(kw).toBeLessThanOrEqual(limits[t] + 1e-6));
  });

  it("lowers the cap of a car that takes clearly less than its setpoint", async () => {
    await svc.put("s-meter", depot({ site: { importLimitKw: 11 } }));
    await svc.events("s-meter", [started("slow", "e1", 0, { targetEnergyKwh: 60 })], { wait: 20 });
    const setpoint = (await svc.plan("s-meter")).body.response.sessions[0].powerKw[0];
    expect(setpoint).toBeGreaterThan(5);
    // It takes 3 kW while offered ~11 kW: three readings in a row.
    for (const [k, minutes] of [15, 30, 45].entries()) {
      await svc.events(
        "s-meter",
        [{ eventId: eventId(), type: "session.updated", at: at(minutes), sessionId: "slow", energyDeliveredKwh: (k + 1) * 0.75 }],
        {
          wait: 20,
        },
      );
    }
    const plan = (await svc.plan("s-meter")).body;
    const cap = plan.request.sessions[0].maxChargeKw;
    expect(cap).toBeLessThan(5);
    expect(cap).toBeGreaterThanOrEqual(3);
    expect(plan.warnings.some((w) => w.includes("what its meter values show it takes"))).toBe(true);
  });
});

describe("fallback profiles", () => {
  it("caps every EVSE at its safe share, at the configured ids and stack level, and warns of a 0 kW one", async () => {
    const body = depot({
      circuits: [
        { id: "row", limitKw: 10 },
        { id: "dead", limitKw: 0 },
      ],
      evses: [
        { id: "e1", stationId: "cp-A", connectorId: 1, circuitId: "row", maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
        { id: "e2", stationId: "cp-A", connectorId: 2, circuitId: "row", maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
        { id: "e3", stationId: "cp-B", connectorId: 1, circuitId: "dead", maxChargeKw: 11, phases: 3, ocpp: { version: "1.6", unit: "A" } },
      ],
      ocppProfiles: { idMin: 1000, idMax: 1999, stackLevel: 2, fallback: { idBase: 10, stackLevel: 1 } },
    });
    expect((await svc.put("s-fallback", body)).status).toBe(201);
    await svc.events("s-fallback", [started("A", "e1", 0)], { wait: 20 });
    const plan = (await svc.plan("s-fallback")).body;
    const fallbacks = plan.ocpp.filter((e) => e.sessionId === null);
    expect(fallbacks.map((e) => e.evseId)).toEqual(["e1", "e2", "e3"]);
    const p201 = (e: OcppEntry) =>
      e.payload as {
        chargingProfile: {
          id: number;
          stackLevel: number;
          chargingProfilePurpose: string;
          chargingSchedule: { chargingSchedulePeriod: { limit: number }[] }[];
        };
      };
    for (const [j, e] of fallbacks.slice(0, 2).entries()) {
      expect(schemaValidator("2.0.1")(e.payload)).toBe(true);
      const profile = p201(e).chargingProfile;
      expect(profile).toMatchObject({ id: 10 + j, stackLevel: 1, chargingProfilePurpose: "TxDefaultProfile" });
      // The row's 10 kW split between its two EVSEs.
      expect(Math.max(...profile.chargingSchedule[0].chargingSchedulePeriod.map((p) => p.limit))).toBeLessThanOrEqual(5000);
      expect(Math.max(...profile.chargingSchedule[0].chargingSchedulePeriod.map((p) => p.limit))).toBeGreaterThan(4000);
    }
    expect(schemaValidator("1.6")(fallbacks[2].payload)).toBe(true);
    expect(plan.warnings.some((w) => w.startsWith("fallback for EVSE e3 is 0 kW (set by circuit dead)"))).toBe(true);
    // The session's own profile is at the TxProfile stack level, from its own range.
    const tx = p201(plan.ocpp.find((e) => e.sessionId === "A")!).chargingProfile;
    expect(tx).toMatchObject({ id: 1000, stackLevel: 2, chargingProfilePurpose: "TxProfile" });
    // Fallbacks unchanged by a meter value are not sent again.
    await svc.events("s-fallback", [{ eventId: eventId(), type: "session.updated", at: at(15), sessionId: "A", energyDeliveredKwh: 2 }], {
      wait: 20,
    });
    const next = (await api<{ changedFallbacks: string[] }>(svc.url, "GET", "/v1/sites/s-fallback/plan", { key: svc.acme.key })).body;
    expect(next.changedFallbacks).toEqual([]);
    const overlap = await svc.put("s-fallback", { ...body, ocppProfiles: { idMin: 1000, idMax: 1999, fallback: { idBase: 1500 } } });
    expect(overlap.status).toBe(400);
  });
});

describe("site.plan.updated", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it("is signed and carries only the sessions whose profile changed", async () => {
    // Slack limits and a flat price: a second car does not change the first car's profile.
    await svc.put("s-hook", depot({ site: { importLimitKw: 100 }, webhook: { url: receiver.url("/site") } }));
    await svc.events("s-hook", [started("A", "e1", 0)], { wait: 20 });
    const firstHook = await waitFor(
      async () => receiver.requests.filter((r) => r.path === "/site"),
      (rs) => rs.length >= 1,
    );
    const first = verify(svc.acme.secret, firstHook[0]) as { type: string; data: { siteId: string; version: number; ocpp: OcppEntry[] } };
    expect(first.type).toBe("site.plan.updated");
    expect(first.data.siteId).toBe("s-hook");
    expect(first.data.ocpp.map((e) => e.sessionId)).toEqual(["A"]);

    await svc.events("s-hook", [started("B", "e2", 0)], { wait: 20 });
    const hooks = await waitFor(
      async () => receiver.requests.filter((r) => r.path === "/site"),
      (rs) => rs.length >= 2,
    );
    const second = verify(svc.acme.secret, hooks[1]) as { data: { version: number; ocpp: OcppEntry[]; changedSessions: string[] } };
    expect(second.data.version).toBeGreaterThan(first.data.version);
    expect(second.data.changedSessions).toEqual(["B"]);
    const plan: Plan = (await svc.plan("s-hook")).body;
    expect(plan.ocpp.map((e) => e.sessionId).sort()).toEqual(["A", "B"]);
  });

  it("does not rewrite stations for limits that moved a fraction of a watt (ocppProfiles.minChangeShare)", async () => {
    // 12 cars competing for 40 kW under an hourly price: a new target for one car re-plans them all, and the
    // interior point moves most limits by tenths of a watt (10999.8 → 10999.9 W).
    const evses = Array.from({ length: 12 }, (_, i) => ({
      id: `e${i}`,
      stationId: `cp-${i}`,
      connectorId: 1,
      maxChargeKw: 11,
      ocpp: { version: "2.0.1" as const, unit: "W" as const },
    }));
    const price = {
      start: at(0),
      stepMinutes: 60,
      values: Array.from({ length: 24 }, (_, h) => 0.2 + 0.1 * Math.sin((h / 24) * 2 * Math.PI)),
    };
    const cars = evses.map((e, i) => started(`c${i}`, e.id, i, { departure: at(6 * 60 + 37 * i), targetEnergyKwh: 10 + ((i * 13) % 40) }));
    const run = async (siteId: string, minChangeShare: number) => {
      await svc.put(
        siteId,
        depot({ site: { importLimitKw: 40 }, tariff: { importPrice: price }, evses, ocppProfiles: { minChangeShare } }),
      );
      await svc.events(siteId, cars, { wait: 30 });
      const first: Plan = (await svc.plan(siteId)).body;
      await svc.events(siteId, [{ eventId: eventId(), type: "session.updated", at: at(20), sessionId: "c5", targetEnergyKwh: 14 }], {
        wait: 30,
      });
      return { first, second: (await svc.plan(siteId)).body as Plan };
    };
    const every = await run("s-every", 0);
    const some = await run("s-some", 0.002);
    // The same plans (the setting only decides what is sent).
    expect(some.second.response.sessions.map((x) => x.powerKw)).toEqual(every.second.response.sessions.map((x) => x.powerKw));
    expect(every.second.changedSessions.length).toBeGreaterThan(6);
    expect(some.second.changedSessions).toContain("c5");
    expect(some.second.changedSessions.length).toBeLessThan(every.second.changedSessions.length);
    for (const id of some.second.changedSessions) expect(every.second.changedSessions).toContain(id);
    // What the kept stations run on (the first plan's limits) is within the setting of the new plan:
    // no limit of theirs is 22 W (0.2 % of 11 kW) lower, and together they are at most 80 W (0.2 % of 40 kW) higher.
    const limitsOf = (plan: Plan, id: string) => limitTimeline(plan.ocpp.find((e) => e.sessionId === id)!.payload);
    let excessKw = 0;
    for (const e of some.second.ocpp.filter((x) => !some.second.changedSessions.includes(x.sessionId!))) {
      const kept = limitsOf(some.first, e.sessionId!);
      const next = limitTimeline(e.payload);
      const startMs = next[0][0];
      const valueAt = (l: [number, number][], t: number) => l.filter(([from]) => from <= t).at(-1)?.[1] ?? 0;
      const times = [...new Set([...kept, ...next].map(([t]) => t).filter((t) => t >= startMs))];
      const diffs = times.map((t) => valueAt(next, t) - valueAt(kept, t));
      expect(Math.max(...diffs)).toBeLessThanOrEqual(22);
      excessKw += Math.max(0, -Math.min(...diffs)) / 1000;
    }
    expect(excessKw).toBeLessThanOrEqual(0.08 + 1e-9);
  });
});
