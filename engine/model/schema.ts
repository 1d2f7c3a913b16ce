/**
 * The one definition of a scheduling request and its response (the model in
 * docs/model.md). The API, the CLI and the bench all import these schemas.
 */
import { z } from "zod";
import { parseInstant, unitsBetween } from "./time.js";

/** Limits on what one request may ask for. */
export const MAX_SLOTS = 2016;
export const MAX_SLOT_MINUTES = 60;
export const MAX_SESSIONS = 10_000;
export const MAX_CIRCUITS = 1_000;

const finite = (what = "a finite number") =>
  z
    .number({ error: (i) => (i.input === undefined ? "required" : `must be ${what}`) })
    .refine(Number.isFinite, { message: `must be ${what}` });
// Checks, not refinements, so that the OpenAPI document carries the bounds.
const nonNegative = () => finite("a finite number ≥ 0").min(0, "must be ≥ 0");
const positive = () => finite("a finite number > 0").gt(0, "must be > 0");
const efficiency = () => finite().gt(0, "must be in (0, 1]").max(1, "must be in (0, 1]");
const timestamp = () => z.iso.datetime({ offset: true, error: "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T18:00:00Z" });
const id = () => z.string({ error: "must be a string" }).min(1, "must not be empty").max(200, "must be at most 200 characters");

/** A per-slot quantity: one number for every slot, or exactly `slots` numbers. */
const perSlot = (element: z.ZodType<number>) =>
  z.union(
    // horizon.slots values exactly (semanticIssues checks the length); the bounds are for the OpenAPI document.
    [element, z.array(element).meta({ minItems: 1, maxItems: MAX_SLOTS, description: "one value per slot (horizon.slots values)" })],
    { error: "must be a number or an array of numbers, one per slot" },
  );
export type PerSlot = number | number[];

export const HorizonSchema = z.strictObject({
  start: timestamp(),
  slotMinutes: z
    .int({ error: "must be an integer" })
    .min(1, "must be at least 1")
    .max(MAX_SLOT_MINUTES, `must be at most ${MAX_SLOT_MINUTES}`),
  slots: z.int({ error: "must be an integer" }).min(1, "must be at least 1").max(MAX_SLOTS, `horizon too long: at most ${MAX_SLOTS} slots`),
});

export const SiteSchema = z.strictObject({
  importLimitKw: perSlot(nonNegative()),
  exportLimitKw: perSlot(nonNegative()).default(0),
  baseLoadKw: perSlot(nonNegative()).default(0),
  pvKw: perSlot(nonNegative()).default(0),
  /** Spec §11: phase-to-neutral voltage (V) of the site, default 230; sessions default to it. */
  voltageV: positive().optional(),
  /** Spec §11: current limit (A) on each of L1, L2, L3 at the grid connection, one number or per slot. */
  phaseLimitA: perSlot(nonNegative()).optional(),
});

export const CircuitSchema = z.strictObject({
  id: id(),
  parentId: id().optional(),
  limitKw: perSlot(nonNegative()),
  /** Spec §11: current limit (A) on each of L1, L2, L3 of the circuit, one number or per slot. */
  phaseLimitA: perSlot(nonNegative()).optional(),
  /** Spec §11: largest allowed difference (A) between two phase currents of the circuit. */
  unbalanceLimitA: nonNegative().optional(),
});

export const TariffSchema = z.strictObject({
  importPrice: perSlot(finite()),
  exportPrice: perSlot(finite()).default(0),
  demandChargePerKw: nonNegative().default(0),
  peakThresholdKw: nonNegative().default(0),
});

/** Spec §11: the three grid phases. */
export const PHASE_NAMES = ["L1", "L2", "L3"] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];
/** Spec §11: phase-to-neutral voltage when neither the session nor the site states one. */
export const DEFAULT_VOLTAGE_V = 230;

export const SessionSchema = z.strictObject({
  id: id(),
  evseId: id().optional(),
  circuitId: id().optional(),
  arrival: timestamp().optional(),
  departure: timestamp(),
  initialEnergyKwh: nonNegative().default(0),
  targetEnergyKwh: nonNegative(),
  capacityKwh: positive().optional(),
  minEnergyKwh: nonNegative().default(0),
  maxChargeKw: positive(),
  minChargeKw: nonNegative().default(0),
  maxDischargeKw: nonNegative().default(0),
  chargeEfficiency: efficiency().default(1),
  dischargeEfficiency: efficiency().default(1),
  degradationCostPerKwh: nonNegative().default(0),
  shortfallPenaltyPerKwh: nonNegative().default(1000),
  // Passed through to OCPP charging profiles; no effect on the schedule.
  connectorId: z.int().min(0).optional(),
  transactionId: id().optional(),
  /** Spec §11: phases the car draws on (default 3); also passed to OCPP profiles. */
  phases: z.union([z.literal(1), z.literal(3)], { error: "must be 1 or 3" }).optional(),
  /** Spec §11: the grid phase a one-phase car is on (after the EVSE's rotation); unknown counts on every phase. */
  phase: z.enum(PHASE_NAMES, { error: `must be one of ${PHASE_NAMES.join(", ")}` }).optional(),
  /** Spec §11: phase-to-neutral voltage (V), default site.voltageV. */
  voltageV: positive().optional(),
});

export const STRATEGY_NAMES = ["optimal", "uncontrolled", "equalShare", "edf", "llf"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
export const StrategyNameSchema = z.enum(STRATEGY_NAMES, {
  error: `must be one of ${STRATEGY_NAMES.join(", ")}`,
});

export const SolverOptionsSchema = z.strictObject({
  /** Wall-clock limit of the optimal strategy; the best feasible schedule is returned when it strikes. */
  timeLimitMs: z.int().min(1).max(600_000).optional(),
  /** Iteration limit of the optimal strategy. */
  maxIterations: z.int().min(1).max(100_000).optional(),
  /**
   * Spec §10: among schedules within the optimal tolerance, deliver energy as
   * early as possible ("earliest", the default), or take whichever the
   * interior point ends at ("none").
   */
  tieBreak: z.enum(["earliest", "none"]).optional(),
});

const RequestShape = z.strictObject({
  horizon: HorizonSchema,
  site: SiteSchema,
  circuits: z.array(CircuitSchema).max(MAX_CIRCUITS, `at most ${MAX_CIRCUITS} circuits`).default([]),
  tariff: TariffSchema,
  sessions: z.array(SessionSchema).max(MAX_SESSIONS, `at most ${MAX_SESSIONS} sessions`),
  strategy: StrategyNameSchema.default("optimal"),
  solverOptions: SolverOptionsSchema.optional(),
});

type Issue = { path: (string | number)[]; message: string };

/** Cross-field rules zod's shapes cannot say: lengths, references, the circuit tree, energies. */
export function semanticIssues(r: z.output<typeof RequestShape>): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const T = r.horizon.slots;
  const slotLength = (value: PerSlot, path: (string | number)[]) => {
    if (Array.isArray(value) && value.length !== T) add(path, `must have exactly ${T} entries (horizon.slots), got ${value.length}`);
  };
  slotLength(r.site.importLimitKw, ["site", "importLimitKw"]);
  slotLength(r.site.exportLimitKw, ["site", "exportLimitKw"]);
  slotLength(r.site.baseLoadKw, ["site", "baseLoadKw"]);
  slotLength(r.site.pvKw, ["site", "pvKw"]);
  slotLength(r.tariff.importPrice, ["tariff", "importPrice"]);
  slotLength(r.tariff.exportPrice, ["tariff", "exportPrice"]);
  if (r.site.phaseLimitA !== undefined) {
    slotLength(r.site.phaseLimitA, ["site", "phaseLimitA"]);
    // Base load and PV are balanced (a third per phase); nothing the planner controls (but V2G) lowers that current.
    const volts = r.site.voltageV ?? DEFAULT_VOLTAGE_V;
    const at = (x: PerSlot, t: number) => (Array.isArray(x) ? (x[t] ?? 0) : x);
    const lengthsOk = [r.site.phaseLimitA, r.site.baseLoadKw, r.site.pvKw].every((x) => !Array.isArray(x) || x.length === T);
    for (let t = 0; lengthsOk && t < T; t++) {
      const amps = ((at(r.site.baseLoadKw, t) - at(r.site.pvKw, t)) * 1000) / (3 * volts);
      const limit = at(r.site.phaseLimitA, t);
      if (amps > limit + 1e-9) {
        add(
          Array.isArray(r.site.phaseLimitA) ? ["site", "phaseLimitA", t] : ["site", "phaseLimitA"],
          `base load minus PV alone draws ${amps.toFixed(3)} A per phase in slot ${t}, above the limit ${limit} A`,
        );
        break;
      }
    }
  }

  const circuitIndex = new Map<string, number>();
  r.circuits.forEach((c, i) => {
    slotLength(c.limitKw, ["circuits", i, "limitKw"]);
    if (c.phaseLimitA !== undefined) slotLength(c.phaseLimitA, ["circuits", i, "phaseLimitA"]);
    if (circuitIndex.has(c.id)) add(["circuits", i, "id"], `duplicate circuit id "${c.id}"`);
    else circuitIndex.set(c.id, i);
  });
  r.circuits.forEach((c, i) => {
    if (c.parentId !== undefined && !circuitIndex.has(c.parentId)) add(["circuits", i, "parentId"], `unknown circuit id "${c.parentId}"`);
  });
  // A cycle: walking up from a circuit comes back to a circuit already on the walk.
  const reported = new Set<number>();
  r.circuits.forEach((_, i) => {
    const seen = new Set<number>();
    let k: number | undefined = i;
    while (k !== undefined && !seen.has(k)) {
      seen.add(k);
      const parent: string | undefined = r.circuits[k].parentId;
      k = parent === undefined ? undefined : circuitIndex.get(parent);
    }
    if (k !== undefined && !reported.has(k)) {
      const cycle: number[] = [k];
      for (let j = circuitIndex.get(r.circuits[k].parentId!)!; j !== k; j = circuitIndex.get(r.circuits[j].parentId!)!) cycle.push(j);
      cycle.forEach((j) => reported.add(j));
      add(["circuits", k, "parentId"], `circuits form a cycle: ${cycle.map((j) => r.circuits[j].id).join(" → ")} → ${r.circuits[k].id}`);
    }
  });

  const start = parseInstant(r.horizon.start);
  const sessionIds = new Set<string>();
  r.sessions.forEach((s, i) => {
    const at = (field: string) => ["sessions", i, field];
    if (sessionIds.has(s.id)) add(at("id"), `duplicate session id "${s.id}"`);
    sessionIds.add(s.id);
    if (s.circuitId !== undefined && !circuitIndex.has(s.circuitId)) add(at("circuitId"), `unknown circuit id "${s.circuitId}"`);
    const arrival = s.arrival === undefined ? start : parseInstant(s.arrival);
    if (!(unitsBetween(parseInstant(s.departure), arrival, 1).ceil > 0))
      add(at("departure"), s.arrival === undefined ? "must be after arrival (which defaults to horizon.start)" : "must be after arrival");
    const least = Math.max(s.initialEnergyKwh, s.targetEnergyKwh);
    if (s.capacityKwh !== undefined && s.capacityKwh < least) {
      add(at("capacityKwh"), `must be at least max(initialEnergyKwh, targetEnergyKwh) = ${least}`);
    }
    const capacity = s.capacityKwh ?? least;
    if (s.minEnergyKwh > capacity) add(at("minEnergyKwh"), `must not exceed the capacity (${capacity} kWh)`);
    if (s.minChargeKw > s.maxChargeKw) add(at("minChargeKw"), `must not exceed maxChargeKw (${s.maxChargeKw})`);
    if (s.phase !== undefined && s.phases !== 1)
      add(at("phase"), `applies only to one-phase sessions: set phases to 1 (phases ${s.phases === undefined ? "defaults to 3" : "is 3"})`);
  });
  return issues;
}

/** A valid scheduling request (spec §1-4, 8), defaults applied. */
export const RequestSchema = RequestShape.superRefine(
  (r, ctx) => {
    for (const issue of semanticIssues(r)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: undefined });
  },
  {
    // The cross-field rules read the whole request: they run once its shape is right.
    when: (payload) => payload.issues.length === 0,
  },
);

export type RequestInput = z.input<typeof RequestSchema>;
export type Request = z.output<typeof RequestSchema>;
export type Session = z.output<typeof SessionSchema>;
export type Circuit = z.output<typeof CircuitSchema>;

export const STATUSES = ["optimal", "feasible", "infeasible"] as const;
export type Status = (typeof STATUSES)[number];

export const CostSchema = z.object({
  total: z.number(),
  energy: z.number(),
  demand: z.number(),
  degradation: z.number(),
  shortfall: z.number(),
});

export const SessionResultSchema = z.object({
  id: z.string(),
  evseId: z.string().optional(),
  powerKw: z.array(z.number()).describe("signed grid-side power per slot, kW (+ charging, − discharging)"),
  energyKwh: z.array(z.number()).describe("battery energy after each slot, kWh"),
  deliveredKwh: z.number().describe("energy after the last slot minus initial energy; negative when V2G left the battery lower"),
  shortfallKwh: z.number(),
});

/** The response of spec §9. */
export const ResponseSchema = z.object({
  status: z.enum(STATUSES),
  strategy: StrategyNameSchema,
  cost: CostSchema,
  peakImportKw: z.number(),
  warnings: z.array(z.string()),
  infeasibleSlots: z.array(z.number().int()).describe("slots whose net import still exceeds the import limit (status infeasible)"),
  sessions: z.array(SessionResultSchema),
  site: z.object({
    netImportKw: z.array(z.number()),
    curtailedPvKw: z.array(z.number()),
  }),
  solver: z.object({
    iterations: z.number().int(),
    solveMs: z.number(),
    relativeGap: z.number().optional(),
    bound: z.number().optional(),
    tieBreak: z
      .enum(["applied", "rejected", "skipped", "off"])
      .optional()
      .describe(
        "spec §10 (optimal only): applied = the earliest schedule within the tolerance; rejected = it would have cost more than the tolerance, the first stage's schedule is returned; skipped = not tried (no converged first stage, or no room under the tolerance); off = tieBreak none",
      ),
  }),
});
export type Response = z.infer<typeof ResponseSchema>;
