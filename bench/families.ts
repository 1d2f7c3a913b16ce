/**
 * Solver families bench (issue 14): the `optimal` strategy's iteration count
 * and solve time as distributions over many seeds, on the bench's own
 * generators and on the real-data family it was not tuned on
 * (testkit/generators/real-data.ts), with native CLP (dual simplex and
 * barrier) and HiGHS-wasm on a subset of the same LPs in the same run.
 *
 *   npm run bench:families -- [--quick] [--sizes 1000x96,3000x96] [--seeds 100]
 *                             [--families workplace,depotV2g,pvSite,realData]
 *                             [--clp-seeds 10] [--highs-seeds 3]
 *
 * Prints a Markdown report and writes it to bench/out/families.md. Exits 1
 * when an `optimal` status is further from a reference than spec §7 allows,
 * or when CLP and HiGHS disagree by more than 1e-6 relative.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { packagePath } from "../engine/paths.js";
import { compile } from "../engine/model/compile.js";
import type { Request, RequestInput } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { GENERATORS, sizeLabel, type GeneratorName } from "../testkit/generators/index.js";
import { realData, realDataShape } from "../testkit/generators/real-data.js";
import type { GeneratorOptions } from "../testkit/generators/site.js";
import { ClpWorkspace, findClp, type ClpAlgorithm } from "../testkit/reference/clp.js";
import { HighsReference, buildLp } from "../testkit/reference/highs.js";
import { quantileSorted } from "./stats.js";

const FAMILIES = { ...GENERATORS, realData } as const;
type FamilyName = GeneratorName | "realData";
const FAMILY_NAMES = Object.keys(FAMILIES) as FamilyName[];
const OUT_FILE = packagePath("bench", "out", "families.md");
/** CLP and HiGHS solve the same LP; their optima must agree this closely. */
const REFERENCE_AGREEMENT = 1e-6;

interface Size {
  sessions: number;
  slots: number;
}

interface Options {
  sizes: Size[];
  seeds: number;
  families: FamilyName[];
  /** Seeds per size and family that CLP also solves (both algorithms). */
  clpSeeds: (size: Size) => number;
  highsSeeds: (size: Size) => number;
}

function usage(message: string): never {
  console.error(`bench:families: ${message}`);
  console.error(
    "usage: npm run bench:families -- [--quick] [--sizes 1000x96,3000x96] [--seeds N] [--families a,b] [--clp-seeds N] [--highs-seeds N]",
  );
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean", default: false },
        sizes: { type: "string" },
        seeds: { type: "string" },
        families: { type: "string" },
        "clp-seeds": { type: "string" },
        "highs-seeds": { type: "string" },
      },
      strict: true,
    }).values;
  } catch (error) {
    usage((error as Error).message);
  }
  const count = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer, got "${text}"`);
    return n;
  };
  const sizes = (values.sizes ?? (values.quick ? "1000x96" : "1000x96,3000x96")).split(",").map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) usage(`--sizes: "${s}" is not SESSIONSxSLOTS`);
    return { sessions: Number(m[1]), slots: Number(m[2]) };
  });
  const families = (values.families?.split(",") ?? FAMILY_NAMES).map((f) => {
    if (!(FAMILY_NAMES as string[]).includes(f)) usage(`--families: unknown family "${f}" (${FAMILY_NAMES.join(", ")})`);
    return f as FamilyName;
  });
  const seeds = count(values.seeds, "seeds") ?? (values.quick ? 10 : 100);
  const clp = count(values["clp-seeds"], "clp-seeds");
  const highs = count(values["highs-seeds"], "highs-seeds");
  // The references take seconds per LP (CLP ~6 s, HiGHS ~15 s at 3000×96): a subset of the seeds.
  return {
    sizes,
    seeds,
    families,
    clpSeeds: (size) => Math.min(seeds, clp ?? (size.sessions >= 3000 ? 3 : values.quick ? 3 : 10)),
    highsSeeds: (size) => Math.min(seeds, highs ?? (size.sessions >= 3000 ? 0 : 3)),
  };
}

function generate(family: FamilyName, size: Size, seed: number): Request {
  const options: GeneratorOptions = { ...size, seed };
  const input: RequestInput = FAMILIES[family](options);
  const v = validateRequest(input);
  if (!v.ok) throw new Error(`${family} seed ${seed}: generated an invalid request: ${v.problems[0]?.path} ${v.problems[0]?.message}`);
  return v.request;
}

/** The q-quantile of a sorted sample (nearest rank). */
interface Distribution {
  median: number;
  p90: number;
  max: number;
}

function distribution(xs: readonly number[]): Distribution {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), max: sorted[sorted.length - 1] ?? Number.NaN };
}

interface ReferenceRow {
  seed: number;
  oursMs: number;
  dual?: number;
  barrier?: number;
  highs?: number;
}

interface FamilyResult {
  family: FamilyName;
  size: Size;
  iterations: Distribution;
  solveMs: Distribution;
  /** Seeds whose status was not `optimal` (the bench's problems have no floors: each is a finding). */
  notOptimal: number;
  references: ReferenceRow[];
  /** The worst relative distance of an `optimal` total from CLP's optimum. */
  worstRelDiff: number;
  /** The worst disagreement between CLP and HiGHS. */
  worstReferenceDiff: number;
  failures: string[];
  shapes: string[];
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
/** Spec §7: how far an `optimal` total may be from the relaxation's optimum. */
const specTolerance = (total: number) => Math.max(1e-4 * Math.abs(total), 1e-3);

async function benchFamily(
  family: FamilyName,
  size: Size,
  o: Options,
  clp: ClpWorkspace | undefined,
  highs: HighsReference,
): Promise<FamilyResult> {
  const iterations: number[] = [];
  const times: number[] = [];
  const references: ReferenceRow[] = [];
  const failures: string[] = [];
  const shapes: string[] = [];
  let notOptimal = 0;
  let worstRelDiff = 0;
  let worstReferenceDiff = 0;
  for (let seed = 1; seed <= o.seeds; seed++) {
    const request = generate(family, size, seed);
    const response = solve(request);
    iterations.push(response.solver.iterations);
    times.push(response.solver.solveMs);
    if (response.status !== "optimal") notOptimal++;
    if (family === "realData" && seed <= 5) {
      const s = realDataShape({ ...size, seed });
      shapes.push(
        `seed ${seed}: ${s.day}, ${s.slotMinutes}-min slots, V2G ${Math.round(s.v2gShare * 100)} %, ${s.circuits} circuits, ${s.tariff}`,
      );
    }
    const row: ReferenceRow = { seed, oursMs: response.solver.solveMs };
    const withClp = clp !== undefined && seed <= o.clpSeeds(size);
    const withHighs = seed <= o.highsSeeds(size);
    if (withClp || withHighs) {
      const lp = buildLp(compile(request));
      let reference: number | undefined;
      if (withClp) {
        const file = clp.write(lp);
        for (const algorithm of ["dualsimplex", "barrier"] as ClpAlgorithm[]) {
          const r = clp.solve(file, lp, algorithm);
          if (r.status !== "optimal") {
            failures.push(`${family} seed ${seed}: CLP ${algorithm} ended ${r.status}`);
            continue;
          }
          if (algorithm === "dualsimplex") row.dual = r.solveMs;
          else row.barrier = r.solveMs;
          reference ??= r.objective;
          worstReferenceDiff = Math.max(worstReferenceDiff, relDiff(r.objective, reference));
        }
      }
      if (withHighs) {
        const h = await highs.solve(request);
        row.highs = h.solveMs;
        if (reference !== undefined) worstReferenceDiff = Math.max(worstReferenceDiff, relDiff(h.objective, reference));
        reference ??= h.objective;
      }
      if (reference !== undefined && response.status === "optimal") {
        const d = relDiff(response.cost.total, reference);
        worstRelDiff = Math.max(worstRelDiff, d);
        if (response.cost.total - reference > specTolerance(response.cost.total)) {
          failures.push(
            `${family} seed ${seed}: optimal total ${response.cost.total} is above the reference optimum ${reference} by more than spec §7 allows`,
          );
        }
        if (response.solver.bound !== undefined && response.solver.bound > reference + specTolerance(reference)) {
          failures.push(`${family} seed ${seed}: the reported bound ${response.solver.bound} is above the reference optimum ${reference}`);
        }
      }
      references.push(row);
    }
  }
  if (worstReferenceDiff > REFERENCE_AGREEMENT)
    failures.push(`${family}: CLP and HiGHS optima differ by ${worstReferenceDiff.toExponential(1)} relative`);
  return {
    family,
    size,
    iterations: distribution(iterations),
    solveMs: distribution(times),
    notOptimal,
    references,
    worstRelDiff,
    worstReferenceDiff,
    failures,
    shapes,
  };
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "–");

/** The median over seeds of reference time / our time: how many times faster we are. */
function medianRatio(rows: readonly ReferenceRow[], pick: (r: ReferenceRow) => number | undefined): number {
  const ratios = rows.flatMap((r) => {
    const ref = pick(r);
    return ref === undefined || !(r.oursMs > 0) ? [] : [ref / r.oursMs];
  });
  return distribution(ratios).median;
}

function report(results: FamilyResult[], o: Options, clpMissing: string | undefined): string {
  const lines: string[] = [];
  lines.push(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} at the end of the run. ${o.seeds} seeds per size and family.`,
  );
  if (clpMissing) lines.push("", `**${clpMissing}**`);
  lines.push(
    "",
    "| size | family | iterations median / p90 / max | solve ms median / p90 / max | not optimal | CLP dual ÷ ours (median, n) | CLP barrier ÷ ours | HiGHS ÷ ours (n) | worst rel. diff |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of results) {
    const n = r.references.filter((x) => x.dual !== undefined).length;
    const nh = r.references.filter((x) => x.highs !== undefined).length;
    lines.push(
      `| ${sizeLabel(r.size)} | ${r.family} | ${fmt(r.iterations.median)} / ${fmt(r.iterations.p90)} / ${fmt(r.iterations.max)} | ${fmt(r.solveMs.median)} / ${fmt(r.solveMs.p90)} / ${fmt(r.solveMs.max)} | ${r.notOptimal} | ${fmt(
        medianRatio(r.references, (x) => x.dual),
        1,
      )}× (${n}) | ${fmt(
        medianRatio(r.references, (x) => x.barrier),
        1,
      )}× | ${fmt(
        medianRatio(r.references, (x) => x.highs),
        1,
      )}× (${nh}) | ${r.worstRelDiff.toExponential(1)} |`,
    );
  }
  const shapes = results.find((r) => r.shapes.length > 0)?.shapes ?? [];
  if (shapes.length > 0) lines.push("", "realData shapes drawn by the first seeds:", "", ...shapes.map((s) => `- ${s}`));
  lines.push(
    "",
    "*solve ms* is the in-WASM solve time the response reports (`solver.solveMs`); CLP's is the time its own log reports (presolve included, parsing excluded), HiGHS's `Model.run()`. Ratios are per seed, then the median over the seeds that ran the reference. *worst rel. diff* is |optimal total − reference optimum| / max(1, |reference|).",
  );
  return lines.join("\n");
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const found = findClp();
  const clpMissing = "missing" in found ? found.missing : undefined;
  if (clpMissing) console.error(`bench:families: ${clpMissing}`);
  const clp = clpMissing ? undefined : new ClpWorkspace();
  const highs = new HighsReference();
  const results: FamilyResult[] = [];
  try {
    for (const size of o.sizes) {
      for (const family of o.families) {
        const r = await benchFamily(family, size, o, clp, highs);
        console.error(
          `${sizeLabel(size)} ${family}: iterations p90 ${r.iterations.p90}, solve ms median ${fmt(r.solveMs.median)} p90 ${fmt(r.solveMs.p90)}`,
        );
        results.push(r);
      }
    }
  } finally {
    clp?.dispose();
  }
  const text = report(results, o, clpMissing);
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, text + "\n");
  console.log(text);
  const failures = results.flatMap((r) => r.failures);
  if (failures.length > 0) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
}

await main();
