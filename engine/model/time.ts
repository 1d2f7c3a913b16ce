/**
 * Exact instants. RFC 3339 allows any number of fractional-second digits but
 * Date.parse keeps milliseconds, and whether a slot lies wholly inside
 * [arrival, departure] is decided at the exact instant; so differences are
 * taken in units of 10^-digits s, digits being the longer fraction of the two.
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** An instant as whole milliseconds of the second plus the fraction's digits. */
export interface Instant {
  /** Milliseconds since the epoch of the whole second. */
  secondMs: number;
  /** Fractional-second digits as written ("" when none). */
  fraction: string;
}

export function parseInstant(text: string): Instant {
  const m = RFC3339.exec(text);
  const secondMs = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || !Number.isFinite(secondMs)) throw new RangeError(`not an RFC 3339 timestamp with offset: ${text}`);
  return { secondMs, fraction: m[2] ?? "" };
}

/** (a − b) in units of 10^-digits s, exactly. */
export function difference(a: Instant, b: Instant, digits: number): bigint {
  const scaled = (x: Instant) => (BigInt(x.secondMs) / 1000n) * 10n ** BigInt(digits) + BigInt(x.fraction.padEnd(digits, "0") || "0");
  return scaled(a) - scaled(b);
}

/** Enough digits to compare these instants exactly. */
export function digitsFor(...instants: Instant[]): number {
  return Math.max(0, ...instants.map((x) => x.fraction.length));
}

/** How many `unit`s (a − b) is, as a float, and floor/ceil of it exactly. */
export function unitsBetween(a: Instant, b: Instant, unitSeconds: number): { value: number; floor: number; ceil: number } {
  const digits = digitsFor(a, b);
  const diff = difference(a, b, digits);
  const unit = BigInt(unitSeconds) * 10n ** BigInt(digits);
  let floor = diff / unit;
  if (diff % unit !== 0n && diff < 0n) floor -= 1n;
  const ceil = diff % unit === 0n ? floor : floor + 1n;
  return { value: Number(diff) / Number(unit), floor: Number(floor), ceil: Number(ceil) };
}
