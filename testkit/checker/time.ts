/**
 * Exact instants for the checker. Date.parse keeps milliseconds only, but
 * RFC 3339 allows any number of fractional digits, and "wholly inside
 * [arrival, departure]" is decided at the exact instant; nanoseconds are
 * kept here (digits beyond the ninth are rounded away from the slot: see
 * `instantNs`).
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Nanoseconds since the epoch. `round` says which way to go when the text
 * has more than nine fractional digits: arrivals round up and departures
 * round down, so rounding never makes a slot look available when it is not.
 */
export function instantNs(text: string, round: "up" | "down" = "down"): bigint {
  const m = RFC3339.exec(text);
  if (!m) throw new Error(`checker: not an RFC 3339 timestamp with offset: ${text}`);
  const wholeMs = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(wholeMs)) throw new Error(`checker: unparsable timestamp: ${text}`);
  const digits = m[2] ?? "";
  let frac = BigInt((digits.slice(0, 9) || "0").padEnd(9, "0"));
  if (round === "up" && /[1-9]/.test(digits.slice(9))) frac += 1n;
  return BigInt(wholeMs) * 1_000_000n + frac;
}

export const NS_PER_MINUTE = 60_000_000_000n;
export const NS_PER_HOUR = 3_600_000_000_000n;
