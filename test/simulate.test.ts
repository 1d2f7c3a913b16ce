import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeMetrics, type StrategyMetrics } from "../service/simulate/metrics.js";
import { loadSessions } from "../service/simulate/sessions.js";
import { loadSeries, loadTariff } from "../service/simulate/series.js";
import {
  DEFAULT_SIMULATION_OPTIONS,
  buildGrid,
  isSimStrategy,
  prepareSessions,
  simStrategyNames,
  simulate,
  type SimStrategy,
  type SimulationOptions,
} from "../service/simulate/simulator.js";
import { parseCapacities, parseStrategies, simulateConfig } from "../service/cli/simulate-command.js";
import { runCli } from "./cli-capture.js";
import { STRATEGIES } from "../engine/scheduler/strategies.js";
import { parseInstant, zonedTime } from "../service/simulate/time.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { expectValidSvg } from "./fixtures/svg-check.js";

const FIXTURE = "test/fixtures/sessions-acn-data.csv";
const DECLARED = "test/fixtures/sessions-declared.csv";
const TARIFF = "test/fixtures/tariff-flat.json";
const START = Date.parse("2026-01-05T08:00:00Z");
const tmp = mkdtempSync(join(tmpdir(), "wattplan-simulate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An ACN-Data sessions file in the test's directory, with these rows below the header. */
function sessionsCsv(name: string, rows: string[]): string {
  const file = join(tmp, name);
  writeFileSync(
    file,
    [
      "sessionID,stationID,connectionTime_utc,disconnectTime_utc,kWhDelivered,kWhRequested_last_input,requestedDeparture_utc_last_input",
      ...rows,
    ].join("\n"),
  );
  return file;
}

/** The fixture on hourly slots, 10 kW site, EVs at 7 kW, flat 0.2/kWh and 10/kW demand charge. */
function replayFixture(strategy: SimStrategy, file = FIXTURE, capacityKw = 10, extra: Partial<SimulationOptions> = {}) {
  const replay = loadSessions(file, { defaultMaxChargeKw: 7 }).sessions;
  const grid = buildGrid(START, 3, 24, 60, { timeZone: "UTC", tariff: loadTariff(TARIFF, "UTC") });
  const sessions = prepareSessions(replay, grid, { v2gShare: 0, seed: 1 });
  const options: SimulationOptions = { ...DEFAULT_SIMULATION_OPTIONS, slotMinutes: 60, horizonSlots: 12, capacityKw, ...extra };
  const run = simulate(strategy, sessions, grid, options);
  return { run, sessions, grid, metrics: computeMetrics(run, sessions, grid) };
}

describe("cars that leave earlier than announced", () => {
  it("their shortfall is reported apart from the others'", () => {
    // F: 7 kW, announced 20 kWh by 14:00, really leaves at 10:00 having wanted 14 kWh. G: 7 kW,
    // 5 kWh, leaves when announced (11:00). 10 kW: uncontrolled scales the 7 + 5 kW wanted at 8:00
    // (G's power capped at what it still needs) by 10/12, then F gets 7 kW at 9:00 and G the rest:
    // F has 70/12 + 7 of its 14 kWh, 7/6 short; G is served.
    const file = sessionsCsv("early.csv", [
      "F,S1,2026-01-05T08:00:00Z,2026-01-05T10:00:00Z,14,20,2026-01-05T14:00:00Z",
      "G,S2,2026-01-05T08:00:00Z,2026-01-05T11:00:00Z,5,5,2026-01-05T11:00:00Z",
    ]);
    const { metrics } = replayFixture("uncontrolled", file, 10);
    expect(metrics.earlyLeavers).toBe(1);
    expect(metrics.earlyLeaverShortfallKwh).toBeCloseTo(7 / 6, 9);
    expect(metrics.otherShortfallKwh).toBeCloseTo(0, 9);
    expect(metrics.sessionsFullyServedShare).toBeCloseTo(0.5, 12);
  });
});

describe("simulator on a hand-computed fixture", () => {
  it("edf: C first at 9:00, then A before B (tie broken by arrival order); B ends 1 kWh short", () => {
    const { run, metrics } = replayFixture("edf");
    expect(Array.from(run.netImportKw)).toEqual([7, 10, 8]);
    expect(Array.from(run.deliveredKwh).map((x) => +x.toFixed(9))).toEqual([12, 7, 6]);
    expect(metrics.energyDeliveredShare).toBeCloseTo(25 / 26, 12);
    expect(metrics.sessionsFullyServedShare).toBeCloseTo(2 / 3, 12);
    expect(metrics.energyCost).toBeCloseTo(0.2 * 25, 9);
    expect(metrics.demandCharge).toBeCloseTo(10 * 10, 9);
    expect(metrics.totalCost).toBeCloseTo(105, 9);
    expect(metrics.peakImportKw).toBeCloseTo(10, 9);
    expect(metrics.solves).toBe(3);
  });

  it("llf: C, then B (less slack than A) at 9:00; everything delivered", () => {
    const { run, metrics } = replayFixture("llf");
    expect(Array.from(run.netImportKw).map((x) => +x.toFixed(9))).toEqual([7, 10, 9]);
    expect(Array.from(run.deliveredKwh).map((x) => +x.toFixed(9))).toEqual([12, 8, 6]);
    expect(metrics.energyDeliveredShare).toBeCloseTo(1, 12);
    expect(metrics.sessionsFullyServedShare).toBe(1);
  });

  it("uncontrolled: the 18 kW wanted at 9:00 scaled to the 10 kW there is", () => {
    const { run, metrics } = replayFixture("uncontrolled");
    const k = 10 / 18;
    expect(run.netImportKw[0]).toBeCloseTo(7, 9);
    expect(run.netImportKw[1]).toBeCloseTo(10, 9);
    expect(run.netImportKw[2]).toBeCloseTo(5 - 5 * k + (8 - 7 * k), 9);
    expect(run.deliveredKwh[0]).toBeCloseTo(12, 9);
    expect(run.deliveredKwh[1]).toBeCloseTo(8, 9);
    expect(run.deliveredKwh[2]).toBeCloseTo(6 * k, 9);
    expect(metrics.energyDeliveredShare).toBeCloseTo((20 + 6 * k) / 26, 9);
  });

  /** A fixture of sessions on 2026-01-05: [id, arrival hour, departure hour, kWh, announced departure hour]. */
  function sessionsFile(name: string, rows: [string, number, number, number, number][]): string {
    const at = (hour: number) => `2026-01-05T${String(hour).padStart(2, "0")}:00:00Z`;
    return sessionsCsv(
      name,
      rows.map(([id, from, to, kwh, announced], i) => `${id},S${i},${at(from)},${at(to)},${kwh},${kwh},${at(announced)}`),
    );
  }

  it("--recompute-every keeps a plan between events, and the same schedule as solving every slot", () => {
    // Solves at 8:00 (A arrives) and 9:00 (B arrives); nothing happens at 10:00, which runs the 9:00 plan.
    const file = sessionsFile("quiet.csv", [
      ["A", 8, 11, 12, 11],
      ["B", 9, 11, 8, 11],
    ]);
    const every = replayFixture("edf", file, 10, { recomputeEvery: 3, evStops: "silent" });
    expect(every.metrics.solves).toBe(2);
    expect(Number.isNaN(every.run.solveMs[2])).toBe(true);
    expect(Array.from(every.run.netImportKw)).toEqual(Array.from(replayFixture("edf", file, 10, { evStops: "silent" }).run.netImportKw));
  });

  it("a departure forces a new plan, as an arrival does (ACN-Sim's unplug event)", () => {
    // C leaves at 10:00: the 9:00 plan is replaced although 3 slots may pass between solves.
    const every = replayFixture("edf", FIXTURE, 10, { recomputeEvery: 3, evStops: "silent" });
    expect(every.metrics.solves).toBe(3);
    expect(Number.isFinite(every.run.solveMs[2])).toBe(true);
    expect(Array.from(every.run.netImportKw)).toEqual([7, 10, 8]);
  });

  it("a new billing period forces a new plan: the one before took that period's peak as paid", () => {
    // 10 $/kW a month. A (22:00-23:00, 7 kWh) sets January's peak at 7 kW; B (22:00-03:00, 14 kWh)
    // is planned at 23:00 (A leaves) as 7 + 7 kW, its 00:00 slot free below January's paid peak.
    // Re-planned at 00:00, February's first slot, it spreads the last 7 kWh over 3 h: 7/3 kW.
    const file = sessionsCsv("months.csv", [
      "A,S1,2026-01-31T22:00:00Z,2026-01-31T23:00:00Z,7,7,2026-01-31T23:00:00Z",
      "B,S2,2026-01-31T22:00:00Z,2026-02-01T03:00:00Z,14,14,2026-02-01T03:00:00Z",
    ]);
    const replay = loadSessions(file, { defaultMaxChargeKw: 7 }).sessions;
    const grid = buildGrid(Date.parse("2026-01-31T22:00:00Z"), 5, 24, 60, { timeZone: "UTC", tariff: loadTariff(TARIFF, "UTC") });
    const sessions = prepareSessions(replay, grid, { v2gShare: 0, seed: 1 });
    const options: SimulationOptions = {
      ...DEFAULT_SIMULATION_OPTIONS,
      slotMinutes: 60,
      horizonSlots: 5,
      capacityKw: 20,
      recomputeEvery: 5,
    };
    const run = simulate("optimal", sessions, grid, options);
    expect(Array.from(grid.billingPeriod.subarray(0, 5))).toEqual([0, 0, 1, 1, 1]);
    expect(Number.isFinite(run.solveMs[2])).toBe(true);
    expect(run.netImportKw[1]).toBeCloseTo(7, 4);
    for (const k of [2, 3, 4]) expect(run.netImportKw[k]).toBeCloseTo(7 / 3, 4);
    expect(run.deliveredKwh[1]).toBeCloseTo(14, 4);
  });

  it("an EV still plugged in at the departure it was planned to forces a new plan", () => {
    // H announces 9:00 but stays until 11:00: the 8:00 plan has nothing for it after 9:00, so 9:00 and
    // 10:00 re-plan it as due at the end of each slot, and it gets its 10 kWh (7 + 3), not 7.
    const file = sessionsFile("overstay.csv", [["H", 8, 11, 10, 9]]);
    const every = replayFixture("edf", file, 10, { recomputeEvery: 3, evStops: "silent" });
    expect(every.metrics.solves).toBe(3);
    expect(every.run.deliveredKwh[0]).toBeCloseTo(10, 9);
  });

  it("draws V2G EVs reproducibly from the seed, with room to charge and a floor", () => {
    const replay = loadSessions(FIXTURE, { defaultMaxChargeKw: 7 }).sessions;
    const grid = buildGrid(START, 3, 24, 60, { timeZone: "UTC" });
    const a = prepareSessions(replay, grid, { v2gShare: 1, seed: 7 });
    expect(prepareSessions(replay, grid, { v2gShare: 1, seed: 7 })).toEqual(a);
    for (const s of a) {
      expect(s.v2g).toBe(true);
      expect(s.maxDischargeKw).toBeGreaterThan(0);
      expect(s.initialEnergyKwh).toBeGreaterThanOrEqual(0.2 * s.capacityKwh - 1e-9);
      expect(s.initialEnergyKwh + replay.find((r) => r.id === s.id)!.energyKwh).toBeLessThanOrEqual(s.capacityKwh + 1e-9);
      expect(s.minEnergyKwh).toBeCloseTo(0.2 * s.capacityKwh, 12);
    }
    expect(prepareSessions(replay, grid, { v2gShare: 0, seed: 7 }).every((s) => !s.v2g && s.maxDischargeKw === 0)).toBe(true);
  });

  it("the scheduler is told the declared energy and departure; the EV takes no more than it really took", () => {
    const { run, sessions, metrics } = replayFixture("edf", DECLARED, 100);
    // D declared 20 kWh by 10:00 but really took 10; E declared only 4.
    expect(sessions.map((s) => s.requestedKwh)).toEqual([10, 4]);
    expect(Array.from(run.netImportKw).map((x) => +x.toFixed(9))).toEqual([11, 3, 0]);
    expect(Array.from(run.deliveredKwh).map((x) => +x.toFixed(9))).toEqual([10, 4]);
    expect(metrics.energyDeliveredShare).toBeCloseTo(1, 12);
  });
});

describe("strategies come from the API's registry", () => {
  it("accepts exactly the registry's names plus optimal+forecast and offline", () => {
    expect(simStrategyNames()).toEqual([...Object.keys(STRATEGIES), "optimal+forecast", "offline"]);
    for (const name of Object.keys(STRATEGIES)) expect(isSimStrategy(name)).toBe(true);
    expect(isSimStrategy("fcfs")).toBe(false);
    expect(parseStrategies("edf, llf,edf")).toEqual(["edf", "llf"]);
    expect(() => parseStrategies("edf,fcfs")).toThrow(
      /unknown strategy "fcfs".*one of optimal, uncontrolled, equalShare, edf, llf, optimal\+forecast, offline/,
    );
  });

  it("the benchmark's scenarios are valid command lines over the shared data", async () => {
    const { SCENARIOS } = await import("../bench/strategies/scenarios.js");
    expect(SCENARIOS.map((s) => s.name)).toEqual(["acn-capacity-sweep", "acn-site"]);
    for (const scenario of SCENARIOS) {
      const config = simulateConfig([...scenario.args, "--out", join(tmp, scenario.name)]);
      expect(config.strategies).toEqual(["uncontrolled", "equalShare", "edf", "llf", "optimal", "offline"]);
      expect(config.options.slotMinutes).toBe(5);
    }
    expect(simulateConfig(SCENARIOS[0].args).capacitiesKw).toHaveLength(27);
  });

  it("finds the real data through WATTPLAN_DATA_DIR and names the setting when a file is absent", async () => {
    const saved = process.env.WATTPLAN_DATA_DIR;
    try {
      process.env.WATTPLAN_DATA_DIR = tmp;
      expect(() => dataFile("sessions", "acn-caltech-2019-03.csv")).toThrow(/not found; set WATTPLAN_DATA_DIR/);
      const run = await runCli(["simulate", "--out", join(tmp, "nodata")]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/acn-caltech-2019-03\.csv: not found; set WATTPLAN_DATA_DIR/);
    } finally {
      if (saved === undefined) delete process.env.WATTPLAN_DATA_DIR;
      else process.env.WATTPLAN_DATA_DIR = saved;
    }
    expect(dataFile("sessions", "acn-caltech-2019-03.csv")).toMatch(/shared\/data\/sessions\/acn-caltech-2019-03\.csv$/);
  });

  it("reads capacity lists and ranges", () => {
    expect(parseCapacities("50")).toEqual([50]);
    expect(parseCapacities("20,40, 60")).toEqual([20, 40, 60]);
    expect(parseCapacities("10:30:5")).toEqual([10, 15, 20, 25, 30]);
    expect(() => parseCapacities("10:5:5")).toThrow(/lo ≤ hi/);
    expect(() => parseCapacities("fifty")).toThrow(/numbers ≥ 0/);
  });
});

describe("the offline bound", () => {
  const online: SimStrategy[] = ["uncontrolled", "equalShare", "edf", "llf", "optimal"];
  const objective = (m: StrategyMetrics) =>
    m.totalCost + DEFAULT_SIMULATION_OPTIONS.shortfallPenaltyPerKwh * (m.energyRequestedKwh - m.energyDeliveredKwh);

  it("is never worse than an online strategy, in energy delivered and in cost with the shortfall penalty", () => {
    const offline = replayFixture("offline").metrics;
    // Hand-computed: everything (26 kWh) fits; the least peak is 9.5 kW (A alone before 9:00).
    expect(offline.energyDeliveredShare).toBeCloseTo(1, 6);
    expect(offline.peakImportKw).toBeCloseTo(9.5, 4);
    expect(offline.totalCost).toBeCloseTo(0.2 * 26 + 10 * 9.5, 3);
    for (const strategy of online) {
      const m = replayFixture(strategy).metrics;
      expect(offline.energyDeliveredShare, strategy).toBeGreaterThanOrEqual(m.energyDeliveredShare - 1e-6);
      expect(objective(offline), strategy).toBeLessThanOrEqual(objective(m) + 1e-3);
    }
    // Online MPC knows only A at 8:00 and spreads it to keep the peak low: myopic, it ends short.
    const mpc = replayFixture("optimal").metrics;
    expect(mpc.energyDeliveredShare).toBeLessThan(1 - 1e-3);
  });
});

describe("input files", () => {
  it("reads the time-of-use tariff in local time (SCE TOU-EV-4, March 2019)", () => {
    const tz = "America/Los_Angeles";
    const tou = loadTariff(dataFile("tariffs", "sce_tou_ev_4_march_2019.json"), tz);
    expect(tou.energyRate(zonedTime(2019, 3, 4, 13, 0, tz))).toBe(0.0869); // Monday, 12-18 block
    expect(tou.energyRate(zonedTime(2019, 3, 4, 7, 55, tz))).toBe(0.06087);
    expect(tou.energyRate(zonedTime(2019, 3, 2, 13, 0, tz))).toBe(0.06087); // Saturday
    expect(tou.demandRate(zonedTime(2019, 3, 4, 13, 0, tz))).toBe(15.51);
  });

  it("reads ENTSO-E prices per MWh into per kWh, and hour-ending EnergyPlus load by the hour it covers", () => {
    const prices = loadSeries(dataFile("prices", "nl-day-ahead-2023.csv"), { timeZone: "Europe/Amsterdam", scale: 1e-3 });
    expect(prices.at(Date.parse("2022-12-31T23:30:00Z"))).toBeCloseTo(-3.61e-3, 12);
    expect(prices.yearAligned).toBe(false);
    const load = loadSeries(dataFile("load", "office-medium-los-angeles.csv"), { timeZone: "America/Los_Angeles" });
    // "01/01 01:00:00" is the hour 00:00-01:00 of 1 January, in any year.
    expect(load.at(zonedTime(2019, 1, 1, 0, 30, "America/Los_Angeles"))).toBeCloseTo(33.5753521762, 9);
    expect(load.yearAligned).toBe(true);
  });

  it("reads the ACN-Sim events layout with declared departures", () => {
    const file = loadSessions(dataFile("sessions", "acn-caltech-2019-03.csv"));
    expect(file.format).toBe("acn-sim-events");
    expect(file.sessions).toHaveLength(954);
    const first = file.sessions[0];
    expect(first.arrivalMs).toBe(Date.parse("2019-03-01T06:20:00-08:00"));
    expect(first.maxChargeKw).toBe(6.6);
    expect(first.declaredDepartureMs).toBe(first.departureMs);
  });

  it("parses dates as local midnight", () => {
    expect(parseInstant("2019-03-01", "America/Los_Angeles")).toBe(Date.parse("2019-03-01T00:00:00-08:00"));
    expect(parseInstant("2019-03-01T10:00", "UTC")).toBeNaN();
  });
});

describe("wattplan simulate", () => {
  const base = [
    "simulate",
    "--sessions",
    FIXTURE,
    "--timezone",
    "UTC",
    "--slot-minutes",
    "60",
    "--horizon-hours",
    "6",
    "--max-charge-kw",
    "7",
    "--tariff",
    TARIFF,
    "--from",
    "2026-01-05T08:00:00Z",
  ];

  it("writes metrics (JSON, CSV, Markdown) with one entry per strategy, and plots that are SVG", async () => {
    const out = join(tmp, "run");
    const run = await runCli([...base, "--capacity-kw", "10", "--strategies", "uncontrolled,edf,llf", "--out", out, "--no-png"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^llf +delivered 100\.00%/m);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { strategies: Record<string, unknown>[] };
    expect(metrics.strategies.map((m) => m.strategy)).toEqual(["uncontrolled", "edf", "llf"]);
    for (const m of metrics.strategies) {
      for (const key of [
        "energyDeliveredShare",
        "sessionsFullyServedShare",
        "energyCost",
        "demandCharge",
        "totalCost",
        "peakImportKw",
        "v2gEnergyKwh",
        "solveMsMedian",
        "solveMsP99",
      ]) {
        expect(typeof m[key], key).toBe("number");
      }
    }
    expect(metrics.strategies[1].energyDeliveredShare).toBeCloseTo(25 / 26, 9);
    const csv = readFileSync(join(out, "metrics.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(4);
    expect(csv[0].split(",").slice(0, 3)).toEqual(["strategy", "capacityKw", "energyDeliveredShare"]);
    expect(readFileSync(join(out, "metrics.md"), "utf8")).toMatch(/\| edf \| 96\.15 \|/);
    for (const plot of ["energy-vs-capacity", "site-load-day", "solve-time"]) {
      expectValidSvg(readFileSync(join(out, `${plot}.svg`), "utf8"));
    }
  });

  it("sweeps capacities, reports the mean, and renders PNGs", async () => {
    const out = join(tmp, "sweep");
    expect((await runCli([...base, "--capacity-kw", "5:15:5", "--strategies", "edf,llf", "--out", out])).code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as {
      strategies: StrategyMetrics[];
      byCapacity: { capacityKw: number; strategies: StrategyMetrics[] }[];
    };
    expect(metrics.byCapacity.map((c) => c.capacityKw)).toEqual([5, 10, 15]);
    const llf = metrics.byCapacity.map((c) => c.strategies.find((m) => m.strategy === "llf")!.energyDeliveredShare);
    expect(metrics.strategies[1].energyDeliveredShare).toBeCloseTo((llf[0] + llf[1] + llf[2]) / 3, 12);
    expect(llf[0]).toBeLessThan(llf[2]);
    const png = readFileSync(join(out, "energy-vs-capacity.png"));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("--jobs runs the replays in worker threads, to the same metrics and in the same order", async () => {
    const args = [...base, "--capacity-kw", "5,10", "--strategies", "edf,optimal,llf", "--no-png"];
    const one = join(tmp, "jobs-1");
    const two = join(tmp, "jobs-2");
    expect((await runCli([...args, "--out", one])).code).toBe(0);
    const threaded = await runCli([...args, "--jobs", "2", "--out", two]);
    expect(threaded.code).toBe(0);
    expect(threaded.stderr).toMatch(/3 strategies × 2 capacities, 2 jobs/);
    // Every replay is reported once, as it ends.
    expect(threaded.stderr.match(/\[\d\/6\] \d+ kW · \S+: delivered/g)).toHaveLength(6);
    const untimed = (dir: string) =>
      JSON.stringify(JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")).byCapacity, (key: string, value: unknown) =>
        ["runSeconds", "solveMsMedian", "solveMsP99"].includes(key) ? undefined : value,
      );
    const expected = untimed(one);
    expect(expected).toContain('"strategy":"optimal"');
    expect(untimed(two)).toBe(expected);
    expect(readFileSync(join(two, "site-load-day.svg"), "utf8")).toContain("optimal");
  });

  it("exits 2 with a message on bad input", async () => {
    const out = join(tmp, "bad");
    const cases: [string[], RegExp][] = [
      [[...base, "--capacity-kw", "ten", "--out", out], /--capacity-kw: "ten" must be numbers/],
      [[...base, "--strategies", "fcfs", "--out", out], /unknown strategy "fcfs"/],
      [["simulate", "--sessions", "test/fixtures/missing.csv", "--out", out], /missing\.csv: no such file/],
      [["simulate", "--sessions", TARIFF, "--out", out], /not a session file this tool reads/],
      [[...base, "--timezone", "Mars/Olympus", "--out", out], /unknown time zone "Mars\/Olympus"/],
      [[...base, "--to", "2026-01-05T08:00:00Z", "--out", out], /--to must be after --from/],
      [[...base, "--jobs", "0", "--out", out], /--jobs.*an integer from 1 to 64/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(message);
    }
  });
});

describe("warm re-plans (simulate warmStart)", () => {
  it("solves every slot optimally, and to the same cost as cold re-plans within spec §7's tolerance per solve", () => {
    const cold = replayFixture("optimal");
    const warm = replayFixture("optimal", FIXTURE, 10, { warmStart: true });
    expect(warm.run.solves).toBe(cold.run.solves);
    expect(warm.run.nonOptimalSolves).toBe(0);
    expect(cold.run.nonOptimalSolves).toBe(0);
    // Each plan is optimal within max(1e-4·|total|, 1e-3); the replay applies only first slots, so allow a sum of those.
    expect(Math.abs(warm.metrics.totalCost - cold.metrics.totalCost)).toBeLessThanOrEqual(
      cold.run.solves * Math.max(1e-4 * Math.abs(cold.metrics.totalCost), 1e-3),
    );
  });
});
