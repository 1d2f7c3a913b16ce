/**
 * The site's arrivals still to come: per slot of a horizon, quantiles of the
 * number of cars arriving and of the energy they will take.
 *
 * The model keeps every training day (local calendar day, days without any
 * arrival included) as the sorted minutes of its arrivals and their energy.
 * A slot's forecast is the weighted distribution, over the training days of
 * the same day type (weekday/weekend), of what arrived in the same local
 * time window that day; days weigh 0.5^(age / half-life) (age in days before
 * the last training day), so a growing or shrinking site is followed.
 * Empirical across days rather than Poisson: the day-to-day spread of a
 * workplace's arrivals is wider than a Poisson count's.
 */
import { localParts } from "../simulate/time.js";
import { weightedQuantiles } from "./quantile.js";
import { DEFAULT_LEVELS, ForecastInputError } from "./schema.js";

const DAY_MINUTES = 1440;

export interface ArrivalDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** 0 = weekday, 1 = weekend. */
  daytype: number;
  /** Local minute of the day of each arrival, fractional, ascending. */
  minutes: number[];
  /** Energy each of those sessions took, kWh, same order. */
  energyKwh: number[];
}

export interface ArrivalHistory {
  timeZone: string;
  /** Consecutive local days from the first training arrival's to the last's. */
  days: ArrivalDay[];
}

export interface ArrivalSlotForecast {
  startMs: number;
  /** Quantiles of the number of arrivals in the slot, one per level. */
  count: number[];
  /** Weighted mean count (the expected number). */
  meanCount: number;
  /** Quantiles of the energy those arrivals will take, kWh. */
  energyKwh: number[];
  meanEnergyKwh: number;
}

export interface ArrivalForecast {
  levels: number[];
  slotMinutes: number;
  slots: ArrivalSlotForecast[];
}

function dateKey(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function trainArrivals(sessions: readonly { arrivalMs: number; energyKwh: number }[], timeZone: string): ArrivalHistory {
  const byDate = new Map<string, { minute: number; energyKwh: number }[]>();
  let first: { y: number; m: number; d: number } | undefined;
  let last = "";
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const s of sessions) {
    const p = localParts(s.arrivalMs, timeZone);
    const key = dateKey(p.year, p.month, p.day);
    let list = byDate.get(key);
    if (!list) byDate.set(key, (list = []));
    list.push({ minute: p.hour * 60 + p.minute + (s.arrivalMs % 60_000) / 60_000, energyKwh: s.energyKwh });
    if (s.arrivalMs < firstMs) {
      firstMs = s.arrivalMs;
      first = { y: p.year, m: p.month, d: p.day };
    }
    if (s.arrivalMs > lastMs) {
      lastMs = s.arrivalMs;
      last = key;
    }
  }
  const days: ArrivalDay[] = [];
  if (!first) return { timeZone, days };
  for (let i = 0; ; i++) {
    const date = new Date(Date.UTC(first.y, first.m - 1, first.d + i));
    const key = dateKey(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
    const weekday = date.getUTCDay();
    const list = (byDate.get(key) ?? []).sort((a, b) => a.minute - b.minute);
    days.push({
      date: key,
      daytype: weekday === 0 || weekday === 6 ? 1 : 0,
      minutes: list.map((x) => x.minute),
      energyKwh: list.map((x) => x.energyKwh),
    });
    if (key === last) break;
  }
  return { timeZone, days };
}

/** First index with minutes[i] ≥ x. */
function lowerBound(minutes: readonly number[], x: number): number {
  let lo = 0;
  let hi = minutes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (minutes[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Arrivals (count, energy) of day i in local minutes [from, to), spilling into day i+1 past midnight. */
function window(days: readonly ArrivalDay[], i: number, from: number, to: number): { count: number; energyKwh: number } {
  let count = 0;
  let energyKwh = 0;
  const add = (day: ArrivalDay, a: number, b: number) => {
    const lo = lowerBound(day.minutes, a);
    const hi = lowerBound(day.minutes, b);
    count += hi - lo;
    for (let k = lo; k < hi; k++) energyKwh += day.energyKwh[k];
  };
  add(days[i], from, Math.min(to, DAY_MINUTES));
  if (to > DAY_MINUTES && i + 1 < days.length) add(days[i + 1], 0, to - DAY_MINUTES);
  return { count, energyKwh };
}

/**
 * Quantiles of the arrivals in each of `slots` slots of `slotMinutes` from
 * `fromMs` (the first slot is [fromMs, fromMs + slotMinutes)). Each slot's
 * quantiles are marginal (not of a joint path). Throws a ForecastInputError
 * for invalid arguments.
 */
export function predictArrivals(
  model: { arrivals: ArrivalHistory; options: { arrivalHalfLifeDays: number } },
  fromMs: number,
  slots: number,
  slotMinutes: number,
  levels: readonly number[] = DEFAULT_LEVELS,
): ArrivalForecast {
  const problems: string[] = [];
  if (!Number.isFinite(fromMs)) problems.push("fromMs: must be a finite instant (ms)");
  if (!Number.isInteger(slots) || slots < 1 || slots > 100_000) problems.push("slots: must be an integer in 1..100000");
  if (!Number.isFinite(slotMinutes) || slotMinutes <= 0 || slotMinutes > DAY_MINUTES) problems.push("slotMinutes: must be in (0, 1440]");
  levels.forEach((l, i) => {
    if (!(l > 0 && l < 1)) problems.push(`levels[${i}]: must be in (0, 1)`);
  });
  if (problems.length > 0) throw new ForecastInputError(`invalid arrivals query:\n  ${problems.join("\n  ")}`, problems);
  const sorted = [...levels].sort((a, b) => a - b);
  const { days, timeZone } = model.arrivals;
  const halfLife = model.options.arrivalHalfLifeDays;
  const dayWeight = days.map((_, i) => (halfLife > 0 ? Math.pow(0.5, (days.length - 1 - i) / halfLife) : 1));
  const out: ArrivalSlotForecast[] = [];
  for (let s = 0; s < slots; s++) {
    const startMs = fromMs + s * slotMinutes * 60_000;
    const p = localParts(startMs, timeZone);
    const daytype = p.weekday === 0 || p.weekday === 6 ? 1 : 0;
    const from = p.hour * 60 + p.minute + (startMs % 60_000) / 60_000;
    const counts: number[] = [];
    const energies: number[] = [];
    const weights: number[] = [];
    let total = 0;
    let meanCount = 0;
    let meanEnergyKwh = 0;
    for (let i = 0; i < days.length; i++) {
      if (days[i].daytype !== daytype) continue;
      const w = window(days, i, from, from + slotMinutes);
      counts.push(w.count);
      energies.push(w.energyKwh);
      weights.push(dayWeight[i]);
      total += dayWeight[i];
      meanCount += dayWeight[i] * w.count;
      meanEnergyKwh += dayWeight[i] * w.energyKwh;
    }
    const none = sorted.map(() => 0);
    out.push({
      startMs,
      count: total > 0 ? weightedQuantiles({ values: counts, weights }, sorted) : none,
      meanCount: total > 0 ? meanCount / total : 0,
      energyKwh: total > 0 ? weightedQuantiles({ values: energies, weights }, sorted) : none,
      meanEnergyKwh: total > 0 ? meanEnergyKwh / total : 0,
    });
  }
  return { levels: sorted, slotMinutes, slots: out };
}
