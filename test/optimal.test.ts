// Golden problems for the `optimal` strategy (spec §5-7): small LPs whose
// optimum is known by hand, checked to a stated tolerance, plus the hard
// inputs of issue 3 (no trap, no NaN, a feasible schedule, the right status).
// Feasibility itself is enforced by solve(): it refuses any schedule the
// evaluator finds more than 1e-6 off spec §5.
import { describe, expect, it } from "vitest";
import { solve } from "../engine/scheduler/solve.js";
import { Scheduler } from "../engine/scheduler/wasm.js";
import { GENERATORS } from "../testkit/generators/index.js";
import { mulberry32 } from "../service/simulate/random.js";
import { RequestSchema, type RequestInput, type Response } from "../engine/model/schema.js";

/** Cost tolerance of the golden optima (currency). */
const COST_TOL = 1e-4;
/** Power tolerance of golden schedules (kW). */
const POWER_TOL = 1e-4;

const START = "2026-11-23T00:00:00Z";
const at = (hours: number) => new Date(Date.parse(START) + hours * 3_600_000).toISOString();
const hourly = (slots: number) => ({ start: START, slotMinutes: 60, slots });

function optimal(input: RequestInput, scheduler?: Scheduler): Response {
  return solve(RequestSchema.parse(input), { strategy: "optimal", ...(scheduler && { scheduler }) });
}

function expectSane(r: Response): void {
  // JSON turns NaN and ±Infinity into null.
  expect(JSON.stringify(r)).not.toContain("null");
  for (const s of r.sessions) for (const p of s.powerKw) expect(Number.isFinite(p)).toBe(true);
}

function expectProven(r: Response): void {
  expect(r.status).toBe("optimal");
  expect(r.solver.bound).toBeDefined();
  expect(r.cost.total - r.solver.bound!).toBeLessThanOrEqual(Math.max(1e-4 * Math.abs(r.cost.total), 1e-3));
  expect(r.solver.bound!).toBeLessThanOrEqual(r.cost.total + 1e-9);
}

/** Seeded generator for the larger hard inputs: the bench generators' PRNG. */
const rng = mulberry32;

function fleet(
  seed: number,
  sessions: number,
  slots: number,
  slotMinutes: number,
  options: { window: number; v2g?: number; circuits?: number; minCharge?: number },
): RequestInput {
  const r = rng(seed);
  const slotH = slotMinutes / 60;
  const C = options.circuits ?? 0;
  return {
    horizon: { start: START, slotMinutes, slots },
    site: {
      importLimitKw: 60 + sessions * 6,
      exportLimitKw: 20,
      baseLoadKw: Array.from({ length: slots }, () => Math.round(20 + 20 * r())),
      pvKw: Array.from({ length: slots }, (_, t) => Math.max(0, Math.round(50 * Math.sin(((((t * slotH) % 24) - 6) / 12) * Math.PI)))),
    },
    circuits: Array.from({ length: C }, (_, i) => ({
      id: `c${i}`,
      ...(i > 0 && { parentId: `c${Math.floor(r() * i)}` }),
      limitKw: 20 + Math.round((sessions / C) * 5 * r()),
    })),
    tariff: {
      importPrice: Array.from(
        { length: slots },
        (_, t) => +(0.2 + 0.1 * Math.sin(((t * slotH) / 24) * 2 * Math.PI) + 0.02 * r()).toFixed(4),
      ),
      exportPrice: 0.05,
      demandChargePerKw: 4,
      peakThresholdKw: 40,
    },
    sessions: Array.from({ length: sessions }, (_, v) => {
      const w = Math.max(1, Math.round(options.window * (0.3 + 1.4 * r())));
      const a = Math.floor(r() * slots);
      const cap = 40 + Math.round(40 * r());
      const e0 = Math.round(cap * 0.4 * r());
      const isV2g = r() < (options.v2g ?? 0);
      return {
        id: `s${v}`,
        ...(C > 0 && { circuitId: `c${Math.floor(r() * C)}` }),
        arrival: at(a * slotH),
        departure: at((a + w) * slotH),
        initialEnergyKwh: e0,
        targetEnergyKwh: Math.min(cap, e0 + 5 + Math.round(25 * r())),
        capacityKwh: cap,
        maxChargeKw: r() < 0.5 ? 11 : 22,
        ...(options.minCharge && { minChargeKw: options.minCharge }),
        ...(isV2g && {
          maxDischargeKw: 11,
          minEnergyKwh: 10,
          chargeEfficiency: 0.92,
          dischargeEfficiency: 0.92,
          degradationCostPerKwh: 0.02,
        }),
      };
    }),
  };
}

describe("optimal strategy: golden problems", () => {
  it("charges a single EV in the two cheapest slots", () => {
    const r = optimal({
      horizon: hourly(4),
      site: { importLimitKw: 100 },
      tariff: { importPrice: [0.3, 0.1, 0.2, 0.4] },
      sessions: [{ id: "a", departure: at(4), targetEnergyKwh: 10, maxChargeKw: 7 }],
    });
    expectProven(r);
    // 7 kWh at 0.1 and 3 kWh at 0.2.
    expect(r.cost.total).toBeCloseTo(1.3, 4);
    const p = r.sessions[0].powerKw;
    [0, 7, 3, 0].forEach((want, t) => expect(Math.abs(p[t] - want)).toBeLessThan(POWER_TOL));
    expect(r.sessions[0].shortfallKwh).toBeLessThan(1e-6);
  });

  it("fills the valley to a flat load under a demand charge", () => {
    // Base 6, 2, 4, 0 kW plus 28 kWh to deliver: 40 kWh over 4 h, flat at 10 kW.
    const r = optimal({
      horizon: hourly(4),
      site: { importLimitKw: 100, baseLoadKw: [6, 2, 4, 0] },
      tariff: { importPrice: 0.2, demandChargePerKw: 1 },
      sessions: [{ id: "a", departure: at(4), targetEnergyKwh: 28, maxChargeKw: 11 }],
    });
    expectProven(r);
    expect(Math.abs(r.cost.total - (0.2 * 40 + 10))).toBeLessThan(COST_TOL * 10);
    for (const n of r.site.netImportKw) expect(Math.abs(n - 10)).toBeLessThan(1e-3);
    expect(r.peakImportKw).toBeCloseTo(10, 3);
  });

  it("arbitrages with V2G through charge and discharge losses", () => {
    // End at 20 kWh again: 0.9·c − d/0.9 ≥ 0, so d ≤ 0.81·c; c = 10, d = 8.1.
    const r = optimal({
      horizon: hourly(2),
      site: { importLimitKw: 100, exportLimitKw: 100 },
      tariff: { importPrice: [0.1, 0.5], exportPrice: [0.1, 0.5] },
      sessions: [
        {
          id: "v",
          departure: at(2),
          initialEnergyKwh: 20,
          targetEnergyKwh: 20,
          capacityKwh: 40,
          maxChargeKw: 10,
          maxDischargeKw: 10,
          chargeEfficiency: 0.9,
          dischargeEfficiency: 0.9,
        },
      ],
    });
    expectProven(r);
    expect(Math.abs(r.cost.total - (0.1 * 10 - 0.5 * 8.1))).toBeLessThan(COST_TOL);
    expect(Math.abs(r.sessions[0].powerKw[0] - 10)).toBeLessThan(POWER_TOL);
    expect(Math.abs(r.sessions[0].powerKw[1] + 8.1)).toBeLessThan(POWER_TOL);
  });

  it("respects a binding circuit limit", () => {
    const r = optimal({
      horizon: hourly(2),
      site: { importLimitKw: 100 },
      circuits: [{ id: "panel", limitKw: 10 }],
      tariff: { importPrice: [0.1, 0.3] },
      sessions: ["a", "b"].map((id) => ({ id, circuitId: "panel", departure: at(2), targetEnergyKwh: 10, maxChargeKw: 11 })),
    });
    expectProven(r);
    // 10 kWh in the cheap slot (the panel's limit), the other 10 in the dear
    // one: the optimum is 4. The tie-break (spec §10: which car gets the
    // cheap slot is a tie) may spend up to spec §7's tolerance, not more.
    expect(r.cost.total).toBeGreaterThanOrEqual(4 - 1e-6);
    expect(r.cost.total - 4).toBeLessThanOrEqual(Math.max(1e-4 * 4, 1e-3));
    for (let t = 0; t < 2; t++) {
      const sum = r.sessions[0].powerKw[t] + r.sessions[1].powerKw[t];
      expect(sum).toBeLessThanOrEqual(10 + 1e-6);
    }
  });

  it("minimises the overflow first when the base load is above the import limit", () => {
    // Slots 2 and 5 need 30 and 20 kW above the limit; the V2G car can cover
    // 11 kW of each (it holds 40 kWh), so the least overflow is 19 + 9 kW.
    const r = optimal({
      horizon: hourly(8),
      site: { importLimitKw: 50, baseLoadKw: [40, 40, 80, 40, 40, 70, 40, 40] },
      tariff: { importPrice: 0.2, demandChargePerKw: 3 },
      sessions: [
        { id: "v2g", departure: at(8), initialEnergyKwh: 40, targetEnergyKwh: 20, capacityKwh: 60, maxChargeKw: 11, maxDischargeKw: 11 },
        { id: "ev", departure: at(8), targetEnergyKwh: 20, maxChargeKw: 11 },
      ],
    });
    expectSane(r);
    expect(r.status).toBe("infeasible");
    expect(r.infeasibleSlots).toEqual([2, 5]);
    const overflow = r.site.netImportKw.reduce((s, n) => s + Math.max(0, n - 50), 0);
    expect(Math.abs(overflow - 28)).toBeLessThan(1e-4);
    // Then the cost: the EV still gets its energy where the limit leaves room.
    expect(r.sessions[1].shortfallKwh).toBeLessThan(1e-4);
  });

  it("proves optimality when V2G covers a base load above the import limit", () => {
    // Slot 0 needs 10 kW from the battery; it may give 15 kWh in all (down to 5):
    // 11 kW in slot 0, 4 kW in slot 1.
    const r = optimal({
      horizon: hourly(2),
      site: { importLimitKw: 50, baseLoadKw: [60, 20] },
      tariff: { importPrice: 0.2 },
      sessions: [
        { id: "v", departure: at(2), initialEnergyKwh: 20, targetEnergyKwh: 5, capacityKwh: 40, maxChargeKw: 11, maxDischargeKw: 11 },
      ],
    });
    expectProven(r);
    expect(r.cost.total).toBeCloseTo(0.2 * (60 - 11) + 0.2 * (20 - 4), 4);
    expect(r.infeasibleSlots).toEqual([]);
  });

  it("rounds to minChargeKw and reports the relaxation bound", () => {
    // The relaxation buys 5 kWh at 0.1; with a 6 kW floor the best is 6 kW in that slot.
    const r = optimal({
      horizon: hourly(4),
      site: { importLimitKw: 100 },
      tariff: { importPrice: [0.1, 0.2, 0.3, 0.4] },
      sessions: [{ id: "a", departure: at(4), targetEnergyKwh: 5, capacityKwh: 20, maxChargeKw: 11, minChargeKw: 6 }],
    });
    expectSane(r);
    expect(r.status).toBe("feasible");
    expect(r.solver.bound!).toBeCloseTo(0.5, 4);
    expect(r.cost.total).toBeCloseTo(0.6, 4);
    for (const p of r.sessions[0].powerKw) expect(p <= 1e-6 || p >= 6 - 1e-6).toBe(true);
    expect(r.sessions[0].shortfallKwh).toBeLessThan(1e-6);
  });

  it("keeps minChargeKw on a fleet, close to the relaxation bound", () => {
    const r = optimal(fleet(11, 60, 96, 15, { window: 24, minCharge: 6, circuits: 3 }));
    expectSane(r);
    expect(r.status).toBe("feasible");
    for (const s of r.sessions) for (const p of s.powerKw) expect(p <= 1e-6 || p >= 6 - 1e-6).toBe(true);
    expect(r.solver.bound!).toBeLessThanOrEqual(r.cost.total);
    expect(r.solver.relativeGap!).toBeLessThan(0.05);
  });

  it.each([
    ["pvSite", 100],
    ["workplace", 300],
  ] as const)("gives a dear short session room cheaper blocks hold under a binding limit (%s, %i sessions)", (name, sessions) => {
    // Rounding alone left ~0.5-1 kWh short at 1000/kWh here (gaps 26% and 13%):
    // the relaxation spread sub-floor power where whole blocks no longer fit.
    const input = GENERATORS[name]({ sessions, slots: 96, seed: 1, minCharge: true });
    const r = optimal(input);
    expectSane(r);
    expect(r.status).toBe("feasible");
    const floors = new Map(input.sessions.map((s) => [s.id, s.minChargeKw ?? 0]));
    for (const s of r.sessions) for (const p of s.powerKw) expect(p <= 1e-6 || p >= floors.get(s.id)! - 1e-6).toBe(true);
    expect(r.solver.bound!).toBeLessThanOrEqual(r.cost.total);
    expect(r.solver.relativeGap!).toBeLessThan(0.01);
  });
});

describe("optimal strategy: degenerate inputs (proven optimal whenever the relaxation allows)", () => {
  it("keeps a transfer between cars under zero limits nested two deep", () => {
    // No grid (I = E = 0), "main" and its child "sub" both 0 kW: the donor (50 kWh, ±25 kW) can only
    // feed the car beside it in "sub"; "idle" on "main" has nothing to do. Car: 19 kWh in 2 h at ≤ 14 kW.
    const r = optimal({
      horizon: hourly(4),
      site: { importLimitKw: 0 },
      circuits: [
        { id: "sub", parentId: "main", limitKw: 0 },
        { id: "main", limitKw: 0 },
      ],
      tariff: { importPrice: 0.2 },
      sessions: [
        {
          id: "donor",
          circuitId: "sub",
          departure: at(2),
          initialEnergyKwh: 50,
          targetEnergyKwh: 0,
          maxChargeKw: 50,
          maxDischargeKw: 25,
          shortfallPenaltyPerKwh: 0,
        },
        {
          id: "car",
          circuitId: "sub",
          departure: at(2),
          targetEnergyKwh: 19,
          capacityKwh: 31,
          maxChargeKw: 14,
          shortfallPenaltyPerKwh: 100,
        },
        {
          id: "idle",
          circuitId: "main",
          departure: at(4),
          initialEnergyKwh: 5,
          targetEnergyKwh: 0,
          maxChargeKw: 7,
          maxDischargeKw: 7,
          shortfallPenaltyPerKwh: 0,
        },
      ],
    });
    expectSane(r);
    expectProven(r);
    expect(r.cost.total).toBeLessThanOrEqual(1e-3);
    expect(r.sessions[1].shortfallKwh).toBeLessThanOrEqual(1e-5);
  });

  it("solves an energy box narrower than the interior point's fixing threshold", () => {
    // "held" may not drop more than 1e-9 kWh below its 0.25 kWh (and may not discharge at all):
    // its box [0.249999999, 0.25] must not be fixed at the floor, below e0. "ev": 5 kWh at 0.3.
    const r = optimal({
      horizon: hourly(2),
      site: { importLimitKw: 20 },
      tariff: { importPrice: 0.3 },
      sessions: [
        { id: "held", departure: at(1), initialEnergyKwh: 0.25, targetEnergyKwh: 0, minEnergyKwh: 0.249999999, maxChargeKw: 0.001 },
        { id: "ev", departure: at(2), targetEnergyKwh: 5, maxChargeKw: 11 },
      ],
    });
    expectSane(r);
    expectProven(r);
    expect(Math.abs(r.cost.total - 1.5)).toBeLessThanOrEqual(COST_TOL);
  });

  it("curtails rather than export at a negative price when the relaxation burns power in a lossy battery", () => {
    // 3 kW PV, free import, export at −0.1: curtail all of it, cost 0. "sink" (capacity 0, 50% each
    // way) lets the relaxation charge and discharge at once; the signed schedule cannot.
    const r = optimal({
      horizon: hourly(2),
      site: { importLimitKw: 10, exportLimitKw: 5, pvKw: 3 },
      tariff: { importPrice: 0, exportPrice: -0.1 },
      sessions: [
        {
          id: "sink",
          departure: at(2),
          targetEnergyKwh: 0,
          maxChargeKw: 1,
          maxDischargeKw: 1,
          chargeEfficiency: 0.5,
          dischargeEfficiency: 0.5,
        },
      ],
    });
    expectSane(r);
    expectProven(r);
    expect(Math.abs(r.cost.total)).toBeLessThanOrEqual(1e-3);
    for (const n of r.site.netImportKw) expect(n).toBeGreaterThanOrEqual(-1e-6);
  });

  it("optimises a base load above the import limit by less than the 1e-6 tolerance", () => {
    // B − I = 1e-7 kW in both slots: feasible. The car may discharge 5 kWh (10 → 5) to save the
    // dearer slot: 0.1·(10.0000001 + 0) + 0.2·(10.0000001 − 5) ≈ 2 + tiny.
    const r = optimal({
      horizon: hourly(2),
      site: { importLimitKw: 10, baseLoadKw: 10.0000001 },
      tariff: { importPrice: [0.1, 0.2] },
      sessions: [{ id: "car", departure: at(2), initialEnergyKwh: 10, targetEnergyKwh: 5, maxChargeKw: 5, maxDischargeKw: 5 }],
    });
    expectSane(r);
    expectProven(r);
    expect(Math.abs(r.cost.total - (0.1 * 10.0000001 + 0.2 * 5.0000001))).toBeLessThanOrEqual(COST_TOL);
  });
});

describe("optimal strategy: hard inputs", () => {
  it("handles V2G under negative prices with losses (relaxation may cycle)", () => {
    const r = optimal({
      horizon: hourly(24),
      site: { importLimitKw: 200, exportLimitKw: 100 },
      tariff: { importPrice: -0.1, exportPrice: -0.2 },
      sessions: Array.from({ length: 5 }, (_, i) => ({
        id: `s${i}`,
        departure: at(24),
        initialEnergyKwh: 30,
        targetEnergyKwh: 30,
        capacityKwh: 60,
        maxChargeKw: 11,
        maxDischargeKw: 11,
        chargeEfficiency: 0.9,
        dischargeEfficiency: 0.9,
      })),
    });
    expectSane(r);
    expect(["optimal", "feasible"]).toContain(r.status);
    // Best signed schedule: fill every battery (30 kWh / 0.9 from the grid, paid 0.1/kWh).
    expect(Math.abs(r.cost.total - -5 * (30 / 0.9) * 0.1)).toBeLessThan(1e-3);
    expect(r.solver.bound!).toBeLessThanOrEqual(r.cost.total);
  });

  it("gives zero power to zero-length windows and sessions outside the horizon", () => {
    const r = optimal({
      horizon: hourly(4),
      site: { importLimitKw: 100 },
      tariff: { importPrice: 0.2 },
      sessions: [
        { id: "zero", arrival: at(1.2), departure: at(1.8), targetEnergyKwh: 10, maxChargeKw: 11 },
        { id: "past", arrival: at(-30), departure: at(-26), targetEnergyKwh: 10, maxChargeKw: 11 },
        { id: "later", arrival: at(6), departure: at(9), targetEnergyKwh: 10, maxChargeKw: 11 },
        { id: "ok", departure: at(3), targetEnergyKwh: 10, maxChargeKw: 11 },
      ],
    });
    expectSane(r);
    expectProven(r);
    for (const s of r.sessions.slice(0, 3)) {
      expect(s.powerKw.every((p) => p === 0)).toBe(true);
      expect(s.shortfallKwh).toBe(0);
    }
    expect(r.cost.total).toBeCloseTo(2, 4);
  });

  it("solves a site without sessions", () => {
    const r = optimal({
      horizon: hourly(4),
      site: { importLimitKw: 100, pvKw: 30, baseLoadKw: 10 },
      tariff: { importPrice: 0.2, exportPrice: -0.1 },
      sessions: [],
    });
    expectSane(r);
    expectProven(r);
    // Negative export price: curtail the 20 kW surplus, pay nothing.
    expect(r.cost.total).toBeCloseTo(0, 6);
    for (const u of r.site.curtailedPvKw) expect(u).toBeCloseTo(20, 4);
  });

  it("solves 1-minute slots", () => {
    const r = optimal(fleet(21, 40, 600, 1, { window: 200, v2g: 0.3 }));
    expectSane(r);
    expectProven(r);
  });

  it("solves 2016 slots with circuits", () => {
    const r = optimal(fleet(22, 60, 2016, 5, { window: 60, v2g: 0.2, circuits: 2 }));
    expectSane(r);
    expectProven(r);
  });

  it("solves 2016 slots with sessions plugged in for days", () => {
    const r = optimal(fleet(27, 16, 2016, 5, { window: 1200, v2g: 0.3 }));
    expectSane(r);
    expectProven(r);
  });

  it("solves 5000 sessions", () => {
    const r = optimal(fleet(23, 5000, 96, 15, { window: 20, v2g: 0.1, circuits: 8 }));
    expectSane(r);
    expectProven(r);
  });

  it("returns a feasible schedule at the iteration limit", () => {
    const input = fleet(24, 100, 96, 15, { window: 24, v2g: 0.3, circuits: 3 });
    const r = optimal({ ...input, solverOptions: { maxIterations: 3 } });
    expectSane(r);
    expect(r.status).toBe("feasible");
    expect(r.solver.iterations).toBe(3);
    expect(r.warnings.some((w) => w.includes("iteration limit"))).toBe(true);
    expect(r.solver.bound!).toBeLessThanOrEqual(r.cost.total);
  });

  it("returns a feasible schedule at the time limit", () => {
    const input = fleet(25, 2000, 96, 15, { window: 24, v2g: 0.3, circuits: 3 });
    const r = optimal({ ...input, solverOptions: { timeLimitMs: 1 } });
    expectSane(r);
    expect(r.status).toBe("feasible");
    expect(r.warnings.some((w) => w.includes("time limit"))).toBe(true);
  });

  it("does not grow memory when the module is reused", () => {
    const scheduler = new Scheduler();
    const input = fleet(26, 300, 96, 15, { window: 24, v2g: 0.2, circuits: 3 });
    optimal(input, scheduler);
    const before = scheduler.memoryBytes;
    for (let k = 0; k < 3; k++) optimal(input, scheduler);
    expect(scheduler.memoryBytes).toBe(before);
  });
});

describe("subnormal inputs", () => {
  it("proves optimality when a price or limit is subnormal (|x| < 2.2e-308), which once stalled the interior point", () => {
    for (const price of [-1e-323, 5e-324]) {
      const r = optimal({
        horizon: hourly(3),
        site: { importLimitKw: [10, 1e-320, 10], pvKw: 5, exportLimitKw: 2 },
        tariff: { importPrice: price },
        sessions: [{ id: "car", departure: at(3), targetEnergyKwh: 4, maxChargeKw: 4, maxDischargeKw: 2 }],
      });
      expectSane(r);
      expectProven(r);
      expect(r.sessions[0].shortfallKwh).toBeLessThan(1e-6);
    }
  });
});
