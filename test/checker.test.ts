/**
 * The checker itself: a schedule broken on purpose is caught, by the right
 * rule, at the right session, circuit and slot; a tampered figure is caught
 * as a mismatch. (A checker that accepts everything would pass every other
 * test.)
 */
import { describe, expect, it } from "vitest";
import type { Response } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { availableSlots, checkSchedule } from "../testkit/checker/checker.js";
import { valid } from "../testkit/checker/harness.js";

// Two 1 h slots; "a" (11 kW, minimum 4 kW) on circuit "inner" (8 kW) under "outer" (9 kW);
// "b" (11 kW) plugged in for slot 1 only, under the grid connection. B = 2, S = 5, E = 1.
const request = valid({
  horizon: { start: "2026-11-23T00:00:00Z", slotMinutes: 60, slots: 2 },
  site: { importLimitKw: 30, exportLimitKw: 1, baseLoadKw: 2, pvKw: 5 },
  circuits: [
    { id: "outer", limitKw: 9 },
    { id: "inner", parentId: "outer", limitKw: 8 },
  ],
  tariff: { importPrice: 0.2, exportPrice: 0.05, demandChargePerKw: 3 },
  sessions: [
    {
      id: "a",
      circuitId: "inner",
      departure: "2026-11-23T02:00:00Z",
      targetEnergyKwh: 12,
      capacityKwh: 12,
      maxChargeKw: 11,
      minChargeKw: 4,
    },
    { id: "b", arrival: "2026-11-23T01:00:00Z", departure: "2026-11-23T02:00:00Z", targetEnergyKwh: 5, maxChargeKw: 11 },
  ],
});
const good = solve(request, { strategy: "edf" });

/** A copy of the good response with a's and b's powers and the curtailment replaced. */
function tampered(a: number[], b: number[], curtailed = [0, 0]): Response {
  const copy = structuredClone(good);
  copy.sessions[0].powerKw = a;
  copy.sessions[1].powerKw = b;
  copy.site.curtailedPvKw = curtailed;
  return copy;
}

describe("checker", () => {
  it("accepts the good schedule", () => {
    // edf: a takes 8 (inner's limit) then 4 (its target, e = 12); b takes 5 in slot 1.
    expect(good.sessions[0].powerKw).toEqual([8, 4]);
    expect(good.sessions[1].powerKw).toEqual([0, 5]);
    expect(checkSchedule(request, good)).toMatchObject({ ok: true, errors: [], mismatches: [] });
  });

  it("finds slots wholly inside [arrival, departure] only", () => {
    expect(availableSlots(request, "2026-11-23T00:00:01Z", "2026-11-23T02:00:00Z")).toEqual([1]);
    expect(availableSlots(request, undefined, "2026-11-23T01:59:59.999999999Z")).toEqual([0]);
    expect(availableSlots(request, "2026-11-22T00:00:00Z", "2026-11-24T00:00:00Z")).toEqual([0, 1]);
    expect(availableSlots(request, "2026-11-23T03:00:00Z", "2026-11-24T00:00:00Z")).toEqual([]);
  });

  const rule = (r: Response) =>
    checkSchedule(request, r).violations.map(({ rule, session, circuit, slot }) => ({ rule, session, circuit, slot }));

  it("rule 1: power outside availability and above the maximum", () => {
    expect(rule(tampered([8, 4], [3, 5]))).toContainEqual({ rule: 1, session: "b", circuit: undefined, slot: 0 });
    expect(rule(tampered([8, 4], [0, 12]))).toContainEqual({ rule: 1, session: "b", circuit: undefined, slot: 1 });
    expect(rule(tampered([8, -1], [0, 5]))).toContainEqual({ rule: 1, session: "a", circuit: undefined, slot: 1 });
  });

  it("rule 2: charging below minChargeKw", () => {
    expect(rule(tampered([8, 3], [0, 5]))).toEqual([{ rule: 2, session: "a", circuit: undefined, slot: 1 }]);
  });

  it("rule 3: energy above the capacity", () => {
    expect(rule(tampered([8, 5], [0, 5]))).toEqual([{ rule: 3, session: "a", circuit: undefined, slot: 1 }]);
  });

  it("rule 4: a circuit limit, counted over the subtree", () => {
    expect(rule(tampered([8.5, 0], [0, 5]))).toEqual([{ rule: 4, session: undefined, circuit: "inner", slot: 0 }]);
    const both = rule(tampered([9.5, 0], [0, 5]));
    expect(both).toContainEqual({ rule: 4, session: undefined, circuit: "outer", slot: 0 });
    expect(both).toContainEqual({ rule: 4, session: undefined, circuit: "inner", slot: 0 });
  });

  it("rule 5: export beyond the limit and curtailment out of range", () => {
    // Slot 0 with a idle: n = 2 − 5 = −3 < −1.
    expect(rule(tampered([0, 8], [0, 4]))).toContainEqual({ rule: 5, session: undefined, circuit: undefined, slot: 0 });
    expect(rule(tampered([8, 4], [0, 5], [6, 0])).filter((v) => v.rule === 5)).toEqual([
      { rule: 5, session: undefined, circuit: undefined, slot: 0 },
    ]);
    expect(rule(tampered([8, 4], [0, 5], [0, -1])).filter((v) => v.rule === 5)).toEqual([
      { rule: 5, session: undefined, circuit: undefined, slot: 1 },
    ]);
  });

  it("an import overrun is an error unless the status is infeasible and names the slot", () => {
    const over = { ...request, site: { ...request.site, importLimitKw: 5.5 } };
    const result = checkSchedule(over, good);
    expect(result.errors).toEqual([expect.objectContaining({ rule: 5, slot: 1 })]);
    const named = checkSchedule(over, { ...good, status: "infeasible", infeasibleSlots: [1] });
    expect(named.errors).toEqual([]);
    expect(named.mismatches).toEqual([]);
  });

  it("reported figures must match the recomputation", () => {
    const fields = (r: Response) => checkSchedule(request, r).mismatches.map((m) => m.field);
    const bump = (edit: (r: Response) => void) => {
      const copy = structuredClone(good);
      edit(copy);
      return fields(copy);
    };
    expect(bump((r) => (r.cost.energy += 1e-3))).toEqual(["cost.energy", "cost.total (sum of the reported parts)"]);
    expect(bump((r) => (r.cost.demand *= 1.01))).toContain("cost.demand");
    expect(bump((r) => (r.peakImportKw += 0.1))).toEqual(["peakImportKw"]);
    expect(bump((r) => (r.sessions[1].energyKwh[1] = 4))).toEqual(["sessions[1].energyKwh[1]"]);
    expect(bump((r) => (r.sessions[0].deliveredKwh = 11))).toEqual(["sessions[0].deliveredKwh"]);
    expect(bump((r) => (r.sessions[0].shortfallKwh = 1))).toEqual(["sessions[0].shortfallKwh"]);
    expect(bump((r) => (r.site.netImportKw[0] += 1))).toEqual(["site.netImportKw[0]"]);
    expect(bump((r) => (r.infeasibleSlots = [1]))).toEqual(["infeasibleSlots"]);
    expect(bump((r) => (r.status = "infeasible"))).toEqual(["status"]);
    expect(bump((r) => r.sessions.pop())).toContain("sessions");
    expect(bump((r) => (r.sessions[0].powerKw = [8]))).toContain("sessions[0].powerKw");
    // A difference of 1e-7 relative is within tolerance.
    expect(bump((r) => (r.cost.total *= 1 + 1e-7))).toEqual([]);
  });

  it("recomputes the costs by hand", () => {
    // n = B − S + Σp = [2 − 5 + 8, 2 − 5 + 4 + 5] = [5, 6]; energy 0.2·11 = 2.2; demand 3·6 = 18.
    const { recomputed } = checkSchedule(request, good);
    expect(recomputed.netImportKw).toEqual([5, 6]);
    expect(recomputed.cost.energy).toBeCloseTo(2.2, 12);
    expect(recomputed.cost.demand).toBe(18);
    expect(recomputed.cost.shortfall).toBe(0);
    expect(recomputed.peakImportKw).toBe(6);
  });
});
