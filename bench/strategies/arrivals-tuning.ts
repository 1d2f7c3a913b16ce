/**
 * Issue 12, expected arrivals in `optimal+forecast`: the quick experiment on
 * the three tuning weeks outside the grid (2019-03-18, 2021-02-08,
 * 2021-05-10; as bench/RESULTS.md §7 chose the tie-break on) at 20 and 30 kW,
 * flat price and SCE TOU-EV-4, for each `--forecast-arrivals` mode.
 *
 *   npx tsx bench/strategies/arrivals-tuning.ts [mode,mode,…]   (default none,mean,0.5,0.75)
 *
 * A mode is a `--forecast-arrivals` value, with `@peak` for `--forecast-arrivals-role peak`
 * (e.g. mean@peak); CAPACITIES=20,30,50 to add capacities.
 */
import { join } from "node:path";
import { packagePath } from "../../engine/paths.js";
import { simulateConfig } from "../../service/cli/simulate-command.js";
import { dataDir } from "../../service/simulate/data-dir.js";
import { computeMetrics } from "../../service/simulate/metrics.js";
import { prepareReplay } from "../../service/simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, simulate, type SimStrategy } from "../../service/simulate/simulator.js";

const DATA = dataDir();
const WEEKS = [
  { name: "2019-03-18", file: join(DATA, "sessions", "acn-caltech-2019-03.csv"), from: "2019-03-18", to: "2019-03-23" },
  { name: "2021-02-08", file: join(DATA, "sessions", "acn-caltech-2020-12_2021-09.csv"), from: "2021-02-08", to: "2021-02-13" },
  { name: "2021-05-10", file: join(DATA, "sessions", "acn-caltech-2020-12_2021-09.csv"), from: "2021-05-10", to: "2021-05-15" },
];
const TARIFFS = {
  flat: packagePath("bench", "strategies", "flat-price.json"),
  tou: join(DATA, "tariffs", "sce_tou_ev_4_march_2019.json"),
};
const modes = (process.argv[2] ?? "none,mean,0.5,0.75").split(",");
const capacities = (process.env.CAPACITIES ?? "20,30").split(",").map(Number);
const extra: SimStrategy[] = (process.argv[3] ?? "").split(",").filter((s) => s !== "") as SimStrategy[];

const rows: string[] = [];
const totals = new Map<string, { e: number; c: number; p: number; n: number }>();
for (const [tariff, tariffFile] of Object.entries(TARIFFS))
  for (const week of WEEKS)
    for (const kw of capacities) {
      for (const mode of [...modes, ...extra.map((s) => `strategy:${s}`)]) {
        const strategy: SimStrategy = mode.startsWith("strategy:") ? (mode.slice(9) as SimStrategy) : "optimal+forecast";
        const args = ["--sessions", week.file, "--from", week.from, "--to", week.to, "--capacity-kw", String(kw)];
        args.push("--slot-minutes", "15", "--tariff", tariffFile, "--strategies", strategy, "--forecast", "--no-png");
        if (!mode.startsWith("strategy:")) {
          const [arrivals, role] = mode.split("@");
          args.push("--forecast-arrivals", arrivals, ...(role === undefined ? [] : ["--forecast-arrivals-role", role]));
        }
        const config = simulateConfig(args);
        const prepared = prepareReplay(config);
        const options = {
          ...DEFAULT_SIMULATION_OPTIONS,
          ...config.options,
          capacityKw: kw,
          horizonSlots: prepared.horizonSlots,
          ...(prepared.forecast !== undefined && { forecast: prepared.forecast }),
        };
        const run = simulate(strategy, prepared.sessions, prepared.grid, options);
        const m = computeMetrics(run, prepared.sessions, prepared.grid);
        const row = `| ${tariff} | ${week.name} | ${kw} | ${mode} | ${(100 * m.energyDeliveredShare).toFixed(2)} | ${m.totalCost.toFixed(2)} | ${m.peakImportKw.toFixed(1)} | ${m.runSeconds.toFixed(1)} |`;
        rows.push(row);
        process.stderr.write(row + "\n");
        const key = `${tariff} ${kw} ${mode}`;
        const t = totals.get(key) ?? { e: 0, c: 0, p: 0, n: 0 };
        t.e += m.energyDeliveredShare;
        t.c += m.totalCost;
        t.p += m.peakImportKw;
        t.n++;
        totals.set(key, t);
      }
    }
console.log("| tariff | week | kW | arrivals | energy % | total cost $ | peak kW | run s |\n|---|---|---:|---|---:|---:|---:|---:|");
console.log(rows.join("\n"));
console.log("\n| tariff | kW | arrivals | mean energy % | mean total cost $ | mean peak kW |\n|---|---:|---|---:|---:|---:|");
for (const [key, t] of totals) {
  const [tariff, kw, mode] = key.split(" ");
  console.log(
    `| ${tariff} | ${kw} | ${mode} | ${((100 * t.e) / t.n).toFixed(2)} | ${(t.c / t.n).toFixed(2)} | ${(t.p / t.n).toFixed(1)} |`,
  );
}
