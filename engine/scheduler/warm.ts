/**
 * Warm re-plans of the `optimal` strategy: a caller that re-solves the same
 * site (a rolling horizon, a live site on every event) keeps a `WarmState`
 * and passes it to every `solve`; each solve starts its interior point from
 * the previous one's iterate mapped onto the new problem (the time axis
 * shifted, sessions matched by id, new ones cold) and leaves its own.
 *
 * The mapping is the host's, on the canonical layout of
 * assembly/optimal/warm.ts, which depends only on the boundary's arrays.
 * A state that does not fit (another slot length, a shift that is not a
 * whole number of slots, nothing in common) is refused, and the solve
 * starts cold. Whatever is mapped, the certificate is a cold solve's: the
 * bound comes from the new LP's rows and boxes, and a warm start that does
 * not converge within its budget falls back to a cold one (Info.WarmStart).
 */
import { WarmStart } from "../../assembly/layout.js";
import type { CompiledProblem } from "../model/compile.js";

/** What the warm state keeps of one solve: the problem's shape and its recorded iterate. */
interface Snapshot {
  startMs: number;
  slotHours: number;
  slots: number;
  windowSlots: number;
  sessions: number;
  /** Session keys in compiled order (`ev:` + id, `storage:` + id). */
  keys: string[];
  circuitIds: string[];
  start: Int32Array;
  end: Int32Array;
  offset: Int32Array;
  iterate: Float64Array;
}

/** How the last solve given this state started. */
export type WarmOutcome = "cold" | "warm" | "fellBack" | "refused";

/** Entries of the canonical vector after x, zl, zu and y (assembly/optimal/warm.ts `warmMeta`). */
const WARM_META = 3;

/** Canonical columns and rows (assembly/optimal/warm.ts). */
function shape(slots: number, windowSlots: number, sessions: number, circuits: number) {
  const nc = 3 * windowSlots + 2 * sessions + 5 * slots + 1 + circuits * slots;
  const mc = windowSlots + sessions + 2 * slots + circuits * slots;
  return { nc, mc, length: 3 * nc + mc + WARM_META };
}

/** The keys a problem's compiled sessions are matched by. */
export function sessionKeys(sessionIds: readonly string[], storageIds: readonly string[]): string[] {
  return [...sessionIds.map((id) => `ev:${id}`), ...storageIds.map((id) => `storage:${id}`)];
}

/**
 * The previous solve of one site, kept by the caller between solves
 * (`solve(request, { warm })`). Not shared between sites: a state from
 * another site is refused (nothing in common) or, if it shares ids, only
 * gives a poorer start, never a wrong result.
 */
export class WarmState {
  private previous: Snapshot | undefined;
  /** How the last solve given this state started. */
  lastOutcome: WarmOutcome = "cold";

  /** Forget the previous solve: the next one starts cold. */
  clear(): void {
    this.previous = undefined;
  }

  /** A copy to try another re-plan from the same previous solve (the iterate is shared: it is never written). */
  clone(): WarmState {
    const copy = new WarmState();
    copy.previous = this.previous;
    copy.lastOutcome = this.lastOutcome;
    return copy;
  }

  /** Whether a previous solve is kept. */
  get ready(): boolean {
    return this.previous !== undefined;
  }

  /**
   * The previous iterate mapped onto `problem` (canonical layout), or
   * undefined when there is none or it does not fit.
   */
  map(problem: CompiledProblem, keys: readonly string[]): Float64Array | undefined {
    const old = this.previous;
    if (old === undefined) return undefined;
    const s = problem.sessions;
    if (old.slotHours !== problem.slotHours) return undefined;
    const slotMs = problem.slotHours * 3_600_000;
    const shiftExact = (problem.startMs - old.startMs) / slotMs;
    const shift = Math.round(shiftExact);
    if (Math.abs(shiftExact - shift) > 1e-9 || Math.abs(shift) >= Math.max(old.slots, problem.slots)) return undefined;
    const oldIndex = new Map(old.keys.map((k, i) => [k, i]));
    const matched = keys.map((k) => oldIndex.get(k) ?? -1);
    if (!matched.some((u) => u >= 0)) return undefined;
    const C = problem.circuitIds.length;
    const oldCircuit = new Map(old.circuitIds.map((id, i) => [id, i]));
    const T = problem.slots;
    const W = s.windowSlots;
    const V = s.count;
    const to = shape(T, W, V, C);
    const from = shape(old.slots, old.windowSlots, old.sessions, old.circuitIds.length);
    const src = old.iterate;
    if (src.length !== from.length) return undefined;
    const out = new Float64Array(to.length).fill(Number.NaN);
    // New slot t is old slot t + shift: the slots both horizons hold.
    const t0 = Math.max(0, -shift);
    const t1 = Math.min(T, old.slots - shift);
    // Slots only one horizon holds repeat its nearest slot: a new last slot starts where the old last one was.
    const copySlots = (toBase: number, fromBase: number) => {
      if (t1 <= t0) return;
      out.set(src.subarray(fromBase + t0 + shift, fromBase + t1 + shift), toBase + t0);
      for (let t = 0; t < t0; t++) out[toBase + t] = out[toBase + t0];
      for (let t = t1; t < T; t++) out[toBase + t] = out[toBase + t1 - 1];
    };
    // Window slot i of new session v is slot a1 + i, old slot a1 + i + shift, old window slot a1 + i + shift − a0.
    const copyWindows = (toBase: number, fromBase: number) => {
      for (let v = 0; v < V; v++) {
        const u = matched[v];
        if (u < 0) continue;
        const a1 = s.start[v];
        const a0 = old.start[u];
        const i0 = Math.max(0, a0 - shift - a1);
        const i1 = Math.min(s.end[v] - a1, old.end[u] - shift - a1);
        if (i1 <= i0) continue;
        const f = fromBase + old.offset[u] + a1 + shift - a0;
        const o = toBase + s.offset[v];
        out.set(src.subarray(f + i0, f + i1), o + i0);
        // Window slots the old window did not hold (a horizon reaching further) repeat its nearest one.
        for (let i = 0; i < i0; i++) out[o + i] = out[o + i0];
        for (let i = i1; i < s.end[v] - a1; i++) out[o + i] = out[o + i1 - 1];
      }
    };
    const copySessions = (toBase: number, fromBase: number) => {
      for (let v = 0; v < V; v++) if (matched[v] >= 0) out[toBase + v] = src[fromBase + matched[v]];
    };
    const copyCircuits = (toBase: number, fromBase: number) => {
      problem.circuitIds.forEach((id, c) => {
        const k = oldCircuit.get(id);
        if (k !== undefined) copySlots(toBase + c * T, fromBase + k * old.slots);
      });
    };
    const [W0, V0, T0] = [old.windowSlots, old.sessions, old.slots];
    for (let block = 0; block < 3; block++) {
      const tb = block * to.nc;
      const fb = block * from.nc;
      for (let kind = 0; kind < 3; kind++) copyWindows(tb + kind * W, fb + kind * W0); // c, d, e
      for (let kind = 0; kind < 2; kind++) copySessions(tb + 3 * W + kind * V, fb + 3 * W0 + kind * V0); // s, σ
      for (let kind = 0; kind < 5; kind++) copySlots(tb + 3 * W + 2 * V + kind * T, fb + 3 * W0 + 2 * V0 + kind * T0); // g, o, x, u, q
      out[tb + 3 * W + 2 * V + 5 * T] = src[fb + 3 * W0 + 2 * V0 + 5 * T0]; // z
      copyCircuits(tb + 3 * W + 2 * V + 5 * T + 1, fb + 3 * W0 + 2 * V0 + 5 * T0 + 1);
    }
    const ty = 3 * to.nc;
    const fy = 3 * from.nc;
    copyWindows(ty, fy); // energy rows
    copySessions(ty + W, fy + W0); // shortfall rows
    copySlots(ty + W + V, fy + W0 + V0); // site rows
    copySlots(ty + W + V + T, fy + W0 + V0 + T0); // peak rows
    copyCircuits(ty + W + V + 2 * T, fy + W0 + V0 + 2 * T0);
    out[ty + to.mc] = src[fy + from.mc]; // μ of the recorded iterate
    out[ty + to.mc + 1] = src[fy + from.mc + 1]; // iterations of the cold solve it descends from
    return out;
  }

  /** Keep this solve's recorded iterate (none: the next solve starts cold). */
  remember(problem: CompiledProblem, keys: readonly string[], iterate: Float64Array | undefined, outcome: WarmStart): void {
    this.lastOutcome = outcomeName(outcome);
    if (iterate === undefined) {
      this.previous = undefined;
      return;
    }
    const s = problem.sessions;
    this.previous = {
      startMs: problem.startMs,
      slotHours: problem.slotHours,
      slots: problem.slots,
      windowSlots: s.windowSlots,
      sessions: s.count,
      keys: [...keys],
      circuitIds: [...problem.circuitIds],
      start: s.start.slice(),
      end: s.end.slice(),
      offset: s.offset.slice(),
      iterate,
    };
  }
}

function outcomeName(value: WarmStart): WarmOutcome {
  switch (value) {
    case WarmStart.Used:
      return "warm";
    case WarmStart.FellBack:
      return "fellBack";
    case WarmStart.Refused:
      return "refused";
    default:
      return "cold";
  }
}
