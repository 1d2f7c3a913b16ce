/**
 * Time series of a live site, sampled onto a plan's slots. A series is a
 * step function; a slot takes the mean of a price, and the least (or most)
 * of a limit or load over the slot, so that a limit that drops mid-slot
 * holds for the whole slot: the safe side.
 */
import type { Series } from "./schema.js";

/** One step: `value` from `startMs` until the next step's start. */
export interface Step {
  startMs: number;
  value: number;
}

/** A step function; the first value also holds before its start, the last after it. */
export type Steps = readonly Step[];

export type Aggregate = "mean" | "min" | "max";

export function toSteps(series: Series, constantFromMs = Number.NEGATIVE_INFINITY): Step[] {
  if (typeof series === "number") return [{ startMs: constantFromMs, value: series }];
  if (Array.isArray(series)) return series.map((s) => ({ startMs: Date.parse(s.start), value: s.value }));
  const start = Date.parse(series.start);
  const step = series.stepMinutes * 60_000;
  return series.values.map((value, i) => ({ startMs: start + i * step, value }));
}

/**
 * `update` replaces `base` from its first step on (a forecast update
 * supersedes the older forecast for the times it covers and after).
 */
export function overlay(base: Steps, update: Steps): Step[] {
  const from = update[0].startMs;
  const kept = base.filter((s) => s.startMs < from);
  // Before the update's first step the older series still holds: keep its value there.
  if (kept.length === 0 && base.length > 0 && from > Number.NEGATIVE_INFINITY)
    kept.push({ startMs: Number.NEGATIVE_INFINITY, value: base[0].value });
  return [...kept, ...update];
}

/** The series over `slots` slots of `slotMs` from `startMs`, one aggregate per slot. */
export function sample(steps: Steps, startMs: number, slotMs: number, slots: number, aggregate: Aggregate): number[] {
  const out = new Array<number>(slots);
  // k: the step in force at the current time.
  let k = 0;
  const valueAt = (t: number) => {
    while (k + 1 < steps.length && steps[k + 1].startMs <= t) k++;
    return steps[k].value;
  };
  for (let i = 0; i < slots; i++) {
    const a = startMs + i * slotMs;
    const b = a + slotMs;
    let acc = valueAt(a);
    let weighted = 0;
    let t = a;
    let j = k;
    for (;;) {
      const next = j + 1 < steps.length ? steps[j + 1].startMs : Number.POSITIVE_INFINITY;
      const end = Math.min(next, b);
      const v = steps[j].value;
      weighted += v * (end - t);
      if (aggregate === "min") acc = Math.min(acc, v);
      else if (aggregate === "max") acc = Math.max(acc, v);
      if (next >= b) break;
      t = next;
      j++;
    }
    out[i] = aggregate === "mean" ? weighted / slotMs : acc;
  }
  return out;
}

/** An array whose entries are all equal becomes one number (a smaller request, the same meaning). */
export function compact(values: number[]): number | number[] {
  return values.every((v) => v === values[0]) ? values[0] : values;
}
