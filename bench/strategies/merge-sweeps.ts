/**
 * Join capacity sweeps run in parts (e.g. two processes on the two halves of
 * the capacities) into one: metrics.json/csv/md and the energy-vs-capacity
 * plot, with the means recomputed over all capacities.
 *
 *   tsx bench/strategies/merge-sweeps.ts OUT_DIR PART_DIR...
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { meanOverSweep } from "../../service/simulate/metrics.js";
import { energyVsCapacitySpec, writePlot } from "../../service/simulate/plots.js";
import { markdownTable, metricsCsv, sweepTable, type MetricsFile } from "../../service/simulate/run.js";
import type { SimStrategy } from "../../service/simulate/simulator.js";

const [out, ...parts] = process.argv.slice(2);
if (!out || parts.length === 0) {
  process.stderr.write("usage: merge-sweeps OUT_DIR PART_DIR...\n");
  process.exit(2);
}
const files = parts.map((dir) => JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")) as MetricsFile);
const byCapacity = files.flatMap((f) => f.byCapacity).sort((a, b) => a.capacityKw - b.capacityKw);
const strategies = files[0].scenario.strategies as SimStrategy[];
const means = strategies.map((s) => meanOverSweep(byCapacity.map((c) => c.strategies.find((m) => m.strategy === s)!)));
const capacities = byCapacity.map((c) => c.capacityKw);
const merged: MetricsFile = {
  scenario: {
    ...files[0].scenario,
    capacitiesKw: capacities,
    mergedFrom: parts,
    summary: "strategies: mean of each figure over the capacity sweep",
  },
  strategies: means,
  byCapacity,
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "metrics.json"), JSON.stringify(merged, null, 2) + "\n");
writeFileSync(join(out, "metrics.csv"), metricsCsv(byCapacity.flatMap((c) => c.strategies)));
writeFileSync(
  join(out, "metrics.md"),
  `Mean over ${capacities.length} capacities (${capacities.join(", ")} kW).\n\n${markdownTable(means)}\n\n## Energy delivered (%) by capacity\n\n${sweepTable(byCapacity, strategies)}\n`,
);
writePlot(out, "energy-vs-capacity", energyVsCapacitySpec(byCapacity.flatMap((c) => c.strategies)));
process.stdout.write(`merged ${capacities.length} capacities into ${out}\n`);
