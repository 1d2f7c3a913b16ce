import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
const base = {
  horizon: { start: "2026-01-01T00:00:00Z", slotMinutes: 60, slots: 4 },
  site: { importLimitKw: 100, baseLoadKw: [10, 0, 5, 0] },
  tariff: { importPrice: 0.2, demandChargePerKw: 1 },
  sessions: [{ id: "a", departure: "2026-01-01T04:00:00Z", targetEnergyKwh: 20, maxChargeKw: 11 }],
};
const r = solve(RequestSchema.parse(base), { strategy: "optimal" });
console.log(r.status, r.cost, r.sessions[0].powerKw, r.solver, r.site.netImportKw);
