/**
 * Weighted empirical quantiles and the losses that score them.
 *
 * Hand-written on purpose: the models mix a user's own sessions with the
 * site's distribution by giving every sample a weight (shrinkage, recency,
 * closeness of arrival hour), so they need quantiles of a *weighted* sample.
 * d3-array's `quantile` and simple-statistics' `quantile` take no weights,
 * and the function is a sort and one pass (a dependency would not be smaller).
 */

/** A sample with weights: parallel arrays, weights ≥ 0. */
export interface WeightedSample {
  values: number[];
  weights: number[];
}

/**
 * Quantiles of a weighted sample at the given levels (each in (0, 1)), with
 * the sample's points as the only possible values (the inverse of the
 * weighted empirical CDF, taking the lower point on a tie: level τ gets the
 * smallest value whose cumulative weight reaches τ·W). NaN for an empty
 * sample or zero total weight.
 */
export function weightedQuantiles(sample: WeightedSample, levels: readonly number[]): number[] {
  const n = sample.values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sample.values[a] - sample.values[b]);
  let total = 0;
  for (let i = 0; i < n; i++) total += sample.weights[i];
  if (!(total > 0)) return levels.map(() => Number.NaN);
  // Levels in ascending order, answered in one pass over the sorted sample.
  const byLevel = levels.map((_, i) => i).sort((a, b) => levels[a] - levels[b]);
  const out = new Array<number>(levels.length);
  let k = 0;
  let cum = 0;
  for (const li of byLevel) {
    const target = levels[li] * total;
    while (k < n - 1 && cum + sample.weights[order[k]] < target - 1e-12 * total) {
      cum += sample.weights[order[k]];
      k++;
    }
    out[li] = sample.values[order[k]];
  }
  return out;
}

/** Unweighted quantiles (every sample weight 1). */
export function quantiles(values: readonly number[], levels: readonly number[]): number[] {
  return weightedQuantiles({ values: [...values], weights: values.map(() => 1) }, levels);
}

/** Pinball (quantile) loss of predicting q for level τ when y happened. */
export function pinball(y: number, q: number, level: number): number {
  const d = y - q;
  return d >= 0 ? level * d : (level - 1) * d;
}
