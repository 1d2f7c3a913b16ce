/**
 * The one definition of a scheduling request and its response (the model in
 * docs/model.md). The API, the CLI and the bench all import these schemas.
 */
import * as z from "zod";
import { parseInstant, unitsBetween } from "./time.js";

/** Limits on what one request may ask for. */
export const MAX_SLOTS = 2016;
export const MAX_SLOT_MINUTES = 60;
export const MAX_SESSIONS = 10_000;
export const MAX_CIRCUITS = 1_000;
export const MAX_STORAGE = 100;

const finite = (what = "a finite number") =>
  z
    .number({ error: (i) => (i.input === undefined ? "required" : `must be ${what}`) })
    .refine(Number.isFinite, { message: `must be ${what}` });
// Checks, not refinements, so that the OpenAPI document carries the bounds. The common ones are built once
// and shared (zod schemas are immutable; the document inlines each use): building the model's schema is
// a good part of a small `wattplan solve`'s start (bench/RESULTS.md §9).
const NON_NEGATIVE = finite("a finite number ≥ 0").min(0, "must be ≥ 0");
const POSITIVE = finite("a finite number > 0").gt(0, "must be > 0");
const EFFICIENCY = finite().gt(0, "must be in (0, 1]").max(1, "must be in (0, 1]");
const TIMESTAMP = z.iso.datetime({ offset: true, error: "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T18:00:00Z" });
const ID = z.string({ error: "must be a string" }).min(1, "must not be empty").max(200, "must be at most 200 characters");
const nonNegative = () => NON_NEGATIVE;
const positive = () => POSITIVE;
const efficiency = () => EFFICIENCY;
const timestamp = () => TIMESTAMP;
const id = () => ID;

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

/**
 * Spec §12: a stationary battery on site, a session plugged in for the whole
 * horizon with no shortfall term and a hard final energy.
 */
export const StorageSchema = z.strictObject({
  id: id(),
  circuitId: id().optional(),
  capacityKwh: positive(),
  initialEnergyKwh: nonNegative(),
  minEnergyKwh: nonNegative().default(0),
  maxChargeKw: nonNegative(),
  maxDischargeKw: nonNegative(),
  chargeEfficiency: efficiency().default(1),
  dischargeEfficiency: efficiency().default(1),
  degradationCostPerKwh: nonNegative().default(0),
  /** Hard: the energy after the last slot is at least this; default initialEnergyKwh. */
  finalEnergyKwh: nonNegative().optional(),
  /** Spec §11: 1 or 3 (default 3); a one-phase battery counts on every phase (its phase is not stated). */
  phases: z
    .number({ error: "must be 1 or 3" })
    .refine((x) => x === 1 || x === 3, { message: "must be 1 or 3" })
    .optional(),
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
  storage: z.array(StorageSchema).max(MAX_STORAGE, `at most ${MAX_STORAGE} batteries`).default([]),
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
  storageIssues(r, circuitIndex, sessionIds, add);
  return issues;
}

/** Spec §12: energies of each battery, its circuit, unique ids, a final energy it can reach. */
function storageIssues(
  r: z.output<typeof RequestShape>,
  circuitIndex: Map<string, number>,
  sessionIds: Set<string>,
  add: (path: (string | number)[], message: string) => void,
): void {
  const ids = new Set<string>();
  r.storage.forEach((b, i) => {
    const at = (field: string) => ["storage", i, field];
    if (ids.has(b.id)) add(at("id"), `duplicate storage id "${b.id}"`);
    else if (sessionIds.has(b.id)) add(at("id"), `"${b.id}" is already a session id`);
    ids.add(b.id);
    if (b.circuitId !== undefined && !circuitIndex.has(b.circuitId)) add(at("circuitId"), `unknown circuit id "${b.circuitId}"`);
    if (b.initialEnergyKwh > b.capacityKwh) add(at("initialEnergyKwh"), `must not exceed capacityKwh (${b.capacityKwh})`);
    if (b.minEnergyKwh > b.initialEnergyKwh) add(at("minEnergyKwh"), `must not exceed initialEnergyKwh (${b.initialEnergyKwh})`);
    const final = b.finalEnergyKwh;
    if (final === undefined) return;
    if (final > b.capacityKwh) add(at("finalEnergyKwh"), `must not exceed capacityKwh (${b.capacityKwh})`);
    else if (final < b.minEnergyKwh) add(at("finalEnergyKwh"), `must be at least minEnergyKwh (${b.minEnergyKwh})`);
  });
  reachIssues(r, circuitIndex, add);
}

/** Slack (kWh) of the final-energy reach checks against rounding. */
const REACH_TOLERANCE_KWH = 1e-9;

/** Circuit indices from `circuitId` up to the grid connection (stops at an unknown id or a cycle). */
function pathOf(r: z.output<typeof RequestShape>, circuitIndex: Map<string, number>, circuitId: string | undefined): number[] {
  const path: number[] = [];
  for (let c = circuitId; c !== undefined;) {
    const k = circuitIndex.get(c);
    if (k === undefined || path.includes(k)) break;
    path.push(k);
    c = r.circuits[k].parentId;
  }
  return path;
}

/**
 * Spec §12: a final energy above the initial one must be reachable, or the
 * LP has no feasible point. Per battery, and per group of such batteries
 * under one node (the site or a circuit): Σ_t of the most the group can
 * charge in slot t, bounded by its maxChargeKw, and by the import room left
 * by base load − PV and each shared circuit's limit, both widened by
 * whatever every other session and battery under that node could discharge
 * into them (so a request is never refused that some schedule could meet;
 * the check is necessary, not sufficient). Arrays of a wrong length count as 0.
 */
function reachIssues(
  r: z.output<typeof RequestShape>,
  circuitIndex: Map<string, number>,
  add: (path: (string | number)[], message: string) => void,
): void {
  const T = r.horizon.slots;
  const hours = r.horizon.slotMinutes / 60;
  const at = (x: PerSlot, t: number) => (Array.isArray(x) ? (x.length === T ? x[t] : 0) : x);
  const needing = r.storage.flatMap((b, i) =>
    b.finalEnergyKwh !== undefined && b.finalEnergyKwh > b.initialEnergyKwh && b.finalEnergyKwh <= b.capacityKwh ? [i] : [],
  );
  if (needing.length === 0) return;
  // What could feed a node: the discharge of everything under it (availability ignored: an upper bound).
  const feed = new Array<number>(r.circuits.length).fill(0);
  let feedSite = 0;
  const devices = [
    ...r.sessions.map((x) => ({ circuitId: x.circuitId, maxDischargeKw: x.maxDischargeKw })),
    ...r.storage.map((x) => ({ circuitId: x.circuitId, maxDischargeKw: x.maxDischargeKw })),
  ];
  for (const d of devices) {
    feedSite += d.maxDischargeKw;
    for (const c of pathOf(r, circuitIndex, d.circuitId)) feed[c] += d.maxDischargeKw;
  }
  const paths = r.storage.map((b) => pathOf(r, circuitIndex, b.circuitId));
  /** Energy (kWh, battery side) the group can take by the end, on the circuits all its members share. */
  const room = (group: number[], shared: number[]): { grid: number; stored: number } => {
    const maxC = group.reduce((sum, i) => sum + r.storage[i].maxChargeKw, 0);
    const own = group.reduce((sum, i) => sum + r.storage[i].maxDischargeKw, 0);
    const eta = Math.max(...group.map((i) => r.storage[i].chargeEfficiency));
    let grid = 0;
    for (let t = 0; t < T; t++) {
      const importRoom = Math.max(0, at(r.site.importLimitKw, t) - at(r.site.baseLoadKw, t) + at(r.site.pvKw, t));
      let kw = Math.min(maxC, importRoom + feedSite - own);
      for (const c of shared) kw = Math.min(kw, at(r.circuits[c].limitKw, t) + feed[c] - own);
      grid += Math.max(0, kw) * hours;
    }
    return { grid, stored: eta * grid };
  };
  const alone = new Set<number>();
  for (const i of needing) {
    const b = r.storage[i];
    const reach = b.initialEnergyKwh + room([i], paths[i]).stored;
    if (b.finalEnergyKwh! > reach + REACH_TOLERANCE_KWH) {
      alone.add(i);
      add(
        ["storage", i, "finalEnergyKwh"],
        `cannot be reached: charging as fast as maxChargeKw, its circuits and the import limit allow, the battery holds at most ${reach} kWh at the horizon's end`,
      );
    }
  }
  // Groups under the site and under each circuit (a group under several nodes is checked at each: the
  // deeper, the more circuits it shares), each reported once.
  const reported = new Set<string>();
  const nodes: (number | undefined)[] = [undefined, ...r.circuits.map((_, k) => k)];
  for (const node of nodes) {
    const group = needing.filter((i) => !alone.has(i) && (node === undefined || paths[i].includes(node)));
    const key = group.join(",");
    if (group.length < 2 || reported.has(key)) continue;
    const shared = node === undefined ? [] : paths[group[0]].slice(paths[group[0]].indexOf(node));
    const need = group.reduce(
      (sum, i) => sum + (r.storage[i].finalEnergyKwh! - r.storage[i].initialEnergyKwh) / r.storage[i].chargeEfficiency,
      0,
    );
    const { grid } = room(group, shared);
    if (need > grid + REACH_TOLERANCE_KWH) {
      reported.add(key);
      const where = node === undefined ? "at the grid connection" : `under circuit "${r.circuits[node].id}"`;
      add(
        ["storage", group[0], "finalEnergyKwh"],
        `cannot be reached together with ${group
          .slice(1)
          .map((i) => `storage[${i}]`)
          .join(", ")}: ${where} they need ${need} kWh from the grid by the horizon's end, at most ${grid} kWh can reach them`,
      );
    }
  }
}

/**
 * Spec §12: baselines leave storage idle, so its energy stays at
 * initialEnergyKwh; a finalEnergyKwh above that only `optimal` can meet.
 * Returns the issues for running `strategy` on the request.
 */
export function strategyIssues(r: Pick<z.output<typeof RequestShape>, "storage">, strategy: StrategyName): Issue[] {
  if (strategy === "optimal") return [];
  const issues: Issue[] = [];
  r.storage.forEach((b, i) => {
    if (b.finalEnergyKwh !== undefined && b.finalEnergyKwh > b.initialEnergyKwh)
      issues.push({
        path: ["storage", i, "finalEnergyKwh"],
        message: `above initialEnergyKwh (${b.initialEnergyKwh}): strategy ${strategy} leaves storage idle (spec §12), only optimal can charge it`,
      });
  });
  return issues;
}

/** A valid scheduling request (spec §1-4, 8), defaults applied. */
export const RequestSchema = RequestShape.superRefine(
  (r, ctx) => {
    for (const issue of [...semanticIssues(r), ...strategyIssues(r, r.strategy)])
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: undefined });
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
export type Storage = z.output<typeof StorageSchema>;

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
  storage: z
    .array(
      z.object({
        id: z.string(),
        powerKw: z.array(z.number()).describe("signed power per slot, kW (+ charging, − discharging)"),
        energyKwh: z.array(z.number()).describe("battery energy after each slot, kWh"),
      }),
    )
    .optional()
    .describe("spec §12: site batteries, in request order (always present in a scheduler response)"),
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
