/**
 * Property tests: on arbitrary valid requests every available strategy
 * returns a schedule the independent checker accepts (feasible by rules 1-5
 * when a feasible schedule exists, infeasible with exactly the overrun slots
 * named otherwise), with every reported figure matching the recomputation.
 * The optimal strategy is included as soon as this build provides it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StrategyName } from "../engine/model/schema.js";
import { TOLERANCE } from "../testkit/checker/checker.js";
import { requestArbitrary } from "../testkit/checker/arbitrary.js";
import { BASELINES, availableStrategies, checked, valid } from "../testkit/checker/harness.js";

const RUNS = Number(process.env.WATTPLAN_PROPERTY_RUNS ?? 250);
const STRATEGIES = availableStrategies();

const perSlotValues = (x: number | number[]) => (Array.isArray(x) ? x : [x]);

/** max(1e-4·|total|, 1e-3): the optimality tolerance of the model. */
const gapTolerance = (total: number) => Math.max(1e-4 * Math.abs(total), 1e-3);

describe("every strategy on arbitrary valid requests", () => {
  it(`checks out (strategies: ${STRATEGIES.join(", ")})`, () => {
    fc.assert(
      fc.property(requestArbitrary(), (input) => {
        const request = valid(input);
        const totals = new Map<StrategyName, number>();
        const statusOf = new Map<StrategyName, string>();
        let feasibleExists = true;
        for (const strategy of STRATEGIES) {
          const { response, check } = checked(request, strategy);
          expect(response.strategy).toBe(strategy);
          const base = check.recomputed.baseOverImportSlots;
          if (strategy === "optimal") {
            // V2G may cover a slot where B − S > I, so only the necessary direction holds.
            for (const t of response.infeasibleSlots) expect(base).toContain(t);
            // The model allows "feasible" only for minChargeKw > 0, or negative prices with lossy
            // batteries (where the relaxation may charge and discharge at once), or a solver limit.
            const limited = response.warnings.some((w) => /iteration limit|time limit/.test(w));
            const lossy = request.sessions.some((s) => s.chargeEfficiency < 1 || s.dischargeEfficiency < 1);
            const negativePrice = perSlotValues(request.tariff.importPrice).some((x) => x < 0);
            const mayFallShort = request.sessions.some((s) => s.minChargeKw > 0) || (lossy && negativePrice);
            if (response.status === "feasible" && !limited) {
              expect(mayFallShort, "status feasible without minChargeKw or negative prices with losses").toBe(true);
              expect(response.solver.bound).toBeDefined();
            }
            if (response.status !== "infeasible" && response.solver.bound !== undefined) {
              expect(response.cost.total).toBeGreaterThanOrEqual(response.solver.bound - gapTolerance(response.cost.total));
            }
            if (response.status === "optimal") {
              expect(response.cost.total - response.solver.bound!).toBeLessThanOrEqual(gapTolerance(response.cost.total));
            }
          } else {
            // Charge-only: the overrun is B − S − I exactly where that is positive, and nowhere else.
            expect(response.infeasibleSlots).toEqual(base);
            expect(response.status).toBe(base.length > 0 ? "infeasible" : "feasible");
            for (const s of response.sessions) for (const p of s.powerKw) expect(p).toBeGreaterThanOrEqual(-TOLERANCE);
            feasibleExists &&= base.length === 0;
            // Where the base load alone overruns the limit, cars get nothing (least overrun without V2G).
            for (const t of base) for (const s of response.sessions) expect(s.powerKw[t]).toBe(0);
            if (base.length === 0) {
              for (let t = 0; t < request.horizon.slots; t++) {
                // Curtail PV only as far as the export limit requires.
                const uncurtailed = check.recomputed.netImportKw[t] - response.site.curtailedPvKw[t];
                const exportLimit = Array.isArray(request.site.exportLimitKw) ? request.site.exportLimitKw[t] : request.site.exportLimitKw;
                const needed = Math.max(0, -exportLimit - uncurtailed);
                expect(Math.abs(response.site.curtailedPvKw[t] - needed)).toBeLessThanOrEqual(TOLERANCE);
              }
            }
          }
          totals.set(strategy, response.cost.total);
          statusOf.set(strategy, response.status);
        }
        const optimal = totals.get("optimal");
        if (optimal !== undefined && feasibleExists && statusOf.get("optimal") === "optimal") {
          // A feasible baseline schedule bounds the optimum from above.
          for (const b of BASELINES) expect(optimal).toBeLessThanOrEqual(totals.get(b)! + gapTolerance(optimal));
        }
      }),
      // A failure's shrinking (each step re-solving with every strategy) is cut short rather than run for minutes.
      { numRuns: RUNS, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true },
    );
  });

  it("uncontrolled charges every EV at full power until its target when no limit binds", () => {
    fc.assert(
      fc.property(requestArbitrary({ maxCircuits: 0 }), (input) => {
        const request = valid(input);
        request.site.importLimitKw = 1e6;
        request.site.baseLoadKw = 0;
        for (const s of request.sessions) s.minChargeKw = 0;
        const { response, check } = checked(request, "uncontrolled");
        const dt = request.horizon.slotMinutes / 60;
        request.sessions.forEach((s, v) => {
          const capacity = s.capacityKwh ?? Math.max(s.initialEnergyKwh, s.targetEnergyKwh);
          const available = new Set(check.recomputed.sessions[v].available);
          let e = s.initialEnergyKwh;
          response.sessions[v].powerKw.forEach((p, t) => {
            const room = (Math.min(capacity, s.targetEnergyKwh) - e) / (s.chargeEfficiency * dt);
            const expected = available.has(t) ? Math.max(0, Math.min(s.maxChargeKw, room)) : 0;
            expect(Math.abs(p - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
            e += dt * s.chargeEfficiency * p;
          });
        });
      }),
      { numRuns: 150 },
    );
  });

  it("a solve does not depend on what the shared scheduler solved before", () => {
    // The WASM instance and its memory are reused across solves: a stale array would show here.
    const strip = (r: ReturnType<typeof checked>["response"]) => ({ ...r, solver: { ...r.solver, solveMs: 0 } });
    fc.assert(
      fc.property(requestArbitrary({ maxSlots: 30, maxSessions: 8 }), requestArbitrary({ maxSlots: 60, maxSessions: 15 }), (a, b) => {
        const first = valid(a);
        const other = valid(b);
        for (const strategy of STRATEGIES) {
          const before = strip(checked(first, strategy).response);
          checked(other, strategy);
          expect(strip(checked(first, strategy).response)).toEqual(before);
        }
      }),
      { numRuns: 60, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true },
    );
  });
});
