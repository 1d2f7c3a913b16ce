/**
 * Solve a validated request with one strategy and assemble the response of
 * spec §9. Every figure in the response is recomputed by the scheduler's
 * evaluator from the schedule it returns.
 */
import { Info, SolveStatus, StrategyId, TieBreak, WarmStart } from "../../assembly/layout.js";
import { compile, type CompiledProblem } from "../model/compile.js";
import { strategyIssues, type Request, type Response, type Status, type StrategyName } from "../model/schema.js";
import { jsonPath } from "../model/validate.js";
import { WattplanError } from "../errors.js";
import { DEFAULT_SOLVER_SETTINGS, Scheduler, type RawSchedule, type SolverSettings } from "./wasm.js";
import { STRATEGIES } from "./strategies.js";
import { sessionKeys, type WarmState } from "./warm.js";

/** Spec §5: feasibility tolerance in kW / kWh. */
export const FEASIBILITY_TOLERANCE = 1e-6;

let shared: Scheduler | undefined;

/** The process-wide scheduler instance (one WASM instance, reused). */
export function defaultScheduler(): Scheduler {
  return (shared ??= new Scheduler());
}

export interface SolveOptions {
  strategy?: StrategyName;
  scheduler?: Scheduler;
  /**
   * Warm re-plans (`optimal` only; engine/scheduler/warm.ts): the state of
   * this site's previous solve, kept by the caller. The solve starts from
   * it where it fits and leaves its own in it for the next solve; the
   * result and its certificate are those of a cold solve (within spec §7's
   * tolerance). Other strategies ignore it.
   * @defaultValue none: every solve starts cold
   */
  warm?: WarmState;
}

export function solve(request: Request, options: SolveOptions = {}): Response {
  const name = options.strategy ?? request.strategy;
  const strategy = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name] : undefined;
  // Typed callers cannot get here; untyped ones (JSON from elsewhere) get a clear error, not a TypeError.
  if (strategy === undefined) throw new WattplanError("ERR_INVALID_REQUEST", `unknown strategy "${String(name)}"`);
  // Spec §12: a request may be valid for `optimal` and not for a baseline run on it (a final energy above the initial).
  const issues = strategyIssues(request, strategy.name);
  if (issues.length > 0) {
    const problems = issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
    throw new WattplanError("ERR_INVALID_REQUEST", problems.map((p) => `${p.path}: ${p.message}`).join("\n"), { problems });
  }
  const problem = compile(request);
  const settings: SolverSettings = {
    ...DEFAULT_SOLVER_SETTINGS,
    ...(request.solverOptions?.maxIterations !== undefined && { maxIterations: request.solverOptions.maxIterations }),
    ...(request.solverOptions?.timeLimitMs !== undefined && { timeLimitMs: request.solverOptions.timeLimitMs }),
    ...(request.solverOptions?.tieBreak === "none" && { tieBreak: false }),
  };
  const scheduler = options.scheduler ?? defaultScheduler();
  const warm = strategy.id === StrategyId.Optimal ? options.warm : undefined;
  let raw: RawSchedule;
  if (warm === undefined) {
    raw = scheduler.run(problem, strategy.id, settings);
  } else {
    const keys = sessionKeys(
      request.sessions.map((x) => x.id),
      request.storage.map((x) => x.id),
    );
    const iterate = warm.map(problem, keys);
    raw = scheduler.run(problem, strategy.id, settings, { iterate });
    const outcome = raw.info[Info.WarmStart] as WarmStart;
    warm.remember(problem, keys, raw.warmOut, warm.ready && iterate === undefined ? WarmStart.Refused : outcome);
  }
  const violation = raw.info[Info.MaxViolation];
  if (!(violation <= FEASIBILITY_TOLERANCE)) {
    // A bug, never bad input: refuse to hand out a schedule that breaks the limits.
    throw new WattplanError("ERR_SCHEDULER_FAILED", `strategy "${strategy.name}" produced a schedule violating spec §5 by ${violation}`);
  }
  return assemble(request, problem, raw, strategy.name);
}

function statusName(status: SolveStatus): Status {
  switch (status) {
    case SolveStatus.Optimal:
      return "optimal";
    case SolveStatus.Infeasible:
      return "infeasible";
    default:
      return "feasible";
  }
}

/** Spec §10: what the optimal strategy's tie-break did. */
function tieBreakName(value: number): "applied" | "rejected" | "skipped" | "off" {
  switch (value as TieBreak) {
    case TieBreak.Applied:
      return "applied";
    case TieBreak.Rejected:
      return "rejected";
    case TieBreak.Skipped:
      return "skipped";
    default:
      return "off";
  }
}

function slotList(slots: number[]): string {
  return slots.length <= 12 ? slots.join(", ") : `${slots.slice(0, 12).join(", ")}, … (${slots.length} in all)`;
}

function assemble(request: Request, problem: CompiledProblem, raw: RawSchedule, strategy: StrategyName): Response {
  const T = problem.slots;
  const s = problem.sessions;
  const warnings: string[] = [];

  const trajectory = (v: number) => {
    const powerKw = new Array<number>(T).fill(0);
    const energyKwh = new Array<number>(T);
    const a = s.start[v];
    const b = s.end[v];
    let e = s.initialEnergy[v];
    for (let t = 0; t < T; t++) {
      if (t >= a && t < b) {
        powerKw[t] = raw.power[s.offset[v] + t - a];
        e = raw.energy[s.offset[v] + t - a];
      }
      energyKwh[t] = e;
    }
    return { powerKw, energyKwh, e };
  };
  const sessions = request.sessions.map((session, v) => {
    const { powerKw, energyKwh, e } = trajectory(v);
    return {
      id: session.id,
      ...(session.evseId !== undefined && { evseId: session.evseId }),
      powerKw,
      energyKwh,
      deliveredKwh: e - s.initialEnergy[v],
      shortfallKwh: raw.shortfall[v],
    };
  });

  // Spec §12: batteries follow the sessions in the compiled arrays.
  const storage = request.storage.map((battery, i) => {
    const { powerKw, energyKwh } = trajectory(s.evCount + i);
    return { id: battery.id, powerKw, energyKwh };
  });

  // Rule 5 is judged slot by slot within the tolerance, so the status follows the slots named here
  // (the scheduler's own flag sums the overrun over all slots).
  const infeasibleSlots: number[] = [];
  for (let t = 0; t < T; t++) if (raw.netImport[t] > problem.importLimit[t] + FEASIBILITY_TOLERANCE) infeasibleSlots.push(t);
  if (infeasibleSlots.length > 0) {
    warnings.push(
      `net import exceeds site.importLimitKw in ${infeasibleSlots.length} slot(s) even at the least possible import: ${slotList(infeasibleSlots)}`,
    );
  }
  if (problem.clampedExportSlots.length > 0) {
    warnings.push(
      `tariff.exportPrice is above tariff.importPrice in ${problem.clampedExportSlots.length} slot(s) (${slotList(problem.clampedExportSlots)}); export there is valued at the import price`,
    );
  }
  const short = sessions.filter((x) => x.shortfallKwh > FEASIBILITY_TOLERANCE);
  if (short.length > 0) {
    const total = short.reduce((sum, x) => sum + x.shortfallKwh, 0);
    warnings.push(
      `${short.length} session(s) cannot reach their required energy (${total.toFixed(3)} kWh short in all): ${short
        .slice(0, 10)
        .map((x) => x.id)
        .join(", ")}${short.length > 10 ? ", …" : ""}`,
    );
  }
  if (raw.status === SolveStatus.IterationLimit)
    warnings.push("the optimal strategy hit its iteration limit: the schedule is feasible but not proven optimal");
  if (raw.status === SolveStatus.TimeLimit)
    warnings.push("the optimal strategy hit its time limit: the schedule is feasible but not proven optimal");

  const info = raw.info;
  const total = info[Info.TotalCost];
  const bound = info[Info.Bound];
  const hasBound = Number.isFinite(bound);
  return {
    status: infeasibleSlots.length > 0 ? "infeasible" : raw.status === SolveStatus.Infeasible ? "feasible" : statusName(raw.status),
    strategy,
    cost: {
      total,
      energy: info[Info.EnergyCost],
      demand: info[Info.DemandCost],
      degradation: info[Info.DegradationCost],
      shortfall: info[Info.ShortfallCost],
    },
    peakImportKw: info[Info.PeakImport],
    warnings,
    infeasibleSlots,
    sessions,
    storage,
    site: {
      netImportKw: Array.from(raw.netImport),
      curtailedPvKw: Array.from(raw.curtailment),
    },
    solver: {
      iterations: info[Info.Iterations],
      solveMs: raw.solveMs,
      ...(strategy === "optimal" && { tieBreak: tieBreakName(info[Info.TieBreak]) }),
      ...(hasBound && { bound, relativeGap: Math.max(0, total - bound) / Math.max(1, Math.abs(total)) }),
    },
  };
}
