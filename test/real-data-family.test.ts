/**
 * The real-data problem family (testkit/generators/real-data.ts) and the
 * native CLP reference (testkit/reference/clp.ts) that the families bench
 * runs: valid, deterministic requests of every drawn shape, and CLP, HiGHS
 * and `optimal` agreeing on the same LP.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../engine/model/compile.js";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { realData, realDataShape } from "../testkit/generators/real-data.js";
import { ClpWorkspace, findClp } from "../testkit/reference/clp.js";
import { HighsReference, buildLp } from "../testkit/reference/highs.js";

const SIZE = { sessions: 40, slots: 96 };

describe("the real-data family", () => {
  it("draws valid requests whose shape varies with the seed", () => {
    const slotMinutes = new Set<number>();
    const circuits = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const input = realData({ ...SIZE, seed });
      const v = validateRequest(input);
      expect(v.ok, `seed ${seed}: ${v.ok ? "" : JSON.stringify(v.problems[0])}`).toBe(true);
      const shape = realDataShape({ ...SIZE, seed });
      expect(input.horizon.slotMinutes).toBe(shape.slotMinutes);
      expect(input.circuits?.length ?? 0).toBe(shape.circuits);
      const v2g = input.sessions?.filter((s) => (s.maxDischargeKw ?? 0) > 0).length ?? 0;
      if (shape.v2gShare === 0) expect(v2g).toBe(0);
      slotMinutes.add(shape.slotMinutes);
      circuits.add(shape.circuits);
    }
    expect([...slotMinutes].sort()).toEqual([15, 5]);
    expect(circuits.size).toBeGreaterThan(3);
  });

  it("is deterministic in its seed", () => {
    expect(JSON.stringify(realData({ ...SIZE, seed: 7 }))).toBe(JSON.stringify(realData({ ...SIZE, seed: 7 })));
    expect(JSON.stringify(realData({ ...SIZE, seed: 7 }))).not.toBe(JSON.stringify(realData({ ...SIZE, seed: 8 })));
  });

  it("honours a pinned shape", () => {
    const input = realData({ ...SIZE, seed: 3, slotMinutes: 15, v2gShare: 0, circuits: 0 });
    expect(input.horizon.slotMinutes).toBe(15);
    expect(input.circuits).toEqual([]);
    expect(input.sessions?.every((s) => s.maxDischargeKw === undefined)).toBe(true);
  });
});

describe("native CLP beside HiGHS on the same LP", () => {
  it("finds the optimum HiGHS finds, and optimal's total is within spec §7 of it", async () => {
    expect("path" in findClp()).toBe(true);
    const v = validateRequest(realData({ ...SIZE, seed: 2 }));
    if (!v.ok) throw new Error("invalid");
    const lp = buildLp(compile(v.request));
    const workspace = new ClpWorkspace();
    try {
      const file = workspace.write(lp);
      const dual = workspace.solve(file, lp, "dualsimplex");
      const barrier = workspace.solve(file, lp, "barrier");
      const highs = await new HighsReference().solve(v.request);
      expect(dual.status).toBe("optimal");
      expect(barrier.status).toBe("optimal");
      expect(dual.iterations).toBeGreaterThan(0);
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
      expect(rel(dual.objective, highs.objective)).toBeLessThan(1e-6);
      expect(rel(barrier.objective, highs.objective)).toBeLessThan(1e-6);
      const ours = solve(v.request);
      expect(ours.status).toBe("optimal");
      expect(ours.cost.total - dual.objective).toBeLessThanOrEqual(Math.max(1e-4 * Math.abs(ours.cost.total), 1e-3));
      expect(ours.solver.bound!).toBeLessThanOrEqual(dual.objective + 1e-6 * Math.max(1, Math.abs(dual.objective)));
    } finally {
      workspace.dispose();
    }
  });
});
