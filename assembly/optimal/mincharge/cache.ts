// Pattern LPs already solved: the minChargeKw search fixes the same on/off
// pattern again and again (an augment round whose blocks land in slots
// already on, the claim round's rejected pattern followed by the one it
// started from, the tie-break's re-solve of the final pattern). The LP is
// the same and a cold interior point is deterministic, so the converged
// solution of an earlier solve is the solution the re-solve would find.

import * as arena from "../../arena";
import * as lp from "../lp";
import * as ipm from "../ipm";
import { IpmExit } from "../ipm";
import { Settings } from "../settings";

/** One cached solve: the pattern (a byte per window slot), x, y and the info record. */
@unmanaged class Entry {
  key: usize = 0;
  x: usize = 0;
  y: usize = 0;
  /** Which solve stored it (least recently used is replaced first). */
  used: i32 = 0;
  iterations: i32 = 0;
  bound: f64 = 0;
  rawBound: f64 = 0;
  primalObjective: f64 = 0;
  gap: f64 = 0;
}

/** The cache of the current LP (static memory; its arrays from the arena of `runStages`). */
@unmanaged class PatternCache {
  entries: usize = 0;
  count: i32 = 0;
  clock: i32 = 0;
  /** The pattern being fixed, filled by the caller of `lookup`/`store`. */
  key: usize = 0;
}

const cache = changetype<PatternCache>(memory.data(offsetof<PatternCache>(), 16));

@inline function entry(i: i32): Entry {
  return changetype<Entry>(cache.entries + <usize>i * offsetof<Entry>());
}

/** Room for `Settings.patternCacheSize` solves of this LP (after lp.build and ipm.init; freed with their arena mark). */
export function reset(floored: bool): void {
  cache.count = 0;
  cache.clock = 0;
  if (!floored) {
    cache.entries = 0;
    cache.key = 0;
    return;
  }
  const K = Settings.patternCacheSize;
  const W = <usize>max(lp.W, 1);
  cache.entries = arena.alloc(<usize>K * offsetof<Entry>());
  cache.key = arena.alloc(W);
  // Every array now: a solve may run inside a caller's arena mark.
  for (let i = 0; i < K; i++) {
    const e = entry(i);
    e.key = arena.alloc(W);
    e.x = arena.allocF64(lp.nPad);
    e.y = arena.allocF64(max(lp.m, 1));
  }
}

/** The key the caller fills: 1 for a window slot fixed on, 0 for one fixed off (floored sessions only; others stay 0). */
export function key(): usize {
  return cache.key;
}

/**
 * When the pattern in `key()` was solved to convergence before, put its
 * solution into ipm.solution and ipm.info and return true.
 */
export function lookup(): bool {
  if (cache.entries == 0) return false;
  const W = <usize>max(lp.W, 1);
  for (let i = 0; i < cache.count; i++) {
    const e = entry(i);
    if (memory.compare(e.key, cache.key, W) != 0) continue;
    memory.copy(ipm.solution.x, e.x, <usize>lp.nPad << 3);
    memory.copy(ipm.solution.y, e.y, <usize>lp.m << 3);
    ipm.info.iterations = e.iterations;
    ipm.info.exit = IpmExit.Converged;
    ipm.info.bound = e.bound;
    ipm.info.rawBound = e.rawBound;
    ipm.info.primalObjective = e.primalObjective;
    ipm.info.gap = e.gap;
    e.used = ++cache.clock;
    return true;
  }
  return false;
}

/** After a solve of the pattern in `key()`: remember it when it converged. */
export function store(): void {
  if (cache.entries == 0 || ipm.info.exit != IpmExit.Converged) return;
  const W = <usize>max(lp.W, 1);
  let e: Entry;
  if (cache.count < Settings.patternCacheSize) {
    e = entry(cache.count++);
  } else {
    let oldest = 0;
    for (let i = 1; i < cache.count; i++) if (entry(i).used < entry(oldest).used) oldest = i;
    e = entry(oldest);
  }
  memory.copy(e.key, cache.key, W);
  memory.copy(e.x, ipm.solution.x, <usize>lp.nPad << 3);
  memory.copy(e.y, ipm.solution.y, <usize>lp.m << 3);
  e.iterations = ipm.info.iterations;
  e.bound = ipm.info.bound;
  e.rawBound = ipm.info.rawBound;
  e.primalObjective = ipm.info.primalObjective;
  e.gap = ipm.info.gap;
  e.used = ++cache.clock;
}
