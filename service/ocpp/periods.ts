/**
 * Periods: runs of slots with one signed limit (in tenths; + charge,
 * − discharge). Merging equal neighbours is exact; reducing to a period
 * budget only ever moves a limit toward 0, so no scheduled power, charge or
 * discharge, is ever exceeded.
 */

export interface Period {
  /** First slot of the period. */
  slot: number;
  /** Number of slots. */
  slots: number;
  /** Signed limit in tenths of the unit. */
  value: number;
}

/** Per-slot values → periods, consecutive equal values merged. */
export function mergeEqual(values: readonly number[]): Period[] {
  const periods: Period[] = [];
  for (let t = 0; t < values.length; t++) {
    const last = periods[periods.length - 1];
    if (last !== undefined && last.value === values[t]) last.slots++;
    else periods.push({ slot: t, slots: 1, value: values[t] });
  }
  return periods;
}

/** Consecutive periods with equal values merged (used after a reduction). */
export function mergePeriods(periods: readonly Period[]): Period[] {
  const out: Period[] = [];
  for (const p of periods) {
    const last = out[out.length - 1];
    if (last !== undefined && last.value === p.value) last.slots += p.slots;
    else out.push({ ...p });
  }
  return out;
}

/**
 * The largest limit that exceeds neither a nor b in its own direction: the
 * smaller magnitude when both charge or both discharge, else 0 (idle).
 */
export function conservative(a: number, b: number): number {
  if (a > 0 && b > 0) return Math.min(a, b);
  if (a < 0 && b < 0) return Math.max(a, b);
  return 0;
}

/** Σ |value|·slots: the energy of periods in tenth·slots. */
export function magnitude(periods: readonly Period[]): number {
  let sum = 0;
  for (const p of periods) sum += Math.abs(p.value) * p.slots;
  return sum;
}

/** Above this many DP steps (budget × periods²) the greedy reduction is used. */
export const EXACT_REDUCTION_STEPS = 4_000_000;

/**
 * At most `maxPeriods` periods, each limit the conservative value of the
 * periods it replaces. Exact (least energy lost) by dynamic programming over
 * segmentations when small enough, else greedy pairwise merging.
 */
export function reduce(periods: readonly Period[], maxPeriods: number): Period[] {
  if (periods.length <= maxPeriods) return periods.map((p) => ({ ...p }));
  const K = periods.length;
  const exact = maxPeriods * K * K <= EXACT_REDUCTION_STEPS;
  return mergePeriods(exact ? reduceExact(periods, maxPeriods) : reduceGreedy(periods, maxPeriods));
}

/**
 * Segmentation into ≤ N runs minimising Σ_runs Σ_k (|v_k| − |c_run|)·d_k,
 * c_run the conservative value of the run. f[n][j] = min_i f[n−1][i] + cost(i, j).
 * see: Bellman (1961), "On the approximation of curves by line segments using dynamic programming".
 */
export function reduceExact(periods: readonly Period[], N: number): Period[] {
  const K = periods.length;
  const INF = Number.POSITIVE_INFINITY;
  let prev = new Float64Array(K + 1).fill(INF);
  prev[0] = 0;
  const choice = new Int32Array((N + 1) * (K + 1)).fill(-1);
  for (let n = 1; n <= N; n++) {
    const cur = new Float64Array(K + 1).fill(INF);
    for (let j = n; j <= K; j++) {
      // Run [i, j): walk i downward, keeping the run's Σ|v|·d, duration and conservative value.
      let sum = 0;
      let duration = 0;
      let c = periods[j - 1].value;
      let best = INF;
      let arg = -1;
      for (let i = j - 1; i >= n - 1; i--) {
        const p = periods[i];
        sum += Math.abs(p.value) * p.slots;
        duration += p.slots;
        c = conservative(c, p.value);
        if (prev[i] === INF) continue;
        const cost = prev[i] + sum - Math.abs(c) * duration;
        if (cost < best) {
          best = cost;
          arg = i;
        }
      }
      cur[j] = best;
      choice[n * (K + 1) + j] = arg;
    }
    prev = cur;
  }
  const out: Period[] = [];
  for (let n = N, j = K; j > 0; n--) {
    const i = choice[n * (K + 1) + j];
    let c = periods[i].value;
    let slots = 0;
    for (let k = i; k < j; k++) {
      c = conservative(c, periods[k].value);
      slots += periods[k].slots;
    }
    out.push({ slot: periods[i].slot, slots, value: c });
    j = i;
  }
  return out.reverse();
}

/**
 * Repeatedly merge the neighbouring pair whose merge loses least energy:
 * a linked list of runs and a binary heap of candidate pairs, stale entries
 * skipped by version stamps, so O(K log K).
 */
export function reduceGreedy(periods: readonly Period[], N: number): Period[] {
  const K = periods.length;
  const value = periods.map((p) => p.value);
  const slots = periods.map((p) => p.slots);
  const next = Array.from({ length: K }, (_, k) => (k + 1 < K ? k + 1 : -1));
  const prev = Array.from({ length: K }, (_, k) => k - 1);
  const version = new Array<number>(K).fill(0);
  const alive = new Array<boolean>(K).fill(true);
  const heap = new PairHeap();
  const push = (a: number) => {
    const b = next[a];
    if (a < 0 || b < 0) return;
    const c = conservative(value[a], value[b]);
    const loss = (Math.abs(value[a]) - Math.abs(c)) * slots[a] + (Math.abs(value[b]) - Math.abs(c)) * slots[b];
    heap.push({ loss, a, b, va: version[a], vb: version[b] });
  };
  for (let k = 0; k + 1 < K; k++) push(k);
  for (let runs = K; runs > N;) {
    const e = heap.pop()!;
    if (!alive[e.a] || !alive[e.b] || next[e.a] !== e.b || version[e.a] !== e.va || version[e.b] !== e.vb) continue;
    const { a, b } = e;
    value[a] = conservative(value[a], value[b]);
    slots[a] += slots[b];
    alive[b] = false;
    next[a] = next[b];
    if (next[b] >= 0) prev[next[b]] = a;
    version[a]++;
    runs--;
    push(prev[a]);
    push(a);
  }
  const out: Period[] = [];
  for (let k = 0; k >= 0; k = next[k]) out.push({ slot: periods[k].slot, slots: slots[k], value: value[k] });
  return out;
}

interface PairEntry {
  loss: number;
  a: number;
  b: number;
  va: number;
  vb: number;
}

/** Min-heap on loss; ties to the earlier pair, so results are deterministic. */
class PairHeap {
  private readonly items: PairEntry[] = [];
  private less(x: PairEntry, y: PairEntry): boolean {
    return x.loss < y.loss || (x.loss === y.loss && x.a < y.a);
  }
  push(e: PairEntry): void {
    const h = this.items;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }
  pop(): PairEntry | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Periods back to one value per slot (the replay a charger would follow). */
export function expand(periods: readonly Period[], slots: number): number[] {
  const values = new Array<number>(slots).fill(0);
  for (const p of periods) for (let t = p.slot; t < p.slot + p.slots && t < slots; t++) values[t] = p.value;
  return values;
}
