/**
 * `npm run bench:strategies`: the strategy benchmark's scenarios, each a
 * `wattplan simulate` command line, run in turn into bench/out/strategies/.
 * bench/results/strategies.md is written up from their output.
 *
 *   npm run bench:strategies                 all scenarios
 *   npm run bench:strategies -- acn-site     one scenario (by name)
 *   npm run bench:strategies -- grid         the strategy grid (bench/strategies/grid.ts)
 */
import { join } from "node:path";
import { simulateConfig } from "../../service/cli/simulate-command.js";
import { packagePath } from "../../engine/paths.js";
import { runReplay } from "../../service/simulate/run.js";
import { SCENARIOS } from "./scenarios.js";
import { runGrid } from "./grid.js";

const only = process.argv.slice(2);
process.chdir(packagePath());
if (only[0] === "grid") await runGrid(only.slice(1), `npm run bench:strategies -- ${only.join(" ")}`);
else
  for (const scenario of SCENARIOS) {
    if (only.length > 0 && !only.includes(scenario.name)) continue;
    const out = join("bench", "out", "strategies", scenario.name);
    process.stderr.write(`\n## ${scenario.name}: ${scenario.summary}\nwattplan simulate ${scenario.args.join(" ")} --out ${out}\n`);
    const started = performance.now();
    await runReplay(simulateConfig([...scenario.args, "--out", out]), (line) => process.stderr.write(`${line}\n`));
    process.stderr.write(`${scenario.name}: ${((performance.now() - started) / 1000).toFixed(0)} s, results in ${out}/\n`);
  }
