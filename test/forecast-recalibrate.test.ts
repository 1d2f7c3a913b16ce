/**
 * Online recalibration (service/forecast/recalibrate.ts): the ACI update
 * rule, the level map, serialisation, a seeded history whose stays and
 * energies drift in the test period (the static model's quantiles miss, the
 * recalibrated ones come back to nominal), and the simulator learning an
 * outcome only after the session really ended.
 */
import { describe, expect, it } from "vitest";
import {
  ForecastInputError,
  type HistorySession,
  newRecalibration,
  plugInForecast,
  predictSession,
  type Recalibration,
  recalibrate,
  recalibratedLevels,
  trainForecast,
} from "../service/forecast/index.js";
import { simulateConfig } from "../service/cli/simulate-command.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { prepareReplay } from "../service/simulate/run.js";
import {
  DEFAULT_SIMULATION_OPTIONS,
  OPTIMAL_FORECAST,
  simulate,
  type SimSession,
  type SimulationOptions,
} from "../service/simulate/simulator.js";
import type { Request } from "../engine/model/schema.js";
import { Random } from "../service/simulate/random.js";
import { zonedTime } from "../service/simulate/time.js";

const TZ = "America/Los_Angeles";
const H = 3_600_000;
const LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9];

/**
 * Weekdays from 2021-01-04 (a Monday): 12 cars a day arriving around 08:30,
 * staying about 6 h and taking about 12 kWh; from day `driftFrom` on, stays
 * are 1 h longer and energies 15 % larger (the drift a season brings; a
 * level map reads the model's own sample, so a drift past the sample's
 * extremes could not be followed in the tails).
 */
function driftingHistory(seed: number, days: number, driftFrom: number): HistorySession[] {
  const r = new Random(seed);
  const out: HistorySession[] = [];
  for (let day = 0; day < days; day++) {
    if (day % 7 >= 5) continue;
    const drift = day >= driftFrom;
    for (let c = 0; c < 12; c++) {
      const arrivalMs = zonedTime(2021, 1, 4 + day, 0, 0, TZ) + Math.round(Math.min(11, Math.max(6, r.normal(8.5, 1))) * H);
      const stayH = Math.max(0.5, r.normal(6, 1.5)) + (drift ? 1 : 0);
      const energyKwh = Math.max(1, r.normal(12, 3)) * (drift ? 1.15 : 1);
      out.push({ evseId: `evse-${c}`, arrivalMs, departureMs: arrivalMs + Math.round(stayH * H), energyKwh });
    }
  }
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}

/** Share of actuals at or below each quantile. */
function coverage(pairs: { actual: number; q: number[] }[]): number[] {
  return LEVELS.map((_, i) => pairs.filter((p) => p.actual <= p.q[i]).length / pairs.length);
}

describe("recalibrate (ACI)", () => {
  it("steps each level by γ(α − 1[y ≤ q]) and leaves the given state as it was", () => {
    const r = newRecalibration({ gamma: 0.1, levels: [0.25, 0.75] });
    const arrivalMs = Date.UTC(2021, 5, 1, 15);
    // Stay of 5 h against quantiles 4 h and 6 h: above the first (a miss), below the second.
    // Energy 10 kWh against 10 and 20: at or below both.
    const next = recalibrate(r, { arrivalMs, durationH: [4, 6], energyKwh: [10, 20] }, { departureMs: arrivalMs + 5 * H, energyKwh: 10 });
    expect(next.adjusted.stay[0]).toBeCloseTo(0.25 + 0.1 * 0.25);
    expect(next.adjusted.stay[1]).toBeCloseTo(0.75 - 0.1 * 0.25);
    expect(next.adjusted.energy[0]).toBeCloseTo(0.25 - 0.1 * 0.75);
    expect(next.adjusted.energy[1]).toBeCloseTo(0.75 - 0.1 * 0.25);
    expect(next.outcomes).toBe(1);
    expect(next.lastDepartureMs).toBe(arrivalMs + 5 * H);
    expect(r.adjusted.stay).toEqual([0.25, 0.75]);
    expect(r.outcomes).toBe(0);
  });

  it("maps asked levels through the interpolated, non-decreasing level map", () => {
    const r: Recalibration = { ...newRecalibration({ levels: [0.25, 0.75] }), adjusted: { stay: [0.35, 0.3], energy: [0.25, 0.75] } };
    // Crossed levels are read non-decreasing; between and beyond them linearly (0 → 0, 1 → 1).
    expect(recalibratedLevels(r, "stay", [0.25, 0.5, 0.75])).toEqual([0.35, 0.35, 0.35]);
    expect(recalibratedLevels(r, "stay", [0.125])[0]).toBeCloseTo(0.175);
    expect(recalibratedLevels(r, "energy", [0.1, 0.5, 0.9])).toEqual([0.1, 0.5, 0.9].map((x) => expect.closeTo(x, 12)));
    // A level the state stepped past 1 is read just inside (0, 1).
    const past: Recalibration = { ...r, adjusted: { stay: [0.25, 1.02], energy: [0.25, 0.75] } };
    expect(recalibratedLevels(past, "stay", [0.75])[0]).toBeLessThan(1);
    expect(() => newRecalibration({ gamma: 0 })).toThrow(ForecastInputError);
    expect(() => newRecalibration({ levels: [0.5, 0.25] })).toThrow(/ascending/);
  });

  it("a fresh state forecasts as the model does, and a state survives JSON", () => {
    const history = driftingHistory(3, 40, 1000);
    const model = trainForecast(history, { timeZone: TZ });
    const query = { evseId: "evse-2", arrivalMs: zonedTime(2021, 3, 1, 8, 30, TZ), levels: LEVELS };
    expect(predictSession(model, query, newRecalibration())).toEqual(predictSession(model, query));
    let r = newRecalibration();
    for (const s of history.slice(0, 50)) r = recalibrate(r, plugInForecast(model, r, { evseId: s.evseId, arrivalMs: s.arrivalMs }), s);
    const copy = JSON.parse(JSON.stringify(r)) as Recalibration;
    expect(copy).toEqual(r);
    expect(predictSession(model, query, copy)).toEqual(predictSession(model, query, r));
    expect(predictSession(model, query, r)).not.toEqual(predictSession(model, query));
  });
});

describe("online recalibration under drift", () => {
  // 8 weeks to train on, then 16 weeks in which stays are 1 h longer and energies 15 % larger.
  const history = driftingHistory(11, 24 * 7, 8 * 7);
  const splitMs = zonedTime(2021, 1, 4 + 8 * 7, 0, 0, TZ);
  const train = history.filter((s) => s.arrivalMs < splitMs);
  const test = history.filter((s) => s.arrivalMs >= splitMs);
  const model = trainForecast(train, { timeZone: TZ });

  /** The test sessions in time order, each forecast at arrival; outcomes learned once departed before it. */
  function run() {
    let state = newRecalibration();
    const pending: { s: HistorySession; atPlugIn: ReturnType<typeof plugInForecast> }[] = [];
    const stay: { actual: number; q: number[] }[] = [];
    const energy: { actual: number; q: number[] }[] = [];
    const stat = { stay: [] as { actual: number; q: number[] }[], energy: [] as { actual: number; q: number[] }[] };
    for (const s of test) {
      pending.sort((a, b) => a.s.departureMs - b.s.departureMs);
      while (pending.length > 0 && pending[0].s.departureMs < s.arrivalMs) {
        const p = pending.shift()!;
        state = recalibrate(state, p.atPlugIn, p.s);
      }
      // Never an outcome from after the forecast's time.
      if (state.lastDepartureMs !== null) expect(state.lastDepartureMs).toBeLessThan(s.arrivalMs);
      const query = { evseId: s.evseId, arrivalMs: s.arrivalMs, levels: LEVELS };
      const f = predictSession(model, query, state);
      const fixed = predictSession(model, query);
      const actualH = (s.departureMs - s.arrivalMs) / H;
      stay.push({ actual: actualH, q: f.durationH });
      energy.push({ actual: s.energyKwh, q: f.energyKwh });
      stat.stay.push({ actual: actualH, q: fixed.durationH });
      stat.energy.push({ actual: s.energyKwh, q: fixed.energyKwh });
      pending.push({ s, atPlugIn: plugInForecast(model, state, query) });
    }
    return { state, stay, energy, stat };
  }

  it("brings every quantile of stay and energy within ±5 points of nominal, where the static model misses", () => {
    const { state, stay, energy, stat } = run();
    expect(test.length).toBeGreaterThan(900);
    expect(state.outcomes).toBeGreaterThan(test.length - 20);
    const staticStay = coverage(stat.stay);
    const staticEnergy = coverage(stat.energy);
    // The static model, trained before the drift, holds far too few actuals below its middle quantiles.
    expect(staticStay[2]).toBeLessThan(0.35);
    expect(staticEnergy[2]).toBeLessThan(0.35);
    expect(Math.max(...LEVELS.map((l, i) => Math.abs(staticStay[i] - l)))).toBeGreaterThan(0.15);
    coverage(stay).forEach((c, i) => expect(Math.abs(c - LEVELS[i])).toBeLessThan(0.05));
    coverage(energy).forEach((c, i) => expect(Math.abs(c - LEVELS[i])).toBeLessThan(0.05));
    // It learned longer stays and larger energies: the median is read above 0.5.
    expect(state.adjusted.stay[2]).toBeGreaterThan(0.6);
    expect(state.adjusted.energy[2]).toBeGreaterThan(0.6);
  });

  it("is deterministic", () => {
    expect(run().state).toEqual(run().state);
  });
});

describe("simulate --forecast-recalibration", () => {
  const args = ["--sessions", dataFile("sessions", "acn-caltech-2020-12_2021-09.csv"), "--from", "2021-06-07", "--to", "2021-06-10"];
  args.push("--capacity-kw", "30", "--slot-minutes", "15", "--strategies", "optimal");

  it("parses the step", () => {
    expect(simulateConfig([...args, "--forecast"]).forecast?.recalibrationGamma).toBeUndefined();
    expect(simulateConfig([...args, "--forecast-recalibration", "on"]).forecast?.recalibrationGamma).toBe(0.02);
    expect(simulateConfig([...args, "--forecast-recalibration", "0.05"]).forecast?.recalibrationGamma).toBe(0.05);
    expect(simulateConfig([...args, "--forecast-recalibration", "none"]).forecast?.recalibrationGamma).toBeUndefined();
    expect(() => simulateConfig([...args, "--forecast-recalibration", "1.5"])).toThrow(/forecast-recalibration/);
  });

  it("learns an outcome only after the session's real departure: changing later departures changes no earlier plan", () => {
    const config = simulateConfig([...args, "--forecast-recalibration", "0.05"]);
    const prepared = prepareReplay(config);
    const { grid } = prepared;
    const slotMs = grid.slotMinutes * 60_000;
    // The cut: the slot after one in which a car leaves (from the median departure on), with another car still
    // there for an hour or more after it.
    const slotAt = (ms: number) => grid.startMs + ms * slotMs;
    const departures = prepared.sessions.map((s) => s.departureMs).sort((a, b) => a - b);
    const cut = departures
      .slice(departures.length >> 1)
      .map((d) => Math.floor((d - grid.startMs) / slotMs) + 1)
      .find((c) => c < grid.slots && prepared.sessions.some((s) => s.arrivalMs < slotAt(c) && s.departureMs >= slotAt(c) + H))!;
    expect(cut).toBeDefined();
    const cutMs = grid.startMs + cut * slotMs;
    const options = (recalibrate: boolean): SimulationOptions => ({
      ...DEFAULT_SIMULATION_OPTIONS,
      ...config.options,
      capacityKw: 30,
      horizonSlots: prepared.horizonSlots,
      forecast: recalibrate ? prepared.forecast : { ...prepared.forecast!, recalibration: undefined },
    });
    const requests = (sessions: SimSession[], recalibrate: boolean) => {
      const before: string[] = [];
      const result = simulate(OPTIMAL_FORECAST, sessions, grid, options(recalibrate), undefined, undefined, (k, r: Request) => {
        if (k < cut) before.push(JSON.stringify(r.sessions.map((s) => [s.id, s.departure, s.targetEnergyKwh])));
      });
      return { before, result };
    };
    // Every EV still there at the cut leaves 3 h later than it really did.
    const later = prepared.sessions.map((s) =>
      s.departureMs >= cutMs ? { ...s, departureMs: s.departureMs + 3 * H, endSlot: s.endSlot + (3 * H) / slotMs } : s,
    );
    expect(later.some((s, i) => s.arrivalMs < cutMs && s.departureMs !== prepared.sessions[i].departureMs)).toBe(true);
    const real = requests(prepared.sessions, true);
    const changed = requests(later, true);
    const fixed = requests(prepared.sessions, false);
    expect(real.result.recalibration?.outcomes).toBeGreaterThan(0);
    // The recalibration acted before the cut (the plans differ from the model's own levels)…
    expect(real.before).not.toEqual(fixed.before);
    // …yet knew nothing of the departures after it.
    expect(changed.before).toEqual(real.before);
    // Afterwards it does learn them.
    expect(changed.result.recalibration).not.toEqual(real.result.recalibration);
    // A replay stopped at the cut has learned exactly the EVs that left before its last slot began.
    const lastMs = cutMs - slotMs;
    const upToCut = simulate(OPTIMAL_FORECAST, prepared.sessions, { ...grid, slots: cut }, options(true)).recalibration!;
    const left = prepared.sessions.filter((s) => s.firstSlot < cut && s.endSlot > s.firstSlot && s.departureMs < lastMs);
    expect(left.length).toBeGreaterThan(10);
    expect(upToCut.outcomes).toBe(left.length);
    expect(upToCut.lastDepartureMs).toBeLessThan(lastMs);
  });
});
