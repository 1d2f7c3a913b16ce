/**
 * The live-site parts one by one: time series on slots, the state →
 * request compiler, the profile change rule, and the store's rule that an
 * older plan never replaces a newer one (real PostgreSQL, own schema).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { checkSchedule } from "../testkit/checker/checker.js";
import { compileSitePlan } from "../service/sites/compile.js";
import { applyBatch } from "../service/sites/events.js";
import { createPool, dropSchema, migrate } from "../service/sites/db.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Response } from "../engine/model/schema.js";
import { packagePath } from "../engine/paths.js";
import { PlanThreads } from "../service/sites/plan-threads.js";
import { planSite, profileChanged } from "../service/sites/planner.js";
import { profileDelta, profilesToSend } from "../service/sites/plan-compute.js";
import { SiteBodySchema, SiteEventSchema, siteBodyIssues } from "../service/sites/schema.js";
import { overlay, sample, toSteps } from "../service/sites/series.js";
import { EMPTY_STATE, type PublishedProfile, type SessionRecord } from "../service/sites/state.js";
import { SiteStore, type PlanBody } from "../service/sites/store.js";
import { DATABASE_URL, depot, uniqueSchema } from "./sites-helpers.js";

const T0 = Date.parse("2026-12-07T08:00:00Z");
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const SLOT = 15 * 60_000;

describe("time series on slots", () => {
  const steps = toSteps([
    { start: iso(0), value: 10 },
    { start: iso(20), value: 4 },
    { start: iso(40), value: 8 },
  ]);
  it("takes the least, the most or the mean of each slot", () => {
    expect(sample(steps, T0, SLOT, 4, "min")).toEqual([10, 4, 4, 8]);
    expect(sample(steps, T0, SLOT, 4, "max")).toEqual([10, 10, 8, 8]);
    const mean = sample(steps, T0, SLOT, 4, "mean");
    expect(mean[1]).toBeCloseTo((5 * 10 + 10 * 4) / 15, 12);
    expect(mean[2]).toBeCloseTo((10 * 4 + 5 * 8) / 15, 12);
  });
  it("holds the first value before its start and the last after it", () => {
    expect(sample(steps, T0 - 2 * SLOT, SLOT, 2, "mean")).toEqual([10, 10]);
    expect(sample(steps, T0 + 10 * SLOT, SLOT, 1, "min")).toEqual([8]);
  });
  it("lets an update replace the series from its first step on", () => {
    const updated = overlay(steps, toSteps({ start: iso(30), stepMinutes: 15, values: [1, 2] }));
    expect(sample(updated, T0, SLOT, 5, "min")).toEqual([10, 4, 1, 2, 2]);
  });
});

describe("state → model request", () => {
  const body = SiteBodySchema.parse(
    depot({ circuits: [{ id: "row", limitKw: 15 }], planning: { slotMinutes: 15, horizonHours: 2, clock: "events" } }),
  );
  body.evses[0].circuitId = "row";
  const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
    sessionId: "A",
    evseId: "e1",
    state: "active",
    startedAt: iso(-30),
    announced: {
      departure: iso(90),
      initialEnergyKwh: 4,
      targetEnergyKwh: 30,
      capacityKwh: 60,
      chargeEfficiency: 0.9,
      shortfallPenaltyPerKwh: 500,
      v2g: false,
      defaulted: [],
    },
    deliveredKwh: 10,
    slowReadings: 0,
    profileId: 7,
    ...over,
  });

  it("starts at the current slot, counts the metered energy through the efficiency, and is a valid request", () => {
    const { request } = compileSitePlan(body, EMPTY_STATE, [session()], T0 + 7 * 60_000);
    expect(request.horizon).toEqual({ start: iso(0), slotMinutes: 15, slots: 8 });
    const s = request.sessions[0];
    expect(s).toMatchObject({
      id: "A",
      evseId: "e1",
      circuitId: "row",
      initialEnergyKwh: 4 + 10 * 0.9,
      targetEnergyKwh: 30,
      maxChargeKw: 11,
    });
    expect(validateRequest(request).ok).toBe(true);
  });

  it("plans a car past its announced departure for the current slot, and leaves out unavailable EVSEs", () => {
    const late = compileSitePlan(body, EMPTY_STATE, [session({ announced: { ...session().announced, departure: iso(-5) } })], T0);
    expect(late.request.sessions[0].departure).toBe(iso(15));
    expect(late.notes[0]).toMatch(/past its announced departure/);
    const off = compileSitePlan(body, { ...EMPTY_STATE, unavailableEvses: ["e1"] }, [session()], T0);
    expect(off.request.sessions).toEqual([]);
    expect(off.notes[0]).toMatch(/unavailable/);
  });

  it("plans an EV that suspended charging by itself for nothing more, until it charges again", () => {
    const full = compileSitePlan(body, EMPTY_STATE, [session({ evSuspended: true })], T0);
    const s = full.request.sessions[0];
    expect(s.targetEnergyKwh).toBe(4 + 10 * 0.9);
    expect(s.capacityKwh).toBe(4 + 10 * 0.9);
    expect(full.notes.some((n) => /SuspendedEV/.test(n))).toBe(true);
    const ctx = {
      body,
      state: EMPTY_STATE,
      sessions: new Map([["A", session()]]),
      activeByEvse: new Map([["e1", "A"]]),
      profileIdsInUse: new Set([7]),
      nextProfileId: 8,
    };
    const update = (chargingState: "SuspendedEV" | "Charging", over: Partial<SessionRecord> = {}) =>
      applyBatch({ ...ctx, sessions: new Map([["A", session(over)]]) }, [
        { eventId: `cs-${chargingState}`, type: "session.updated", at: iso(0), sessionId: "A", chargingState },
      ]).sessions.get("A");
    expect(update("SuspendedEV")?.evSuspended).toBe(true);
    expect(update("Charging", { evSuspended: true })?.evSuspended).toBeUndefined();
  });

  it("reaches to the latest announced departure, up to maxHorizonHours, and never below horizonHours", () => {
    const leavingAt = (minutes: number) => session({ announced: { ...session().announced, departure: iso(minutes) } });
    // horizonHours 2 (8 slots); a departure 5 h 10 min away takes 21 slots, within the default cap of 48 h.
    expect(compileSitePlan(body, EMPTY_STATE, [leavingAt(310)], T0).request.horizon.slots).toBe(21);
    expect(compileSitePlan(body, EMPTY_STATE, [leavingAt(60)], T0).request.horizon.slots).toBe(8);
    const capped = { ...body, planning: { ...body.planning, maxHorizonHours: 4 } };
    const { request } = compileSitePlan(capped, EMPTY_STATE, [leavingAt(310)], T0);
    expect(request.horizon.slots).toBe(16);
    expect(request.site.importLimitKw).toBeDefined();
    expect(validateRequest(request).ok).toBe(true);
    const fixed = { ...body, planning: { ...body.planning, maxHorizonHours: 2 } };
    expect(compileSitePlan(fixed, EMPTY_STATE, [leavingAt(310)], T0).request.horizon.slots).toBe(8);
  });

  it("rejects a maxHorizonHours below horizonHours or off the slot grid, with its path", () => {
    const issues = (maxHorizonHours: number) =>
      siteBodyIssues({ ...body, planning: { ...body.planning, maxHorizonHours } }).filter(
        (i) => i.path.join(".") === "planning.maxHorizonHours",
      );
    expect(issues(1)[0]?.message).toMatch(/at least horizonHours/);
    expect(issues(2.1)[0]?.message).toMatch(/whole number of slots/);
    expect(issues(1000)[0]?.message).toMatch(/at most 2016 slots/);
    expect(issues(24)).toEqual([]);
  });

  it("applies a learned cap only with meterCaps on", () => {
    const capped = session({ learnedMaxKw: 3.3 });
    expect(compileSitePlan(body, EMPTY_STATE, [capped], T0).request.sessions[0].maxChargeKw).toBe(3.3);
    const off = { ...body, planning: { ...body.planning, meterCaps: false } };
    expect(compileSitePlan(off, EMPTY_STATE, [capped], T0).request.sessions[0].maxChargeKw).toBe(11);
  });
});

describe("when a profile counts as changed", () => {
  const profile = (startMs: number, limits: [number, number][], extra: Partial<PublishedProfile> = {}): PublishedProfile => ({
    startMs,
    slotMinutes: 15,
    powerKw: [],
    limits,
    endMs: startMs + 8 * SLOT,
    ...extra,
  });
  it("is unchanged when the overlap has the same limits, changed when a limit or the transaction differs", () => {
    const before = profile(T0, [
      [T0, 7000],
      [T0 + 2 * SLOT, 3000],
    ]);
    expect(
      profileChanged(
        before,
        profile(T0 + SLOT, [
          [T0 + SLOT, 7000],
          [T0 + 2 * SLOT, 3000],
        ]),
      ),
    ).toBe(false);
    expect(
      profileChanged(
        before,
        profile(T0 + SLOT, [
          [T0 + SLOT, 7000],
          [T0 + 3 * SLOT, 3000],
        ]),
      ),
    ).toBe(true);
    expect(profileChanged(before, profile(T0, before.limits, { transactionId: "tx" }))).toBe(true);
    expect(profileChanged(undefined, before)).toBe(true);
  });
  it("is changed when the old profile would run out within half a horizon", () => {
    const before = profile(T0, [[T0, 7000]]);
    expect(profileChanged(before, profile(T0 + 5 * SLOT, [[T0 + 5 * SLOT, 7000]]))).toBe(true);
  });

  describe("minChangeShare: what a re-plan must move to be sent", () => {
    const before = profile(T0, [
      [T0, 10999.8],
      [T0 + 2 * SLOT, 6000.1],
    ]);
    const after = (first: number, second: number) =>
      profile(T0, [
        [T0, first],
        [T0 + 2 * SLOT, second],
      ]);
    const kwPerW = 1 / 1000;
    it("measures the largest rise and fall of the limits in kW", () => {
      const d = profileDelta(before, after(10999.9, 6000.0), kwPerW);
      expect(d.send).toBe(false);
      if (d.send) return;
      expect(d.raiseKw).toBeCloseTo(0.0001, 9);
      expect(d.cutKw).toBeCloseTo(0.0001, 9);
      expect(profileDelta(undefined, before, kwPerW)).toEqual({ send: true });
    });
    it("keeps sub-watt moves, sends a rise past the share of the EVSE's max, and cuts past the site's room", () => {
      const noise = { delta: profileDelta(before, after(10999.9, 6000.4), kwPerW), maxChargeKw: 11 };
      const raised = { delta: profileDelta(before, after(10999.8, 6100), kwPerW), maxChargeKw: 11 };
      const cut = (w: number) => ({ delta: profileDelta(before, after(10999.8, 6000.1 - w), kwPerW), maxChargeKw: 11 });
      // Smallest limit 100 kW, share 0.002: 0.2 kW of cuts may be kept over the site; a rise must exceed 22 W.
      expect(profilesToSend([noise, raised], 0.002, 100)).toEqual([false, true]);
      expect(profilesToSend([cut(150), cut(40), cut(100)], 0.002, 100)).toEqual([true, false, false]);
      // A lowered grid limit cuts every car by more than the room: all are sent.
      expect(profilesToSend([cut(1000), cut(1000)], 0.002, 100)).toEqual([true, true]);
      // 0 sends every change, as profileChanged does.
      expect(profilesToSend([noise, cut(0)], 0, 100)).toEqual([true, false]);
      expect(profileChanged(before, after(10999.9, 6000.4))).toBe(true);
    });
  });
});

/** A store on its own PostgreSQL schema for the describe block it is called in, dropped after it. */
function useStore(prefix: string): { readonly store: SiteStore } {
  const schema = uniqueSchema(prefix);
  const holder: { store?: SiteStore } = {};
  beforeAll(async () => {
    await migrate({ url: DATABASE_URL, schema });
    holder.store = new SiteStore(createPool({ url: DATABASE_URL, schema }));
  });
  afterAll(async () => {
    await holder.store?.pool.end();
    await dropSchema(DATABASE_URL, schema);
  });
  return {
    get store(): SiteStore {
      if (holder.store === undefined) throw new Error("the store is set up in beforeAll");
      return holder.store;
    },
  };
}

describe("publishing plans", () => {
  const db = useStore("units");

  it("never publishes a plan of an older state, or of the same state at an earlier slot", async () => {
    const { site } = await db.store.putSite("t", "s", SiteBodySchema.parse(depot()));
    const plan = (stateVersion: number): PlanBody => ({
      stateVersion,
      computedAt: new Date().toISOString(),
      request: {},
      response: {},
      ocpp: [],
      changedSessions: [],
      warnings: [],
    });
    const publish = (stateVersion: number, start: string) =>
      db.store.withPlanningLock(site.pk, (c) => db.store.publishPlan(c, site.pk, plan(stateVersion), start, new Map()));
    expect(await publish(5, iso(0))).toBe(1);
    expect(await publish(4, iso(15))).toBeUndefined();
    expect(await publish(5, iso(0))).toBeUndefined();
    expect(await publish(5, iso(15))).toBe(2);
    expect(await publish(6, iso(0))).toBe(3);
    expect((await db.store.latestPlan(site.pk))?.stateVersion).toBe(6);
  });

  // Two cars that need more than 11 kW for their whole stay: every plan gives them the same limits.
  const twoCars = async (siteId: string) => {
    const { site } = await db.store.putSite("t", siteId, SiteBodySchema.parse(depot()));
    const started = ["e1", "e2"].map((evseId, i) =>
      SiteEventSchema.parse({
        eventId: `${siteId}-start-${i}`,
        type: "session.started",
        at: iso(0),
        sessionId: `car-${i}`,
        evseId,
        departure: iso(120),
        targetEnergyKwh: 30,
      }),
    );
    await db.store.applyEvents("t", siteId, started);
    return site.pk;
  };

  it("plans a state and slot once: a second ask hands back the published plan and its changes", async () => {
    const pk = await twoCars("once");
    const first = await planSite(db.store, pk);
    expect(first?.version).toBe(1);
    expect(first?.changed.map((e) => e.sessionId).sort()).toEqual(["car-0", "car-1"]);
    const again = await planSite(db.store, pk);
    expect(again?.version).toBe(1);
    expect(again?.computedAt).toBe(first?.computedAt);
    expect(again?.changed).toEqual(first?.changed);
    expect((await db.store.latestPlan(pk))?.version).toBe(1);
  });

  it("keeps a session's last profile when the plan leaves its limits as they were (the station holds that one)", async () => {
    const pk = await twoCars("keep");
    await planSite(db.store, pk);
    const sent = (await db.store.sessions(pk, "active")).map((s) => s.lastProfile?.startMs);
    expect(sent).toEqual([T0, T0]);
    // A meter value in the next slot moves the site clock: a new plan, the same limits.
    await db.store.applyEvents("t", "keep", [
      SiteEventSchema.parse({ eventId: "keep-meter", type: "session.updated", at: iso(20), sessionId: "car-0", energyDeliveredKwh: 3.6 }),
    ]);
    const next = await planSite(db.store, pk);
    expect(next?.version).toBe(2);
    expect(next?.changed).toEqual([]);
    expect((await db.store.sessions(pk, "active")).map((s) => s.lastProfile?.startMs)).toEqual([T0, T0]);
    const request = (await db.store.latestPlan(pk))?.body.request as { horizon: { start: string } };
    expect(request.horizon.start).toBe(iso(15));
  });
});

describe("warm re-plans (planning.warmStart)", () => {
  const db = useStore("warm");

  /** Three cars competing for 15 kW under a two-level price, planned, then one car's target changed and planned again. */
  async function replan(siteId: string, warmStart: boolean) {
    const prices = Array.from({ length: 48 }, (_, i) => ({ start: iso(15 * i), value: i % 8 < 4 ? 0.1 : 0.3 }));
    const body = depot({
      site: { importLimitKw: 15 },
      tariff: { importPrice: prices },
      planning: { slotMinutes: 15, horizonHours: 12, clock: "events", warmStart },
    });
    const { site } = await db.store.putSite("t", siteId, SiteBodySchema.parse(body));
    await db.store.applyEvents(
      "t",
      siteId,
      ["e1", "e2", "e3"].map((evseId, i) =>
        SiteEventSchema.parse({
          eventId: `${siteId}-start-${i}`,
          type: "session.started",
          at: iso(0),
          sessionId: `car-${i}`,
          evseId,
          departure: iso(360 + 60 * i),
          targetEnergyKwh: 20 + 5 * i,
        }),
      ),
    );
    await planSite(db.store, site.pk);
    const first = (await db.store.latestPlan(site.pk))!.body;
    await db.store.applyEvents("t", siteId, [
      SiteEventSchema.parse({ eventId: `${siteId}-target`, type: "session.updated", at: iso(0), sessionId: "car-1", targetEnergyKwh: 15 }),
    ]);
    await planSite(db.store, site.pk);
    const second = (await db.store.latestPlan(site.pk))!.body;
    for (const plan of [first, second]) {
      const checked = validateRequest(plan.request);
      expect(checked.ok).toBe(true);
      if (checked.ok) expect(checkSchedule(checked.request, plan.response as Response).violations).toEqual([]);
    }
    return { first, second };
  }

  it("starts the site's second solve from its first, and says so in the plan", async () => {
    const { first, second } = await replan("warm", true);
    expect(first.warmStart).toBe("cold");
    // Tried from the first solve's iterate: "warm", or "fellBack" where it ran out of its budget (3/4 of
    // a cold solve, a handful of iterations on a site this small); "cold" would mean the state was lost.
    expect(["warm", "fellBack"]).toContain(second.warmStart);
    expect((second.response as Response).status).toBe("optimal");
  });

  it("leaves plans as they were without the setting", async () => {
    const { first, second } = await replan("cold", false);
    expect(first.warmStart).toBeUndefined();
    expect(second.warmStart).toBeUndefined();
  });
});

describe("plan threads", () => {
  const db = useStore("threads");
  let threads: PlanThreads;
  let dir: string;
  beforeAll(() => {
    threads = new PlanThreads(2);
    dir = mkdtempSync(join(tmpdir(), "wattplan-plan-threads-"));
  });
  afterAll(async () => {
    await threads?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const site = async (siteId: string) => {
    const { site } = await db.store.putSite("t", siteId, SiteBodySchema.parse(depot({ site: { importLimitKw: 15 } })));
    await db.store.applyEvents(
      "t",
      siteId,
      ["e1", "e2", "e3"].map((evseId, i) =>
        SiteEventSchema.parse({
          eventId: `${siteId}-${i}`,
          type: "session.started",
          at: iso(i),
          sessionId: `car-${i}`,
          evseId,
          departure: iso(180 + 60 * i),
          targetEnergyKwh: 12 + 4 * i,
        }),
      ),
    );
    return site.pk;
  };

  it("compute the plan this thread would, and publish it the same way", async () => {
    const now = () => T0;
    const here = await planSite(db.store, await site("here"), { now });
    const there = await planSite(db.store, await site("there"), { now, threads });
    expect(there?.version).toBe(1);
    expect(there?.changed).toEqual(here?.changed);
    const a = (await db.store.latestPlan((await db.store.getSite("t", "here"))!.pk))!.body;
    const b = (await db.store.latestPlan((await db.store.getSite("t", "there"))!.pk))!.body;
    // The same plan, but for the solve's own timing.
    const untimed = (body: PlanBody) => ({
      ...body,
      response: { ...(body.response as Response), solver: { ...(body.response as Response).solver, solveMs: 0 } },
    });
    expect(untimed(b)).toEqual(untimed(a));
    const checked = validateRequest(b.request);
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checkSchedule(checked.request, b.response as Response).violations).toEqual([]);
  });

  it("fail the plan of a thread that died and carry on with a new thread", async () => {
    // A thread that dies on a site called "crash" and computes every other plan.
    const entry = join(dir, "crashing-thread.mjs");
    writeFileSync(
      entry,
      `import { parentPort } from "node:worker_threads";
       import { computePlan } from ${JSON.stringify(pathToFileURL(packagePath("dist", "service", "sites", "plan-compute.js")).href)};
       parentPort.on("message", (task) => {
         if (task.input.site.siteId === "crash") process.exit(7);
         parentPort.postMessage({ id: task.id, ok: true, output: computePlan(task.input) });
       });`,
    );
    const fragile = new PlanThreads(1, entry);
    try {
      await expect(planSite(db.store, await site("crash"), { threads: fragile })).rejects.toThrow("plan thread exited (code 7)");
      expect((await db.store.latestPlan((await db.store.getSite("t", "crash"))!.pk))?.version).toBeUndefined();
      expect((await planSite(db.store, await site("after-crash"), { threads: fragile }))?.version).toBe(1);
    } finally {
      await fragile.close();
    }
  });
});

describe("OCPP profile policy", () => {
  it("refuses TxDefaultProfile session profiles at or below the fallback's stack level", () => {
    const body = (fallbackLevel: number) =>
      SiteBodySchema.parse(
        depot({ ocppProfiles: { purpose: "TxDefaultProfile", stackLevel: 2, fallback: { idBase: 10, stackLevel: fallbackLevel } } }),
      );
    expect(siteBodyIssues(body(2))).toEqual([
      {
        path: ["ocppProfiles", "fallback", "stackLevel"],
        message:
          "must be below stackLevel (2) when the session profiles are TxDefaultProfiles too: the same purpose and stack level replace each other",
      },
    ]);
    expect(siteBodyIssues(body(1))).toEqual([]);
    expect(SiteBodySchema.parse(depot()).ocppProfiles.purpose).toBe("TxProfile");
  });
});

describe("phases on a live site (spec §11)", () => {
  const body = SiteBodySchema.parse(
    depot({
      site: { importLimitKw: 60, voltageV: 230, phaseLimitA: 63 },
      circuits: [{ id: "row", limitKw: 40, phaseLimitA: 32, unbalanceLimitA: 20 }],
      evses: [
        // A one-phase wallbox on L2 whose station can be told the phase.
        {
          id: "e1",
          stationId: "cp-A",
          connectorId: 1,
          circuitId: "row",
          maxChargeKw: 7.4,
          phases: 1,
          phase: "L2",
          ocpp: { version: "2.0.1", unit: "A", acPhaseSwitchingSupported: true },
        },
        // A three-phase charger whose L1 is the grid's L3.
        {
          id: "e2",
          stationId: "cp-A",
          connectorId: 2,
          circuitId: "row",
          maxChargeKw: 22,
          phases: 3,
          phase: "L3",
          ocpp: { version: "2.0.1", unit: "A" },
        },
        // A three-phase charger of unknown rotation.
        { id: "e3", stationId: "cp-B", connectorId: 1, circuitId: "row", maxChargeKw: 22, phases: 3, ocpp: { version: "2.1", unit: "W" } },
      ],
      planning: { slotMinutes: 15, horizonHours: 2, clock: "events" },
    }),
  );
  const car = (sessionId: string, evseId: string, phases?: 1 | 3): SessionRecord => ({
    sessionId,
    evseId,
    state: "active",
    startedAt: iso(-30),
    announced: {
      departure: iso(120),
      initialEnergyKwh: 0,
      targetEnergyKwh: 30,
      chargeEfficiency: 1,
      shortfallPenaltyPerKwh: 1000,
      v2g: false,
      defaulted: [],
      ...(phases !== undefined && { phases }),
    },
    deliveredKwh: 0,
    slowReadings: 0,
    profileId: 1,
  });
  const cars = [car("A", "e1"), car("B", "e2", 1), car("C", "e3", 1)];

  it("puts each car on its phases: the EVSE's, fewer when the car says so, on the EVSE's phase when one", () => {
    const { request } = compileSitePlan(body, EMPTY_STATE, cars, T0);
    expect(request.site).toMatchObject({ voltageV: 230, phaseLimitA: 63 });
    expect(request.circuits?.[0]).toMatchObject({ phaseLimitA: 32, unbalanceLimitA: 20 });
    expect(request.sessions.map((s) => [s.id, s.phases, s.phase])).toEqual([
      ["A", 1, "L2"],
      ["B", 1, "L3"],
      ["C", 1, undefined],
    ]);
    const three = compileSitePlan(body, EMPTY_STATE, [car("D", "e3")], T0).request.sessions[0];
    expect([three.phases, three.phase]).toEqual([3, undefined]);
    const v = validateRequest(request);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const response = solve(v.request);
    expect(checkSchedule(v.request, response).errors.filter((e) => e.rule === 6)).toEqual([]);
    // The unknown-phase car C counts on every phase: with A on L2 and B on L3, 32 A on L1 is C's alone.
    const amps = (kw: number) => (kw * 1000) / 230;
    for (let t = 0; t < v.request.horizon.slots; t++) {
      const [a, b, c] = response.sessions.map((s) => amps(s.powerKw[t]));
      expect(a + c).toBeLessThanOrEqual(32 + 1e-3);
      expect(b + c).toBeLessThanOrEqual(32 + 1e-3);
    }
  });

  it("lowers a phase limit for a limit.changed window", () => {
    const state = { ...EMPTY_STATE, limits: [{ eventId: "dso", start: iso(30), end: iso(60), phaseLimitA: 16, circuitId: "row" }] };
    const { request } = compileSitePlan(body, state, cars, T0);
    expect(request.circuits?.[0].phaseLimitA).toEqual([32, 32, 16, 16, 32, 32, 32, 32]);
    expect(request.circuits?.[0].limitKw).toBe(40);
  });

  it("refuses a phase-limit window on a node without a phaseLimitA, and an empty window", () => {
    const plain = SiteBodySchema.parse(depot());
    const ctx = {
      body: plain,
      state: EMPTY_STATE,
      sessions: new Map(),
      activeByEvse: new Map(),
      profileIdsInUse: new Set<number>(),
      nextProfileId: 1_000_000,
    };
    const window = { eventId: "w", at: iso(0), type: "limit.changed" as const, start: iso(0), end: iso(60) };
    expect(applyBatch(ctx, [{ ...window, phaseLimitA: 16 }]).problems).toEqual([
      { path: "events[0].phaseLimitA", message: "the site has no phaseLimitA to lower: configure one in the site" },
    ]);
    expect(applyBatch(ctx, [window]).problems[0].path).toBe("events[0].type");
    expect(applyBatch({ ...ctx, body }, [{ ...window, phaseLimitA: 16 }]).problems).toEqual([]);
  });
});
