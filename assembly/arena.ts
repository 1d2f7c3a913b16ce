// A bump arena over raw linear memory. Every array the scheduler touches is
// carved from here once per `setup`, so a solve allocates nothing and the
// module reused across solves never grows beyond its largest problem.
//
// The runtime is `stub` and the scheduler creates no managed objects, so the
// stub heap starting at __heap_base stays empty; the arena begins a safe gap
// above it anyway.

const ALIGN: usize = 16;
const GAP: usize = 65536;

let base: usize = 0;
let top: usize = 0;

@inline function alignUp(n: usize): usize {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

function ensure(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end <= have) return;
  const pages = <i32>((end - have + 0xffff) >>> 16);
  // Grow by at least 1/8 of the current size to keep the number of grows small.
  const atLeast = <i32>(memory.size() >>> 3);
  if (memory.grow(pages > atLeast ? pages : atLeast) < 0) {
    if (memory.grow(pages) < 0) unreachable(); // out of memory: the host reports it
  }
}

/** Forget every allocation; memory is kept for the next problem. */
export function reset(): void {
  if (base == 0) base = alignUp(__heap_base + GAP);
  top = base;
}

/** Zero-filled block of `bytes`, 16-byte aligned. */
export function alloc(bytes: usize): usize {
  const p = top;
  const end = alignUp(p + bytes);
  ensure(end);
  memory.fill(p, 0, end - p);
  top = end;
  return p;
}

@inline export function allocF64(n: i32): usize {
  return alloc(<usize>n << 3);
}

@inline export function allocI32(n: i32): usize {
  return alloc(<usize>n << 2);
}

/** Current top, to release scratch space later with `release`. */
export function mark(): usize {
  return top;
}

export function release(m: usize): void {
  top = m;
}

/** Bytes in use by the arena (for the host's memory report). */
export function used(): usize {
  return top - base;
}
