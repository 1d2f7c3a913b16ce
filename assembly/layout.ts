// The WASM boundary, shared word for word by the scheduler (AssemblyScript)
// and the host (TypeScript): this file must stay valid in both languages, so
// it holds plain enums and nothing else.
//
// The host calls `setup(slots, sessions, circuits, windowSlots)`, asks
// `pointer(Field.X)` for each array, writes the problem into linear memory,
// calls `solve(strategy, ...)` and reads the outputs back through the same
// pointers. Per-session arrays of length `windowSlots` hold each session's
// available slots back to back, from `SessionOffset[v]`.

/** Arrays in linear memory. The comment gives element type and length. */
export enum Field {
  // --- per slot, f64[slots]
  ImportLimit = 0,
  ExportLimit = 1,
  BaseLoad = 2,
  Pv = 3,
  ImportPrice = 4,
  /** ε'_t = min(ε_t, π_t), already clamped by the host. */
  ExportPrice = 5,
  // --- circuits
  /** f64[circuits * slots], row-major by circuit. */
  CircuitLimit = 6,
  /** i32[circuits]: index of the parent circuit, -1 under the grid connection. Parents come before children. */
  CircuitParent = 7,
  // --- sessions, i32[sessions]
  /** First available slot a_v. */
  SessionStart = 8,
  /** One past the last available slot b_v (window empty when b_v <= a_v). */
  SessionEnd = 9,
  /** Circuit index, -1 under the grid connection. */
  SessionCircuit = 10,
  /** Offset of the session's window in the window-slot arrays. */
  SessionOffset = 11,
  // --- sessions, f64[sessions]
  InitialEnergy = 12,
  /** Required energy at the last available slot (spec §6), may be below e0 or negative. */
  RequiredEnergy = 13,
  Capacity = 14,
  /** min(emin, e0): the lowest energy discharge may reach. */
  EnergyFloor = 15,
  MaxCharge = 16,
  MinCharge = 17,
  MaxDischarge = 18,
  ChargeEfficiency = 19,
  DischargeEfficiency = 20,
  DegradationCost = 21,
  ShortfallPenalty = 22,
  /** Energy the baselines charge towards: the target eT. */
  TargetEnergy = 23,
  /** Departure time in slots from the horizon start (may exceed slots), for edf/llf ordering. */
  Departure = 24,
  // --- outputs
  /** f64[windowSlots]: signed grid-side power p_v,t over each window. */
  Power = 25,
  /** f64[windowSlots]: battery energy after each window slot. */
  Energy = 26,
  /** f64[sessions]. */
  Shortfall = 27,
  /** f64[slots]: PV curtailment u_t. */
  Curtailment = 28,
  /** f64[slots]: net site import n_t. */
  NetImport = 29,
  /** f64[Info.Count]: the solve's info record. */
  Info = 30,
  /** f64[Setting.Count]: solver settings, written by the host before `solve`. */
  Settings = 31,
  // --- spec §11, phases and currents
  /** f64[(circuits + 1) * slots]: per-phase current limit (A) per node, the site last; +Infinity where none. */
  PhaseLimit = 32,
  /** f64[circuits + 1]: unbalance limit (A) per node, the site last; +Infinity where none. */
  UnbalanceLimit = 33,
  /** i32[sessions]: -1 three-phase, 0-2 one-phase on L1-L3, 3 one-phase on an unknown phase. */
  SessionPhase = 34,
  /** f64[sessions]: A per kW on one phase (1000 / the session's voltage). */
  AmpsPerKw = 35,
  // --- spec §12, site storage: batteries are sessions present in every slot
  /** f64[sessions]: hard lower bound on the energy after the last window slot (the floor for EV sessions). */
  FinalEnergy = 36,
  /** i32[sessions]: 1 for a site battery, 0 for an EV session. */
  SessionStorage = 37,
  // --- warm re-plans (assembly/optimal/warm.ts): placed only by `setupWarm`
  /**
   * f64[warm length]: the iterate a previous solve left, mapped by the host
   * onto this problem in the canonical layout of warm.ts; NaN where none.
   */
  WarmIn = 38,
  /** f64[warm length]: the iterate this solve leaves for the next one, same layout. */
  WarmOut = 39,
  Count = 40,
}

/** Scalars written by the host into `Field.Settings`. */
export enum Setting {
  SlotHours = 0,
  DemandCharge = 1,
  PeakThreshold = 2,
  /** Iteration limit of the optimal strategy. */
  MaxIterations = 3,
  /** Wall-clock limit in ms of the optimal strategy (0 = none). */
  TimeLimitMs = 4,
  /** Relative gap at which the optimal strategy stops. */
  GapTolerance = 5,
  /** Spec §10 tie-break: 1 = as early as it costs nothing, 0 = off. */
  TieBreak = 6,
  /** Spec §11: A per kW on one phase at the site's voltage (base load and PV: a third per phase). */
  SiteAmpsPerKw = 7,
  /** Spec §11: 1 when any node has a phase or unbalance limit. */
  HasPhases = 8,
  /** Warm re-plans: 1 when `Field.WarmIn` holds a previous solve's iterate (needs `setupWarm`). */
  Warm = 9,
  Count = 10,
}

/** Entries of the info record `Field.Info`, written by `solve`. */
export enum Info {
  Status = 0,
  Iterations = 1,
  TotalCost = 2,
  EnergyCost = 3,
  DemandCost = 4,
  DegradationCost = 5,
  ShortfallCost = 6,
  PeakImport = 7,
  /** Proven lower bound on the relaxation's optimum (NaN when not computed). */
  Bound = 8,
  /** Σ_t max(0, n_t − I_t): import above the limit. */
  Overflow = 9,
  /** Largest violation of spec §5 rules 1-4 found by the evaluator (kW or kWh). */
  MaxViolation = 10,
  /** Spec §10 tie-break of the optimal strategy: a `TieBreak` value. */
  TieBreak = 11,
  /** How the optimal strategy's relaxation started: a `WarmStart` value. */
  WarmStart = 12,
  Count = 13,
}

/** How the relaxation's interior point started (Info.WarmStart). */
export enum WarmStart {
  /** From the box midpoint: no warm iterate given (or not the optimal strategy). */
  Cold = 0,
  /** From the previous solve's iterate, and it converged. */
  Used = 1,
  /** From the previous solve's iterate, which did not converge in its budget: solved again cold. */
  FellBack = 2,
  /** A warm iterate was given but not used (phase rows, whose LP grows lazily): solved cold. */
  Refused = 3,
}

/** What the spec §10 tie-break did (Info.TieBreak). */
export enum TieBreak {
  /** Not asked for (`tieBreak: "none"`), or not the optimal strategy. */
  Off = 0,
  /** The second stage's schedule was kept: as early as it costs nothing. */
  Applied = 1,
  /** Tried, and the first stage's schedule kept: the second would have cost more than the tolerance allows. */
  Rejected = 2,
  /** Not tried: the first stage did not converge, or left no room under the tolerance. */
  Skipped = 3,
}

/** Strategy ids on the boundary; names live in the host's registry. */
export enum StrategyId {
  Uncontrolled = 0,
  EqualShare = 1,
  Edf = 2,
  Llf = 3,
  Optimal = 4,
}

/** How a solve ended. Statuses, not errors: bad input never reaches the scheduler. */
export enum SolveStatus {
  /** Within the optimality tolerance of the relaxation bound. */
  Optimal = 0,
  /** Feasible for spec §5, optimality not proven (baselines, minChargeKw, limits hit). */
  Feasible = 1,
  /** No schedule satisfies the import limit; overflow minimised. */
  Infeasible = 2,
  /** Iteration limit reached before the tolerance; best feasible schedule returned. */
  IterationLimit = 4,
  /** Time limit reached before the tolerance; best feasible schedule returned. */
  TimeLimit = 5,
}
