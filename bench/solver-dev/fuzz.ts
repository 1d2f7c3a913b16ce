// Random small problems across every option: no error, sane status, optimal within spec §7 of HiGHS.
import highsPackage from "highs";
import { solve } from "../../engine/scheduler/solve.js";
import { RequestSchema } from "../../engine/model/schema.js";
import { generate, rng } from "./gen.js";
import { lpText } from "./highs-check.js";

type Loader = typeof highsPackage.default;
const loadHighs: Loader = (highsPackage as unknown as { default?: Loader }).default ?? (highsPackage as unknown as Loader);
const highs = await loadHighs();
const count = Number(process.argv[2] ?? 100);
let bad = 0;
const only = process.argv[3]?.split(",").map(Number);
for (let seed = 1; seed <= count; seed++) {
  if (only && !only.includes(seed)) continue;
  const r = rng(seed * 7919);
  const o = {
    sessions: 1 + Math.floor(r() * 40),
    slots: 1 + Math.floor(r() * 60),
    slotMinutes: [1, 5, 15, 60][Math.floor(r() * 4)],
    circuits: Math.floor(r() * 4),
    v2g: r(),
    demandCharge: r() < 0.5 ? r() * 10 : 0,
    pv: r() < 0.5,
    avgWindow: 1 + Math.floor(r() * 30),
    efficiency: r() < 0.5 ? 0.8 + 0.2 * r() : undefined,
    negativePrices: r() < 0.3,
    minCharge: r() < 0.3 ? 1 + Math.round(6 * r()) : undefined,
  };
  const input = generate(seed, o);
  if (r() < 0.3) input.site.importLimitKw = Math.round(r() * 30);
  const req = RequestSchema.parse(input);
  try {
    const ours = solve(req, { strategy: "optimal" });
    const ref = highs.solve(lpText(req), {});
    const hObj = ref.ObjectiveValue - (req.tariff.demandChargePerKw > 0 ? req.tariff.demandChargePerKw * req.tariff.peakThresholdKw : 0);
    const tol = Math.max(1e-4 * Math.abs(ours.cost.total), 1e-3);
    const okOptimal = ours.status !== "optimal" || (ref.Status === "Optimal" && Math.abs(ours.cost.total - hObj) <= tol);
    const boundOk = ours.solver.bound === undefined || ref.Status !== "Optimal" || ours.solver.bound <= hObj + tol;
    if (!okOptimal || !boundOk || (ours.status === "infeasible") !== (ref.Status !== "Optimal")) {
      bad++;
      console.log(`seed ${seed}`, JSON.stringify(o), ours.status, ours.cost.total, ours.solver.bound, ref.Status, hObj);
    }
  } catch (e) {
    bad++;
    console.log(`seed ${seed} ERROR`, (e as Error).message, JSON.stringify(o));
  }
}
console.log(`${count - bad}/${count} ok`);
