import { solve } from "../../engine/scheduler/solve.js";
import { RequestSchema, type RequestInput } from "../../engine/model/schema.js";
import { generate } from "./gen.js";

function run(name: string, input: RequestInput) {
  const t0 = performance.now();
  try {
    const r = solve(RequestSchema.parse(input), { strategy: "optimal" });
    const nan = JSON.stringify(r).includes("null");
    console.log(
      name,
      r.status,
      "total",
      r.cost.total.toFixed(4),
      "bound",
      r.solver.bound?.toFixed(4),
      "it",
      r.solver.iterations,
      "ms",
      (performance.now() - t0).toFixed(0),
      nan ? "NULL/NaN!" : "",
      r.warnings.slice(0, 1).join(";").slice(0, 100),
    );
  } catch (e) {
    console.log(name, "ERROR", (e as Error).message);
  }
}
const h = (slots: number, slotMinutes = 15) => ({ start: "2026-11-23T00:00:00Z", slotMinutes, slots });
run("infeasible", {
  horizon: h(8, 60),
  site: { importLimitKw: 50, baseLoadKw: [40, 60, 80, 40, 40, 70, 40, 40] },
  tariff: { importPrice: 0.2, demandChargePerKw: 3 },
  sessions: [
    {
      id: "v2g",
      departure: "2026-11-23T08:00:00Z",
      initialEnergyKwh: 40,
      targetEnergyKwh: 20,
      capacityKwh: 60,
      maxChargeKw: 11,
      maxDischargeKw: 11,
    },
    { id: "ev", departure: "2026-11-23T08:00:00Z", targetEnergyKwh: 20, maxChargeKw: 11 },
  ],
});
run("v2g-negative", {
  horizon: h(24, 60),
  site: { importLimitKw: 200, exportLimitKw: 100 },
  tariff: { importPrice: -0.1, exportPrice: -0.2 },
  sessions: Array.from({ length: 5 }, (_, i) => ({
    id: `s${i}`,
    departure: "2026-11-24T00:00:00Z",
    initialEnergyKwh: 30,
    targetEnergyKwh: 30,
    capacityKwh: 60,
    maxChargeKw: 11,
    maxDischargeKw: 11,
    chargeEfficiency: 0.9,
    dischargeEfficiency: 0.9,
  })),
});
run("zero-window+past", {
  horizon: h(4, 60),
  site: { importLimitKw: 100 },
  tariff: { importPrice: 0.2 },
  sessions: [
    { id: "zero", arrival: "2026-11-23T01:10:00Z", departure: "2026-11-23T01:50:00Z", targetEnergyKwh: 10, maxChargeKw: 11 },
    { id: "past", arrival: "2026-11-22T01:00:00Z", departure: "2026-11-22T05:00:00Z", targetEnergyKwh: 10, maxChargeKw: 11 },
    { id: "late", arrival: "2026-11-23T06:00:00Z", departure: "2026-11-23T09:00:00Z", targetEnergyKwh: 10, maxChargeKw: 11 },
    { id: "ok", departure: "2026-11-23T03:00:00Z", targetEnergyKwh: 10, maxChargeKw: 11 },
  ],
});
run("no-sessions", {
  horizon: h(4, 60),
  site: { importLimitKw: 100, pvKw: 30, baseLoadKw: 10 },
  tariff: { importPrice: 0.2, exportPrice: -0.1 },
  sessions: [],
});
run("1-minute", { ...generate(3, { sessions: 50, slots: 600, slotMinutes: 1, avgWindow: 200, demandCharge: 5 }) });
run("2016-slots", { ...generate(4, { sessions: 60, slots: 2016, avgWindow: 60, v2g: 0.2, demandCharge: 5, pv: true }) });
run("2016-slots-circuits", { ...generate(4, { sessions: 60, slots: 2016, avgWindow: 60, v2g: 0.2, pv: true, circuits: 2 }) });
run("5000-sessions", { ...generate(5, { sessions: 5000, slots: 96, v2g: 0.2, demandCharge: 5, pv: true, circuits: 8 }) });
run("minC", { ...generate(6, { sessions: 200, slots: 96, minCharge: 6, circuits: 3, demandCharge: 4 }) });
run("tight-circuit", {
  ...generate(8, { sessions: 100, slots: 96, circuits: 6, v2g: 0.5, efficiency: 0.85, negativePrices: true, pv: true }),
});
