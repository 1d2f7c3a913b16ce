/**
 * The summary statistics the bench prints, one definition each, so that a
 * median or a p90 means the same in every table of bench/RESULTS.md.
 */

/**
 * Nearest-rank quantile q ∈ [0, 1] of an ascending array: the smallest value
 * with at least a share q of the values at or below it (so p90 of 10 runs is
 * the 9th). A value that was measured, never an interpolation. NaN when empty.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The nearest-rank quantile of values in any order. */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    q,
  );
}

/** The middle value, or the mean of the two middle ones. NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
