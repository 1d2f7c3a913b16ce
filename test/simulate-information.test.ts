/**
 * What online strategies are told (issue 10 part A): only what a CSMS knows
 * (the announced departure and energy, a capacity from the announced target
 * and an EV model), never the energy the EV really took. The offline bound
 * may use the truth.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Request } from "../engine/model/schema.js";
import { loadSessions } from "../service/simulate/sessions.js";
import {
  DEFAULT_EV_MODEL,
  DEFAULT_SIMULATION_OPTIONS,
  buildGrid,
  prepareSessions,
  simulate,
  type SimStrategy,
  type SimulationOptions,
} from "../service/simulate/simulator.js";

const START = Date.parse("2026-01-05T08:00:00Z");
const tmp = mkdtempSync(join(tmpdir(), "wattplan-sim-info-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// H announced 5 kWh but really took 70.3, more than its announcement and more than the default
// EV model's 60 kWh battery: 70.3 must not reach an online scheduler, as a target or a capacity.
// J announced nothing: the CSMS can only ask for a full battery of the default EV model.
const FILE = join(tmp, "leak.csv");
writeFileSync(
  FILE,
  [
    "sessionID,stationID,connectionTime_utc,disconnectTime_utc,kWhDelivered,kWhRequested_last_input,requestedDeparture_utc_last_input",
    "H,S1,2026-01-05T08:00:00Z,2026-01-05T16:00:00Z,70.3,5,2026-01-05T15:00:00Z",
    "J,S2,2026-01-05T08:00:00Z,2026-01-05T16:00:00Z,12.7,,2026-01-05T16:00:00Z",
  ].join("\n"),
);

function requestsOf(strategy: SimStrategy, v2gShare = 0, evStops: "reported" | "silent" = "silent") {
  const replay = loadSessions(FILE, { defaultMaxChargeKw: 11 }).sessions;
  const grid = buildGrid(START, 8, 24, 60, { timeZone: "UTC" });
  const sessions = prepareSessions(replay, grid, { v2gShare, seed: 3 });
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    slotMinutes: 60,
    horizonSlots: 12,
    capacityKw: 100,
    v2gShare,
    evStops,
  };
  const requests: Request[] = [];
  const run = simulate(strategy, sessions, grid, options, undefined, undefined, (_k, r) => requests.push(structuredClone(r)));
  return { requests, run, sessions };
}

/** The targets and capacities told (the energy metered so far, initialEnergyKwh, is known to a CSMS). */
function numbersTold(requests: Request[]): number[] {
  return requests.flatMap((r) => r.sessions.flatMap((s) => [s.targetEnergyKwh, s.capacityKwh ?? Number.NaN]));
}

describe("online strategies plan only with what a CSMS knows", () => {
  for (const strategy of ["optimal", "edf", "llf", "equalShare", "uncontrolled"] as const) {
    it(`${strategy}: the real energy (70.3, 12.7 kWh) is in no request; targets and capacity come from the announcement`, () => {
      const { requests } = requestsOf(strategy);
      expect(requests.length).toBeGreaterThan(0);
      const told = numbersTold(requests);
      expect(told).not.toContain(70.3);
      expect(told).not.toContain(12.7);
      const first = requests[0].sessions;
      const h = first.find((s) => s.id === "H")!;
      const j = first.find((s) => s.id === "J")!;
      expect(h.targetEnergyKwh).toBe(5);
      expect(h.capacityKwh).toBe(DEFAULT_EV_MODEL.batteryKwh);
      expect(h.departure).toBe("2026-01-05T15:00:00Z");
      expect(j.targetEnergyKwh).toBe(DEFAULT_EV_MODEL.batteryKwh);
      expect(j.capacityKwh).toBe(DEFAULT_EV_MODEL.batteryKwh);
    });
  }

  it("V2G EVs: the capacity told is the EV model's battery or the announced target, not the real energy", () => {
    const { requests, sessions } = requestsOf("optimal", 1);
    const h = sessions.find((s) => s.id === "H")!;
    expect(h.v2g).toBe(true);
    for (const r of requests) {
      const told = r.sessions.find((s) => s.id === "H")!;
      expect(told.targetEnergyKwh).toBeCloseTo(h.initialEnergyKwh + 5, 9);
      expect(told.capacityKwh).toBe(h.announcedCapacityKwh);
    }
    expect(h.announcedCapacityKwh).toBe(Math.max(DEFAULT_EV_MODEL.batteryKwh, h.initialEnergyKwh + 5));
    expect(h.capacityKwh).toBeGreaterThanOrEqual(70.3);
  });

  it("the replay still counts min(announced, real) as requested, and the EV takes no more than it really took", () => {
    const { run, sessions } = requestsOf("uncontrolled");
    expect(sessions.map((s) => s.requestedKwh)).toEqual([5, 12.7]);
    // J is told 60 kWh and charged at 11 kW, but stops when really full.
    expect(run.deliveredKwh[1]).toBeCloseTo(12.7, 9);
  });

  it("an EV that stopped by itself is reported from the next slot on (SuspendedEV), not before", () => {
    const requests: { slot: number; request: Request }[] = [];
    const replay = loadSessions(FILE, { defaultMaxChargeKw: 11 }).sessions;
    const grid = buildGrid(START, 8, 24, 60, { timeZone: "UTC" });
    const sessions = prepareSessions(replay, grid, { v2gShare: 0, seed: 3 });
    const options: SimulationOptions = {
      ...DEFAULT_SIMULATION_OPTIONS,
      slotMinutes: 60,
      horizonSlots: 12,
      capacityKw: 100,
      evStops: "reported",
    };
    simulate("uncontrolled", sessions, grid, options, undefined, undefined, (slot, r) =>
      requests.push({ slot, request: structuredClone(r) }),
    );
    // J (told 60 kWh, really 12.7) takes 11 kWh in slot 0 and its last 1.7 in slot 1: it is known full from slot 2.
    const j = (slot: number) => requests.find((r) => r.slot === slot)?.request.sessions.find((s) => s.id === "J");
    expect(j(1)?.targetEnergyKwh).toBe(DEFAULT_EV_MODEL.batteryKwh);
    expect(j(2)?.targetEnergyKwh).toBeCloseTo(12.7, 9);
    expect(j(2)?.capacityKwh).toBeCloseTo(12.7, 9);
    expect(requests.filter((r) => r.slot < 2).flatMap((r) => numbersTold([r.request]))).not.toContain(12.7);
  });

  it("the offline bound may use the truth: it is told the real energy and capacity", () => {
    const { requests } = requestsOf("offline");
    const h = requests[0].sessions.find((s) => s.id === "H")!;
    expect(h.targetEnergyKwh).toBe(5);
    expect(h.capacityKwh).toBe(70.3);
    const j = requests[0].sessions.find((s) => s.id === "J")!;
    expect(j.targetEnergyKwh).toBe(12.7);
  });
});

describe("a car announced past the horizon (spec §6, issue 10)", () => {
  // K announced 20 h and 40 kWh, stayed 2 h and really took 22 kWh; 11 kW, a flat price, a 6 h horizon.
  const file = join(tmp, "announced-late.csv");
  writeFileSync(
    file,
    [
      "sessionID,stationID,connectionTime_utc,disconnectTime_utc,kWhDelivered,kWhRequested_last_input,requestedDeparture_utc_last_input",
      "K,S1,2026-01-05T08:00:00Z,2026-01-05T10:00:00Z,22,40,2026-01-06T04:00:00Z",
    ].join("\n"),
  );
  const run = (maxHorizonSlots: number) => {
    const replay = loadSessions(file, { defaultMaxChargeKw: 11 }).sessions;
    const grid = buildGrid(START, 4, 48, 60, { timeZone: "UTC" });
    grid.importPrice.fill(0.1);
    const sessions = prepareSessions(replay, grid, { v2gShare: 0, seed: 1 });
    const options: SimulationOptions = { ...DEFAULT_SIMULATION_OPTIONS, slotMinutes: 60, horizonSlots: 6, maxHorizonSlots, capacityKw: 50 };
    const requests: Request[] = [];
    const result = simulate("optimal", sessions, grid, options, undefined, undefined, (_k, r) => requests.push(structuredClone(r)));
    return { delivered: result.deliveredKwh[0], slots: requests.map((r) => r.horizon.slots) };
  };

  it("is planned over a horizon reaching its departure, so it charges at full power from arrival", () => {
    const reached = run(48);
    // 20 h to the announced departure from 08:00, 19 h from 09:00.
    expect(reached.slots.slice(0, 2)).toEqual([20, 19]);
    expect(reached.delivered).toBeCloseTo(22, 4);
  });

  it("with a fixed horizon, is left for after it and leaves short", () => {
    const fixed = run(6);
    expect(fixed.slots.every((n) => n === 6)).toBe(true);
    expect(fixed.delivered).toBeLessThan(1);
  });
});
