import { solve } from "../../service/scheduler/solve.js";
import { RequestSchema } from "../../service/model/schema.js";
const base = {
  horizon: { start: "2026-01-01T00:00:00Z", slotMinutes: 60, slots: 4 },
  site: { importLimitKw: 100 },
  tariff: { importPrice: [0.3, 0.1, 0.2, 0.4] },
  sessions: [{ id: "a", departure: "2026-01-01T04:00:00Z", targetEnergyKwh: 10, maxChargeKw: 7 }],
};
for (const strat of ["edf", "optimal"] as const) {
  const r = solve(RequestSchema.parse(base), { strategy: strat });
  console.log(strat, r.status, r.cost, r.sessions[0].powerKw, r.solver);
}
