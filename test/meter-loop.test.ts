/**
 * The meter loop in the simulator (`simulate --meter-caps`), the same rule
 * as live sites: an EV that takes clearly less than offered is planned with
 * what it takes, and the headroom goes to the others.
 */
import { describe, expect, it } from "vitest";
import { updateMeterCap, type MeterCap } from "../service/sites/events.js";
import { computeMetrics } from "../service/simulate/metrics.js";
import type { ReplaySession } from "../service/simulate/sessions.js";
import { DEFAULT_SIMULATION_OPTIONS, buildGrid, prepareSessions, simulate, type SimulationOptions } from "../service/simulate/simulator.js";

describe("the meter loop's rule", () => {
  it("caps after three slow readings, at 1.1 × what the car takes, and lifts the cap when it takes all of it", () => {
    const cap: MeterCap = { slowReadings: 0 };
    updateMeterCap(cap, 2, 10, 11);
    updateMeterCap(cap, 2, 10, 11);
    expect(cap.learnedMaxKw).toBeUndefined();
    updateMeterCap(cap, 2, 10, 11);
    expect(cap.learnedMaxKw).toBeCloseTo(2.2, 12);
    // Setpoints under 1 kW are not judged; a car taking its whole cap gets it lifted.
    updateMeterCap(cap, 0, 0.5, 11);
    expect(cap.learnedMaxKw).toBeCloseTo(2.2, 12);
    updateMeterCap(cap, 2.2, 2.2, 11);
    expect(cap.learnedMaxKw).toBeUndefined();
    // A reading at setpoint resets the count.
    updateMeterCap(cap, 2, 10, 11);
    updateMeterCap(cap, 10, 10, 11);
    updateMeterCap(cap, 2, 10, 11);
    updateMeterCap(cap, 2, 10, 11);
    expect(cap.learnedMaxKw).toBeUndefined();
  });
});

describe("simulate --meter-caps", () => {
  it("gives the power a full car no longer takes to the car that still needs it", () => {
    const start = Date.parse("2026-01-05T08:00:00Z");
    const hour = 3_600_000;
    // F announces 40 kWh but is full after 6; N needs 40. Both 11 kW, 11 kW site, 6 hours.
    const replay: ReplaySession[] = [
      {
        id: "F",
        stationId: "S1",
        arrivalMs: start,
        departureMs: start + 6 * hour,
        energyKwh: 6,
        maxChargeKw: 11,
        declaredDepartureMs: start + 6 * hour,
        declaredEnergyKwh: 40,
      },
      {
        id: "N",
        stationId: "S2",
        arrivalMs: start,
        departureMs: start + 6 * hour,
        energyKwh: 40,
        maxChargeKw: 11,
        declaredDepartureMs: start + 6 * hour,
        declaredEnergyKwh: 40,
      },
    ];
    const grid = buildGrid(start, 24, 24, 15, { timeZone: "UTC" });
    const sessions = prepareSessions(replay, grid, { v2gShare: 0, seed: 1 });
    const options: SimulationOptions = { ...DEFAULT_SIMULATION_OPTIONS, slotMinutes: 15, horizonSlots: 24, capacityKw: 11 };
    const delivered = (meterCaps: boolean, evStops: "reported" | "silent" = "silent") => {
      const run = simulate("equalShare", sessions, grid, { ...options, meterCaps, evStops });
      return { n: run.deliveredKwh[1], share: computeMetrics(run, sessions, grid).energyDeliveredShare };
    };
    // Stations that do not report SuspendedEV: only the meter values show that F is full.
    const open = delivered(false);
    const closed = delivered(true);
    // Open loop: N gets about half the site while F sits full; closed loop: N gets nearly all of it once F is capped.
    expect(open.n).toBeLessThan(36);
    expect(closed.n).toBeGreaterThan(open.n + 5);
    expect(closed.share).toBeGreaterThan(open.share);
    // Stations that report it: F is planned for nothing from the slot after it stopped, without any meter loop.
    const reported = delivered(false, "reported");
    expect(reported.n).toBeGreaterThan(open.n + 5);
    expect(reported.n).toBeGreaterThanOrEqual(closed.n - 1e-9);
  });
});
