import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeMetrics } from "../service/simulate/metrics.js";
import { caltechPhase, sessionPhases } from "../service/simulate/phases.js";
import { loadSessions } from "../service/simulate/sessions.js";
import { loadTariff } from "../service/simulate/series.js";
import {
  DEFAULT_SIMULATION_OPTIONS,
  buildGrid,
  prepareSessions,
  simulate,
  type SimStrategy,
  type SimulationOptions,
} from "../service/simulate/simulator.js";
import { simulateConfig } from "../service/cli/simulate-command.js";
import type { Request } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { checkSchedule } from "../testkit/checker/checker.js";

const TARIFF = "test/fixtures/tariff-flat.json";
const START = Date.parse("2026-01-05T08:00:00Z");
const tmp = mkdtempSync(join(tmpdir(), "wattplan-simulate-phases-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A and B on Caltech spaces of the AB pair (L1), C on the BC pair (L2): ACN-Data's layout, station and space apart.
const SESSIONS = join(tmp, "caltech-spaces.csv");
writeFileSync(
  SESSIONS,
  [
    "sessionID,stationID,spaceID,connectionTime_utc,disconnectTime_utc,kWhDelivered,kWhRequested_last_input,requestedDeparture_utc_last_input",
    "A,2-39-1,CA-303,2026-01-05T08:00:00Z,2026-01-05T11:00:00Z,12,12,2026-01-05T11:00:00Z",
    "B,2-39-2,CA-308,2026-01-05T09:00:00Z,2026-01-05T11:00:00Z,8,8,2026-01-05T11:00:00Z",
    "C,2-39-3,CA-304,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,6,6,2026-01-05T10:00:00Z",
  ].join("\n") + "\n",
);

/** Hourly slots, a 30 kW connection (never binding here), EVs at 7 kW on the Caltech wiring, 120 V site. */
function replay(strategy: SimStrategy, phaseLimitA: number | undefined) {
  const file = loadSessions(SESSIONS, { defaultMaxChargeKw: 7 }).sessions;
  const grid = buildGrid(START, 3, 24, 60, { timeZone: "UTC", tariff: loadTariff(TARIFF, "UTC") });
  const sessions = prepareSessions(file, grid, { v2gShare: 0, seed: 1, phaseLayout: "caltech" });
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    slotMinutes: 60,
    horizonSlots: 12,
    capacityKw: 30,
    phaseLayout: "caltech",
    voltageV: 120,
    ...(phaseLimitA !== undefined && { phaseLimitA }),
  };
  const requests: Request[] = [];
  const run = simulate(strategy, sessions, grid, options, undefined, undefined, (_slot, request) =>
    requests.push(structuredClone(request)),
  );
  return { run, sessions, requests, metrics: computeMetrics(run, sessions, grid) };
}

describe("simulate: the Caltech ACN's phases (acnportal caltech_acn)", () => {
  it("maps spaces to their line pair: AB → L1, BC → L2, CA → L3; an unlisted space has no known phase", () => {
    expect([caltechPhase("CA-303"), caltechPhase("CA-494"), caltechPhase("CA-304"), caltechPhase("CA-307")]).toEqual([
      "L1",
      "L1",
      "L2",
      "L3",
    ]);
    expect(caltechPhase("CA-999")).toBeUndefined();
    expect(sessionPhases("caltech", "CA-999")).toEqual({ phases: 1, voltageV: 208 });
    expect(sessionPhases("three", "CA-303")).toEqual({ phases: 3 });
  });

  it("reads ACN-Data's spaceID beside the station, and tells the scheduler each session's phase at 208 V", () => {
    const { requests } = replay("optimal", 50);
    const at9 = requests.find((r) => r.sessions.length === 3)!;
    expect(at9.site.phaseLimitA).toBe(50);
    expect(at9.sessions.map((s) => [s.id, s.phases, s.phase, s.voltageV])).toEqual([
      ["A", 1, "L1", 208],
      ["B", 1, "L1", 208],
      ["C", 1, "L2", 208],
    ]);
  });

  it("--phases caltech sets the 120 V wye secondary unless --voltage-v says otherwise", () => {
    expect(simulateConfig(["--phases", "caltech", "--phase-limit-a", "80"]).options).toMatchObject({
      phaseLayout: "caltech",
      voltageV: 120,
      phaseLimitA: 80,
    });
    expect(simulateConfig(["--phases", "caltech", "--voltage-v", "127"]).options.voltageV).toBe(127);
    expect(() => simulateConfig(["--phases", "two"])).toThrow(/--phases must be one of three, unknown, caltech/);
  });

  for (const strategy of ["optimal", "edf"] as const) {
    it(`${strategy}: a 40 A phase limit binds on L1 (A and B up to 33.7 A each), and no plan breaks it (independent checker)`, () => {
      const free = replay(strategy, undefined);
      expect(free.metrics.phaseL1MaxA).toBeGreaterThan(45);
      const { metrics, requests } = replay(strategy, 40);
      expect(metrics.phaseL1MaxA).toBeLessThanOrEqual(40 + 1e-6);
      expect(metrics.phaseL1MaxA).toBeGreaterThan(39.9);
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        const v = validateRequest(request);
        expect(v.ok).toBe(true);
        if (!v.ok) continue;
        const check = checkSchedule(v.request, solve(v.request, { strategy }));
        expect(check.violations.filter((x) => x.rule === 6)).toEqual([]);
        expect(check.ok).toBe(true);
      }
    });
  }
});
