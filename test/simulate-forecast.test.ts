/**
 * `simulate --forecast`: optimal planning each car to the earlier of its
 * announced and its forecast departure, the forecast learned only from
 * sessions that ended before the replay.
 */
import { describe, expect, it } from "vitest";
import { simulateConfig } from "../service/cli/simulate-command.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { computeMetrics } from "../service/simulate/metrics.js";
import { prepareReplay } from "../service/simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, OPTIMAL_FORECAST, simulate, type SimulationOptions } from "../service/simulate/simulator.js";

const args = ["--sessions", dataFile("sessions", "acn-caltech-2020-12_2021-09.csv"), "--from", "2021-06-08", "--to", "2021-06-10"];
args.push("--capacity-kw", "30", "--slot-minutes", "15", "--strategies", "optimal");

describe("simulate --forecast", () => {
  it("adds optimal+forecast beside optimal, and needs --forecast for it", () => {
    expect(simulateConfig([...args, "--forecast"]).strategies).toEqual(["optimal", OPTIMAL_FORECAST]);
    expect(() => simulateConfig([...args.slice(0, -1), "optimal+forecast"])).toThrow(/needs --forecast/);
    expect(() => simulateConfig([...args, "--forecast-level", "1.5"])).toThrow(/forecast-level/);
  });

  it("learns from the sessions that ended before --from only, and delivers more to cars that leave early", () => {
    const config = simulateConfig([...args, "--forecast"]);
    const prepared = prepareReplay(config);
    const from = Date.parse("2021-06-08T07:00:00Z");
    expect(prepared.forecast).toBeDefined();
    const learned = prepared.forecast!.model;
    // Nothing of the replayed days is in the model.
    expect(JSON.stringify(learned)).not.toContain(prepared.replay[0].id);
    expect(prepared.replay.every((s) => s.arrivalMs >= from)).toBe(true);
    const options: SimulationOptions = {
      ...DEFAULT_SIMULATION_OPTIONS,
      ...config.options,
      capacityKw: 30,
      horizonSlots: prepared.horizonSlots,
      forecast: prepared.forecast,
    };
    const m = (strategy: "optimal" | typeof OPTIMAL_FORECAST) =>
      computeMetrics(simulate(strategy, prepared.sessions, prepared.grid, options), prepared.sessions, prepared.grid);
    const plain = m("optimal");
    const forecast = m(OPTIMAL_FORECAST);
    expect(forecast.earlyLeaverShortfallKwh).toBeLessThan(plain.earlyLeaverShortfallKwh);
    expect(forecast.energyDeliveredShare).toBeGreaterThan(plain.energyDeliveredShare);
  });

  it("plans a car that announced no energy to the forecast's energy, not a full battery", () => {
    const config = simulateConfig([...args, "--forecast"]);
    expect(config.forecast).toEqual({ departureLevel: 0.5, energyLevel: 0.9, arrivals: "none", arrivalsRole: "plan" });
    expect(simulateConfig([...args, "--forecast-energy-level", "none"]).forecast).toEqual({
      departureLevel: 0.5,
      arrivals: "none",
      arrivalsRole: "plan",
    });
    expect(() => simulateConfig([...args, "--forecast-energy-level", "2"])).toThrow(/forecast-energy-level/);
    const prepared = prepareReplay(config);
    const silent = prepared.sessions.filter((s) => !s.energyAnnounced);
    expect(silent.length).toBeGreaterThan(0);
    const told = new Map<string, number[]>();
    const options: SimulationOptions = {
      ...DEFAULT_SIMULATION_OPTIONS,
      ...config.options,
      capacityKw: 30,
      horizonSlots: prepared.horizonSlots,
      forecast: prepared.forecast,
    };
    simulate(OPTIMAL_FORECAST, prepared.sessions, prepared.grid, options, undefined, undefined, (_k, r) => {
      for (const s of r.sessions) told.set(s.id, [...(told.get(s.id) ?? []), s.targetEnergyKwh]);
    });
    for (const s of silent) {
      const targets = told.get(s.id) ?? [];
      expect(targets.length).toBeGreaterThan(0);
      // Not the EV model's 60 kWh battery: what the forecast expects (or, while it still charges, a slot more).
      expect(targets[0]).toBeLessThan(s.declaredTargetKwh);
    }
  });
});
