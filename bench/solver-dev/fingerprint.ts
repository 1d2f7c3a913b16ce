// A behaviour fingerprint of the scheduler: a fixed, seeded set of requests
// solved with every strategy, one line per solve (status, iterations, total
// cost to full precision, SHA-256 of every number the WASM hands back), and a
// final hash over all lines. A refactor of `assembly/` that claims no
// behaviour change must leave the output byte-identical:
//
//   npx tsx bench/solver-dev/fingerprint.ts --out /tmp/after.txt
//   diff bench/solver-dev/fingerprint.txt /tmp/after.txt
//
// Build the WASM first (`npm run asbuild`).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { Info } from "../../assembly/layout.js";
import { compile } from "../../engine/model/compile.js";
import { validateRequest } from "../../engine/model/validate.js";
import type { Request, RequestInput } from "../../engine/model/schema.js";
import { STRATEGIES } from "../../engine/scheduler/strategies.js";
import { DEFAULT_SOLVER_SETTINGS, type RawSchedule, type SolverSettings } from "../../engine/scheduler/wasm.js";
import { defaultScheduler } from "../../engine/scheduler/solve.js";
import { GENERATORS, GENERATOR_NAMES } from "../../testkit/generators/index.js";
import { withPhases } from "../../testkit/generators/phases.js";
import { withStorage } from "../../testkit/generators/storage.js";
import { packagePath } from "../../engine/paths.js";

interface Case {
  name: string;
  input: RequestInput;
  /** Run the baselines too (cheap; they do not touch assembly/optimal but share the evaluator). */
  baselines: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  const sizes = [
    [10, 24, 60],
    [30, 48, 30],
    [100, 96, 15],
    [300, 96, 15],
  ] as const;
  for (const g of GENERATOR_NAMES) {
    for (const [n, T, mins] of sizes) {
      for (const seed of n <= 30 ? [1, 2] : [1]) {
        out.push({
          name: `${g}-${n}x${T}-s${seed}`,
          input: GENERATORS[g]({ sessions: n, slots: T, slotMinutes: mins, seed }),
          baselines: n <= 100,
        });
      }
    }
    // minChargeKw floors: the rounding stages, the dive, the pattern re-solves.
    for (const [n, T, mins, seed] of [
      [10, 96, 15, 1],
      [12, 48, 30, 3],
      [30, 48, 30, 2],
      [100, 96, 15, 1],
    ] as const) {
      out.push({
        name: `${g}-min-${n}x${T}-s${seed}`,
        input: GENERATORS[g]({ sessions: n, slots: T, slotMinutes: mins, seed, minCharge: true }),
        baselines: false,
      });
    }
    // V2G everywhere (the profile's share is 0.3; 0.8 makes discharge common).
    out.push({
      name: `${g}-v2g-30x96`,
      input: GENERATORS[g]({ sessions: 30, slots: 96, slotMinutes: 15, seed: 5, v2gShare: 0.8 }),
      baselines: true,
    });
    // Spec §11 phases, spec §12 storage (under the grid connection and on circuits).
    out.push({
      name: `${g}-phases-10x24`,
      input: withPhases(GENERATORS[g]({ sessions: 10, slots: 24, slotMinutes: 60, seed: 1 }), { seed: 1 }),
      baselines: true,
    });
    out.push({
      name: `${g}-phases-20x48`,
      input: withPhases(GENERATORS[g]({ sessions: 20, slots: 48, slotMinutes: 30, seed: 2 }), { seed: 2 }),
      baselines: true,
    });
    for (const onCircuits of [false, true]) {
      out.push({
        name: `${g}-storage${onCircuits ? "-circuits" : ""}-30x96`,
        input: withStorage(GENERATORS[g]({ sessions: 30, slots: 96, slotMinutes: 15, seed: 3 }), { seed: 3, onCircuits }),
        baselines: false,
      });
    }
  }
  out.push({
    name: "workplace-storage-min-30x96",
    input: withStorage(GENERATORS.workplace({ sessions: 30, slots: 96, slotMinutes: 15, seed: 4, minCharge: true }), { seed: 4 }),
    baselines: false,
  });
  const dir = packagePath("examples");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    out.push({ name: `example-${file}`, input: JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as RequestInput, baselines: true });
  }
  return out;
}

/** `--ignore-iterations`: hash the info record with Info.Iterations zeroed (a change that only saves solves). */
const ignoreIterations = process.argv.includes("--ignore-iterations");

function digest(raw: RawSchedule): string {
  const h = createHash("sha256");
  const info = Float64Array.from(raw.info);
  if (ignoreIterations) info[Info.Iterations] = 0;
  for (const a of [raw.power, raw.energy, raw.shortfall, raw.curtailment, raw.netImport, info]) {
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest("hex").slice(0, 32);
}

const outIndex = process.argv.indexOf("--out");
const outFile = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
const scheduler = defaultScheduler();
const lines: string[] = [];
const started = performance.now();
for (const c of cases()) {
  const v = validateRequest(c.input);
  if (!v.ok) throw new Error(`${c.name}: invalid request: ${JSON.stringify(v.problems)}`);
  const request: Request = v.request;
  const problem = compile(request);
  const runs: [string, number, SolverSettings][] = [
    ["optimal", STRATEGIES.optimal.id, DEFAULT_SOLVER_SETTINGS],
    ["optimal/none", STRATEGIES.optimal.id, { ...DEFAULT_SOLVER_SETTINGS, tieBreak: false }],
  ];
  if (c.baselines) {
    for (const s of Object.values(STRATEGIES)) if (s.name !== "optimal") runs.push([s.name, s.id, DEFAULT_SOLVER_SETTINGS]);
  }
  for (const [label, id, settings] of runs) {
    const raw = scheduler.run(problem, id, settings);
    if (process.env.FP_TIMES) console.error(c.name, label, raw.solveMs.toFixed(0));
    const line = `${c.name} ${label} status=${raw.status} it=${raw.info[Info.Iterations]} total=${raw.info[Info.TotalCost]} bound=${raw.info[Info.Bound]} tb=${raw.info[Info.TieBreak]} sha=${digest(raw)}`;
    lines.push(line);
    if (!outFile) console.log(line);
  }
}
const all = createHash("sha256").update(lines.join("\n")).digest("hex");
lines.push(`ALL ${lines.length} solves sha=${all}`);
if (outFile) writeFileSync(outFile, lines.join("\n") + "\n");
console.log(lines[lines.length - 1]);
console.error(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
