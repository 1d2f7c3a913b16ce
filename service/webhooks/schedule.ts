const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The Standard Webhooks retry schedule: the delay before each attempt, the
 * first being the initial delivery (immediately, 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h: eight attempts over about 27.6 hours).
 * see: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export const STANDARD_RETRY_SCHEDULE: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

/** The same schedule with every delay multiplied by `factor` (e.g. 1e-4 in tests). */
export function scaleSchedule(schedule: readonly number[], factor: number): number[] {
  if (!(factor >= 0) || !Number.isFinite(factor))
    throw new RangeError(`webhooks: schedule scale factor must be a finite number ≥ 0, got ${factor}`);
  return schedule.map((ms) => Math.round(ms * factor));
}

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` (1-based)
 * failed, or undefined when the schedule is exhausted. Jitter only lengthens
 * a delay (by up to `jitter` × delay), so the table stays a lower bound and a
 * `retry-after` the receiver asked for is never undercut.
 */
export function retryDelay(
  schedule: readonly number[],
  attempt: number,
  options: { jitter: number; retryAfterMs?: number; random?: () => number },
): number | undefined {
  if (attempt >= schedule.length) return undefined;
  const base = schedule[attempt];
  const jittered = Math.round(base * (1 + options.jitter * (options.random ?? Math.random)()));
  return Math.max(jittered, options.retryAfterMs ?? 0);
}

/**
 * A `retry-after` header value in ms from `now`: delay-seconds or an HTTP
 * date, capped at `capMs`; undefined when absent or malformed (then the
 * schedule alone decides).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number, capMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * SECOND;
  else {
    // Only an HTTP date (which ends in GMT): Date.parse accepts much else, e.g. "1.5".
    if (!/GMT$/i.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), capMs);
}
