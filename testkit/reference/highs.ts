/**
 * The reference optimum: the linear relaxation of spec §7 (minChargeKw = 0,
 * charging and discharging allowed in the same slot), written as CPLEX LP
 * text straight from the spec and solved by HiGHS (npm `highs`, WASM).
 *
 * It shares nothing with the WASM scheduler but the request compiler
 * (windows, required energy, ε' = min(ε, π)), so the two can check each
 * other. The LP:
 *
 *   per session v, window slot k (t = start_v + k):
 *     0 ≤ c ≤ maxCharge, 0 ≤ d ≤ maxDischarge, floor ≤ e ≤ capacity,
 *     e_k − e_{k−1} − Δ·η_c·c_k + (Δ/η_d)·d_k = 0          (e_{−1} = e0)
 *     s_v + e_last ≥ R_v,  s_v ≥ 0
 *   per slot t:
 *     0 ≤ g ≤ I, 0 ≤ x ≤ E, 0 ≤ u ≤ S
 *     g [+ o] − x − u − Σ_v (c − d) = B − S                  (n = g − x)
 *     Σ_{v under circuit} (c − d) ≤ L  and  ≥ −L              (two rows, no ranged rows)
 *     z − g [− o] ≥ 0,  z ≥ P0
 *   minimise Σ Δ(π g − ε' x) + D·z − D·P0 + Σ Δ·deg·d + Σ pen·s
 *
 * When no schedule meets the import limit, the LP is solved again with
 * overflow columns o ≥ 0 priced far above anything else, which minimises
 * Σ max(0, n − I) first and the cost second (spec §5).
 *
 * With `minCharge: "mip"` the charging floor (spec §5 rule 2) is modelled
 * exactly instead of relaxed: each window slot of a session with
 * minChargeKw > 0 gets a binary y (charging on) and
 *
 *     c ≤ maxCharge·y,  c ≥ minCharge·y,  d ≤ maxDischarge·(1 − y)  (V2G only)
 *
 * so p = c − d is either ≤ 0 or in [minCharge, maxCharge], the signed model.
 * Sessions without a floor keep the relaxation's c/d split. Every schedule
 * the scheduler may return is feasible for this MILP at the same cost, so its
 * optimum (and any proven bound on it) lies at or below our total.
 */
import highsPackage, { type Highs } from "highs";
import { compile, type CompiledProblem } from "../../engine/model/compile.js";
import type { Request } from "../../engine/model/schema.js";

// The package's types are CommonJS-shaped ("type": "commonjs" with `export default`),
// so TypeScript sees the loader at `.default`; its ESM build exports the loader itself.
type Loader = typeof highsPackage.default;
const loadHighs: Loader = (highsPackage as unknown as { default?: Loader }).default ?? (highsPackage as unknown as Loader);

/**
 * "optimal": solved (a MILP within `mipRelGap` of its proven bound);
 * "infeasible": the import limit cannot be met, objective is then the cost of the least-overflow schedule;
 * "timeLimit" (MILP only): `timeLimitS` ran out, objective is the incumbent's (NaN without one) and `mipBound` the proven bound.
 */
export type ReferenceStatus = "optimal" | "infeasible" | "timeLimit";

/** How sessions with minChargeKw > 0 are modelled: "relax" drops the floor (the LP relaxation), "mip" adds one binary per window slot. */
export type MinChargeMode = "relax" | "mip";

export interface ReferenceResult {
  status: ReferenceStatus;
  /** Spec §7 total at the relaxation optimum, or at the MILP incumbent with `minCharge: "mip"` (overflow penalty excluded). */
  objective: number;
  /** Σ_t Δ·max(0, n_t − I_t) at the optimum, kWh. */
  overflowKwh: number;
  /** Time to write the LP text, ms. */
  buildMs: number;
  /** Time HiGHS took to parse the LP text, ms. */
  readMs: number;
  /** Time HiGHS took to solve, ms (both passes when the import limit is infeasible). */
  solveMs: number;
  columns: number;
  rows: number;
  nonzeros: number;
  /** Binary columns (0 with `minCharge: "relax"`). */
  binaries: number;
  /**
   * `minCharge: "mip"` only: HiGHS's proven lower bound on the MILP optimum
   * (`mip_dual_bound`, spec §7 total like `objective`: the MILP's objective
   * carries the constant −D·P0). Every feasible schedule costs at least this
   * much; with no binary in the model it equals `objective` (NaN if that LP
   * hit the time limit).
   */
  mipBound?: number;
  /**
   * `minCharge: "mip"` only: HiGHS's `mip_gap`, (incumbent − bound) relative
   * to |incumbent|, on spec §7 totals; Infinity without an incumbent, 0 with
   * no binary in the model (NaN if that LP hit the time limit).
   */
  mipGap?: number;
  /** Present with `{ primal: true }` (and, for a MILP, an incumbent). */
  primal?: ReferencePrimal;
}

/** The relaxation's (or the MILP incumbent's) schedule, in the compiled problem's window form. */
export interface ReferencePrimal {
  /** Per window slot (CompiledSessions.offset), kW. */
  charge: Float64Array;
  discharge: Float64Array;
  energy: Float64Array;
  shortfall: Float64Array;
  /** Per slot: n_t = g_t + o_t − x_t, kW. */
  netImport: Float64Array;
  curtailment: Float64Array;
  peak: number;
}

export interface ReferenceOptions {
  /** Return the primal schedule. @defaultValue false */
  primal?: boolean;
  /** HiGHS `solver` option. @defaultValue "choose" */
  solver?: "choose" | "simplex" | "ipm";
  /**
   * HiGHS time limit, seconds. An LP that hits it is an error; a MILP that
   * hits it returns status "timeLimit" with its incumbent and bound.
   * @defaultValue none
   */
  timeLimitS?: number;
  /**
   * Sessions with minChargeKw > 0: "relax" solves the relaxation (spec §7),
   * "mip" the mixed-integer model with the floor (see the file comment).
   * The MILP has no overflow pass: when the import limit cannot be met,
   * `solve` throws (use "relax" for those problems).
   * @defaultValue "relax"
   */
  minCharge?: MinChargeMode;
  /** HiGHS `mip_rel_gap` for `minCharge: "mip"`: stop once (incumbent − bound)/|incumbent| is below it. @defaultValue 1e-4 (spec §7's tolerance) */
  mipRelGap?: number;
}

/** HiGHS's own default `mip_rel_gap`, the same as spec §7's relative tolerance. */
export const MIP_REL_GAP = 1e-4;

/** Once the HiGHS heap has grown past this, the runtime is dropped and loaded again (its memory never shrinks; 2 GiB cap). */
export const RELOAD_BYTES = 768 * 2 ** 20;

/** Where every column of the LP lives, to read the solution back. */
interface Layout {
  /** Column index of c, d (−1 if none), e for each window slot. */
  charge: Int32Array;
  discharge: Int32Array;
  energy: Int32Array;
  /** Column of s_v, −1 when no shortfall is possible. */
  shortfall: Int32Array;
  importCol: Int32Array;
  exportCol: Int32Array;
  curtailCol: Int32Array;
  overflowCol: Int32Array;
  peakCol: number;
  names: string[];
}

export interface LinearProgram {
  text: string;
  /**
   * Constant term of the objective (−D·P0) left out of the LP text, to add to
   * HiGHS's objective. 0 for a MILP: there the constant is written into the
   * objective, so that HiGHS's relative gap is measured on spec §7 totals.
   */
  constant: number;
  /** Objective weight of one kWh of overflow; 0 without overflow columns. */
  overflowPenalty: number;
  columns: number;
  rows: number;
  nonzeros: number;
  /** Binary columns (the `Binaries` section). */
  binaries: number;
  layout: Layout;
}

/** A number as LP text wants it: finite, no "+", exponent form allowed. */
function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`non-finite LP coefficient ${x}`);
  return String(x === 0 ? 0 : x);
}

/** Writes `name: a x + b y ... op rhs` with line breaks, skipping zero coefficients. */
class Expression {
  private readonly parts: string[] = [];
  terms = 0;

  add(coefficient: number, column: string): this {
    if (coefficient === 0) return this;
    const sign = coefficient < 0 ? "-" : "+";
    const magnitude = Math.abs(coefficient);
    this.parts.push(
      `${this.terms % 8 === 0 && this.terms > 0 ? "\n " : ""}${sign} ${magnitude === 1 ? "" : `${num(magnitude)} `}${column}`,
    );
    this.terms++;
    return this;
  }

  toString(): string {
    return this.parts.join(" ");
  }
}

/**
 * Write the relaxation LP of a compiled problem. `overflow` adds the
 * import-overflow columns used when the import limit cannot be met;
 * `minCharge: "mip"` the binaries of the charging floor.
 */
export function buildLp(p: CompiledProblem, overflow = false, minCharge: MinChargeMode = "relax"): LinearProgram {
  const T = p.slots;
  const dt = p.slotHours;
  const s = p.sessions;
  const W = s.windowSlots;
  const names: string[] = [];
  const column = (name: string) => {
    names.push(name);
    return names.length - 1;
  };
  const layout: Layout = {
    charge: new Int32Array(W).fill(-1),
    discharge: new Int32Array(W).fill(-1),
    energy: new Int32Array(W).fill(-1),
    shortfall: new Int32Array(s.count).fill(-1),
    importCol: new Int32Array(T).fill(-1),
    exportCol: new Int32Array(T).fill(-1),
    curtailCol: new Int32Array(T).fill(-1),
    overflowCol: new Int32Array(T).fill(-1),
    peakCol: -1,
    names,
  };
  const binaries: string[] = [];
  const objective = new Expression();
  const rows: string[] = [];
  const bounds: string[] = [];
  let nonzeros = 0;
  const row = (name: string, e: Expression, op: "=" | "<=" | ">=", rhs: number) => {
    rows.push(` ${name}: ${e.toString()} ${op} ${num(rhs)}`);
    nonzeros += e.terms;
  };

  // Overflow must never buy anything: a kWh of overflow is worth more than any
  // shortfall, degradation, price or peak it could save (lexicographic by penalty).
  let penalty = 0;
  if (overflow) {
    let worth = 1 + p.demandCharge / dt;
    for (let t = 0; t < T; t++) worth += Math.abs(p.importPrice[t]) + Math.abs(p.exportPrice[t]);
    let session = 0;
    for (let v = 0; v < s.count; v++) {
      session = Math.max(
        session,
        s.shortfallPenalty[v] * Math.max(s.chargeEfficiency[v], 1 / s.dischargeEfficiency[v]) + s.degradationCost[v],
      );
    }
    penalty = 10 * (worth + session);
  }

  // Per-slot site columns.
  const hasPeak = p.demandCharge > 0;
  if (hasPeak) {
    layout.peakCol = column("z");
    objective.add(p.demandCharge, "z");
    bounds.push(` z >= ${num(p.peakThreshold)}`);
  }
  for (let t = 0; t < T; t++) {
    layout.importCol[t] = column(`g${t}`);
    objective.add(dt * p.importPrice[t], `g${t}`);
    bounds.push(` g${t} <= ${num(p.importLimit[t])}`);
    if (p.exportLimit[t] > 0) {
      layout.exportCol[t] = column(`x${t}`);
      objective.add(-dt * p.exportPrice[t], `x${t}`);
      bounds.push(` x${t} <= ${num(p.exportLimit[t])}`);
    }
    if (p.pv[t] > 0) {
      layout.curtailCol[t] = column(`u${t}`);
      bounds.push(` u${t} <= ${num(p.pv[t])}`);
    }
    if (overflow) {
      layout.overflowCol[t] = column(`o${t}`);
      objective.add(dt * (p.importPrice[t] + penalty), `o${t}`);
    }
  }

  // Per-session columns and the energy chain.
  for (let v = 0; v < s.count; v++) {
    const a = s.start[v];
    const w = s.end[v] - a;
    if (w === 0) continue; // spec §6: no available slot, zero power, no shortfall
    const base = s.offset[v];
    const floor = s.energyFloor[v];
    const cap = s.capacity[v];
    const v2g = s.maxDischarge[v] > 0;
    for (let k = 0; k < w; k++) {
      const c = `c${v}_${k}`;
      const d = `d${v}_${k}`;
      const e = `b${v}_${k}`; // not "e…": LP text reads e<digit> as an exponent
      layout.charge[base + k] = column(c);
      bounds.push(` ${c} <= ${num(s.maxCharge[v])}`);
      if (v2g) {
        layout.discharge[base + k] = column(d);
        bounds.push(` ${d} <= ${num(s.maxDischarge[v])}`);
        objective.add(dt * s.degradationCost[v], d);
      }
      layout.energy[base + k] = column(e);
      bounds.push(` ${num(floor)} <= ${e} <= ${num(cap)}`);
      const chain = new Expression().add(1, e);
      if (k > 0) chain.add(-1, `b${v}_${k - 1}`);
      chain.add(-dt * s.chargeEfficiency[v], c);
      if (v2g) chain.add(dt / s.dischargeEfficiency[v], d);
      row(`Q${v}_${k}`, chain, "=", k === 0 ? s.initialEnergy[v] : 0);
      if (minCharge === "mip" && s.minCharge[v] > 0) {
        // y = 1: charging at [minCharge, maxCharge], no discharge; y = 0: no charge, any discharge.
        const y = `y${v}_${k}`;
        column(y);
        binaries.push(y);
        row(`Yu${v}_${k}`, new Expression().add(1, c).add(-s.maxCharge[v], y), "<=", 0);
        row(`Yl${v}_${k}`, new Expression().add(1, c).add(-s.minCharge[v], y), ">=", 0);
        if (v2g) row(`Yd${v}_${k}`, new Expression().add(1, d).add(s.maxDischarge[v], y), "<=", s.maxDischarge[v]);
      }
    }
    if (s.requiredEnergy[v] > floor && s.shortfallPenalty[v] > 0) {
      const sv = `s${v}`;
      layout.shortfall[v] = column(sv);
      objective.add(s.shortfallPenalty[v], sv);
      row(`R${v}`, new Expression().add(1, sv).add(1, `b${v}_${w - 1}`), ">=", s.requiredEnergy[v]);
    }
    // Spec §12: a site battery's hard final energy, as a row of its own.
    if (s.storage[v]) row(`F${v}`, new Expression().add(1, `b${v}_${w - 1}`), ">=", s.finalEnergy[v]);
  }

  // Who is plugged in where, per slot.
  const plugged: number[][] = Array.from({ length: T }, () => []);
  for (let v = 0; v < s.count; v++) for (let t = s.start[v]; t < s.end[v]; t++) plugged[t].push(v);
  const power = (e: Expression, v: number, t: number, sign: number) => {
    const k = t - s.start[v];
    e.add(sign, `c${v}_${k}`);
    if (s.maxDischarge[v] > 0) e.add(-sign, `d${v}_${k}`);
  };

  for (let t = 0; t < T; t++) {
    const balance = new Expression().add(1, `g${t}`);
    if (overflow) balance.add(1, `o${t}`);
    if (layout.exportCol[t] >= 0) balance.add(-1, `x${t}`);
    if (layout.curtailCol[t] >= 0) balance.add(-1, `u${t}`);
    for (const v of plugged[t]) power(balance, v, t, -1);
    row(`B${t}`, balance, "=", p.baseLoad[t] - p.pv[t]);
    if (hasPeak) {
      const peak = new Expression().add(1, "z").add(-1, `g${t}`);
      if (overflow) peak.add(-1, `o${t}`);
      row(`P${t}`, peak, ">=", 0);
    }
  }

  // Circuits: each session counts toward its circuit and every ancestor.
  const C = p.circuitIds.length;
  if (C > 0) {
    const members: number[][] = Array.from({ length: C }, () => []);
    for (let v = 0; v < s.count; v++) for (let c = s.circuit[v]; c >= 0; c = p.circuitParent[c]) members[c].push(v);
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < T; t++) {
        const e = new Expression();
        let discharges = false;
        for (const v of members[c]) {
          if (t < s.start[v] || t >= s.end[v]) continue;
          power(e, v, t, 1);
          discharges ||= s.maxDischarge[v] > 0;
        }
        if (e.terms === 0) continue;
        const limit = p.circuitLimit[c * T + t];
        row(`H${c}_${t}`, e, "<=", limit);
        // Without a discharging session the lower row Σc ≥ −L cannot bind.
        if (discharges) row(`L${c}_${t}`, e, ">=", -limit);
      }
    }
  }

  // Spec §11, written from the model's definitions: every node (circuits, the site last) with a phase limit
  // bounds each phase's signed current over its subtree; with an unbalance limit, |I_φ − I_ψ| plus the
  // |current| of one-phase sessions on an unknown phase, counted as k(c + d) (= k|p| for a signed schedule).
  if (p.hasPhaseLimits) {
    const N = C + 1;
    const under: number[][] = Array.from({ length: N }, () => []);
    for (let v = 0; v < s.count; v++) {
      for (let c = s.circuit[v]; c >= 0; c = p.circuitParent[c]) under[c].push(v);
      under[C].push(v);
    }
    const share = (v: number, phi: number) => (s.phase[v] < 0 ? 1 / 3 : s.phase[v] === 3 || s.phase[v] === phi ? 1 : 0);
    const current = (e: Expression, v: number, t: number, coefficient: number) => {
      const k = t - s.start[v];
      e.add(coefficient * s.ampsPerKw[v], `c${v}_${k}`);
      if (s.maxDischarge[v] > 0) e.add(-coefficient * s.ampsPerKw[v], `d${v}_${k}`);
    };
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < T; t++) {
        const limit = p.phaseLimit[n * T + t];
        const active = under[n].filter((v) => t >= s.start[v] && t < s.end[v]);
        if (Number.isFinite(limit)) {
          for (let phi = 0; phi < 3; phi++) {
            const e = new Expression();
            for (const v of active) current(e, v, t, share(v, phi));
            let constant = 0;
            if (n === C) {
              constant = ((p.baseLoad[t] - p.pv[t]) * p.siteAmpsPerKw) / 3;
              if (layout.curtailCol[t] >= 0) e.add(p.siteAmpsPerKw / 3, `u${t}`);
            }
            if (e.terms === 0) continue;
            row(`I${n}_${t}_${phi}h`, e, "<=", limit - constant);
            row(`I${n}_${t}_${phi}l`, e, ">=", -limit - constant);
          }
        }
        const U = p.unbalanceLimit[n];
        if (!Number.isFinite(U)) continue;
        for (let phi = 0; phi < 3; phi++) {
          const psi = (phi + 1) % 3;
          for (const sign of [1, -1]) {
            const e = new Expression();
            for (const v of active) {
              const k = t - s.start[v];
              if (s.phase[v] === 3) {
                e.add(s.ampsPerKw[v], `c${v}_${k}`);
                if (s.maxDischarge[v] > 0) e.add(s.ampsPerKw[v], `d${v}_${k}`);
              } else {
                const delta = share(v, phi) - share(v, psi);
                if (delta !== 0) current(e, v, t, sign * delta);
              }
            }
            if (e.terms > 0) row(`U${n}_${t}_${phi}${sign > 0 ? "p" : "m"}`, e, "<=", U);
          }
        }
      }
    }
  }

  const constant = hasPeak ? -p.demandCharge * p.peakThreshold : 0;
  const inText = minCharge === "mip" && constant !== 0;
  const text = [
    "Minimize",
    ` obj: ${objective.terms > 0 ? objective.toString() : `0 g0`}${inText ? ` ${constant < 0 ? "-" : "+"} ${num(Math.abs(constant))}` : ""}`,
    "Subject To",
    ...rows,
    "Bounds",
    ...bounds,
    // The LP reader bounds binaries to [0, 1] itself; 8 names a line keeps lines short.
    ...(binaries.length > 0 ? ["Binaries", ...chunks(binaries, 8).map((line) => ` ${line.join(" ")}`)] : []),
    "End",
    "",
  ].join("\n");
  return {
    text,
    constant: inText ? 0 : constant,
    overflowPenalty: penalty,
    columns: names.length,
    rows: rows.length,
    nonzeros,
    binaries: binaries.length,
    layout,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One HiGHS runtime, reloaded when its heap has grown too far. Solves are
 * synchronous once loaded; `solve` is async only to (re)load the runtime.
 */
export class HighsReference {
  private highs: Highs | undefined;
  private reloads = 0;
  private readonly reloadBytes: number;

  /** @param options.reloadBytes heap size past which the runtime is reloaded, @defaultValue RELOAD_BYTES */
  constructor(options: { reloadBytes?: number } = {}) {
    this.reloadBytes = options.reloadBytes ?? RELOAD_BYTES;
  }

  /** Times the runtime has been loaded. */
  get loads(): number {
    return this.reloads;
  }

  /** Current HiGHS linear-memory size, bytes (0 before the first load). */
  get memoryBytes(): number {
    return this.highs?.memoryBytes ?? 0;
  }

  private async runtime(): Promise<Highs> {
    if (this.highs === undefined || this.highs.memoryBytes > this.reloadBytes) {
      this.highs = undefined;
      const loaded = await loadHighs();
      this.highs = loaded;
      this.reloads++;
      return loaded;
    }
    return this.highs;
  }

  async solve(request: Request, options: ReferenceOptions = {}): Promise<ReferenceResult> {
    return this.solveCompiled(compile(request), options);
  }

  async solveCompiled(problem: CompiledProblem, options: ReferenceOptions = {}): Promise<ReferenceResult> {
    const highs = await this.runtime();
    const first = this.pass(highs, problem, false, options);
    if (first.status !== "infeasible") return first;
    // Only the import limit can make the model infeasible (p = 0, u = S meets every other row).
    // The overflow pass ranks overflow above cost by a large price, which a MILP stopped at a
    // relative gap (or a time limit) does not honour: its "cost" would mean nothing.
    if (options.minCharge === "mip") {
      throw new Error(
        'HiGHS: the minimum-charge MILP is infeasible (the import limit cannot be met); the MILP reference has no overflow pass, use minCharge: "relax"',
      );
    }
    const highs2 = await this.runtime();
    const second = this.pass(highs2, problem, true, options);
    second.solveMs += first.solveMs;
    second.readMs += first.readMs;
    second.buildMs += first.buildMs;
    return second;
  }

  private pass(highs: Highs, problem: CompiledProblem, overflow: boolean, options: ReferenceOptions): ReferenceResult {
    const mip = options.minCharge === "mip";
    const t0 = performance.now();
    const lp = buildLp(problem, overflow, options.minCharge);
    const t1 = performance.now();
    let model: ReturnType<Highs["createModel"]> | undefined;
    try {
      model = highs.createModel({ format: "lp", data: lp.text });
      const t2 = performance.now();
      model.options.set({
        output_flag: false,
        solver: options.solver ?? "choose",
        ...(options.timeLimitS !== undefined && { time_limit: options.timeLimitS }),
        ...(mip && { mip_rel_gap: options.mipRelGap ?? MIP_REL_GAP }),
      });
      const run = model.run();
      const t3 = performance.now();
      const codes = highs.constants.modelStatus;
      const timing = { buildMs: t1 - t0, readMs: t2 - t1, solveMs: t3 - t2 };
      const dims = { columns: lp.columns, rows: lp.rows, nonzeros: lp.nonzeros, binaries: lp.binaries };
      if ((run.modelStatus === codes.infeasible || run.modelStatus === codes.unboundedOrInfeasible) && !overflow) {
        return { status: "infeasible", objective: Number.NaN, overflowKwh: Number.NaN, ...timing, ...dims };
      }
      if (mip) {
        if (run.modelStatus !== codes.optimal && run.modelStatus !== codes.timeLimit)
          throw new Error(`HiGHS ended the MILP with model status ${run.modelStatus}`);
        // A MILP stopped by its time limit may still hold an incumbent: a valid, if unproven, result.
        const incumbent = model.info.get("primal_solution_status") === highs.constants.solutionStatus.feasible;
        const x = incumbent ? columnValues(model, lp.layout.names) : undefined;
        const objective = incumbent ? model.getObjectiveValue() + lp.constant : Number.NaN;
        // Without binaries HiGHS solved an LP and keeps no MIP information; its optimum is its own bound.
        const optimal = run.modelStatus === codes.optimal;
        const bound = lp.binaries > 0 ? Number(model.info.get("mip_dual_bound")) + lp.constant : optimal ? objective : Number.NaN;
        const gap = lp.binaries > 0 ? Number(model.info.get("mip_gap")) : optimal ? 0 : Number.NaN;
        return {
          status: optimal ? "optimal" : "timeLimit",
          objective,
          overflowKwh: incumbent ? 0 : Number.NaN,
          ...timing,
          ...dims,
          mipBound: bound,
          mipGap: gap,
          ...(options.primal && x && { primal: readPrimal(problem, lp.layout, x) }),
        };
      }
      if (run.modelStatus !== codes.optimal)
        throw new Error(`HiGHS ended with model status ${run.modelStatus} (${overflow ? "with" : "without"} overflow)`);
      const x = columnValues(model, lp.layout.names);
      let overflowKwh = 0;
      if (overflow) for (let t = 0; t < problem.slots; t++) overflowKwh += problem.slotHours * x[lp.layout.overflowCol[t]];
      const objective = model.getObjectiveValue() + lp.constant - lp.overflowPenalty * overflowKwh;
      return {
        status: overflowKwh > 1e-6 ? "infeasible" : "optimal",
        objective,
        overflowKwh,
        ...timing,
        ...dims,
        ...(options.primal && { primal: readPrimal(problem, lp.layout, x) }),
      };
    } catch (error) {
      // A WASM abort (out of memory, a reader assertion) leaves the runtime unusable: load a fresh one next time.
      this.highs = undefined;
      throw error;
    } finally {
      try {
        model?.dispose();
      } catch {
        this.highs = undefined;
      }
      if (this.highs !== undefined && highs.memoryBytes > this.reloadBytes) this.highs = undefined;
    }
  }
}

/** Column values in our column order (HiGHS numbers LP-text columns as it meets them; check, and map by name if not). */
function columnValues(model: ReturnType<Highs["createModel"]>, names: readonly string[]): Float64Array {
  const values = model.getSolution().colValue;
  if (values.length !== names.length) throw new Error(`HiGHS read ${values.length} columns, the LP has ${names.length}`);
  const step = Math.max(1, Math.floor(names.length / 64));
  let ordered = true;
  for (let i = 0; i < names.length && ordered; i += step) ordered = model.getColName(i) === names[i];
  ordered &&= model.getColName(names.length - 1) === names[names.length - 1];
  if (ordered) return values;
  const out = new Float64Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = values[model.getColByName(names[i])];
  return out;
}

function readPrimal(p: CompiledProblem, layout: Layout, x: Float64Array): ReferencePrimal {
  const W = p.sessions.windowSlots;
  const at = (index: Int32Array, i: number) => (index[i] >= 0 ? x[index[i]] : 0);
  const charge = new Float64Array(W);
  const discharge = new Float64Array(W);
  const energy = new Float64Array(W);
  for (let i = 0; i < W; i++) {
    charge[i] = at(layout.charge, i);
    discharge[i] = at(layout.discharge, i);
    energy[i] = at(layout.energy, i);
  }
  const shortfall = new Float64Array(p.sessions.count);
  for (let v = 0; v < p.sessions.count; v++) shortfall[v] = at(layout.shortfall, v);
  const netImport = new Float64Array(p.slots);
  const curtailment = new Float64Array(p.slots);
  for (let t = 0; t < p.slots; t++) {
    netImport[t] = at(layout.importCol, t) + at(layout.overflowCol, t) - at(layout.exportCol, t);
    curtailment[t] = at(layout.curtailCol, t);
  }
  return { charge, discharge, energy, shortfall, netImport, curtailment, peak: layout.peakCol >= 0 ? x[layout.peakCol] : 0 };
}

let shared: HighsReference | undefined;

/** Solve the relaxation of a validated request with a process-wide HiGHS runtime. */
export function solveReference(request: Request, options: ReferenceOptions = {}): Promise<ReferenceResult> {
  return (shared ??= new HighsReference()).solve(request, options);
}
