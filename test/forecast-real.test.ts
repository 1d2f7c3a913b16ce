/**
 * The forecasts on the real Caltech 2020-21 sessions (found through
 * WATTPLAN_DATA_DIR, service/simulate/data-dir.ts), with bench:forecast's
 * time split: trained on December–May, scored on June–September. The
 * bounds leave room around the measured figures (bench/RESULTS.md §6) but
 * fail if the user level or the hour conditioning stopped working.
 */
import { describe, expect, it } from "vitest";
import { type HistorySession, loadHistory, pinball, predictSession, quantiles, trainForecast } from "../service/forecast/index.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { localParts, zonedTime } from "../service/simulate/time.js";

const TZ = "America/Los_Angeles";
const H = 3_600_000;
const LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9];

describe("forecasts on Caltech 2020-12..2021-09, time split at 2021-06-01", () => {
  const history = loadHistory(dataFile("sessions", "acn-caltech-2020-12_2021-09.csv"));
  const split = zonedTime(2021, 6, 1, 0, 0, TZ);
  const train = history.filter((s) => s.arrivalMs < split);
  const test = history.filter((s) => s.arrivalMs >= split);
  const stay = (s: HistorySession) => (s.departureMs - s.arrivalMs) / H;

  it("reads user ids and announcements from the file", () => {
    expect(train.length).toBeGreaterThan(1000);
    expect(test.length).toBeGreaterThan(1000);
    expect(new Set(train.map((s) => s.userId)).size).toBeGreaterThan(100);
    expect(test.filter((s) => s.announcedDepartureMs !== undefined).length).toBeGreaterThan(0.8 * test.length);
  });

  it("beats the site's quantiles by hour of arrival, and is roughly calibrated", () => {
    const model = trainForecast(train, { timeZone: TZ });
    const byHour = new Map<number, HistorySession[]>();
    for (const s of train) {
      const h = localParts(s.arrivalMs, TZ).hour;
      byHour.set(h, [...(byHour.get(h) ?? []), s]);
    }
    let modelStay = 0;
    let baseStay = 0;
    let modelEnergy = 0;
    let baseEnergy = 0;
    let inside = 0;
    for (const s of test) {
      const f = predictSession(model, {
        arrivalMs: s.arrivalMs,
        evseId: s.evseId,
        userId: s.userId,
        announcedDepartureMs: s.announcedDepartureMs,
        announcedEnergyKwh: s.announcedEnergyKwh,
        levels: LEVELS,
      });
      const peers = byHour.get(localParts(s.arrivalMs, TZ).hour) ?? train;
      const bStay = quantiles(peers.map(stay), LEVELS);
      const bEnergy = quantiles(
        peers.map((p) => p.energyKwh),
        LEVELS,
      );
      LEVELS.forEach((l, i) => {
        modelStay += pinball(stay(s), f.durationH[i], l);
        baseStay += pinball(stay(s), bStay[i], l);
        modelEnergy += pinball(s.energyKwh, f.energyKwh[i], l);
        baseEnergy += pinball(s.energyKwh, bEnergy[i], l);
      });
      if (stay(s) > f.durationH[0] && stay(s) <= f.durationH[4]) inside++;
    }
    // Measured: stay 0.502 vs 0.732, energy 2.755 vs 3.256, 10–90 % interval holds 83 %.
    expect(modelStay).toBeLessThan(0.85 * baseStay);
    expect(modelEnergy).toBeLessThan(0.95 * baseEnergy);
    expect(inside / test.length).toBeGreaterThan(0.65);
    expect(inside / test.length).toBeLessThan(0.9);
  });
});
