/**
 * Native COIN-OR CLP (Debian `coinor-clp`, binary `clp`) as a second
 * reference beside HiGHS-wasm: the same LP text `buildLp` writes for HiGHS,
 * written once to a file and solved by a native simplex or barrier, so the
 * bench can say how far we are from a general-purpose native solver on this
 * machine. Times are CLP's own (its log's "time" figure, presolve included,
 * file reading excluded), not the process's wall time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LinearProgram } from "./highs.js";

export type ClpAlgorithm = "dualsimplex" | "primalsimplex" | "barrier";

export interface ClpResult {
  status: "optimal" | "infeasible" | "other";
  /** Objective with the LP's constant term added back: a spec §7 total. */
  objective: number;
  iterations: number;
  /** CLP's own solve time (presolve included), ms. */
  solveMs: number;
  /** Wall time of the whole `clp` process (start-up and LP parsing included), ms. */
  wallMs: number;
}

/** The `clp` binary, or undefined with the reason when it is not installed. */
export function findClp(): { path: string } | { missing: string } {
  const probe = spawnSync("clp", ["-quit"], { encoding: "utf8" });
  if (probe.error) {
    return { missing: "native CLP is not installed (`bash bench/setup.sh`, or `apt-get install -y coinor-clp`): its columns are skipped" };
  }
  return { path: "clp" };
}

/** What `clp` prints when it is done, e.g. "Optimal objective 15913.21372 - 10427 iterations time 0.292, Presolve 0.07". */
const SUMMARY = /^(Optimal|Primal infeasible|Dual infeasible|Stopped\S*|\S+) objective (\S+) - (\d+) iterations time ([\d.]+)/m;

/**
 * A directory holding the LP files of one bench run; each LP is written once
 * and may be solved by several algorithms.
 */
export class ClpWorkspace {
  private readonly dir = mkdtempSync(join(tmpdir(), "wattplan-clp-"));
  private count = 0;

  /** Write the LP text to a file and return its path. */
  write(lp: LinearProgram): string {
    const file = join(this.dir, `problem-${this.count++}.lp`);
    writeFileSync(file, lp.text);
    return file;
  }

  solve(file: string, lp: LinearProgram, algorithm: ClpAlgorithm, timeLimitS = 600): ClpResult {
    const started = performance.now();
    const run = spawnSync("clp", [file, "-sec", String(timeLimitS), `-${algorithm}`, "-quit"], {
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    });
    const wallMs = performance.now() - started;
    if (run.error) throw run.error;
    const m = SUMMARY.exec(run.stdout);
    if (!m) throw new Error(`clp ${algorithm}: no summary line in its output (exit ${run.status}): ${run.stdout.slice(-400)}`);
    const status = m[1] === "Optimal" ? "optimal" : /infeasible/i.test(m[1]) ? "infeasible" : "other";
    return {
      status,
      objective: Number(m[2]) + lp.constant,
      iterations: Number(m[3]),
      solveMs: Number(m[4]) * 1000,
      wallMs,
    };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
