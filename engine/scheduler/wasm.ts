/**
 * The host side of the WASM boundary (assembly/layout.ts): write a compiled
 * problem into linear memory, run one strategy, read the schedule back.
 * Arrays cross as typed-array views on the module's memory, never element by
 * element through generated bindings.
 */
import { readFileSync } from "node:fs";
import { Field, Info, Setting, type SolveStatus, type StrategyId } from "../../assembly/layout.js";
import type { CompiledProblem } from "../model/compile.js";
import { WattplanError } from "../errors.js";
import { packagePath } from "../paths.js";

interface SchedulerExports {
  memory: WebAssembly.Memory;
  setup(slots: number, sessions: number, circuits: number, windowSlots: number): void;
  pointer(field: Field): number;
  solve(strategy: StrategyId): SolveStatus;
  arenaBytes(): number;
  setupWarm(): number;
}

/**
 * Warm re-plans through the boundary (assembly/optimal/warm.ts): the
 * previous solve's iterate already mapped onto this problem's canonical
 * layout (NaN where none), or none; the solve then records its own.
 */
export interface WarmInput {
  /** f64[warm length of this problem], or undefined to start cold (and only record). */
  iterate: Float64Array | undefined;
}

export interface SolverSettings {
  maxIterations: number;
  timeLimitMs: number;
  gapTolerance: number;
  /** Spec §10: among schedules within the tolerance, the earliest-charging one. */
  tieBreak: boolean;
}

export const DEFAULT_SOLVER_SETTINGS: SolverSettings = {
  maxIterations: 1000,
  timeLimitMs: 0,
  gapTolerance: 1e-6,
  tieBreak: true,
};

/** What one run of the scheduler returns, in window form (see layout.ts). */
export interface RawSchedule {
  status: SolveStatus;
  info: Float64Array;
  power: Float64Array;
  energy: Float64Array;
  shortfall: Float64Array;
  curtailment: Float64Array;
  netImport: Float64Array;
  solveMs: number;
  /** With a WarmInput: the iterate this solve recorded for the next one (undefined when it recorded none). */
  warmOut?: Float64Array;
}

let compiled: WebAssembly.Module | undefined;

/**
 * A monotonic clock in ms (the solver's time guard, and solveMs). Not
 * `performance.now()`: the first use of `performance` loads Node's
 * perf_hooks internals, ~2 ms of a small `wattplan solve` (bench/RESULTS.md §9).
 */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function moduleBytes(debug: boolean): Uint8Array {
  const file = packagePath("build", debug ? "wattplan.debug.wasm" : "wattplan.wasm");
  try {
    return readFileSync(file);
  } catch {
    throw new Error(`WASM scheduler not built (${file} missing): run \`npm run build\``);
  }
}

/** One scheduler instance: a WASM module instance reused across solves. */
export class Scheduler {
  private readonly wasm: SchedulerExports;

  constructor(options: { debug?: boolean } = {}) {
    const module = options.debug ? new WebAssembly.Module(moduleBytes(true)) : (compiled ??= new WebAssembly.Module(moduleBytes(false)));
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: (_message: number, _file: number, line: number, column: number) => {
          throw new Error(`scheduler aborted at ${line}:${column}`);
        },
        performanceNow: monotonicMs,
      },
    });
    this.wasm = instance.exports as unknown as SchedulerExports;
  }

  /** Bytes of linear memory the module holds (it only grows, up to the largest problem seen). */
  get memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength;
  }

  private f64(field: Field, length: number): Float64Array {
    return new Float64Array(this.wasm.memory.buffer, this.wasm.pointer(field), length);
  }

  private i32(field: Field, length: number): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, this.wasm.pointer(field), length);
  }

  run(problem: CompiledProblem, strategy: StrategyId, settings: SolverSettings = DEFAULT_SOLVER_SETTINGS, warm?: WarmInput): RawSchedule {
    const T = problem.slots;
    const s = problem.sessions;
    const C = problem.circuitIds.length;
    const W = s.windowSlots;
    try {
      this.wasm.setup(T, s.count, C, W);
    } catch (cause) {
      throw new WattplanError("ERR_PROBLEM_TOO_LARGE", `the problem (${s.count} sessions × ${T} slots) does not fit in scheduler memory`, {
        cause: String(cause),
      });
    }
    const warmLength = warm === undefined ? 0 : this.wasm.setupWarm();
    // Views are made after setup: it may have grown memory, which detaches older views.
    this.f64(Field.ImportLimit, T).set(problem.importLimit);
    this.f64(Field.ExportLimit, T).set(problem.exportLimit);
    this.f64(Field.BaseLoad, T).set(problem.baseLoad);
    this.f64(Field.Pv, T).set(problem.pv);
    this.f64(Field.ImportPrice, T).set(problem.importPrice);
    this.f64(Field.ExportPrice, T).set(problem.exportPrice);
    this.f64(Field.CircuitLimit, C * T).set(problem.circuitLimit);
    this.i32(Field.CircuitParent, C).set(problem.circuitParent);
    this.i32(Field.SessionStart, s.count).set(s.start);
    this.i32(Field.SessionEnd, s.count).set(s.end);
    this.i32(Field.SessionCircuit, s.count).set(s.circuit);
    this.i32(Field.SessionOffset, s.count).set(s.offset);
    this.f64(Field.PhaseLimit, (C + 1) * T).set(problem.phaseLimit);
    this.f64(Field.UnbalanceLimit, C + 1).set(problem.unbalanceLimit);
    this.i32(Field.SessionPhase, s.count).set(s.phase);
    this.f64(Field.AmpsPerKw, s.count).set(s.ampsPerKw);
    this.f64(Field.FinalEnergy, s.count).set(s.finalEnergy);
    this.i32(Field.SessionStorage, s.count).set(s.storage);
    const perSession: [Field, Float64Array][] = [
      [Field.InitialEnergy, s.initialEnergy],
      [Field.RequiredEnergy, s.requiredEnergy],
      [Field.Capacity, s.capacity],
      [Field.EnergyFloor, s.energyFloor],
      [Field.MaxCharge, s.maxCharge],
      [Field.MinCharge, s.minCharge],
      [Field.MaxDischarge, s.maxDischarge],
      [Field.ChargeEfficiency, s.chargeEfficiency],
      [Field.DischargeEfficiency, s.dischargeEfficiency],
      [Field.DegradationCost, s.degradationCost],
      [Field.ShortfallPenalty, s.shortfallPenalty],
      [Field.TargetEnergy, s.targetEnergy],
      [Field.Departure, s.departure],
    ];
    for (const [field, values] of perSession) this.f64(field, s.count).set(values);
    const setting = this.f64(Field.Settings, Setting.Count);
    setting[Setting.SlotHours] = problem.slotHours;
    setting[Setting.DemandCharge] = problem.demandCharge;
    setting[Setting.PeakThreshold] = problem.peakThreshold;
    setting[Setting.MaxIterations] = settings.maxIterations;
    setting[Setting.TimeLimitMs] = settings.timeLimitMs;
    setting[Setting.GapTolerance] = settings.gapTolerance;
    setting[Setting.TieBreak] = settings.tieBreak ? 1 : 0;
    setting[Setting.SiteAmpsPerKw] = problem.siteAmpsPerKw;
    setting[Setting.HasPhases] = problem.hasPhaseLimits ? 1 : 0;
    const iterate = warm?.iterate;
    const warmGiven = iterate !== undefined && iterate.length === warmLength;
    if (warmGiven) this.f64(Field.WarmIn, warmLength).set(iterate);
    setting[Setting.Warm] = warmGiven ? 1 : 0;

    const started = monotonicMs();
    let status: SolveStatus;
    try {
      status = this.wasm.solve(strategy);
    } catch (cause) {
      throw new WattplanError("ERR_SCHEDULER_FAILED", `the scheduler stopped: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const solveMs = monotonicMs() - started;
    // Copies: the caller keeps these after the next solve reuses the memory.
    const warmOut = warmLength > 0 ? this.f64(Field.WarmOut, warmLength) : undefined;
    return {
      ...(warmOut !== undefined && warmOut[warmLength - 1] === 1 && { warmOut: warmOut.slice() }),
      status,
      info: this.f64(Field.Info, Info.Count).slice(),
      power: this.f64(Field.Power, W).slice(),
      energy: this.f64(Field.Energy, W).slice(),
      shortfall: this.f64(Field.Shortfall, s.count).slice(),
      curtailment: this.f64(Field.Curtailment, T).slice(),
      netImport: this.f64(Field.NetImport, T).slice(),
      solveMs,
    };
  }
}
