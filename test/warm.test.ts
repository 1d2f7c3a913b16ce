// Warm re-plans of `optimal` (engine/scheduler/warm.ts, assembly/optimal/warm.ts):
// a re-solve from the previous solve's iterate agrees with a cold solve
// within spec §7's tolerance, passes the independent checker, keeps the
// certificate honest, and a warm state that does not fit (another site,
// garbage, phase rows) is refused or falls back: never a trap, never a
// wrong result. No timings here (bench/solver-dev/warm.ts measures them).
import { describe, expect, it } from "vitest";
import { solve } from "../engine/scheduler/solve.js";
import { WarmState } from "../engine/scheduler/warm.js";
import { compile } from "../engine/model/compile.js";
import type { Request, Response } from "../engine/model/schema.js";
import { GENERATORS } from "../testkit/generators/index.js";
import { withStorage } from "../testkit/generators/storage.js";
import { withPhases } from "../testkit/generators/phases.js";
import { addArrival, removeSession, shiftOneSlot } from "../testkit/generators/replan.js";
import { checkSchedule, describeCheck } from "../testkit/checker/checker.js";
import { valid } from "../testkit/checker/harness.js";
import { sessionKeys } from "../engine/scheduler/warm.js";
import { WarmStart } from "../assembly/layout.js";

const tolerance = (total: number) => Math.max(1e-4 * Math.abs(total), 1e-3);

function expectChecked(request: Request, response: Response): void {
  const check = checkSchedule(request, response);
  expect(check.ok, describeCheck(check)).toBe(true);
}

/** Both optimal, both checked, totals within the tolerance, and each bound below the other's total. */
function expectAgree(request: Request, cold: Response, warm: Response): void {
  expectChecked(request, cold);
  expectChecked(request, warm);
  expect(warm.status).toBe(cold.status);
  expect(Math.abs(warm.cost.total - cold.cost.total)).toBeLessThanOrEqual(tolerance(cold.cost.total));
  if (cold.status === "optimal") {
    expect(warm.cost.total - warm.solver.bound!).toBeLessThanOrEqual(tolerance(warm.cost.total));
    // Proven bounds of the same LP: neither may exceed the other's total.
    expect(warm.solver.bound!).toBeLessThanOrEqual(cold.cost.total + 1e-9);
    expect(cold.solver.bound!).toBeLessThanOrEqual(warm.cost.total + 1e-9);
  }
}

const CASES: [string, () => Request][] = [
  ["workplace 60×96", () => valid(GENERATORS.workplace({ sessions: 60, slots: 96, seed: 3 }))],
  ["depotV2g 60×96", () => valid(GENERATORS.depotV2g({ sessions: 60, slots: 96, seed: 5 }))],
  ["pvSite 60×96", () => valid(GENERATORS.pvSite({ sessions: 60, slots: 96, seed: 7 }))],
  ["depotV2g 40×96 with storage", () => valid(withStorage(GENERATORS.depotV2g({ sessions: 40, slots: 96, seed: 2 })))],
];

const REPLANS: [string, (base: Request, previous: Response) => Request][] = [
  ["shifted by one slot", (base, previous) => shiftOneSlot(base, previous)],
  ["shifted with one arrival", (base, previous) => addArrival(shiftOneSlot(base, previous), 1)],
  ["one arrival", (base) => addArrival(base, 2)],
  ["one session removed", (base) => removeSession(base, 3)],
];

describe("warm re-plans agree with cold solves", () => {
  for (const [name, make] of CASES) {
    for (const tieBreak of ["earliest", "none"] as const) {
      it(`${name}, tieBreak ${tieBreak}`, () => {
        const base: Request = { ...make(), solverOptions: { tieBreak } };
        const state = new WarmState();
        const previous = solve(base, { warm: state });
        expect(state.ready).toBe(true);
        expect(state.lastOutcome).toBe("cold");
        for (const [, replan] of REPLANS) {
          const next = replan(base, previous);
          const warm = state.clone();
          const hot = solve(next, { warm });
          expect(["warm", "fellBack"]).toContain(warm.lastOutcome);
          expectAgree(next, solve(next), hot);
        }
      });
    }
  }

  it("chains: a rolling horizon re-solved slot after slot from its own warm states", () => {
    let request: Request = { ...valid(GENERATORS.depotV2g({ sessions: 40, slots: 96, seed: 11 })), solverOptions: { tieBreak: "none" } };
    const state = new WarmState();
    let previous = solve(request, { warm: state });
    for (let k = 0; k < 4; k++) {
      request = shiftOneSlot(request, previous);
      const cold = solve(request);
      previous = solve(request, { warm: state });
      expect(["warm", "fellBack"]).toContain(state.lastOutcome);
      expectAgree(request, cold, previous);
    }
  });
});

describe("a warm state that does not fit", () => {
  const a: Request = valid(GENERATORS.workplace({ sessions: 40, slots: 96, seed: 1 }));

  it("from an unrelated site (no session in common) is refused", () => {
    const state = new WarmState();
    solve(a, { warm: state });
    const other: Request = valid(GENERATORS.pvSite({ sessions: 30, slots: 48, seed: 9 }));
    const renamed: Request = { ...other, sessions: other.sessions.map((s, i) => ({ ...s, id: `other-${i}` })) };
    const warm = solve(renamed, { warm: state });
    expect(state.lastOutcome).toBe("refused");
    expectAgree(renamed, solve(renamed), warm);
  });

  it("from another site sharing session ids is safe: agrees with a cold solve", () => {
    const state = new WarmState();
    solve(a, { warm: state });
    const depot: Request = valid(GENERATORS.depotV2g({ sessions: 50, slots: 96, seed: 4 }));
    // Another site whose sessions happen to carry the first site's ids: mapped, and only a poorer start.
    const other: Request = {
      ...depot,
      sessions: depot.sessions.map((s, i) => ({ ...s, id: a.sessions[i % a.sessions.length].id + (i < a.sessions.length ? "" : `-${i}`) })),
    };
    const warm = solve(other, { warm: state });
    expect(["warm", "fellBack"]).toContain(state.lastOutcome);
    expectAgree(other, solve(other), warm);
  });

  it("with another slot length or a shift of part of a slot is refused", () => {
    const state = new WarmState();
    solve(a, { warm: state });
    const start = Date.parse(a.horizon.start);
    const half: Request = { ...a, horizon: { ...a.horizon, start: new Date(start + 7.5 * 60_000).toISOString() } };
    expectAgree(half, solve(half), solve(half, { warm: state.clone() }));
    // The same generator and seed at 30-minute slots: the same session ids.
    const longer: Request = valid(GENERATORS.workplace({ sessions: 40, slots: 48, seed: 1, slotMinutes: 30 }));
    expect(longer.sessions.map((s) => s.id)).toEqual(a.sessions.map((s) => s.id));
    const warm = state.clone();
    const r = solve(longer, { warm });
    expect(warm.lastOutcome).toBe("refused");
    expectAgree(longer, solve(longer), r);
  });

  it("holding garbage (NaN, infinities, negative duals, huge values) never traps nor misleads", () => {
    const problem = compile(a);
    const keys = sessionKeys(
      a.sessions.map((s) => s.id),
      a.storage.map((b) => b.id),
    );
    const state = new WarmState();
    solve(a, { warm: state });
    const length = state.map(problem, keys)!.length;
    const garbage = [Number.NaN, Infinity, -Infinity, -1, 0, 1e300, -1e300, 1e-300, 5];
    for (let seed = 0; seed < 4; seed++) {
      const iterate = Float64Array.from({ length }, (_, i) => garbage[(i * 31 + seed * 17) % garbage.length]);
      const warm = new WarmState();
      warm.remember(problem, keys, iterate, WarmStart.Cold);
      const r = solve(a, { warm });
      expect(["warm", "fellBack"]).toContain(warm.lastOutcome);
      expectAgree(a, solve(a), r);
    }
  });

  it("with phase rows (an LP that grows lazily) is refused by the scheduler", () => {
    const p: Request = valid(withPhases(GENERATORS.workplace({ sessions: 8, slots: 24, seed: 2 })));
    const state = new WarmState();
    const first = solve(p, { warm: state });
    expect(state.ready).toBe(false);
    const next = shiftOneSlot(p, first);
    const r = solve(next, { warm: state });
    expectAgree(next, solve(next), r);
  });

  it("is ignored by the baselines", () => {
    const state = new WarmState();
    solve(a, { warm: state, strategy: "edf" });
    expect(state.ready).toBe(false);
  });
});
