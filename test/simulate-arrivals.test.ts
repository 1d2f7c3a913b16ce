/**
 * `simulate --forecast-arrivals` (issue 12): `optimal+forecast` plans the
 * arrivals its forecast still expects as phantom sessions, which reserve
 * capacity and set the demand-charge peak but are never applied to an EV nor
 * counted in the metrics.
 */
import { describe, expect, it } from "vitest";
import { simulateConfig } from "../service/cli/simulate-command.js";
import { solve } from "../engine/scheduler/solve.js";
import type { Request } from "../engine/model/schema.js";
import { trainForecast, type HistorySession } from "../service/forecast/index.js";
import { PHANTOM_PREFIX, isPhantom, parseForecastArrivals, phantomSessions } from "../service/simulate/expected-arrivals.js";
import { computeMetrics } from "../service/simulate/metrics.js";
import type { ReplaySession } from "../service/simulate/sessions.js";
import {
  DEFAULT_SIMULATION_OPTIONS,
  OPTIMAL_FORECAST,
  buildGrid,
  prepareSessions,
  simulate,
  type SimulationOptions,
} from "../service/simulate/simulator.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC; history: the four weeks before it. */
const MONDAY = Date.parse("2024-01-29T00:00:00Z");

/**
 * Every weekday: car A at 08:00 for 6 h taking 10 kWh, car B at 11:00 for 4 h
 * taking 20 kWh (6.6 kW EVSEs). With a demand charge and a flat price, a
 * planner that knows only A spreads its 10 kWh over 08:00–14:00 (1.67 kW);
 * when B arrives, A's rest and B's 20 kWh need ≥ 6.25 kW together. Knowing B
 * is coming, A is charged before 11:00 and the peak stays near B's 5 kW.
 */
function history(): HistorySession[] {
  const out: HistorySession[] = [];
  for (let d = 28; d >= 1; d--) {
    const day = MONDAY - d * DAY;
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    out.push({ evseId: "A", arrivalMs: day + 8 * HOUR, departureMs: day + 14 * HOUR, energyKwh: 10 });
    out.push({ evseId: "B", arrivalMs: day + 11 * HOUR, departureMs: day + 15 * HOUR, energyKwh: 20 });
  }
  return out;
}

const replay: ReplaySession[] = [
  {
    id: "a",
    stationId: "A",
    arrivalMs: MONDAY + 8 * HOUR,
    departureMs: MONDAY + 14 * HOUR,
    energyKwh: 10,
    maxChargeKw: 6.6,
    declaredEnergyKwh: 10,
  },
  {
    id: "b",
    stationId: "B",
    arrivalMs: MONDAY + 11 * HOUR,
    departureMs: MONDAY + 15 * HOUR,
    energyKwh: 20,
    maxChargeKw: 6.6,
    declaredEnergyKwh: 20,
  },
];

function setup(arrivals: "none" | "mean" | number, arrivalsRole: "plan" | "peak" = "plan") {
  const slotMinutes = 15;
  const grid = buildGrid(MONDAY + 7 * HOUR, 40, 48, slotMinutes, {
    timeZone: "UTC",
    tariff: { name: "flat + demand", energyRate: () => 0.1, demandRate: () => 20 },
  });
  const sessions = prepareSessions(replay, grid, { v2gShare: 0, seed: 1 });
  const model = trainForecast(history(), { timeZone: "UTC" });
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    slotMinutes,
    horizonSlots: 48,
    capacityKw: 50,
    forecast: { model, departureLevel: 0.5, energyLevel: 0.5, users: new Map(), arrivals, arrivalsRole },
  };
  return { grid, sessions, options, model };
}

function run(arrivals: "none" | "mean" | number, arrivalsRole: "plan" | "peak" = "plan") {
  const { grid, sessions, options } = setup(arrivals, arrivalsRole);
  const requests: { slot: number; request: Request }[] = [];
  const result = simulate(OPTIMAL_FORECAST, sessions, grid, options, undefined, undefined, (slot, request) =>
    requests.push({ slot, request: structuredClone(request) }),
  );
  return { result, requests, metrics: computeMetrics(result, sessions, grid), sessions, grid };
}

describe("simulate --forecast-arrivals", () => {
  it("parses the setting, and is off unless asked", () => {
    const args = ["--from", "2019-03-18", "--to", "2019-03-19", "--strategies", "optimal"];
    expect(simulateConfig([...args, "--forecast"]).forecast?.arrivals).toBe("none");
    expect(simulateConfig([...args, "--forecast-arrivals", "mean"]).forecast).toMatchObject({ arrivals: "mean" });
    expect(simulateConfig([...args, "--forecast-arrivals", "median"]).forecast?.arrivals).toBe(0.5);
    expect(simulateConfig([...args, "--forecast-arrivals", "0.75"]).strategies).toContain(OPTIMAL_FORECAST);
    expect(() => simulateConfig([...args, "--forecast-arrivals", "max"])).toThrow(/forecast-arrivals/);
    expect(parseForecastArrivals("1")).toBeUndefined();
  });

  it("adds the expected arrivals as phantoms after the real sessions, never applied nor counted", () => {
    const on = run("mean");
    const off = run("none");
    const first = on.requests[0];
    // At 08:00 only A is plugged in; B's block (11:00) is expected.
    const phantoms = first.request.sessions.filter((s) => isPhantom(s.id));
    expect(first.request.sessions[0].id).toBe("a");
    expect(phantoms.length).toBeGreaterThan(0);
    expect(first.request.sessions.slice(1).every((s) => isPhantom(s.id))).toBe(true);
    const expected = phantoms.reduce((e, s) => e + s.targetEnergyKwh, 0);
    expect(expected).toBeCloseTo(20, 6);
    const b = phantoms.find((s) => Date.parse(s.arrival!) >= MONDAY + 10 * HOUR && Date.parse(s.arrival!) <= MONDAY + 12 * HOUR);
    expect(b).toBeDefined();
    expect(b!.targetEnergyKwh).toBeCloseTo(20, 6);
    // Never planned without the forecast strategy, never with "none".
    expect(off.requests.every((r) => r.request.sessions.every((s) => !isPhantom(s.id)))).toBe(true);
    // The metrics know the two real sessions only; every kWh delivered went to a real EV.
    expect(on.result.deliveredKwh.length).toBe(2);
    const charged = on.result.evChargeKw.reduce((e, p) => e + p * 0.25, 0);
    expect(charged).toBeCloseTo(on.result.deliveredKwh[0] + on.result.deliveredKwh[1], 6);
    expect(on.metrics.energyDeliveredShare).toBeCloseTo(1, 4);
    // The phantoms' energy is not in what the site drew: it is exactly the real cars' 30 kWh.
    expect(charged).toBeCloseTo(30, 4);
  });

  it("with a tight demand charge, the peak planned at 08:00 anticipates the 11:00 arrival", () => {
    const on = run("mean");
    const off = run("none");
    // The morning's plan: A charges faster than its even spread (1.67 kW) to leave room for B.
    const firstSlotKw = (r: ReturnType<typeof run>) => r.result.netImportKw[4]; // 08:00
    expect(firstSlotKw(off)).toBeLessThan(1.8);
    expect(firstSlotKw(on)).toBeGreaterThan(2.5);
    // And the month's peak is lower: A is mostly done when B arrives.
    expect(off.metrics.peakImportKw).toBeGreaterThan(6.2);
    expect(on.metrics.peakImportKw).toBeLessThan(5.8);
    expect(on.metrics.demandCharge).toBeLessThan(off.metrics.demandCharge);
    expect(on.metrics.energyDeliveredShare).toBeCloseTo(1, 4);
    expect(off.metrics.energyDeliveredShare).toBeCloseTo(1, 4);
    // The phantom's plan in the request solved at 08:00 carries B's 20 kWh at ≥ 5 kW.
    const request = on.requests[0].request;
    const response = solve(request, { strategy: "optimal" });
    const phantomKw = response.sessions.filter((s) => s.id.startsWith(PHANTOM_PREFIX)).map((s) => s.deliveredKwh);
    expect(phantomKw.reduce((a, x) => a + x, 0)).toBeCloseTo(20, 3);
  });

  it("with the role peak, the phantoms set the peak and the real EVs are planned alone under it", () => {
    const peak = run("mean", "peak");
    const off = run("none");
    expect(peak.result.netImportKw[4]).toBeGreaterThan(2.5);
    expect(peak.metrics.peakImportKw).toBeLessThan(5.8);
    expect(peak.metrics.peakImportKw).toBeLessThan(off.metrics.peakImportKw - 0.4);
    expect(peak.metrics.energyDeliveredShare).toBeCloseTo(1, 4);
    expect(peak.result.deliveredKwh.length).toBe(2);
  });

  it("phantomSessions: none without a mode, arrivals on the slot grid inside the horizon", () => {
    const { model } = setup("mean");
    const from = MONDAY + 8 * HOUR + 15 * 60_000;
    const end = MONDAY + 20 * HOUR;
    expect(
      phantomSessions(
        model,
        { mode: "none", blockMinutes: 60, evKw: 6.6, departureLevel: 0.5, shortfallPenaltyPerKwh: 500 },
        from,
        end,
        900_000,
      ),
    ).toEqual([]);
    const ps = phantomSessions(
      model,
      { mode: 0.5, blockMinutes: 60, evKw: 6.6, departureLevel: 0.5, shortfallPenaltyPerKwh: 500 },
      from,
      end,
      900_000,
    );
    expect(ps.length).toBeGreaterThan(0);
    for (const p of ps) {
      const a = Date.parse(p.arrival!);
      expect(a).toBeGreaterThanOrEqual(from);
      expect(a).toBeLessThan(end);
      expect((a - from) % 900_000).toBe(0);
      expect(Date.parse(p.departure) - a).toBeGreaterThanOrEqual((p.targetEnergyKwh / p.maxChargeKw) * HOUR - 1);
      expect(p.shortfallPenaltyPerKwh).toBe(500);
    }
  });
});
