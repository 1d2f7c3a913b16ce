/**
 * Forecasts on live sites (issue 12 part 3): a site learns from its ended
 * sessions in a queue job, and each plan moves a car's departure to the
 * earlier of its announced one and the forecast, and plans a car that
 * announced no energy to the forecast's energy; the plan says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { compileSitePlan } from "../service/sites/compile.js";
import { carriedRecalibration, forecastSession, historyOf, learnEnded, trainSite, trainingDue } from "../service/sites/forecast.js";
import { ForecastSettingsSchema, SiteBodySchema } from "../service/sites/schema.js";
import { EMPTY_STATE, type SessionRecord } from "../service/sites/state.js";
import pg from "pg";
import { DATABASE_URL, depot, eventId, startSitesService, type SitesService } from "./sites-helpers.js";
import { api } from "./service-helpers.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-02T08:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Day d's car: plugs in at 08:00 on e1, announces nothing (8 h and 20 kWh by default), really leaves at 10:00 with 10 kWh. */
function endedCar(d: number): SessionRecord {
  const start = T0 + d * DAY;
  return {
    sessionId: `day-${d}`,
    evseId: "e1",
    state: "ended",
    startedAt: iso(start),
    endedAt: iso(start + 2 * HOUR),
    announced: {
      departure: iso(start + 8 * HOUR),
      initialEnergyKwh: 0,
      targetEnergyKwh: 20,
      chargeEfficiency: 1,
      shortfallPenaltyPerKwh: 1000,
      v2g: false,
      userId: "driver-1",
      defaulted: ["departure", "targetEnergyKwh"],
    },
    deliveredKwh: 10,
    slowReadings: 0,
    profileId: 1,
  };
}

describe("forecast units", () => {
  const settings = ForecastSettingsSchema.parse({ minSessions: 20, retrainEvery: 10 });
  const history = Array.from({ length: 30 }, (_, d) => endedCar(d));
  const trained = trainSite(history, settings)!;
  const forecast = { trainedAt: iso(T0 + 30 * DAY), sessions: trained.sessions, metrics: trained.metrics, model: trained.model };
  const today = T0 + 30 * DAY;
  const active = (announced: Partial<SessionRecord["announced"]>): SessionRecord => ({
    ...endedCar(30),
    state: "active",
    endedAt: undefined,
    deliveredKwh: 0,
    announced: { ...endedCar(30).announced, ...announced },
  });

  it("learns from ended sessions only, with the driver's defaults left out as announcements", () => {
    expect(historyOf(endedCar(0))).toEqual({
      evseId: "e1",
      arrivalMs: T0,
      departureMs: T0 + 2 * HOUR,
      energyKwh: 10,
      userId: "driver-1",
    });
    expect(historyOf({ ...endedCar(0), state: "active" })).toBeUndefined();
    expect(trained.sessions).toBe(30);
    expect(trainSite(history.slice(0, 19), settings)).toBeUndefined();
    const now = Date.parse(forecast.trainedAt) + HOUR;
    expect(trainingDue(settings, 19, undefined, now)).toBe(false);
    expect(trainingDue(settings, 20, undefined, now)).toBe(true);
    expect(trainingDue(settings, 39, forecast, now)).toBe(false);
    expect(trainingDue(settings, 40, forecast, now)).toBe(true);
    // A day later, one more session is enough; none is not.
    expect(trainingDue(settings, 31, forecast, now + 24 * HOUR)).toBe(true);
    expect(trainingDue(settings, 30, forecast, now + 24 * HOUR)).toBe(false);
  });

  it("measures itself on the latest sessions, held out of a model trained on the earlier ones", () => {
    expect(trained.metrics.heldOutSessions).toBe(6);
    // Every stay is 2 h and every energy 10 kWh: the held-out error is (nearly) nil, and calibration degenerate.
    expect(trained.metrics.departureMaeH).toBeLessThan(0.25);
    expect(trained.metrics.energyMaeKwh).toBeLessThan(0.5);
    expect(trained.metrics.trainingMs).toBeGreaterThan(0);
  });

  it("plans a car without announcements to its forecast departure and energy", () => {
    const f = forecastSession(active({}), forecast, settings, today);
    expect(Math.abs(f.departureMs - (today + 2 * HOUR))).toBeLessThanOrEqual(15 * 60_000);
    expect(f.targetEnergyKwh).toBeCloseTo(10, 6);
    expect(f.view.departure.announced).toBeUndefined();
    expect(f.view.energyKwh).toEqual({ forecast: 10, planned: 10 });
  });

  it("keeps an announced departure earlier than the forecast, and an announced energy", () => {
    const f = forecastSession(active({ departure: iso(today + HOUR), targetEnergyKwh: 25, defaulted: [] }), forecast, settings, today);
    expect(f.departureMs).toBe(today + HOUR);
    expect(f.targetEnergyKwh).toBeUndefined();
    expect(f.view.departure).toMatchObject({ announced: iso(today + HOUR), planned: iso(today + HOUR) });
    const later = forecastSession(active({ departure: iso(today + 6 * HOUR), defaulted: [] }), forecast, settings, today);
    expect(later.departureMs).toBeLessThan(today + 6 * HOUR);
  });

  it("recalibrates from sessions that ended after the newest one trained on, each once", () => {
    const start = carriedRecalibration(undefined, { ...settings, recalibrationGamma: 0.1 }, trained.latestDepartureMs);
    expect(start.lastDepartureMs).toBe(Date.parse(endedCar(29).endedAt!));
    expect(start.gamma).toBe(0.1);
    // Three later days on which the car stays 5 h instead of 2: above every quantile, so every level rises.
    const later = [30, 31, 32].map((d) => ({ ...endedCar(d), endedAt: iso(T0 + d * DAY + 5 * HOUR) }));
    const ended = (records: SessionRecord[]) => records.map((session) => ({ session }));
    const learned = learnEnded(start, trained.model, ended([endedCar(29), ...later]));
    expect(learned.outcomes).toBe(3);
    expect(learned.lastDepartureMs).toBe(T0 + 32 * DAY + 5 * HOUR);
    learned.adjusted.stay.forEach((a, i) => expect(a).toBeGreaterThan(learned.levels[i]));
    // Learning the same sessions again changes nothing.
    expect(learnEnded(learned, trained.model, ended(later))).toEqual(learned);
    // A retrained model keeps the levels, and learns only what ends after its own newest session.
    const carried = carriedRecalibration(learned, settings, T0 + 40 * DAY);
    expect(carried.adjusted).toEqual(learned.adjusted);
    expect(carried.lastDepartureMs).toBe(T0 + 40 * DAY);
    // Plans read the adjusted levels: a later departure than the model's own median.
    const f = forecastSession(active({}), { ...forecast, recalibration: learned }, settings, today);
    const plain = forecastSession(active({}), forecast, settings, today);
    expect(f.departureMs).toBeGreaterThanOrEqual(plain.departureMs);
  });

  it("judges the forecast a session was given at plug-in, where its plan stored one", () => {
    const start = carriedRecalibration(undefined, { ...settings, recalibrationGamma: 0.1 }, trained.latestDepartureMs);
    // A 6 h stay: above every quantile of the model's own forecast (2 h stays), below every one of an
    // issued forecast of 100 h. Judged against the issued one, every level falls; made again, they rise.
    const stay = { ...endedCar(30), endedAt: iso(T0 + 30 * DAY + 6 * HOUR) };
    const issued = { arrivalMs: T0 + 30 * DAY, durationH: start.levels.map(() => 100), energyKwh: start.levels.map(() => 100) };
    const judged = learnEnded(start, trained.model, [{ session: stay, plugInForecast: issued }]);
    judged.adjusted.stay.forEach((a, i) => expect(a).toBeLessThan(start.levels[i]));
    const again = learnEnded(start, trained.model, [{ session: stay }]);
    again.adjusted.stay.forEach((a, i) => expect(a).toBeGreaterThan(start.levels[i]));
    // One issued at other tracked levels than the state's cannot be judged: the session is forecast again.
    const otherLevels = learnEnded(start, trained.model, [{ session: stay, plugInForecast: { ...issued, durationH: [100] } }]);
    expect(otherLevels).toEqual(again);
  });

  it("compiles the forecast into the request, which stays valid", () => {
    const body = SiteBodySchema.parse(
      depot({ forecast: { minSessions: 20 }, planning: { slotMinutes: 15, horizonHours: 12, clock: "events" } }),
    );
    const plain = compileSitePlan(body, EMPTY_STATE, [active({})], today);
    const { request, forecasts } = compileSitePlan(body, EMPTY_STATE, [active({})], today, { forecast, settings });
    expect(Date.parse(plain.request.sessions[0].departure)).toBe(today + 8 * HOUR);
    expect(Date.parse(request.sessions[0].departure)).toBeLessThanOrEqual(today + 2 * HOUR + 15 * 60_000);
    expect(request.sessions[0].targetEnergyKwh).toBeCloseTo(10, 6);
    expect(forecasts.map((f) => f.sessionId)).toEqual(["day-30"]);
    expect(validateRequest(request).ok).toBe(true);
  });
});

describe("expected arrivals (golden)", () => {
  // Every past weekday: A plugs in on e1 at 08:00 for 4 h and 20 kWh; B on e2 at 11:00 for 2 h and 20 kWh.
  const history: SessionRecord[] = [];
  for (let d = 0; d < 20; d++) {
    const day = T0 + d * DAY;
    history.push({ ...endedCar(d), sessionId: `a-${d}`, endedAt: iso(day + 4 * HOUR), deliveredKwh: 20 });
    history.push({
      ...endedCar(d),
      sessionId: `b-${d}`,
      evseId: "e2",
      startedAt: iso(day + 3 * HOUR),
      endedAt: iso(day + 5 * HOUR),
      deliveredKwh: 20,
      announced: { ...endedCar(d).announced, userId: "driver-2" },
    });
  }
  const body = SiteBodySchema.parse(
    depot({
      tariff: { importPrice: 0.25, demandChargePerKw: 10 },
      forecast: { minSessions: 20, arrivals: true },
      planning: { slotMinutes: 60, horizonHours: 6, clock: "events" },
    }),
  );
  const settings = body.forecast!;
  const trained = trainSite(history, settings)!;
  const forecast = { trainedAt: iso(T0), sessions: trained.sessions, metrics: trained.metrics, model: trained.model };
  const today = T0 + 28 * DAY; // a Monday, like T0
  const a: SessionRecord = {
    ...endedCar(28),
    sessionId: "A",
    state: "active",
    endedAt: undefined,
    deliveredKwh: 0,
    announced: { ...endedCar(28).announced, departure: iso(today + 4 * HOUR), targetEnergyKwh: 20, defaulted: [] },
  };

  it("a late-morning arrival the forecast knows of changes the morning's peak", () => {
    const plan = (arrivals: boolean) => {
      const { request, expected } = compileSitePlan(body, EMPTY_STATE, [a], today, { forecast, settings: { ...settings, arrivals } });
      const v = validateRequest(request);
      if (!v.ok) throw new Error(JSON.stringify(v.problems));
      return { response: solve(v.request), request: v.request, expected };
    };
    const without = plan(false);
    const withArrivals = plan(true);
    expect(without.request.sessions.map((s) => s.id)).toEqual(["A"]);
    // The 11:00 arrival stands in the request (no EVSE), with the energy and stay the history shows.
    const b = withArrivals.request.sessions.find((s) => s.id === "expected:" + iso(today + 3 * HOUR))!;
    expect(b).toMatchObject({ arrival: iso(today + 3 * HOUR), departure: iso(today + 5 * HOUR), targetEnergyKwh: 20 });
    expect(b.evseId).toBeUndefined();
    expect(withArrivals.expected?.map((e) => e.sessionId)).toContain(b.id);
    // Without it, A spreads its 20 kWh over its 4 h to keep the peak at 5 kW; knowing B comes at 11:00 with
    // 20 kWh to take in 2 h, A charges faster in the morning so that the two never overlap.
    const aFirst = (r: typeof without) => r.response.sessions[0].powerKw[0];
    expect(aFirst(without)).toBeCloseTo(5, 3);
    expect(aFirst(withArrivals)).toBeGreaterThan(6.5);
    const aAt11 = withArrivals.response.sessions[0].powerKw[3];
    expect(aAt11).toBeLessThan(0.01);
  });
});

describe("forecasts on a live site", () => {
  let svc: SitesService;
  beforeAll(async () => {
    svc = await startSitesService("forecast");
  });
  afterAll(async () => {
    await svc?.close();
  });

  it("trains in the queue once enough sessions ended, then plans new cars with the forecast", async () => {
    const site = depot({
      forecast: { minSessions: 20, retrainEvery: 1000 },
      planning: { slotMinutes: 15, horizonHours: 12, clock: "events" },
    });
    expect((await svc.put("s-fc", site)).status).toBe(201);
    const days = 24;
    const events = Array.from({ length: days }, (_, d) => [
      { eventId: eventId(), type: "session.started", at: iso(T0 + d * DAY), sessionId: `day-${d}`, evseId: "e1", userId: "driver-1" },
      { eventId: eventId(), type: "session.ended", at: iso(T0 + d * DAY + 2 * HOUR), sessionId: `day-${d}`, energyDeliveredKwh: 10 },
    ]).flat();
    expect((await svc.events("s-fc", events, { wait: 30 })).status).toBe(200);

    // The plan after the batch asked for training; the plan after training carries the model.
    let plan = (await svc.plan("s-fc")).body as { forecast?: { trainedOnSessions: number } };
    for (let i = 0; i < 100 && plan.forecast === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      plan = (await svc.plan("s-fc")).body as typeof plan;
    }
    expect(plan.forecast?.trainedOnSessions).toBe(days);

    const today = T0 + days * DAY;
    const next = { eventId: eventId(), type: "session.started", at: iso(today), sessionId: "today", evseId: "e1", userId: "driver-1" };
    expect((await svc.events("s-fc", [next], { wait: 30 })).status).toBe(200);
    const planned = (await svc.plan("s-fc")).body as unknown as {
      request: { sessions: { id: string; departure: string; targetEnergyKwh: number }[] };
      forecast: { sessions: { sessionId: string; departure: { planned: string; announced?: string }; energyKwh?: { planned: number } }[] };
    };
    const car = planned.request.sessions.find((s) => s.id === "today")!;
    // Announced nothing: the defaults would say 8 h and 20 kWh; the history says 2 h and 10 kWh.
    expect(Math.abs(Date.parse(car.departure) - (today + 2 * HOUR))).toBeLessThanOrEqual(15 * 60_000);
    expect(car.targetEnergyKwh).toBeCloseTo(10, 6);
    const view = planned.forecast.sessions.find((s) => s.sessionId === "today")!;
    expect(view.departure.planned).toBe(car.departure);
    expect(view.departure.announced).toBeUndefined();
    expect(view.energyKwh?.planned).toBeCloseTo(10, 3);

    // GET …/forecast: the model with its held-out metrics, each active session's quantiles, the arrivals to come.
    const key = svc.acme.key;
    const got = await api<{
      model: {
        trainedOnSessions: number;
        departureAnnouncement: string;
        announcementChoice?: { chosen: string; validationSessions: number };
        metrics: { heldOutSessions: number; departureMaeH: number | null };
      };
      levels: number[];
      sessions: { sessionId: string; departure: string[]; energyKwh: number[]; planned: { departure: { planned: string } } }[];
      arrivals: { slotMinutes: number; slots: { start: string; meanCount: number }[] };
    }>(svc.url, "GET", "/v1/sites/s-fc/forecast", { key });
    expect(got.status).toBe(200);
    expect(got.body.model.trainedOnSessions).toBe(days);
    expect(got.body.model.metrics.heldOutSessions).toBe(5);
    expect(got.body.model.metrics.departureMaeH).toBeLessThan(0.25);
    // No driver announced a departure: nothing to judge announcements by, so the model does not use them.
    expect(got.body.model.departureAnnouncement).toBe("none");
    expect(got.body.model.announcementChoice).toEqual({ chosen: "none", validationSessions: 0, pinballH: {} });
    expect(got.body.levels).toEqual([0.1, 0.25, 0.5, 0.75, 0.9]);
    const today2 = got.body.sessions.find((s) => s.sessionId === "today")!;
    expect(today2.departure).toHaveLength(5);
    expect(today2.planned.departure.planned).toBe(car.departure);
    expect(got.body.arrivals.slots).toHaveLength(48);
    // Every past day had one arrival at 08:00: the 08:00 slot expects about one, the slot after none.
    expect(got.body.arrivals.slots[0].start).toBe(iso(today));
    expect(got.body.arrivals.slots[0].meanCount).toBeGreaterThan(0.5);
    expect(got.body.arrivals.slots[1].meanCount).toBeLessThan(0.1);

    // Retraining on demand, and the Prometheus counters.
    const train = await api(svc.url, "POST", "/v1/sites/s-fc/forecast/train", { key });
    expect(train.status).toBe(202);
    expect(train.body).toMatchObject({ queued: true, endedSessions: days });
    const metrics = await fetch(`${svc.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/wattplan_site_forecast_trainings_total\{outcome="trained"\} [1-9]/);
    expect(metrics).toMatch(/wattplan_site_forecast_heldout_mae\{target="departure_h"\}/);
  });

  it("recalibrates as sessions end after training, and shows the levels in GET …/forecast", async () => {
    const site = depot({
      forecast: { minSessions: 20, retrainEvery: 1000, recalibrationGamma: 0.1 },
      planning: { slotMinutes: 15, horizonHours: 12, clock: "events" },
    });
    expect((await svc.put("s-recal", site)).status).toBe(201);
    const day = (d: number, stayH: number, userId: string) => [
      { eventId: eventId(), type: "session.started", at: iso(T0 + d * DAY), sessionId: `r-${d}`, evseId: "e1", userId },
      { eventId: eventId(), type: "session.ended", at: iso(T0 + d * DAY + stayH * HOUR), sessionId: `r-${d}`, energyDeliveredKwh: 10 },
    ];
    // Stays of 2 or 3 h, alternating, for 24 days.
    expect(
      (await svc.events("s-recal", Array.from({ length: 24 }, (_, d) => day(d, 2 + (d % 2), "driver-1")).flat(), { wait: 30 })).status,
    ).toBe(200);
    const key = svc.acme.key;
    type View = {
      model: {
        trainedOnSessions: number;
        recalibration?: { applied: boolean; outcomes: number; lastOutcome: string | null; stayLevels: number[]; levels: number[] };
      };
    };
    let got = await api<View>(svc.url, "GET", "/v1/sites/s-recal/forecast", { key });
    for (let i = 0; i < 100 && got.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      got = await api<View>(svc.url, "GET", "/v1/sites/s-recal/forecast", { key });
    }
    expect(got.status).toBe(200);
    expect(got.body.model.recalibration).toMatchObject({ applied: true, outcomes: 0, lastOutcome: iso(T0 + 23 * DAY + 3 * HOUR) });
    // Four more days, each staying 6 h: the plans after them learn that the stays run longer than forecast.
    for (let d = 24; d < 28; d++) expect((await svc.events("s-recal", day(d, 6, "driver-1"), { wait: 30 })).status).toBe(200);
    got = await api<View>(svc.url, "GET", "/v1/sites/s-recal/forecast", { key });
    const r = got.body.model.recalibration!;
    expect(r.outcomes).toBe(4);
    expect(r.lastOutcome).toBe(iso(T0 + 27 * DAY + 6 * HOUR));
    r.stayLevels.forEach((a, i) => expect(a).toBeGreaterThan(r.levels[i]));

    // The first plan that sees a session stores the forecast it gave it; a later announcement leaves it.
    // (Days 24-27 started and ended in one batch: no plan saw them, they are forecast again at their end.)
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    try {
      await db.query(`SET search_path TO ${svc.schema}`);
      const stored = async (sessionId: string) =>
        (
          await db.query<{ f: { arrivalMs: number; durationH: number[] } | null }>(
            "SELECT plug_in_forecast AS f FROM site_sessions WHERE session_id = $1",
            [sessionId],
          )
        ).rows[0].f;
      const at = T0 + 28 * DAY;
      const started = { eventId: eventId(), type: "session.started", at: iso(at), sessionId: "r-28", evseId: "e1", userId: "driver-1" };
      expect((await svc.events("s-recal", [started], { wait: 30 })).status).toBe(200);
      const issued = await stored("r-28");
      expect(issued?.arrivalMs).toBe(at);
      expect(issued?.durationH).toHaveLength(r.levels.length);
      const updated = { eventId: eventId(), type: "session.updated", at: iso(at + HOUR), sessionId: "r-28", departure: iso(at + 9 * HOUR) };
      expect((await svc.events("s-recal", [updated], { wait: 30 })).status).toBe(200);
      expect(await stored("r-28")).toEqual(issued);
    } finally {
      await db.end();
    }
  });

  it("answers 409 ERR_FORECAST_UNAVAILABLE without a forecast setting or before enough sessions ended", async () => {
    const key = svc.acme.key;
    expect((await svc.put("s-nofc", depot())).status).toBe(201);
    const none = await api<{ code: string }>(svc.url, "GET", "/v1/sites/s-nofc/forecast", { key });
    expect([none.status, none.body.code]).toEqual([409, "ERR_FORECAST_UNAVAILABLE"]);
    expect((await svc.put("s-young", depot({ forecast: { minSessions: 5 } }))).status).toBe(201);
    const young = await api<{ code: string; message: string }>(svc.url, "GET", "/v1/sites/s-young/forecast", { key });
    expect([young.status, young.body.code]).toEqual([409, "ERR_FORECAST_UNAVAILABLE"]);
    expect(young.body.message).toMatch(/0 of minSessions 5/);
    const train = await api<{ code: string }>(svc.url, "POST", "/v1/sites/s-young/forecast/train", { key });
    expect([train.status, train.body.code]).toEqual([409, "ERR_FORECAST_UNAVAILABLE"]);
    const bad = await svc.put("s-bad", depot({ forecast: { departureLevel: 1, timeZone: "Mars/Olympus" } }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/forecast\.departureLevel/);
    expect(JSON.stringify(bad.body)).toMatch(/forecast\.timeZone/);
  });
});
