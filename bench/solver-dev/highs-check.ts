// Compare the optimal strategy with HiGHS on small random problems (development aid).
import highsPackage from "highs";
import { solve } from "../../engine/scheduler/solve.js";
import { RequestSchema, type Request } from "../../engine/model/schema.js";
import { compile } from "../../engine/model/compile.js";
import { generate, type GenOptions } from "./gen.js";

export function lpText(req: Request): string {
  const p = compile(req);
  const T = p.slots;
  const dt = p.slotHours;
  const s = p.sessions;
  const obj: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const siteTerms: string[][] = Array.from({ length: T }, () => []);
  const circ: string[][][] = Array.from({ length: p.circuitIds.length }, () => Array.from({ length: T }, () => []));
  const num = (x: number) => (x >= 0 ? `+ ${x}` : `- ${-x}`);
  for (let v = 0; v < s.count; v++) {
    const a = s.start[v],
      b = s.end[v];
    if (b <= a) continue;
    for (let t = a; t < b; t++) {
      const c = `c${v}_${t}`,
        d = `d${v}_${t}`,
        e = `e${v}_${t}`;
      const prev = t > a ? ` - e${v}_${t - 1}` : "";
      rows.push(
        ` en${v}_${t}: ${e}${prev} ${num(-dt * s.chargeEfficiency[v])} ${c} ${num(dt / s.dischargeEfficiency[v])} ${d} = ${t === a ? s.initialEnergy[v] : 0}`,
      );
      bounds.push(
        ` 0 <= ${c} <= ${s.maxCharge[v]}`,
        ` 0 <= ${d} <= ${s.maxDischarge[v]}`,
        ` ${s.energyFloor[v]} <= ${e} <= ${s.capacity[v]}`,
      );
      if (s.degradationCost[v] > 0) obj.push(`${num(dt * s.degradationCost[v])} ${d}`);
      siteTerms[t].push(`- ${c} + ${d}`);
      for (let k = s.circuit[v]; k >= 0; k = p.circuitParent[k]) circ[k][t].push(`+ ${c} - ${d}`);
    }
    obj.push(`${num(s.shortfallPenalty[v])} sh${v}`);
    rows.push(` sf${v}: sh${v} + e${v}_${b - 1} >= ${s.requiredEnergy[v]}`);
  }
  for (let t = 0; t < T; t++) {
    obj.push(`${num(dt * p.importPrice[t])} g${t}`, `${num(-dt * p.exportPrice[t])} x${t}`);
    rows.push(` site${t}: g${t} - x${t} - u${t} ${siteTerms[t].join(" ")} = ${p.baseLoad[t] - p.pv[t]}`);
    bounds.push(` 0 <= g${t} <= ${p.importLimit[t]}`, ` 0 <= x${t} <= ${p.exportLimit[t]}`, ` 0 <= u${t} <= ${p.pv[t]}`);
    if (p.demandCharge > 0) rows.push(` pk${t}: z - g${t} >= 0`);
    for (let k = 0; k < p.circuitIds.length; k++) {
      if (circ[k][t].length === 0) continue;
      const L = p.circuitLimit[k * T + t];
      rows.push(` cu${k}_${t}: ${circ[k][t].join(" ")} <= ${L}`, ` cl${k}_${t}: ${circ[k][t].join(" ")} >= ${-L}`);
    }
  }
  if (p.demandCharge > 0) {
    obj.push(`${num(p.demandCharge)} z`);
    bounds.push(` z >= ${p.peakThreshold}`);
  }
  return `Minimize\n obj: ${obj.join(" ")}\nSubject To\n${rows.join("\n")}\nBounds\n${bounds.join("\n")}\nEnd\n`;
}

type Loader = typeof highsPackage.default;
const loadHighs: Loader = (highsPackage as unknown as { default?: Loader }).default ?? (highsPackage as unknown as Loader);
if (import.meta.url === `file://${process.argv[1]}`) await main();

async function main(): Promise<void> {
  const highs = await loadHighs();
  const cases: [string, GenOptions][] = [
    ["plain", { sessions: 20, slots: 24 }],
    ["circuits", { sessions: 30, slots: 32, circuits: 4 }],
    ["peak", { sessions: 25, slots: 24, demandCharge: 8 }],
    ["v2g+pv", { sessions: 25, slots: 32, v2g: 0.5, pv: true, demandCharge: 5, circuits: 3 }],
    ["eff", { sessions: 20, slots: 24, v2g: 0.5, efficiency: 0.9, pv: true, circuits: 2 }],
    ["neg", { sessions: 20, slots: 24, v2g: 0.5, efficiency: 0.9, negativePrices: true, pv: true }],
    ["big", { sessions: 200, slots: 96, v2g: 0.3, pv: true, demandCharge: 5, circuits: 5 }],
  ];
  for (const [name, o] of cases) {
    for (let seed = 1; seed <= 3; seed++) {
      const req = RequestSchema.parse(generate(seed, o));
      const text = lpText(req);
      const ref = highs.solve(text, {});
      const hObj =
        ref.ObjectiveValue - req.tariff.demandChargePerKw * req.tariff.peakThresholdKw * (req.tariff.demandChargePerKw > 0 ? 1 : 0);
      const ours = solve(req, { strategy: "optimal" });
      const rel = (ours.cost.total - hObj) / Math.max(1, Math.abs(hObj));
      console.log(
        `${name} seed ${seed}: highs ${ref.Status} ${hObj.toFixed(6)} ours ${ours.status} ${ours.cost.total.toFixed(6)} bound ${ours.solver.bound?.toFixed(6)} it ${ours.solver.iterations} rel ${rel.toExponential(2)} ${ours.solver.solveMs.toFixed(1)}ms`,
      );
    }
  }
}
