/**
 * Forecasts on synthetic histories whose distributions are known: quantiles
 * where they should be, calibration on held-out data (tight enough that a
 * model ignoring the hour of arrival fails it), per-user beating site-level
 * for consistent users, the fallback for unknown users, arrivals per slot,
 * and clear validation errors.
 */
import { describe, expect, it } from "vitest";
import {
  ForecastInputError,
  type ForecastOptions,
  type HistorySession,
  pinball,
  predictArrivals,
  predictSession,
  trainForecast,
  weightedQuantiles,
} from "../service/forecast/index.js";
import { Random } from "../service/simulate/random.js";
import { zonedTime } from "../service/simulate/time.js";

const TZ = "America/Los_Angeles";
const H = 3_600_000;

/** Local 2021-03-01 (a Monday) + day, at hour (fractional). */
function at(day: number, hour: number): number {
  return zonedTime(2021, 3, 1 + day, 0, 0, TZ) + Math.round(hour * H);
}

function isWeekend(day: number): boolean {
  return day % 7 === 5 || day % 7 === 6;
}

function session(arrivalMs: number, stayH: number, energyKwh: number, extra: Partial<HistorySession> = {}): HistorySession {
  return { evseId: "evse-1", arrivalMs, departureMs: arrivalMs + Math.round(stayH * H), energyKwh, ...extra };
}

/** Share of actuals at or below each predicted quantile. */
function calibration(pairs: { actual: number; q: number[] }[]): number[] {
  return pairs[0].q.map((_, i) => pairs.filter((p) => p.actual <= p.q[i]).length / pairs.length);
}

describe("weightedQuantiles and pinball", () => {
  it("returns the sample points where the cumulative weight reaches each level", () => {
    expect(weightedQuantiles({ values: [3, 1, 2, 4], weights: [1, 1, 1, 1] }, [0.25, 0.5, 0.75, 0.99])).toEqual([1, 2, 3, 4]);
    // A heavy point pulls every level up to it.
    expect(weightedQuantiles({ values: [1, 2, 10], weights: [1, 1, 8] }, [0.1, 0.2, 0.5, 0.9])).toEqual([1, 2, 10, 10]);
    expect(weightedQuantiles({ values: [], weights: [] }, [0.5])[0]).toBeNaN();
  });

  it("pinball charges under-prediction by τ and over-prediction by 1 − τ", () => {
    expect(pinball(10, 8, 0.9)).toBeCloseTo(1.8);
    expect(pinball(8, 10, 0.9)).toBeCloseTo(0.2);
  });
});

describe("predictSession", () => {
  /** A site of short stays (1–5 h) and one regular who always stays 8 h. */
  function regularSite(seed: number): HistorySession[] {
    const r = new Random(seed);
    const out: HistorySession[] = [];
    for (let day = 0; day < 60; day++) {
      if (isWeekend(day)) continue;
      out.push(
        session(at(day, r.between(7.5, 9.5)), 8 + r.between(-0.1, 0.1), 12 + r.between(-0.5, 0.5), { userId: "regular", evseId: "evse-2" }),
      );
      for (let k = 0; k < 6; k++)
        out.push(session(at(day, r.between(7, 11)), r.between(1, 5), r.between(2, 20), { userId: `other-${r.int(0, 400)}` }));
    }
    return out;
  }

  it("a user who always stays 8 h gets quantiles around 8 h, and their own energy", () => {
    const model = trainForecast(regularSite(1), { timeZone: TZ });
    const arrivalMs = at(70, 8.5);
    const f = predictSession(model, { arrivalMs, userId: "regular", levels: [0.1, 0.5, 0.9] });
    expect(f.levels).toEqual([0.1, 0.5, 0.9]);
    expect(f.durationH[1]).toBeGreaterThan(7.8);
    expect(f.durationH[1]).toBeLessThan(8.2);
    expect(f.durationH[0]).toBeGreaterThan(7.5);
    expect(f.durationH[2]).toBeLessThan(8.5);
    expect(f.departureMs[1]).toBe(Math.round(arrivalMs + f.durationH[1] * H));
    expect(f.energyKwh[1]).toBeGreaterThan(11);
    expect(f.energyKwh[1]).toBeLessThan(13);
    expect(f.basis.departure.userSessions).toBeGreaterThan(30);
    expect(f.basis.departure.userShare).toBeGreaterThan(0.8);
  });

  it("an unknown user (or none) falls back to the site's distribution", () => {
    const model = trainForecast(regularSite(2), { timeZone: TZ });
    const arrivalMs = at(70, 8.5);
    const unknown = predictSession(model, { arrivalMs, userId: "never-seen" });
    const anonymous = predictSession(model, { arrivalMs });
    expect(unknown.durationH).toEqual(anonymous.durationH);
    expect(unknown.basis.departure.userShare).toBe(0);
    // The site is mostly 1–5 h stays: its median is far from the regular's 8 h.
    const mid = unknown.levels.indexOf(0.5);
    expect(unknown.durationH[mid]).toBeGreaterThan(2);
    expect(unknown.durationH[mid]).toBeLessThan(5);
    for (let i = 1; i < unknown.levels.length; i++) expect(unknown.durationH[i]).toBeGreaterThanOrEqual(unknown.durationH[i - 1]);
  });

  /** Stays that depend on the hour of arrival: morning arrivals stay ~8 h, afternoon ones ~2 h (log-normal spread). */
  function hourDependent(seed: number, days: number, firstDay = 0): HistorySession[] {
    const r = new Random(seed);
    const out: HistorySession[] = [];
    for (let day = firstDay; day < firstDay + days; day++)
      for (let k = 0; k < 20; k++) {
        const morning = r.chance(0.6);
        const hour = morning ? r.between(7, 10) : r.between(13, 16);
        const stay = (morning ? 8 : 2) * Math.exp(0.25 * r.normal());
        out.push(session(at(day, hour), stay, stay * 1.5));
      }
    return out;
  }

  function calibrationByPeriod(options: Partial<ForecastOptions>): { morning: number[]; afternoon: number[] } {
    const model = trainForecast(hourDependent(3, 100), { timeZone: TZ, ...options });
    const heldOut = hourDependent(4, 50, 100);
    const levels = [0.1, 0.5, 0.9];
    const pairs = (test: HistorySession[]) =>
      test.map((s) => ({
        actual: (s.departureMs - s.arrivalMs) / H,
        q: predictSession(model, { arrivalMs: s.arrivalMs, levels }).durationH,
      }));
    const isMorning = (s: HistorySession) => new Date(s.arrivalMs).getUTCHours() < 20 && new Date(s.arrivalMs).getUTCHours() >= 14;
    return { morning: calibration(pairs(heldOut.filter(isMorning))), afternoon: calibration(pairs(heldOut.filter((s) => !isMorning(s)))) };
  }

  it("is calibrated on held-out data, within ±4 points, for morning and afternoon arrivals alike", () => {
    const { morning, afternoon } = calibrationByPeriod({});
    for (const shares of [morning, afternoon]) {
      expect(Math.abs(shares[0] - 0.1)).toBeLessThan(0.04);
      expect(Math.abs(shares[1] - 0.5)).toBeLessThan(0.04);
      expect(Math.abs(shares[2] - 0.9)).toBeLessThan(0.04);
    }
  });

  it("the same check fails for a model that ignores the hour of arrival", () => {
    // A kernel of 1000 h weighs every hour alike: one distribution for all.
    const { morning, afternoon } = calibrationByPeriod({ hourBandwidth: 1000, userHourBandwidth: 1000 });
    expect(morning[1]).toBeLessThan(0.3);
    expect(afternoon[1]).toBeGreaterThan(0.7);
  });

  it("per-user forecasts beat site-level ones when users are consistent", () => {
    const r = new Random(5);
    const habits = Array.from({ length: 30 }, () => ({ stay: r.between(2, 10), energy: r.between(3, 30) }));
    const make = (days: number, from: number) => {
      const out: HistorySession[] = [];
      for (let day = from; day < from + days; day++)
        habits.forEach((h, u) => {
          if (r.chance(0.5))
            out.push(session(at(day, r.between(7, 10)), h.stay * r.between(0.9, 1.1), h.energy * r.between(0.9, 1.1), { userId: `u${u}` }));
        });
      return out;
    };
    const model = trainForecast(make(40, 0), { timeZone: TZ });
    const test = make(20, 40);
    let user = 0;
    let site = 0;
    let userEnergy = 0;
    let siteEnergy = 0;
    for (const s of test) {
      const stay = (s.departureMs - s.arrivalMs) / H;
      const withUser = predictSession(model, { arrivalMs: s.arrivalMs, userId: s.userId });
      const without = predictSession(model, { arrivalMs: s.arrivalMs });
      withUser.levels.forEach((l, i) => {
        user += pinball(stay, withUser.durationH[i], l);
        site += pinball(stay, without.durationH[i], l);
        userEnergy += pinball(s.energyKwh, withUser.energyKwh[i], l);
        siteEnergy += pinball(s.energyKwh, without.energyKwh[i], l);
      });
    }
    expect(user).toBeLessThan(0.5 * site);
    expect(userEnergy).toBeLessThan(0.5 * siteEnergy);
  });

  it("uses the announcement through the user's actual/announced ratio", () => {
    const r = new Random(6);
    const history: HistorySession[] = [];
    // This driver always takes half the energy announced, whatever the announcement.
    for (let day = 0; day < 40; day++) {
      const announced = r.between(10, 40);
      history.push(session(at(day, 9), 6, announced / 2, { userId: "half", announcedEnergyKwh: announced }));
      history.push(session(at(day, 10), 4, r.between(5, 15), { userId: `x${day}`, announcedEnergyKwh: 20 }));
    }
    const model = trainForecast(history, { timeZone: TZ, energyAnnouncement: true });
    const f = predictSession(model, { arrivalMs: at(50, 9), userId: "half", announcedEnergyKwh: 60, levels: [0.5] });
    expect(f.basis.energy.target).toBe("energyVsAnnounced");
    expect(f.energyKwh[0]).toBeGreaterThan(29);
    expect(f.energyKwh[0]).toBeLessThan(31);
    // Without an announcement the raw energies are pooled instead.
    expect(predictSession(model, { arrivalMs: at(50, 9), userId: "half" }).basis.energy.target).toBe("energyKwh");
  });

  describe("departureAnnouncement auto: chosen per site on its latest sessions", () => {
    /** 60 days of 10 drivers a day; each announces `announce(stay)` for a stay of 2–10 h (drivers consistent or not). */
    const site = (seed: number, announce: (stayH: number, r: Random) => number | undefined, consistent = false) => {
      const r = new Random(seed);
      const habits = Array.from({ length: 10 }, () => r.between(2, 10));
      const out: HistorySession[] = [];
      for (let day = 0; day < 60; day++)
        habits.forEach((habit, u) => {
          const stayH = consistent ? habit * r.between(0.95, 1.05) : r.between(2, 10);
          const announcedH = announce(stayH, r);
          const arrivalMs = at(day, r.between(7, 10));
          out.push(
            session(arrivalMs, stayH, 10, {
              userId: `u${u}`,
              ...(announcedH !== undefined && { announcedDepartureMs: arrivalMs + Math.round(announcedH * H) }),
            }),
          );
        });
      return out;
    };

    it("takes the announcement at its word where drivers announce what they do", () => {
      const model = trainForecast(
        site(11, (stayH) => stayH),
        { timeZone: TZ },
      );
      expect(model.announcementChoice?.chosen).toBe("ratio");
      expect(model.options.departureAnnouncement).toBe("ratio");
      expect(model.announcementChoice!.pinballH.ratio).toBeLessThan(0.01);
      expect(model.announcementChoice!.pinballH.none).toBeGreaterThan(0.3);
      const arrivalMs = at(61, 8);
      const f = predictSession(model, { arrivalMs, userId: "u3", announcedDepartureMs: arrivalMs + 7.5 * H, levels: [0.1, 0.9] });
      for (const d of f.durationH) expect(Math.abs(d - 7.5)).toBeLessThan(0.01);
      // The same history with the mode fixed to none spreads the forecast over the site's stays.
      const none = trainForecast(
        site(11, (stayH) => stayH),
        { timeZone: TZ, departureAnnouncement: "none" },
      );
      expect(none.announcementChoice).toBeUndefined();
      const g = predictSession(none, { arrivalMs, userId: "u3", announcedDepartureMs: arrivalMs + 7.5 * H, levels: [0.1, 0.9] });
      expect(g.durationH[1] - g.durationH[0]).toBeGreaterThan(3);
    });

    it("ignores announcements that say nothing, where drivers' own habits do", () => {
      const model = trainForecast(
        site(12, (_, r) => r.between(2, 12), true),
        { timeZone: TZ },
      );
      expect(model.announcementChoice?.chosen).toBe("none");
      expect(model.announcementChoice!.pinballH.none).toBeLessThan(model.announcementChoice!.pinballH.ratio!);
    });

    it("keeps none when too few sessions announced a departure to judge", () => {
      const model = trainForecast(
        site(13, (stayH, r) => (r.chance(0.02) ? stayH : undefined)),
        { timeZone: TZ },
      );
      expect(model.announcementChoice).toMatchObject({ chosen: "none", pinballH: {} });
      expect(model.announcementChoice!.validationSessions).toBeLessThan(30);
    });
  });

  it("a car still plugged in at nowMs is forecast to leave after nowMs", () => {
    const model = trainForecast(regularSite(7), { timeZone: TZ });
    const arrivalMs = at(70, 9);
    const nowMs = arrivalMs + 6 * H;
    const f = predictSession(model, { arrivalMs, nowMs });
    for (const d of f.departureMs) expect(d).toBeGreaterThan(nowMs);
  });

  it("a car still drawing after some energy is forecast to want more than that", () => {
    const model = trainForecast(regularSite(7), { timeZone: TZ });
    const arrivalMs = at(70, 9);
    const levels = [0.1, 0.5, 0.9];
    const plain = predictSession(model, { arrivalMs, levels }).energyKwh;
    // The site's energies lie in 2–20 kWh; after 15 kWh a car that still draws is in the tail.
    const drawing = predictSession(model, { arrivalMs, levels, drawingPastKwh: 15 }).energyKwh;
    for (const e of drawing) expect(e).toBeGreaterThan(15);
    expect(drawing[1]).toBeGreaterThan(plain[1]);
    // Past every energy the site has seen: all it knows is that the car wants more than it has had.
    expect(predictSession(model, { arrivalMs, levels, drawingPastKwh: 50 }).energyKwh).toEqual([50, 50, 50]);
  });

  it("the model survives a JSON round trip with the same forecasts", () => {
    const model = trainForecast(regularSite(8), { timeZone: TZ });
    const copy = JSON.parse(JSON.stringify(model)) as typeof model;
    const q = { arrivalMs: at(70, 8), userId: "regular", evseId: "evse-2" };
    expect(predictSession(copy, q)).toEqual(predictSession(model, q));
    expect(predictArrivals(copy, at(70, 0), 24, 60)).toEqual(predictArrivals(model, at(70, 0), 24, 60));
  });
});

describe("predictArrivals", () => {
  it("gives each slot the arrivals of the same window on training days of the same day type", () => {
    const history: HistorySession[] = [];
    for (let day = 0; day < 28; day++) {
      if (isWeekend(day)) continue;
      for (const minute of [5, 20, 40]) history.push(session(at(day, 8 + minute / 60), 8, 10));
    }
    const model = trainForecast(history, { timeZone: TZ });
    // Day 28 is a Monday, day 33 a Saturday.
    const weekday = predictArrivals(model, at(28, 0), 24, 60, [0.1, 0.5, 0.9]);
    expect(weekday.slots).toHaveLength(24);
    expect(weekday.slots[8].count).toEqual([3, 3, 3]);
    expect(weekday.slots[8].energyKwh).toEqual([30, 30, 30]);
    expect(weekday.slots[8].meanCount).toBeCloseTo(3);
    expect(weekday.slots[3].count).toEqual([0, 0, 0]);
    expect(weekday.slots[9].startMs).toBe(at(28, 9));
    const weekend = predictArrivals(model, at(33, 0), 24, 60);
    expect(weekend.slots[8].meanCount).toBe(0);
    // 15-minute slots from 08:00 split the three arrivals 1 / 1 / 1 / 0.
    const fine = predictArrivals(model, at(28, 8), 4, 15, [0.5]);
    expect(fine.slots.map((s) => s.count[0])).toEqual([1, 1, 1, 0]);
  });

  it("follows a growing site with recency weighting", () => {
    const history: HistorySession[] = [];
    for (let day = 0; day < 84; day++) {
      if (isWeekend(day)) continue;
      const n = day < 56 ? 1 : 5;
      for (let k = 0; k < n; k++) history.push(session(at(day, 9 + k / 10), 4, 5));
    }
    const flat = predictArrivals(trainForecast(history, { timeZone: TZ, arrivalHalfLifeDays: 0 }), at(84, 9), 1, 60, [0.5]);
    const recent = predictArrivals(trainForecast(history, { timeZone: TZ, arrivalHalfLifeDays: 7 }), at(84, 9), 1, 60, [0.5]);
    expect(flat.slots[0].count[0]).toBe(1);
    expect(recent.slots[0].count[0]).toBe(5);
  });
});

describe("input validation", () => {
  const ok = session(at(0, 8), 8, 10);

  it("names each invalid history field by its path", () => {
    const bad = { ...ok, departureMs: ok.arrivalMs - 1 };
    const worse = { ...ok, energyKwh: -1, evseId: "" };
    try {
      trainForecast([ok, bad, worse]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ForecastInputError);
      const problems = (error as ForecastInputError).problems;
      expect(problems).toContain("history[1].departureMs: must be after arrivalMs");
      expect(problems).toContain("history[2].energyKwh: must be ≥ 0 kWh");
      expect(problems).toContain("history[2].evseId: must not be empty");
    }
    expect(() => trainForecast([])).toThrow(/history: needs at least one session/);
    expect(() => trainForecast([ok], { timeZone: "Mars/Olympus" })).toThrow(/options.timeZone: is not an IANA time zone/);
  });

  it("rejects invalid queries with the field's path", () => {
    const model = trainForecast([ok]);
    expect(() => predictSession(model, { arrivalMs: at(1, 8), levels: [0.5, 1.2] })).toThrow(/query.levels\[1\]: must be in \(0, 1\)/);
    expect(() => predictSession(model, { arrivalMs: at(1, 8), nowMs: at(1, 7) })).toThrow(/query.nowMs: must not be before arrivalMs/);
    expect(() => predictSession(model, { arrivalMs: at(1, 8), announcedDepartureMs: at(1, 7) })).toThrow(
      /query.announcedDepartureMs: must be after arrivalMs/,
    );
    expect(() => predictArrivals(model, at(1, 0), 0, 60)).toThrow(/slots: must be an integer/);
    expect(() => predictArrivals(model, at(1, 0), 4, -5)).toThrow(/slotMinutes: must be in/);
  });
});
