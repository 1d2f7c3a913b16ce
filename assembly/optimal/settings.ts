// The `optimal` strategy's settings record (after OSQP's `OSQPSettings` and
// `osqp_set_default_settings`): every default, tolerance and iteration cap
// of assembly/optimal/ named once, each with what it is and why that value.
// The host overrides four of the defaults through Field.Settings, read once
// per solve into the budget record (budget.ts); the rest are fixed, measured
// choices.
//
// The fields are `static readonly`: the module creates no managed objects
// (arena.ts), and the compiler folds each field into the code as the
// literal it replaces, so naming a tolerance here costs no load in a hot
// loop.

export class Settings {
  // ---- defaults of the host's settings (Field.Settings) --------------------

  /** Interior-point iterations of one solve, every stage and re-solve included (the host: `maxIterations`). */
  static readonly defaultMaxIterations: i32 = 1000;
  /** Relative gap at which the loop stops (the host: `gapTolerance`); 100× inside spec §7's 1e-4, so the repair's losses fit. */
  static readonly defaultGapTolerance: f64 = 1e-6;
  /** The tightest gap tolerance accepted from the host (and that `polish` tightens to): below it the gap is rounding noise. */
  static readonly tightestGap: f64 = 1e-12;
  /** The loosest gap tolerance accepted from the host: keeps `optimal` (1e-4, spec §7) reachable after the repair. */
  static readonly loosestGap: f64 = 1e-5;
  /** The most iterations a host may ask for (a cap on `maxIterations`, which arrives as an f64). */
  static readonly iterationCap: f64 = 1e6;
  /**
   * Wall-clock limit (ms) applied when the host sets none: some valid inputs
   * (hundreds of sessions plugged in for most of a 2016-slot week) leave no
   * structure to exploit and would take minutes; past it the best iterate is
   * returned.
   */
  static readonly guardTimeLimitMs: f64 = 60_000;

  // ---- spec §5 and §7 --------------------------------------------------------

  /** Spec §5's tolerance, judged slot by slot (kW): the host names slot t only when n_t > I_t + 1e-6. */
  static readonly feasibilityTol: f64 = 1e-6;
  /** A repaired schedule with a violation above this (kW/kWh) is not kept (the evaluator's own limit is 1e-6). */
  static readonly violationLimit: f64 = 1e-7;
  /** Spec §7: a total within max(relativeTol·|total|, absoluteTol) of the bound is `optimal`. */
  static readonly relativeTol: f64 = 1e-4;
  static readonly absoluteTol: f64 = 1e-3;
  /**
   * Share of spec §7's tolerance a converged solve must meet before it is
   * not polished or re-solved further: half, so that a schedule the status
   * would only just accept is improved too.
   */
  static readonly qualifyShare: f64 = 0.5;

  // ---- the LP (lp.ts) ---------------------------------------------------------

  /** A session has a shortfall column only when R exceeds its floor by more than this (kWh): rounding, not need. */
  static readonly shortfallMin: f64 = 1e-12;

  // ---- the interior point (ipm.ts) --------------------------------------------

  /** Boxes narrower than this are fixed at their lower end (ipm.ts, and the tie-break's face the same way). */
  static readonly fixedWidth: f64 = 1e-9;
  /**
   * Energy, shortfall and surplus boxes of positive width are at least this
   * wide (kWh). Fixing a narrow one at its lower end can leave the energy
   * chain infeasible (a box [0.249999999, 0.25] fixed below e0 = 0.25 with no
   * discharge: 1e-9 off, and the dual runs away), while widening is a
   * relaxation: the bound stays valid and the repair holds the schedule to
   * the true limits. Other narrow boxes (powers, flows, import) stay fixed at
   * their lower end, which is consistent (zero power), and widening them
   * would only add badly scaled columns.
   */
  static readonly minBox: f64 = 1e-8;
  /** Relative rounding allowed for in the bound's sums (~50 u, u = 2^-53). */
  static readonly boundRounding: f64 = 1e-14;
  /** Fraction of the step to the boundary (Mehrotra 1992; Wright 1997 ch. 11): close, never on it. */
  static readonly stepToBoundary: f64 = 0.995;
  /** Relative primal residual accepted (‖b − Ax‖∞ / (1 + ‖b‖∞)); the repair absorbs what is left. */
  static readonly primalTol: f64 = 1e-7;
  /** A primal residual this many times the best seen means the iterate broke down (exit Stalled). */
  static readonly breakdown: f64 = 1e4;
  /** ... but only once the best residual seen is below this: early iterates are allowed to wander. */
  static readonly breakdownFrom: f64 = 1e-3;
  /** A relative gap below minus this (the bound far above the objective) marks a broken dual (exit Stalled). */
  static readonly gapBreakdown: f64 = 1;
  /** Primal and dual steps both below this count as a collapsed step. */
  static readonly stallStep: f64 = 1e-8;
  /** Collapsed steps in a row that end the loop (exit Stalled). */
  static readonly stallSteps: i32 = 3;
  /** Complementarity μ0 of the start at the box midpoint (bound duals μ0/h + |c|). */
  static readonly mu0: f64 = 1;
  /** μ0 of the first restart after a stall: 100× closer to the boundary, another path. */
  static readonly restartMu0: f64 = 0.01;
  /** μ0 of the second restart, when the first stalls too: 100× further from the boundary than `mu0`. */
  static readonly farRestartMu0: f64 = 100;
  /**
   * Gondzio's multiple centrality correctors (Gondzio 1996; Colombo & Gondzio
   * 2008): after the predictor–corrector, at most this many more solves with
   * the same factors, each pushing the complementarity products of a trial
   * point a step `correctorReach` beyond the current steps into
   * [correctorLow·σμ, correctorHigh·σμ]; a corrector is kept only when the
   * sum of the two steps grows by at least `correctorGain`·correctorReach.
   * Measured on every family of bench/families.ts (bench/RESULTS.md §11):
   * 15–25 % fewer iterations, 13–20 % more time at 1000×96 (a corrector
   * costs a third of an iteration), so off; 2 is the measured setting.
   */
  static readonly maxCorrectors: i32 = 0;
  static readonly correctorReach: f64 = 0.2;
  static readonly correctorLow: f64 = 0.1;
  static readonly correctorHigh: f64 = 10;
  static readonly correctorGain: f64 = 0.1;
  /** Correctors only while the shorter step is below this (long steps gain little for a solve). */
  static readonly correctorBelow: f64 = 0.5;
  /**
   * Warm re-plans (warm.ts; Gondzio 1998, Yildirim & Wright 2002): a solve
   * leaves for the next one its first iterate with μ ≤ warmRecordMu and a
   * relative primal residual ≤ warmRecordPrimal (on its central path, not
   * at its optimum, whose products are too small to move when the problem
   * changes). Measured at 300×96 and 1000×96 (bench/RESULTS.md §13):
   * recording at μ = 1e-4 took the fewest warm iterations of 1e-1…1e-6.
   */
  static readonly warmRecordMu: f64 = 1e-4;
  static readonly warmRecordPrimal: f64 = 1e-2;
  /** The smallest μ_w a warm start re-centres to (a recorded μ below it, or none, counts as this). */
  static readonly warmMinMu: f64 = 1e-6;
  /** A warm column starts at least this share of its box inside either end. */
  static readonly warmInside: f64 = 1e-3;
  /** A warm column's bound duals are raised to at least this × μ_w over their slack (β of the neighbourhood). */
  static readonly warmCentrality: f64 = 1;
  /**
   * Iterations a warm start may take before the solve falls back to a cold
   * one (which has the rest of the budget): this share of the iterations of
   * the cold solve the warm iterate descends from, at least
   * warmMinIterations; warmIterations when that count is unknown. A warm
   * start that does not help costs at most that share of a cold solve.
   */
  static readonly warmIterationShare: f64 = 0.75;
  static readonly warmMinIterations: i32 = 10;
  static readonly warmIterations: i32 = 25;
  /** Passes of iterative refinement of a Newton solve against the unfactored operator. */
  static readonly refinePasses: i32 = 3;
  /** Refinement stops at a residual ≤ refineTol·(1 + ‖rhs‖∞). */
  static readonly refineTol: f64 = 1e-9;
  /** Refine only once the gap is below this: early iterates tolerate rough directions. */
  static readonly refineGap: f64 = 0.1;

  // ---- the Newton system (newton.ts, phaserows.ts) -----------------------------

  /** A pivot below this fraction of its diagonal marks an empty (or dependent) row: Δy = 0 there. */
  static readonly pivotDrop: f64 = 1e-14;
  /** The pivot standing in for a dropped row (its Δy is then 0). */
  static readonly hugePivot: f64 = 1e100;
  /**
   * Stage 2 of the tie-break starts from stage 1's point (ipm.ts
   * `pointStart`), each free column pushed this share of its box inside
   * either end. Measured on bench/tiebreak.ts at 40, 300 and 1000 sessions
   * (bench/RESULTS.md §4): 0.3 took the fewest stage-2 iterations of
   * 1e-3…0.5 (1e-3: more than a cold start; 0.5, the box midpoint: more too).
   */
  static readonly pointInside: f64 = 0.3;
  /** Stage 2's floor on the peak slacks' Θ, a share of the import's (newton.ts peakSlackFloor). */
  static readonly facePeakSlackFloor: f64 = 1e-6;
  /** Most sessions kept as their own lanes in the flat ordering (each widens the band by one). */
  static readonly maxLanes: i32 = 64;

  // ---- extra solves on a converged relaxation (solve.ts) -----------------------

  /** Tighter tolerances tried, each polishFactor × the last, when a converged solve does not qualify. */
  static readonly polishRounds: i32 = 2;
  static readonly polishFactor: f64 = 0.01;

  // ---- spec §10, the tie-break (solve.ts, tiebreak.ts) --------------------------

  /**
   * Share of the room under the tolerance that the tie-break's face may take
   * by its own bound; the rest is left for the primal residual and the
   * repair, which the acceptance check measures.
   */
  static readonly faceRoomShare: f64 = 0.5;
  /** A stage-2 schedule past its room: tries of the blend toward it from stage 1's (solve.ts blendWithin), each half the last share. */
  static readonly blendAttempts: i32 = 4;
  /** Blends that keep less of stage 2 than this are not worth keeping. */
  static readonly blendMinShare: f64 = 0.05;
  /** With minChargeKw floors: the tie-break may cost this share of spec §7's tolerance over the schedule it replaces. */
  static readonly patternedTieShare: f64 = 0.25;
  /** Stage 2's iteration budget: this many times stage 1's, and at least tieBreakMinIterations. */
  static readonly tieBreakIterationShare: i32 = 2;
  static readonly tieBreakMinIterations: i32 = 40;
  /** Stage 2 cuts an import or export box to what the site can draw or feed only where that is below this share of the box (tiebreak.ts cutBox). */
  static readonly siteBoxCut: f64 = 0.1;
  /** How far (share of its box) a column may sit from the end the face fixes it at. */
  static readonly fixDistance: f64 = 1e-5;
  /** A surplus (energy past the target) below this (kWh) is held at zero: charging past the target is not "earlier". */
  static readonly surplusDust: f64 = 1e-6;
  /**
   * How strongly stage 2's ties among cars go to the earliest departure: car
   * v's weights are scaled by 1 + tieUrgency·(T − end_v)/T²; below 1 it can
   * never make a schedule deliver later (tiebreak.ts).
   */
  static readonly tieUrgency: f64 = 0.5;

  // ---- the repair (repair.ts, schedule.ts) ---------------------------------------

  /** Shrink factor that keeps repaired sums strictly inside their limits. */
  static readonly inside: f64 = 1 - 1e-12;
  /** Powers smaller than this (kW) are interior-point dust. */
  static readonly dust: f64 = 1e-9;
  /** Repair passes before `settle` gives up and returns the all-zero schedule (never seen: dust is dropped first). */
  static readonly settlePasses: i32 = 200;
  /** Passes between two rises (×10) of the dust level in `settle`. */
  static readonly dustPasses: i32 = 30;
  /**
   * A limit counts as broken only beyond this (kW; the evaluator allows 1e-6,
   * the strategy 1e-7). Scaling to a limit leaves the sum a rounding error off
   * it, and under a limit of ~0 with charging and discharging beneath it (V2G
   * between cars) a child circuit balanced by its own scaling is unbalanced
   * again by its parent's scaling for interior-point dust (~1e-9 kW) elsewhere
   * in the subtree: without slack the two flip each pass, shrinking both,
   * until the passes run out and every power is dropped.
   */
  static readonly limitSlack: f64 = 5e-8;
  /** Spec §5's order: overflows closer than this (kW) count as equal, and the cost decides. */
  static readonly overflowTie: f64 = 1e-6;

  // ---- minChargeKw rounding (mincharge/) -----------------------------------------

  /**
   * A charging power this close under minChargeKw still counts as at the floor
   * (the evaluator allows 1e-6): a block shaved by a repair's rounding-level
   * scaling must not be dropped.
   */
  static readonly minSlack: f64 = 5e-8;
  /** A patterned power within this under minChargeKw (kW) is the interior's dust on a block at the floor: lifted to it. */
  static readonly minSnap: f64 = 1e-7;
  /** Energy still needed below this (kWh) counts as none. */
  static readonly needDust: f64 = 1e-9;
  /** A slot whose power is this small (kW) counts as idle when blocks are swapped in. */
  static readonly idlePower: f64 = 1e-6;
  /** Victims per slot whose windows the swap round searches for a slot to move their block to. */
  static readonly shiftTries: i32 = 8;
  /**
   * minChargeKw patterns whose converged LP solution is kept for a re-solve
   * of the same pattern (mincharge/cache.ts): the search comes back to the
   * last kept pattern after a rejected round, and the tie-break re-solves
   * the final one. Each costs x and y of the LP in the arena.
   */
  static readonly patternCacheSize: i32 = 4;
  /**
   * minChargeKw search: a schedule within this share of spec §7's tolerance
   * of the relaxation's bound ends it (no floored schedule costs less than
   * the bound, so the augment rounds and the dive could gain at most that).
   */
  static readonly searchStopShare: f64 = 0.5;
  /**
   * An augment or swap round's pattern LP stops once its bound is this
   * share of spec §7's tolerance above the schedule it must beat
   * (mincharge/search.ts `beating`): the margin covers the repair's rounding.
   */
  static readonly patternCutoffShare: f64 = 1e-3;
  /** Rounds of augmenting the pattern; each costs one pattern re-solve. */
  static readonly augmentRounds: i32 = 3;
  /** Rounds of swapping blocks after the augment rounds; each costs one pattern re-solve. */
  static readonly swapRounds: i32 = 3;
  /** Rounds of the overflow rescue (mincharge/search.ts rescueOverflow); each costs one pattern re-solve. */
  static readonly rescueRounds: i32 = 4;
  /** LP re-solves the dive may spend before rounding. */
  static readonly diveRounds: i32 = 3;
  /** Dive round r switches off the slots the LP charges below (r + 1)·diveShareStep of the floor. */
  static readonly diveShareStep: f64 = 0.25;
  /** A dive slot charged at ≥ onFloorShare × minChargeKw is fixed on. */
  static readonly onFloorShare: f64 = 1 - 1e-9;
  /**
   * A dive round that lifts the LP's bound more than this (relative to the
   * relaxation's) is undone and ends the dive: it switched off energy the
   * rest of the schedule cannot make up. (The later stages may switch slots
   * back on, so the bound of a dived LP limits nothing: a measured cut-off.)
   */
  static readonly diveSlack: f64 = 0.05;
  /**
   * Spec §11's rows join the LP lazily (lpphases.ts): a row left out joins
   * when the schedule comes within this share of its limit, and the LP is
   * solved again, at most phaseRounds times in all.
   */
  static readonly phaseRowMargin: f64 = 0.02;
  static readonly phaseRounds: i32 = 8;
  /** A working set this share of the rows that can bind is taken whole (every such row). */
  static readonly phaseRowsWholeShare: f64 = 0.25;
}

/** Spec §7's tolerance on a total: max(relativeTol·|total|, absoluteTol). */
@inline export function tolerance(total: f64): f64 {
  return max(Settings.relativeTol * Math.abs(total), Settings.absoluteTol);
}
