/**
 * Spec §12, site storage, in `optimal`: a battery is a session present for
 * the whole horizon with a hard final energy. Hand-solved problems checked
 * against the HiGHS reference (whose final energy is a row of its own, not
 * the scheduler's box), seeded generated sites with two batteries against
 * HiGHS, and the spec §10 tie-break with a battery on site.
 */
import { describe, expect, it } from "vitest";
import type { Request, RequestInput, Response } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { WattplanError } from "../engine/errors.js";
import { GENERATORS, GENERATOR_NAMES } from "../testkit/generators/index.js";
import { withStorage } from "../testkit/generators/storage.js";
import { HighsReference } from "../testkit/reference/highs.js";
import { checked, valid } from "../testkit/checker/harness.js";

const reference = new HighsReference();
const START = "2026-11-23T00:00:00Z";
const RELATIVE = 1e-6;
const scale = (x: number) => Math.max(1, Math.abs(x));
/** Spec §7's tolerance on a total. */
const tolerance = (x: number) => Math.max(1e-4 * Math.abs(x), 1e-3);
/** Spec §5's tolerance (kWh). */
const FEASIBLE = 1e-6;

/** The golden peak-shaving site of golden.test.ts: base [4, 12, 4, 4], one EV (4 kWh, 2 kW), one 10 kWh ±4 kW battery at 5. */
function shaving(battery: Partial<NonNullable<RequestInput["storage"]>[number]> = {}, extra: Partial<RequestInput> = {}): Request {
  return valid({
    horizon: { start: START, slotMinutes: 60, slots: 4 },
    site: { importLimitKw: 20, baseLoadKw: [4, 12, 4, 4] },
    tariff: { importPrice: 0.1, demandChargePerKw: 10 },
    sessions: [{ id: "car", departure: "2026-11-23T04:00:00Z", targetEnergyKwh: 4, maxChargeKw: 2 }],
    storage: [{ id: "bess", capacityKwh: 10, initialEnergyKwh: 5, maxChargeKw: 4, maxDischargeKw: 4, ...battery }],
    ...extra,
  });
}

/** Optimal (first stage and with the tie-break) against the HiGHS optimum; both pass the checker. */
async function againstHighs(request: Request): Promise<{ ours: Response; objective: number }> {
  const ref = await reference.solve(request);
  expect(ref.status).toBe("optimal");
  const first = checked({ ...request, solverOptions: { ...request.solverOptions, tieBreak: "none" } }, "optimal").response;
  expect(first.status).toBe("optimal");
  expect(
    Math.abs(first.cost.total - ref.objective) / scale(ref.objective),
    `first stage ${first.cost.total} vs HiGHS ${ref.objective}`,
  ).toBeLessThanOrEqual(RELATIVE);
  // The certificate: the bound is a lower bound on the true optimum, the total within spec §7's tolerance of it.
  expect(first.solver.bound!).toBeLessThanOrEqual(ref.objective + RELATIVE * scale(ref.objective));
  const ours = checked(request, "optimal").response;
  expect(ours.status).toBe("optimal");
  expect(ours.cost.total - ref.objective).toBeLessThanOrEqual(tolerance(ref.objective));
  expect(ours.cost.total).toBeGreaterThanOrEqual(ref.objective - RELATIVE * scale(ref.objective));
  expect(ours.cost.total - ours.solver.bound!).toBeLessThanOrEqual(tolerance(ours.cost.total));
  return { ours, objective: ref.objective };
}

function expectFinal(request: Request, response: Response) {
  request.storage.forEach((b, i) => {
    const e = response.storage![i].energyKwh;
    const final = b.finalEnergyKwh ?? b.initialEnergyKwh;
    expect(e[e.length - 1], `${b.id} ends at ${e[e.length - 1]}, final ${final}`).toBeGreaterThanOrEqual(final - FEASIBLE);
  });
}

describe("storage: hand-solved peak shaving, against HiGHS", () => {
  it("a battery shaves the peak and ends at its final energy", async () => {
    // See golden.test.ts: the least peak is 12 − 4 = 8, the battery gives 4 kWh in slot 1 and takes
    // them back elsewhere (lossless), ending at exactly 5; total 28 · 0.1 + 10 · 8 = 82.8.
    const request = shaving();
    const { ours, objective } = await againstHighs(request);
    expect(Math.abs(objective - 82.8)).toBeLessThanOrEqual(1e-7);
    const bess = ours.storage![0];
    expect(Math.abs(bess.powerKw[1] + 4)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(bess.energyKwh[3] - 5)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(ours.peakImportKw - 8)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(ours.cost.demand - 80)).toBeLessThanOrEqual(1e-4);
    expect(ours.sessions.map((s) => s.id)).toEqual(["car"]);
    // The same site without the battery: the peak is the EV's 2 kW on top of 12.
    const without = solve({ ...request, storage: [] }, { strategy: "optimal" });
    expect(Math.abs(without.peakImportKw - 12)).toBeLessThanOrEqual(1e-5);
  });

  it("the final energy is hard: without it the battery would drain itself", async () => {
    // With a floor to drain to, no final energy means spending all 5 kWh; the reference proves it pays.
    const drained = await reference.solve(shaving({ finalEnergyKwh: 0 }));
    const held = await reference.solve(shaving());
    expect(drained.objective).toBeLessThan(held.objective - 0.4);
    const ours = checked(shaving(), "optimal").response;
    expectFinal(shaving(), ours);
  });

  it("a final energy above the initial: the battery is charged to it, the peak stays 8", async () => {
    // 2 kWh more bought: 30 · 0.1 + 80 = 83.
    const request = shaving({ finalEnergyKwh: 7 });
    const { ours, objective } = await againstHighs(request);
    expect(Math.abs(objective - 83)).toBeLessThanOrEqual(1e-7);
    expect(Math.abs(ours.storage![0].energyKwh[3] - 7)).toBeLessThanOrEqual(1e-4);
    expectFinal(request, ours);
  });

  it("losses and degradation: 4 kW out costs 4/0.9 kWh, recharged at 0.9", async () => {
    // Slot 1 still at 8 (a kW of peak saves 10, a kWh cycled costs far less). Energy bought:
    // 24 + 4 (EV) − 4 + (4/0.9)/0.9 → 0.1 · (24 + 4/0.81); degradation 4 · 0.02 = 0.08; demand 80.
    const request = shaving({ chargeEfficiency: 0.9, dischargeEfficiency: 0.9, degradationCostPerKwh: 0.02 });
    const { ours, objective } = await againstHighs(request);
    expect(Math.abs(objective - (0.1 * (24 + 4 / 0.81) + 0.08 + 80))).toBeLessThanOrEqual(1e-7);
    expect(Math.abs(ours.cost.degradation - 0.08)).toBeLessThanOrEqual(1e-4);
    expectFinal(request, ours);
  });

  it("a one-phase battery under a site phase limit counts its full current on every phase", async () => {
    // 230 V: the base's 12 kW is 17.39 A per phase; a 40 A phase limit leaves the battery 22.6 A = 5.2 kW
    // of discharge in the peak (its 4 kW fit) and 22.6 A of charging on top of 4 kW base (5.8 A): fine.
    const request = shaving({ phases: 1 }, { site: { importLimitKw: 20, baseLoadKw: [4, 12, 4, 4], phaseLimitA: 40 } });
    const { ours } = await againstHighs(request);
    expectFinal(request, ours);
  });
});

describe("storage: generated sites with two batteries, against HiGHS", () => {
  for (const name of GENERATOR_NAMES) {
    for (const seed of [1, 2]) {
      for (const onCircuits of [false, true]) {
        it(`${name} 30×96 (15 min) seed ${seed}, batteries ${onCircuits ? "on circuits" : "at the grid connection"}`, async () => {
          const input = withStorage(GENERATORS[name]({ sessions: 30, slots: 96, slotMinutes: 15, seed }), { seed, onCircuits });
          const request = valid(input);
          const { ours } = await againstHighs(request);
          expectFinal(request, ours);
          expect(ours.storage).toHaveLength(2);
        });
      }
    }
  }
});

describe("storage and the spec §10 tie-break", () => {
  it("a battery on site leaves the EVs' earliest trajectories as they are", () => {
    // Flat price, no demand charge, slack limits: the EVs charge as uncontrolled would; a lossy battery
    // has nothing to gain and must still end at its final energy.
    const at = (h: number) => new Date(Date.parse(START) + h * 3_600_000).toISOString();
    const request = valid({
      horizon: { start: START, slotMinutes: 60, slots: 8 },
      site: { importLimitKw: 100, baseLoadKw: 5 },
      tariff: { importPrice: 0.25 },
      sessions: [
        { id: "a", arrival: at(0), departure: at(6), targetEnergyKwh: 20, maxChargeKw: 7 },
        { id: "b", arrival: at(2), departure: at(8), targetEnergyKwh: 15, maxChargeKw: 11 },
      ],
      storage: [
        {
          id: "bess",
          capacityKwh: 40,
          initialEnergyKwh: 20,
          maxChargeKw: 10,
          maxDischargeKw: 10,
          chargeEfficiency: 0.95,
          dischargeEfficiency: 0.95,
        },
      ],
    });
    const ours = checked(request, "optimal").response;
    expect(ours.status).toBe("optimal");
    expect(ours.solver.tieBreak).toBe("applied");
    const uncontrolled = checked(request, "uncontrolled").response;
    for (const s of uncontrolled.sessions) {
      const mine = ours.sessions.find((x) => x.id === s.id)!;
      s.energyKwh.forEach((e, t) => expect(Math.abs(mine.energyKwh[t] - e), `${s.id} energy[${t}]`).toBeLessThanOrEqual(1e-4));
    }
    expectFinal(request, ours);
  });
});

describe("storage under an import limit the base load breaks, and under an iteration limit", () => {
  const site = (base: number[]) =>
    valid({
      horizon: { start: START, slotMinutes: 60, slots: 4 },
      site: { importLimitKw: 10, baseLoadKw: base },
      tariff: { importPrice: 0.1 },
      sessions: [],
      storage: [{ id: "bess", capacityKwh: 10, initialEnergyKwh: 5, maxChargeKw: 4, maxDischargeKw: 4 }],
    });

  it("the battery covers a base load above the limit and still ends at its final energy", async () => {
    // Slot 1: base 12 over a 10 kW limit; the battery gives 2 kW there and takes 2 kWh back in another
    // slot: import 5 + 10 + 5 + 5 + 2 = 27 kWh at 0.1. Baselines (battery idle) are infeasible in slot 1.
    const request = site([5, 12, 5, 5]);
    const { ours, objective } = await againstHighs(request);
    expect(Math.abs(objective - 2.7)).toBeLessThanOrEqual(1e-7);
    expect(ours.infeasibleSlots).toEqual([]);
    expect(ours.storage![0].powerKw[1]).toBeLessThanOrEqual(-2 + 1e-6);
    expectFinal(request, ours);
    const edf = checked(request, "edf").response;
    expect(edf.status).toBe("infeasible");
    expect(edf.infeasibleSlots).toEqual([1]);
  });

  it("where even the battery cannot cover it, the slot is named and the final energy still holds", () => {
    // Slot 1: base 16, the battery's 4 kW leave 2 kW over the limit.
    const request = site([5, 16, 5, 5]);
    const ours = checked(request, "optimal").response;
    expect(ours.status).toBe("infeasible");
    expect(ours.infeasibleSlots).toEqual([1]);
    expect(Math.abs(ours.site.netImportKw[1] - 12)).toBeLessThanOrEqual(1e-6);
    expectFinal(request, ours);
  });

  it("a battery that cycles in every slot over the limit leaves a car's V2G cover in place", () => {
    // Base 40 over a 12 kW limit in every slot: a V2G car (2 kWh, 5 kW) can cover 2 kWh of the
    // overrun; the battery (nearly empty, free to cycle: no prices, lossless) can cover none. The
    // repair used to cut the battery's charging in those slots, keep its discharging, miss its final
    // energy, and fall back to a baseline: the car's cover lost, 28 kWh over instead of 26.
    const request = valid({
      horizon: { start: START, slotMinutes: 5, slots: 12 },
      site: { importLimitKw: 12, baseLoadKw: 40 },
      tariff: { importPrice: 0 },
      sessions: [
        { id: "car", departure: "2026-11-23T00:30:00Z", initialEnergyKwh: 2, targetEnergyKwh: 0, maxChargeKw: 0.25, maxDischargeKw: 5 },
      ],
      storage: [{ id: "bess", capacityKwh: 2, initialEnergyKwh: 0.01, maxChargeKw: 1, maxDischargeKw: 1 }],
    });
    const ours = checked(request, "optimal").response;
    expect(ours.status).toBe("infeasible");
    const overKwh = ours.site.netImportKw.reduce((sum, n) => sum + Math.max(0, n - 12) / 12, 0);
    expect(overKwh).toBeLessThanOrEqual(26 + 1e-4);
    expectFinal(request, ours);
  });

  it("a schedule repaired from an unconverged iterate keeps every battery at or above its final energy", () => {
    for (const maxIterations of [3, 6, 10]) {
      const input = withStorage(GENERATORS.depotV2g({ sessions: 30, slots: 96, slotMinutes: 15, seed: 3 }), { seed: 3, powerShare: 0.3 });
      const request = valid({ ...input, solverOptions: { maxIterations } });
      const ours = checked(request, "optimal").response;
      expect(ours.status, `maxIterations ${maxIterations}`).toBe("feasible");
      // Not the safety net (a baseline, batteries idle): the repaired LP schedule, batteries working.
      expect(ours.storage!.some((b) => b.powerKw.some((p) => Math.abs(p) > 1e-3))).toBe(true);
      expectFinal(request, ours);
    }
  });
});

describe("storage: a final energy above the initial needs optimal", () => {
  it("a baseline run on such a request is a 400 naming the field, not a scheduler failure", () => {
    const request = shaving({ finalEnergyKwh: 7 });
    let thrown: unknown;
    try {
      solve(request, { strategy: "edf" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WattplanError);
    const error = thrown as WattplanError;
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe("ERR_INVALID_REQUEST");
    expect(error.message).toMatch(/^storage\[0\]\.finalEnergyKwh: above initialEnergyKwh \(5\): strategy edf leaves storage idle/);
    // The same request with optimal is fine, and the battery ends at 7.
    expectFinal(request, checked(request, "optimal").response);
  });
});

describe("storage: the reach check never refuses what a schedule can meet", () => {
  it("a battery behind a 0 kW circuit is charged by a V2G car on the same circuit", () => {
    // Circuit c allows no net flow, so the grid cannot reach the battery; the car can give 2 kW for 2 h.
    const request = valid({
      horizon: { start: START, slotMinutes: 60, slots: 2 },
      site: { importLimitKw: 10 },
      circuits: [{ id: "c", limitKw: 0 }],
      tariff: { importPrice: 0.1 },
      sessions: [
        {
          id: "car",
          circuitId: "c",
          departure: "2026-11-23T02:00:00Z",
          initialEnergyKwh: 20,
          targetEnergyKwh: 0,
          maxChargeKw: 4,
          maxDischargeKw: 4,
        },
      ],
      storage: [{ id: "bess", circuitId: "c", capacityKwh: 10, initialEnergyKwh: 2, maxChargeKw: 4, maxDischargeKw: 4, finalEnergyKwh: 6 }],
    });
    const ours = checked(request, "optimal").response;
    expectFinal(request, ours);
    expect(ours.sessions[0].deliveredKwh).toBeLessThanOrEqual(-4 + 1e-6);
  });
});
