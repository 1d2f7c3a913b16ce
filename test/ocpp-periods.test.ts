import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { conservative, expand, magnitude, mergeEqual, reduce, reduceExact, reduceGreedy, type Period } from "../service/ocpp/periods.js";

/** Least loss over every split of the periods into ≤ n runs (exhaustive, small inputs only). */
function bruteForceLoss(periods: Period[], n: number): number {
  const K = periods.length;
  let best = Number.POSITIVE_INFINITY;
  // Bit k set: a run boundary before period k + 1.
  for (let mask = 0; mask < 1 << (K - 1); mask++) {
    let runs = 1;
    for (let k = 0; k < K - 1; k++) if (mask & (1 << k)) runs++;
    if (runs > n) continue;
    let loss = 0;
    let start = 0;
    for (let k = 0; k < K; k++) {
      if (k === K - 1 || mask & (1 << k)) {
        const run = periods.slice(start, k + 1);
        const c = run.reduce((a, p) => conservative(a, p.value), run[0].value);
        loss += run.reduce((a, p) => a + (Math.abs(p.value) - Math.abs(c)) * p.slots, 0);
        start = k + 1;
      }
    }
    best = Math.min(best, loss);
  }
  return best;
}

const arbValues = (max: number) => fc.array(fc.integer({ min: -50, max: 120 }), { minLength: 1, maxLength: max });

function neverExceeds(original: number[], reduced: Period[]) {
  const replay = expand(reduced, original.length);
  replay.forEach((q, t) => {
    const p = original[t];
    if (q > 0) expect(q).toBeLessThanOrEqual(p);
    if (q < 0) expect(q).toBeGreaterThanOrEqual(p);
    if (q !== 0) expect(Math.sign(q)).toBe(Math.sign(p));
  });
}

describe("period merging", () => {
  it("merges equal neighbours and covers every slot once", () => {
    const periods = mergeEqual([0, 0, 5, 5, 5, -3, 0, 0]);
    expect(periods).toEqual([
      { slot: 0, slots: 2, value: 0 },
      { slot: 2, slots: 3, value: 5 },
      { slot: 5, slots: 1, value: -3 },
      { slot: 6, slots: 2, value: 0 },
    ]);
    expect(expand(periods, 8)).toEqual([0, 0, 5, 5, 5, -3, 0, 0]);
  });

  it("the conservative value of charge and discharge is idle", () => {
    expect(conservative(5, 7)).toBe(5);
    expect(conservative(-5, -7)).toBe(-5);
    expect(conservative(5, -7)).toBe(0);
    expect(conservative(0, 9)).toBe(0);
  });
});

describe("reduction to a period budget", () => {
  it("the exact reduction matches exhaustive search, and greedy is never better", () => {
    fc.assert(
      fc.property(arbValues(11), fc.integer({ min: 1, max: 6 }), (values, n) => {
        const periods = mergeEqual(values);
        if (periods.length <= n) return;
        const exact = reduceExact(periods, n);
        const greedy = reduceGreedy(periods, n);
        const lossOf = (r: Period[]) => magnitude(periods) - magnitude(r);
        expect(lossOf(exact)).toBe(bruteForceLoss(periods, n));
        expect(lossOf(greedy)).toBeGreaterThanOrEqual(lossOf(exact));
        expect(exact.length).toBeLessThanOrEqual(n);
        expect(greedy.length).toBeLessThanOrEqual(n);
        neverExceeds(values, exact);
        neverExceeds(values, greedy);
      }),
      { numRuns: 400 },
    );
  });

  it("keeps the budget, covers the horizon and never raises a limit, on long inputs too (greedy path)", () => {
    fc.assert(
      fc.property(arbValues(400), fc.integer({ min: 1, max: 300 }), (values, n) => {
        const reduced = reduce(mergeEqual(values), n);
        expect(reduced.length).toBeLessThanOrEqual(n);
        expect(reduced[0].slot).toBe(0);
        expect(reduced.reduce((a, p) => a + p.slots, 0)).toBe(values.length);
        for (let k = 1; k < reduced.length; k++) {
          expect(reduced[k].slot).toBe(reduced[k - 1].slot + reduced[k - 1].slots);
          expect(reduced[k].value).not.toBe(reduced[k - 1].value);
        }
        neverExceeds(values, reduced);
      }),
      { numRuns: 200 },
    );
  });

  it("leaves a profile within the budget untouched", () => {
    const periods = mergeEqual([3, 3, 0, 7]);
    expect(reduce(periods, 3)).toEqual(periods);
  });
});
