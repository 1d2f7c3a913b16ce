/** Wall-clock arithmetic in an IANA time zone, with Intl only (no dependency). */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface LocalParts {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday .. 6 = Saturday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function localParts(ms: number, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, weekday: 0 };
  for (const p of formatter(timeZone).formatToParts(ms)) {
    switch (p.type) {
      case "year":
        out.year = Number(p.value);
        break;
      case "month":
        out.month = Number(p.value);
        break;
      case "day":
        out.day = Number(p.value);
        break;
      case "hour":
        out.hour = Number(p.value);
        break;
      case "minute":
        out.minute = Number(p.value);
        break;
      case "weekday":
        out.weekday = WEEKDAYS[p.value] ?? 0;
        break;
    }
  }
  return out;
}

/** The UTC instant of a wall-clock time in the zone (the earlier one in a DST overlap). */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let ms = wall;
  for (let i = 0; i < 3; i++) {
    const p = localParts(ms, timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    ms += wall - shown;
  }
  return ms;
}

/**
 * A date or timestamp from the command line: `YYYY-MM-DD` is local midnight
 * in the zone; anything else must be RFC 3339 with an offset.
 */
export function parseInstant(text: string, timeZone: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) return zonedTime(Number(date[1]), Number(date[2]), Number(date[3]), 0, 0, timeZone);
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return Number.NaN;
  return Date.parse(text);
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Minute of a non-leap year (Feb 29 folds onto Feb 28), for replaying a series from another year. */
export function minuteOfYear(month: number, day: number, hour: number, minute: number): number {
  const d = month === 2 && day === 29 ? 28 : day;
  const dayOfYear = (Date.UTC(2001, month - 1, d) - Date.UTC(2001, 0, 1)) / DAY_MS;
  return dayOfYear * 1440 + hour * 60 + minute;
}
