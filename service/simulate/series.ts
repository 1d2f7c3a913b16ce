/**
 * Exogenous inputs of a replay, each a step function of time: day-ahead
 * prices, a time-of-use tariff, base load and PV. Files with a year are read
 * at the same instant when they cover it, else at the same month, day and
 * time of their own year ("year-aligned", reported); yearless files (typical
 * year profiles) are always read that way, in the replay's time zone.
 */
import { readFileSync } from "node:fs";
import * as z from "zod";
import { InputError, readCsv } from "./csv.js";
import { HOUR_MS, localParts, minuteOfYear, zonedTime } from "./time.js";

export class StepSeries {
  /** Set once a lookup fell outside the file's own dates. */
  yearAligned = false;

  constructor(
    readonly file: string,
    /** Sorted instants (absolute series) or empty (yearless series). */
    private readonly instants: Float64Array,
    /** Sorted minute-of-year keys, and the value at each. */
    private readonly keys: Float64Array,
    private readonly values: Float64Array,
    private readonly keyValues: Float64Array,
    /** The clock the keys are in: "UTC" or an IANA zone. */
    private readonly keyZone: string,
    private readonly stepMs: number,
  ) {}

  at(ms: number): number {
    const n = this.instants.length;
    if (n > 0 && ms >= this.instants[0] && ms < this.instants[n - 1] + this.stepMs) {
      return this.values[floorIndex(this.instants, ms)];
    }
    this.yearAligned = true;
    const p = localParts(ms, this.keyZone);
    const i = floorIndex(this.keys, minuteOfYear(p.month, p.day, p.hour, p.minute));
    return this.keyValues[i < 0 ? this.keys.length - 1 : i];
  }
}

/** Last index with a[i] <= x, or -1. */
function floorIndex(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  if (hi < 0 || x < a[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

type Stamp = { ms: number } | { month: number; day: number; hour: number; minute: number };

/** Read one time cell: an instant, or a yearless wall-clock time (`hourEnding` for EnergyPlus). */
function parseStamp(text: string, utcColumn: boolean, timeZone: string): { stamp: Stamp; hourEnding: boolean } | undefined {
  const s = text.trim();
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(s) && Number.isFinite(Date.parse(s))) return { stamp: { ms: Date.parse(s) }, hourEnding: false };
  let m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::\d{2})?$/.exec(s);
  if (m) {
    const [y, mo, d, h, mi] = m.slice(1).map(Number);
    return { stamp: { ms: utcColumn ? Date.UTC(y, mo - 1, d, h, mi) : zonedTime(y, mo, d, h, mi, timeZone) }, hourEnding: false };
  }
  // EnergyPlus: " 01/01  01:00:00", the hour ending at that time (24:00 allowed).
  m = /^(\d{1,2})\/(\d{1,2})\s+(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(s);
  if (m) {
    const [mo, d, h, mi] = m.slice(1).map(Number);
    return { stamp: { month: mo, day: d, hour: h, minute: mi }, hourEnding: true };
  }
  // "Jan 1, 12:00 am"
  m = /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{1,2}):(\d{2}) ?([ap]m)$/i.exec(s);
  if (m && MONTHS[m[1].toLowerCase()]) {
    let h = Number(m[3]) % 12;
    if (m[5].toLowerCase() === "pm") h += 12;
    return { stamp: { month: MONTHS[m[1].toLowerCase()], day: Number(m[2]), hour: h, minute: Number(m[4]) }, hourEnding: false };
  }
  return undefined;
}

export interface SeriesOptions {
  timeZone: string;
  /** Multiply every value (unit conversion, scaling a profile). */
  scale?: number;
}

/**
 * A time series CSV: the time in the first column (or the first whose name
 * says UTC), the value in the last column.
 */
export function loadSeries(file: string, options: SeriesOptions): StepSeries {
  const table = readCsv(file);
  const lower = table.header.map((h) => h.toLowerCase());
  let timeColumn = lower.findIndex((h) => h.includes("utc"));
  if (timeColumn < 0) timeColumn = 0;
  const utcColumn = lower[timeColumn].includes("utc") || lower[timeColumn] === "time";
  const valueColumn = table.header.length - 1;
  if (valueColumn <= timeColumn) throw new InputError(`${file}: expected a time column and a value column`);
  const scale = options.scale ?? 1;

  const absolute: { ms: number; v: number }[] = [];
  const yearless: { key: number; v: number }[] = [];
  table.rows.forEach((r, i) => {
    const parsed = parseStamp(r[timeColumn] ?? "", utcColumn, options.timeZone);
    if (!parsed) throw new InputError(`${file}: row ${i + 2}: cannot read the time "${r[timeColumn]}"`);
    const v = Number(r[valueColumn]);
    if (r[valueColumn] === undefined || r[valueColumn].trim() === "" || !Number.isFinite(v)) {
      throw new InputError(`${file}: row ${i + 2}: "${r[valueColumn]}" in column "${table.header[valueColumn]}" is not a number`);
    }
    const { stamp, hourEnding } = parsed;
    if ("ms" in stamp) absolute.push({ ms: stamp.ms, v: v * scale });
    else {
      // 24:00 and hour-ending labels: the value belongs to the hour before the label.
      const base = Date.UTC(2001, stamp.month - 1, stamp.day, stamp.hour, stamp.minute) - (hourEnding ? HOUR_MS : 0);
      const d = new Date(base);
      const key = minuteOfYear(d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
      yearless.push({ key, v: v * scale });
    }
  });
  if (absolute.length > 0 && yearless.length > 0) throw new InputError(`${file}: mixes timestamps with and without a year`);
  if (absolute.length + yearless.length === 0) throw new InputError(`${file}: no rows`);

  if (absolute.length > 0) {
    absolute.sort((a, b) => a.ms - b.ms);
    const steps = absolute
      .slice(1)
      .map((p, i) => p.ms - absolute[i].ms)
      .sort((a, b) => a - b);
    const stepMs = steps.length > 0 ? steps[steps.length >> 1] : HOUR_MS;
    const keyed = absolute
      .map((p) => {
        const d = new Date(p.ms);
        return { key: minuteOfYear(d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()), v: p.v };
      })
      .sort((a, b) => a.key - b.key);
    return new StepSeries(
      file,
      Float64Array.from(absolute, (p) => p.ms),
      Float64Array.from(keyed, (p) => p.key),
      Float64Array.from(absolute, (p) => p.v),
      Float64Array.from(keyed, (p) => p.v),
      "UTC",
      stepMs,
    );
  }
  yearless.sort((a, b) => a.key - b.key);
  return new StepSeries(
    file,
    new Float64Array(0),
    Float64Array.from(yearless, (p) => p.key),
    new Float64Array(0),
    Float64Array.from(yearless, (p) => p.v),
    options.timeZone,
    0,
  );
}

/** Day-ahead prices: EUR/MWh (or any currency per MWh) when the value column says MWh, else per kWh. */
export function loadPrices(file: string, timeZone: string): StepSeries {
  const header = readCsv(file).header;
  const perMwh = /mwh/i.test(header[header.length - 1] ?? "");
  return loadSeries(file, { timeZone, scale: perMwh ? 1e-3 : 1 });
}

// --- time-of-use tariffs (acnportal's tariff_schedules JSON) -----------------

const MonthDay = z.string().regex(/^\d{1,2}-\d{1,2}$/, "must be MM-DD");
export const TariffFileSchema = z.object({
  name: z.string(),
  schedule: z
    .array(
      z
        .object({
          id: z.string().optional(),
          effective_start: MonthDay,
          effective_end: MonthDay,
          dow_mask: z.enum(["ALL", "WEEKDAYS", "WEEKENDS"]),
          times: z.array(z.number().min(0).max(24)).min(1),
          tariffs: z.array(z.number()).min(1),
          demand_charge: z.number().min(0),
        })
        .refine((e) => e.times.length === e.tariffs.length, { message: "times and tariffs must have the same length" }),
    )
    .min(1),
});
export type TariffFile = z.infer<typeof TariffFileSchema>;

export interface TouRates {
  name: string;
  /** Energy rate (currency/kWh) at an instant. */
  energyRate(ms: number): number;
  /** Demand charge (currency/kW of the billing period's peak) in force at an instant. */
  demandRate(ms: number): number;
}

export function loadTariff(file: string, timeZone: string): TouRates {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? `${file}: no such file` : `${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = TariffFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return touRates(parsed.data, timeZone, file);
}

export function touRates(tariff: TariffFile, timeZone: string, file = tariff.name): TouRates {
  const md = (s: string) => {
    const [m, d] = s.split("-").map(Number);
    return m * 100 + d;
  };
  const entries = tariff.schedule.map((e) => ({ ...e, from: md(e.effective_start), to: md(e.effective_end) }));
  const find = (ms: number) => {
    const p = localParts(ms, timeZone);
    const day = p.month * 100 + p.day;
    const weekend = p.weekday === 0 || p.weekday === 6;
    const entry = entries.find((e) => {
      const inSeason = e.from <= e.to ? day >= e.from && day <= e.to : day >= e.from || day <= e.to;
      const inWeek = e.dow_mask === "ALL" || (e.dow_mask === "WEEKENDS") === weekend;
      return inSeason && inWeek;
    });
    if (!entry) throw new InputError(`${file}: no schedule entry covers ${p.month}-${p.day} (${weekend ? "weekend" : "weekday"})`);
    return { entry, hour: p.hour + p.minute / 60 };
  };
  return {
    name: tariff.name,
    energyRate(ms) {
      const { entry, hour } = find(ms);
      let k = 0;
      for (let i = 0; i < entry.times.length; i++) if (entry.times[i] <= hour) k = i;
      return entry.tariffs[k];
    },
    demandRate(ms) {
      return find(ms).entry.demand_charge;
    },
  };
}
