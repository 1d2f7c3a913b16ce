import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeMetrics } from "../service/simulate/metrics.js";
import { loadSessions } from "../service/simulate/sessions.js";
import { loadTariff } from "../service/simulate/series.js";
import {
  DEFAULT_SIMULATION_OPTIONS,
  buildGrid,
  prepareSessions,
  simulate,
  type SimStorage,
  type SimStrategy,
  type SimulationOptions,
} from "../service/simulate/simulator.js";
import { simulateConfig } from "../service/cli/simulate-command.js";
import { parseStorageOptions } from "../service/cli/storage-options.js";
import type { Request } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { runCli } from "./cli-capture.js";

const FIXTURE = "test/fixtures/sessions-acn-data.csv";
const TARIFF = "test/fixtures/tariff-flat.json";
const START = Date.parse("2026-01-05T08:00:00Z");
/** Slots replayed (hourly), from 08:00. */
const SLOTS = 12;
const tmp = mkdtempSync(join(tmpdir(), "wattplan-simulate-storage-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 20 kWh, 10 kW both ways, 90 % round trip, half full. */
const BATTERY: SimStorage = parseStorageOptions(["20:10:10:0.9"])[0];

/**
 * The fixture's three EVs (08:00-11:00, 26 kWh at 7 kW) on hourly slots, a 60 kW connection that never
 * binds, flat 0.2/kWh and a 10/kW demand charge, and an office base load of 5 kW with a 20 kW spike
 * at 13:00-14:00 (slots 5 and 6): the peak is the spike, which the battery can shave.
 */
function replay(strategy: SimStrategy, storage: SimStorage[]) {
  const file = loadSessions(FIXTURE, { defaultMaxChargeKw: 7 }).sessions;
  const grid = buildGrid(START, SLOTS, 24, 60, { timeZone: "UTC", tariff: loadTariff(TARIFF, "UTC") });
  grid.baseLoadKw.fill(5);
  grid.baseLoadKw[5] = 20;
  grid.baseLoadKw[6] = 20;
  const sessions = prepareSessions(file, grid, { v2gShare: 0, seed: 1 });
  const options: SimulationOptions = { ...DEFAULT_SIMULATION_OPTIONS, slotMinutes: 60, horizonSlots: 8, capacityKw: 60, storage };
  const requests: { slot: number; request: Request }[] = [];
  const run = simulate(strategy, sessions, grid, options, undefined, undefined, (slot, request) =>
    requests.push({ slot, request: structuredClone(request) }),
  );
  return { run, requests, metrics: computeMetrics(run, sessions, grid) };
}

describe("simulate: site storage (spec §12)", () => {
  for (const strategy of ["optimal", "offline"] as const) {
    it(`${strategy}: the battery shaves the demand-charge peak, stays within [min, capacity] and ends with at least its start energy`, () => {
      const without = replay(strategy, []);
      const { run, metrics, requests } = replay(strategy, [BATTERY]);
      expect(without.metrics.peakImportKw).toBeGreaterThanOrEqual(20 - 1e-6);
      expect(metrics.peakImportKw).toBeLessThan(without.metrics.peakImportKw - 5);
      expect(metrics.demandCharge).toBeLessThan(without.metrics.demandCharge);
      // Every EV still gets what it did without the battery.
      expect(metrics.energyDeliveredKwh).toBeCloseTo(without.metrics.energyDeliveredKwh, 4);
      const energy = run.storageEnergyKwh[0];
      expect(energy.length).toBe(SLOTS);
      for (const e of energy) {
        expect(e).toBeGreaterThanOrEqual(BATTERY.minEnergyKwh - 1e-9);
        expect(e).toBeLessThanOrEqual(BATTERY.capacityKwh + 1e-9);
      }
      expect(Math.min(...energy)).toBeLessThan(BATTERY.initialEnergyKwh - 1);
      expect(energy[SLOTS - 1]).toBeGreaterThanOrEqual(BATTERY.initialEnergyKwh - 1e-6);
      expect(metrics.storageStartKwh).toBe(10);
      expect(metrics.storageEndKwh).toBeCloseTo(energy[SLOTS - 1], 12);
      expect(metrics.storageThroughputKwh).toBeGreaterThan(5);
      // The rule: each plan starts from what the battery holds, ends by the replay's end with at least its start energy.
      expect(requests.length).toBeGreaterThan(0);
      for (const { slot, request } of requests) {
        const b = request.storage[0];
        expect(b.finalEnergyKwh).toBe(BATTERY.initialEnergyKwh);
        expect(b.initialEnergyKwh).toBeCloseTo(slot === 0 ? BATTERY.initialEnergyKwh : energy[slot - 1], 9);
        expect(slot + request.horizon.slots).toBeLessThanOrEqual(SLOTS);
        expect(validateRequest(request).ok).toBe(true);
      }
      if (strategy === "optimal") expect(requests.map((r) => r.slot)).toEqual([...Array(SLOTS).keys()]);
    });
  }

  for (const strategy of ["edf", "uncontrolled", "llf", "equalShare"] as const) {
    it(`${strategy} (a baseline) leaves the battery idle: the same replay as without it`, () => {
      const without = replay(strategy, []);
      const { run, metrics, requests } = replay(strategy, [BATTERY]);
      expect(Array.from(run.netImportKw)).toEqual(Array.from(without.run.netImportKw));
      expect(Array.from(run.deliveredKwh)).toEqual(Array.from(without.run.deliveredKwh));
      expect(metrics.totalCost).toBe(without.metrics.totalCost);
      expect(metrics.storageThroughputKwh).toBe(0);
      expect(metrics.storageChargedKwh).toBe(0);
      expect(Array.from(run.storageEnergyKwh[0]).every((e) => e === BATTERY.initialEnergyKwh)).toBe(true);
      for (const { request } of requests) {
        expect(request.storage[0].finalEnergyKwh).toBeUndefined();
        expect(validateRequest(request).ok).toBe(true);
      }
    });
  }
});

describe("simulate --storage", () => {
  it("reads inline batteries (round-trip efficiency split evenly, half full by default) and JSON files", () => {
    const file = join(tmp, "batteries.json");
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: "bess",
          capacityKwh: 100,
          maxChargeKw: 50,
          maxDischargeKw: 40,
          initialEnergyKwh: 30,
          minEnergyKwh: 10,
          dischargeEfficiency: 0.95,
        },
        { capacityKwh: 10, maxChargeKw: 5, maxDischargeKw: 5 },
      ]),
    );
    const storage = simulateConfig(["--storage", "200:50:50:0.81:0.25", "--storage", file]).options.storage!;
    expect(storage.map((b) => b.id)).toEqual(["battery1", "bess", "battery3"]);
    expect(storage[0]).toMatchObject({ capacityKwh: 200, initialEnergyKwh: 50, maxChargeKw: 50, maxDischargeKw: 50, minEnergyKwh: 0 });
    expect(storage[0].chargeEfficiency).toBeCloseTo(0.9, 12);
    expect(storage[0].dischargeEfficiency).toBeCloseTo(0.9, 12);
    expect(storage[1]).toMatchObject({ initialEnergyKwh: 30, minEnergyKwh: 10, chargeEfficiency: 1, dischargeEfficiency: 0.95 });
    expect(storage[2]).toMatchObject({ initialEnergyKwh: 5, chargeEfficiency: 1 });
    expect(simulateConfig([]).options.storage).toBeUndefined();
  });

  const bad = (name: string, body: unknown) => {
    const file = join(tmp, name);
    writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body));
    return file;
  };
  const cases: [string, string, RegExp][] = [
    ["zero capacity", "0:10:10", /capacityKwh must be > 0/],
    ["negative power", "10:-5:5", /maxChargeKw must be ≥ 0/],
    ["no power", "10:0:0", /must not both be 0/],
    ["efficiency above 1", "10:5:5:1.2", /roundTripEfficiency must be in \(0, 1\]/],
    ["state of charge above 1", "10:5:5:0.9:1.5", /initialSoc must be in 0\.\.1/],
    ["too few fields", "10:5", /neither capacityKwh:maxChargeKw:maxDischargeKw.*nor a readable JSON file/],
    ["a missing file", "/nonexistent/batteries.json", /no such file/],
    ["invalid JSON", bad("broken.json", "{"), /invalid JSON/],
    ["a bad field", bad("negative.json", [{ capacityKwh: -1, maxChargeKw: 1, maxDischargeKw: 1 }]), /\[0\]\.capacityKwh: must be > 0/],
    ["an unknown field", bad("unknown.json", { capacityKwh: 5, maxChargeKw: 1, maxDischargeKw: 1, size: 3 }), /unknown field "size"/],
    [
      "a final energy",
      bad("final.json", { capacityKwh: 5, maxChargeKw: 1, maxDischargeKw: 1, finalEnergyKwh: 5 }),
      /finalEnergyKwh: not settable in simulate/,
    ],
    [
      "energy above capacity",
      bad("over.json", { capacityKwh: 5, maxChargeKw: 1, maxDischargeKw: 1, initialEnergyKwh: 6 }),
      /initialEnergyKwh: must not exceed capacityKwh/,
    ],
    ["an empty file", bad("empty.json", []), /no battery/],
    [
      "a duplicate id",
      bad("dup.json", [{ id: "battery1", capacityKwh: 5, maxChargeKw: 1, maxDischargeKw: 1 }]),
      /duplicate battery id "battery1"/,
    ],
  ];
  for (const [what, value, message] of cases) {
    it(`${what}: exit code 2 and a message naming --storage`, async () => {
      const args = ["simulate", "--sessions", FIXTURE, "--storage", "10:5:5", "--storage", value, "--out", join(tmp, "never")];
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--storage/);
      expect(run.stderr).toMatch(message);
    });
  }

  it("the report carries the battery's figures and savings (metrics.json, metrics.csv, metrics.md)", async () => {
    const out = join(tmp, "report");
    const run = await runCli([
      "simulate",
      "--sessions",
      FIXTURE,
      "--tariff",
      TARIFF,
      "--timezone",
      "UTC",
      "--slot-minutes",
      "60",
      "--capacity-kw",
      "20",
      "--strategies",
      "edf,optimal",
      "--storage",
      "20:10:10",
      "--no-png",
      "--out",
      out,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/battery 10\.0→\d+\.\d kWh, throughput/);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.scenario.storage).toEqual([expect.objectContaining({ id: "battery1", capacityKwh: 20, initialEnergyKwh: 10 })]);
    for (const m of metrics.strategies) {
      expect(m).toHaveProperty("storageThroughputKwh");
      expect(m.storageStartKwh).toBe(10);
      expect(m.storageEndKwh).toBeGreaterThanOrEqual(10 - 1e-6);
      expect(typeof m.demandChargeSaving).toBe("number");
    }
    const edf = metrics.strategies.find((m: { strategy: string }) => m.strategy === "edf");
    expect(edf.demandChargeSaving).toBe(0);
    expect(readFileSync(join(out, "metrics.md"), "utf8")).toMatch(/battery throughput kWh \| peak lowered kW \| demand charge saved/);
    expect(readFileSync(join(out, "metrics.csv"), "utf8").split("\n")[0]).toMatch(/storageEndKwh,.*demandChargeSaving/);
  });
});
