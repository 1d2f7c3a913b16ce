/**
 * The wire shapes of live sites (docs/sites.md): the site a CSMS puts, the
 * events it posts, and the plan it reads. Quantities that vary in time are
 * time series here, not slot arrays: the site outlives any one horizon.
 */
import * as z from "zod";
import { MAX_SLOT_MINUTES, MAX_SLOTS, PHASE_NAMES, StrategyNameSchema } from "../../engine/model/schema.js";
import { ANNOUNCEMENT_MODES, DEFAULT_ENERGY_PLANNING_LEVEL } from "../forecast/schema.js";
import { DEFAULT_RECALIBRATION_GAMMA } from "../forecast/recalibrate.js";
import { OcppVersionSchema, ChargingRateUnitSchema } from "../ocpp/options.js";
import { documentedAs } from "../openapi-meta.js";

export const MAX_EVSES = 2000;
export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_SERIES_POINTS = 20_000;

const finite = (what = "a finite number") =>
  z
    .number({ error: (i) => (i.input === undefined ? "required" : `must be ${what}`) })
    .refine(Number.isFinite, { message: `must be ${what}` });
// The meta bounds say in the OpenAPI document what the refinements check.
const nonNegative = () =>
  finite("a finite number ≥ 0")
    .refine((x) => x >= 0, { message: "must be ≥ 0" })
    .meta({ minimum: 0 });
const positive = () =>
  finite("a finite number > 0")
    .refine((x) => x > 0, { message: "must be > 0" })
    .meta({ exclusiveMinimum: 0 });
const efficiency = () =>
  finite()
    .refine((x) => x > 0 && x <= 1, { message: "must be in (0, 1]" })
    .meta({ exclusiveMinimum: 0, maximum: 1 });
const fraction = () =>
  finite()
    .refine((x) => x >= 0 && x <= 1, { message: "must be in [0, 1]" })
    .meta({ minimum: 0, maximum: 1 });
const timestamp = () => z.iso.datetime({ offset: true, error: "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T18:00:00Z" });
/** Site, EVSE, session and event ids: no control characters, at most 200 characters. */
const id = () =>
  z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f]+$/, "must not contain control characters");

/**
 * A quantity over time: a constant, a step function `[{ start, value }]`
 * (each value holds from its start to the next start; the first also before
 * it, the last after it), or regular steps `{ start, stepMinutes, values }`.
 */
export const seriesSchema = (element: () => z.ZodType<number>) =>
  z.union(
    [
      element(),
      z
        .array(z.strictObject({ start: timestamp(), value: element() }))
        .min(1, "must have at least one step")
        .max(MAX_SERIES_POINTS, `at most ${MAX_SERIES_POINTS} steps`)
        .superRefine((steps, ctx) => {
          for (let i = 1; i < steps.length; i++) {
            if (!(Date.parse(steps[i].start) > Date.parse(steps[i - 1].start)))
              ctx.addIssue({
                code: "custom",
                path: [i, "start"],
                message: "must be after the previous step's start",
                input: steps[i].start,
              });
          }
        }),
      z.strictObject({
        start: timestamp(),
        stepMinutes: z.int({ error: "must be an integer" }).min(1, "must be at least 1").max(1440, "must be at most 1440"),
        values: z.array(element()).min(1, "must have at least one value").max(MAX_SERIES_POINTS, `at most ${MAX_SERIES_POINTS} values`),
      }),
    ],
    { error: "must be a number, an array of { start, value } steps, or { start, stepMinutes, values }" },
  );
export type Series = number | { start: string; value: number }[] | { start: string; stepMinutes: number; values: number[] };

const EvseOcppSchema = z.strictObject({
  version: OcppVersionSchema,
  unit: ChargingRateUnitSchema.default("W"),
  /** The station's ChargingScheduleMaxPeriods (1.6) / PeriodsPerSchedule (2.x). */
  maxPeriods: z.int().min(1).max(100_000).optional(),
  /**
   * The station's ACPhaseSwitchingSupported (2.x): only then may a profile
   * name `phaseToUse` for a one-phase car on the EVSE's known phase.
   * @defaultValue false
   */
  acPhaseSwitchingSupported: z.boolean({ error: "must be true or false" }).default(false),
});

const phasesSchema = () => z.union([z.literal(1), z.literal(3)], { error: "must be 1 or 3" });

export const EvseSchema = z.strictObject({
  id: id(),
  /** The charging station (OCPP charge point) the EVSE belongs to: messages are routed to it. */
  stationId: id(),
  /** OCPP connectorId (1.6) and EVSE id (2.x) on that station. */
  connectorId: z
    .int({ error: "must be an integer" })
    .min(1, "must be at least 1")
    .max(2 ** 31 - 1),
  circuitId: id().optional(),
  maxChargeKw: positive(),
  minChargeKw: nonNegative().default(0),
  maxDischargeKw: nonNegative().default(0),
  /** Phases the EVSE supplies (spec §11); a car may draw on fewer (session.started `phases`). */
  phases: phasesSchema().optional(),
  /**
   * The grid phase a one-phase car draws on at this EVSE: the EVSE's L1 after
   * its phase rotation. Absent: a one-phase car counts on every phase.
   */
  phase: z.enum(PHASE_NAMES, { error: `must be one of ${PHASE_NAMES.join(", ")}` }).optional(),
  /** Phase-to-neutral voltage; the site's `voltageV` when absent. */
  voltageV: positive().optional(),
  ocpp: EvseOcppSchema,
});
export type Evse = z.output<typeof EvseSchema>;

export const PlanningSchema = z.strictObject({
  slotMinutes: z
    .int({ error: "must be an integer" })
    .min(1, "must be at least 1")
    .max(MAX_SLOT_MINUTES, `must be at most ${MAX_SLOT_MINUTES}`),
  horizonHours: positive(),
  /**
   * Plans look further than `horizonHours`, up to this, to the latest
   * planned departure of the cars plugged in: spec §6 lets a car leaving
   * after the horizon take what it can after it, at no cost in this plan,
   * so with a flat price it would get nothing now and leave short if it
   * left early. Equal to `horizonHours`: a fixed horizon. A whole number of
   * slots. @defaultValue the larger of `horizonHours` and 48
   */
  maxHorizonHours: positive().optional(),
  /**
   * Wait this long after an event before re-planning, so that a burst of
   * events (a station reconnecting) costs one plan. @defaultValue 0
   */
  debounceMs: z.int().min(0).max(60_000).default(0),
  strategy: StrategyNameSchema.default("optimal"),
  tieBreak: z.enum(["earliest", "none"]).default("earliest"),
  /**
   * `wall`: plans start at the current slot of the wall clock, and the site
   * is re-planned at every slot boundary. `events`: the site clock is the
   * latest event time (replays of history run as fast as events arrive).
   * @defaultValue "wall"
   */
  clock: z.enum(["wall", "events"]).default("wall"),
  /**
   * Lower the cap of a car whose meter values show it takes clearly less
   * than its setpoint, so the next plan gives the headroom to the others.
   * @defaultValue true
   */
  meterCaps: z.boolean().default(true),
  /**
   * Start each re-plan's interior point from the site's previous solve
   * (`optimal` only; docs/solver.md "Warm re-plans"): the same certificate,
   * faster where the optimum barely moves (an event, a slot's shift), slower
   * where it moves a lot (a demand-charge peak leaving the horizon). The
   * plan's `warmStart` says how each solve started. @defaultValue false
   */
  warmStart: z.boolean().default(false),
});

const level = () => finite().refine((x) => x > 0 && x < 1, { message: "must be in (0, 1)" });

/**
 * Plan with forecasts learned from the site's ended sessions (docs/sites.md,
 * "Forecasts"). Until `minSessions` have ended the site plans with what
 * drivers announced (and the session defaults).
 */
export const ForecastSettingsSchema = z.strictObject({
  /** Quantile of the departure a car is planned to (the earlier of it and the announced one); lower is more cautious. @defaultValue 0.5 */
  departureLevel: level().default(0.5),
  /** Quantile of the energy planned for a car that announced none (service/forecast/schema.ts says why so high). @defaultValue 0.9 */
  energyLevel: level().default(DEFAULT_ENERGY_PLANNING_LEVEL),
  /** Ended sessions needed before the first model. @defaultValue 50 */
  minSessions: z.int({ error: "must be an integer" }).min(1, "must be at least 1").max(1_000_000).default(50),
  /** Retrain once this many more sessions have ended. @defaultValue 50 */
  retrainEvery: z.int({ error: "must be an integer" }).min(1, "must be at least 1").max(1_000_000).default(50),
  /** Also retrain when the model is this old and any session ended since. @defaultValue 24 */
  retrainHours: finite("a number of hours > 0")
    .refine((x) => x > 0, { message: "must be > 0" })
    .default(24),
  /**
   * Also plan for the cars the forecast expects to arrive within the horizon
   * (each slot's expected arrivals as one session with no EVSE and no
   * profile), so their energy is reserved and the peak set knowing of them.
   * Real cars come first: these weigh half the site's shortfall penalty.
   * @defaultValue false
   */
  arrivals: z.boolean({ error: "must be true or false" }).default(false),
  /**
   * Online recalibration of the forecast's quantiles as sessions end
   * (adaptive conformal inference, docs/forecast.md): each level moves by
   * this step towards what the forecasts at plug-in really held; 0 = off,
   * the model's levels as trained. @defaultValue 0.02
   */
  recalibrationGamma: z
    .number({ error: "must be a number in [0, 1)" })
    .min(0, "must be in [0, 1)")
    .lt(1, "must be in [0, 1)")
    .default(DEFAULT_RECALIBRATION_GAMMA),
  /** IANA zone in which arrival hours and weekdays are read. @defaultValue "UTC" */
  timeZone: z
    .string()
    .refine(
      (zone) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      },
      { message: "must be an IANA time zone, e.g. Europe/Berlin" },
    )
    .default("UTC"),
});
export type ForecastSettings = z.output<typeof ForecastSettingsSchema>;

export const SessionDefaultsSchema = z.strictObject({
  /** Departure of a session that announces none, hours after it started. @defaultValue 8 */
  stayHours: positive().default(8),
  /** Energy a session that announces no target wants, kWh. @defaultValue 20 */
  energyKwh: nonNegative().default(20),
  shortfallPenaltyPerKwh: nonNegative().default(1000),
  chargeEfficiency: efficiency().default(1),
});

/** Default of `ocppProfiles.minChangeShare` (below). */
export const DEFAULT_MIN_CHANGE_SHARE = 0.002;

export const OcppProfilesSchema = z
  .strictObject({
    /** chargingProfileIds are handed out from [idMin, idMax], one per session for its whole stay. */
    idMin: z
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .default(1_000_000),
    idMax: z
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .default(1_999_999),
    /**
     * Purpose of the session profiles: `TxDefaultProfile` for stations that
     * handle TxProfiles poorly (it names no transaction and stays on the EVSE
     * until the next session's profile replaces it). @defaultValue "TxProfile"
     */
    purpose: z.enum(["TxProfile", "TxDefaultProfile"], { error: "must be TxProfile or TxDefaultProfile" }).default("TxProfile"),
    stackLevel: z.int().min(1).max(1000).default(1),
    /**
     * How much a re-plan must move a session's limits for its profile to be
     * sent again, so that stations are not rewritten for an optimum that
     * moved a fraction of a watt: a limit that rises by more than this share
     * of the EVSE's maxChargeKw is sent; limits that only fall are kept while
     * their sum over the site stays within this share of the smallest kW
     * limit of the site and its circuits (each such car may draw that much
     * more than planned). 0 sends every change. @defaultValue 0.002
     */
    minChangeShare: z.number().min(0).max(0.05).default(DEFAULT_MIN_CHANGE_SHARE),
    /**
     * Also send each EVSE a TxDefaultProfile capping it at its safe share of
     * the limits above it, for when a station loses the CSMS. EVSE j of
     * `evses` gets the id `idBase + j`; keep the range outside idMin…idMax
     * and your own profiles.
     */
    fallback: z
      .strictObject({
        idBase: z
          .int()
          .min(1)
          .max(2 ** 31 - 1 - 2000),
        stackLevel: z.int().min(0).max(1000).default(0),
      })
      .optional(),
    /**
     * Also send each charging station a station-max profile
     * (`ChargePointMaxProfile` on connector 0 in 1.6,
     * `ChargingStationMaxProfile` on EVSE 0 in 2.x) capping the whole station
     * at its EVSEs' safe shares of the limits above them: a station that
     * balances its connectors itself keeps every limit when the CSMS is gone.
     * Station k (order of first appearance in `evses`) gets `idBase + k`.
     */
    stationMax: z
      .strictObject({
        idBase: z
          .int()
          .min(1)
          .max(2 ** 31 - 1 - 2000),
        stackLevel: z.int().min(0).max(1000).default(0),
      })
      .optional(),
  })
  .refine((p) => p.idMax - p.idMin >= 1, { message: "idMax must be above idMin", path: ["idMax"] });

export const SiteBodySchema = z.strictObject({
  site: z.strictObject({
    importLimitKw: seriesSchema(nonNegative),
    exportLimitKw: seriesSchema(nonNegative).default(0),
    baseLoadKw: seriesSchema(nonNegative).default(0),
    pvKw: seriesSchema(nonNegative).default(0),
    /** Phase-to-neutral voltage of the site (spec §11), default 230 V. */
    voltageV: positive().optional(),
    /** Current limit of each of L1-L3 at the grid connection (spec §11), A. */
    phaseLimitA: seriesSchema(nonNegative).optional(),
  }),
  circuits: z
    .array(
      z.strictObject({
        id: id(),
        parentId: id().optional(),
        limitKw: seriesSchema(nonNegative),
        /** Current limit of each phase of the circuit (its fuses), A. */
        phaseLimitA: seriesSchema(nonNegative).optional(),
        /** Largest allowed difference between two phase currents of the circuit, A (e.g. 20 A for 4.6 kVA at 230 V). */
        unbalanceLimitA: nonNegative().optional(),
      }),
    )
    .max(1000)
    .default([]),
  tariff: z.strictObject({
    importPrice: seriesSchema(finite),
    exportPrice: seriesSchema(finite).default(0),
    demandChargePerKw: nonNegative().default(0),
    peakThresholdKw: nonNegative().default(0),
  }),
  evses: z.array(EvseSchema).min(1, "must have at least one EVSE").max(MAX_EVSES, `at most ${MAX_EVSES} EVSEs`),
  planning: PlanningSchema,
  /** Where `site.plan.updated` is sent (signed like every Wattplan webhook). */
  webhook: z
    .strictObject({ url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048, "must be at most 2048 characters") })
    .optional(),
  sessionDefaults: SessionDefaultsSchema.default({ stayHours: 8, energyKwh: 20, shortfallPenaltyPerKwh: 1000, chargeEfficiency: 1 }),
  ocppProfiles: OcppProfilesSchema.default({
    idMin: 1_000_000,
    idMax: 1_999_999,
    stackLevel: 1,
    purpose: "TxProfile",
    minChangeShare: DEFAULT_MIN_CHANGE_SHARE,
  }),
  forecast: ForecastSettingsSchema.optional(),
});
export type SiteBodyInput = z.input<typeof SiteBodySchema>;
export type SiteBody = z.output<typeof SiteBodySchema>;

/** Cross-field rules of a site body: ids, references, the horizon's size. */
export function siteBodyIssues(body: SiteBody): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const circuits = new Set<string>();
  body.circuits.forEach((c, i) => {
    if (circuits.has(c.id)) issues.push({ path: ["circuits", i, "id"], message: `duplicate circuit id "${c.id}"` });
    circuits.add(c.id);
  });
  body.circuits.forEach((c, i) => {
    if (c.parentId !== undefined && !circuits.has(c.parentId))
      issues.push({ path: ["circuits", i, "parentId"], message: `unknown circuit id "${c.parentId}"` });
  });
  const evses = new Set<string>();
  const connectors = new Set<string>();
  body.evses.forEach((e, i) => {
    if (evses.has(e.id)) issues.push({ path: ["evses", i, "id"], message: `duplicate EVSE id "${e.id}"` });
    evses.add(e.id);
    const connector = `${e.stationId}\u0000${e.connectorId}`;
    if (connectors.has(connector))
      issues.push({
        path: ["evses", i, "connectorId"],
        message: `station "${e.stationId}" already has an EVSE on connector ${e.connectorId}`,
      });
    connectors.add(connector);
    if (e.circuitId !== undefined && !circuits.has(e.circuitId))
      issues.push({ path: ["evses", i, "circuitId"], message: `unknown circuit id "${e.circuitId}"` });
    if (e.minChargeKw > e.maxChargeKw)
      issues.push({ path: ["evses", i, "minChargeKw"], message: `must not exceed maxChargeKw (${e.maxChargeKw})` });
  });
  const { idMin, idMax, fallback } = body.ocppProfiles;
  if (fallback !== undefined && fallback.idBase <= idMax && fallback.idBase + body.evses.length - 1 >= idMin)
    issues.push({
      path: ["ocppProfiles", "fallback", "idBase"],
      message: `the fallback ids ${fallback.idBase}…${fallback.idBase + body.evses.length - 1} (one per EVSE) overlap the session ids ${idMin}…${idMax}`,
    });
  if (fallback !== undefined && body.ocppProfiles.purpose === "TxDefaultProfile" && fallback.stackLevel >= body.ocppProfiles.stackLevel)
    issues.push({
      path: ["ocppProfiles", "fallback", "stackLevel"],
      message: `must be below stackLevel (${body.ocppProfiles.stackLevel}) when the session profiles are TxDefaultProfiles too: the same purpose and stack level replace each other`,
    });
  const stationMax = body.ocppProfiles.stationMax;
  if (stationMax !== undefined) {
    const stations = new Set(body.evses.map((e) => e.stationId)).size;
    const last = stationMax.idBase + stations - 1;
    const clash = (from: number, to: number) => stationMax.idBase <= to && last >= from;
    if (clash(idMin, idMax))
      issues.push({
        path: ["ocppProfiles", "stationMax", "idBase"],
        message: `the station-max ids ${stationMax.idBase}…${last} (one per station) overlap the session ids ${idMin}…${idMax}`,
      });
    else if (fallback !== undefined && clash(fallback.idBase, fallback.idBase + body.evses.length - 1))
      issues.push({
        path: ["ocppProfiles", "stationMax", "idBase"],
        message: `the station-max ids ${stationMax.idBase}…${last} (one per station) overlap the fallback ids ${fallback.idBase}…${fallback.idBase + body.evses.length - 1}`,
      });
  }
  const slots = (body.planning.horizonHours * 60) / body.planning.slotMinutes;
  if (!Number.isInteger(slots))
    issues.push({ path: ["planning", "horizonHours"], message: `must be a whole number of slots of ${body.planning.slotMinutes} minutes` });
  else if (slots > MAX_SLOTS) issues.push({ path: ["planning", "horizonHours"], message: `at most ${MAX_SLOTS} slots` });
  const most = body.planning.maxHorizonHours;
  if (most !== undefined) {
    const maxSlots = (most * 60) / body.planning.slotMinutes;
    if (most < body.planning.horizonHours)
      issues.push({ path: ["planning", "maxHorizonHours"], message: `must be at least horizonHours (${body.planning.horizonHours})` });
    else if (!Number.isInteger(maxSlots))
      issues.push({
        path: ["planning", "maxHorizonHours"],
        message: `must be a whole number of slots of ${body.planning.slotMinutes} minutes`,
      });
    else if (maxSlots > MAX_SLOTS) issues.push({ path: ["planning", "maxHorizonHours"], message: `at most ${MAX_SLOTS} slots` });
  }
  return issues;
}

const eventBase = { eventId: id(), at: timestamp() };

export const SessionStartedSchema = z.strictObject({
  ...eventBase,
  type: z.literal("session.started"),
  sessionId: id(),
  evseId: id(),
  transactionId: id().optional(),
  /** Announced departure; the site's `sessionDefaults.stayHours` after `at` when absent. */
  departure: timestamp().optional(),
  initialEnergyKwh: nonNegative().optional(),
  targetEnergyKwh: nonNegative().optional(),
  /** Energy the driver asked for, added to the initial energy (instead of targetEnergyKwh). */
  requestedEnergyKwh: nonNegative().optional(),
  /** State of charge at plug-in and wanted at departure, with capacityKwh (instead of the energies). */
  initialSoc: fraction().optional(),
  targetSoc: fraction().optional(),
  capacityKwh: positive().optional(),
  minEnergyKwh: nonNegative().optional(),
  chargeEfficiency: efficiency().optional(),
  dischargeEfficiency: efficiency().optional(),
  degradationCostPerKwh: nonNegative().optional(),
  shortfallPenaltyPerKwh: nonNegative().optional(),
  /** The car may feed back, up to the EVSE's maxDischargeKw. @defaultValue false */
  v2g: z.boolean().default(false),
  /** The driver (an idTag / idToken, or your user id): forecasts learn each driver's habits. */
  userId: id().optional(),
  /** Phases the car draws on, where the CSMS knows it (a one-phase car on a three-phase EVSE); the EVSE's when absent. */
  phases: phasesSchema().optional(),
});

export const SessionUpdatedSchema = z.strictObject({
  ...eventBase,
  type: z.literal("session.updated"),
  sessionId: id(),
  /** Meter value: grid-side energy through the connector since the session started, kWh. */
  energyDeliveredKwh: nonNegative().optional(),
  /** Meter value: the car's state of charge (needs the session's capacity). */
  soc: fraction().optional(),
  departure: timestamp().optional(),
  targetEnergyKwh: nonNegative().optional(),
  transactionId: id().optional(),
  /**
   * The connector's charging state (OCPP 2.x TransactionEvent chargingState;
   * 1.6 StatusNotification). `SuspendedEV`: the EV stopped taking energy by
   * itself (full, or its own limit), so it is planned for nothing more;
   * `Charging` again lifts that.
   */
  chargingState: z
    .enum(["Charging", "SuspendedEV", "SuspendedEVSE", "EVConnected", "Idle"], {
      error: "must be one of Charging, SuspendedEV, SuspendedEVSE, EVConnected, Idle",
    })
    .optional(),
});

export const SessionEndedSchema = z.strictObject({
  ...eventBase,
  type: z.literal("session.ended"),
  sessionId: id(),
  energyDeliveredKwh: nonNegative().optional(),
});

export const EvseAvailabilitySchema = z.strictObject({
  ...eventBase,
  type: z.enum(["evse.unavailable", "evse.available"]),
  evseId: id(),
});

export const LimitChangedSchema = z.strictObject({
  ...eventBase,
  type: z.literal("limit.changed"),
  /** The window the limit holds in (a DSO or OpenADR signal). */
  start: timestamp(),
  end: timestamp(),
  /** The window's import limit, kW. */
  importLimitKw: nonNegative().optional(),
  /** The window's per-phase current limit, A (on a node configured with a phaseLimitA). */
  phaseLimitA: nonNegative().optional(),
  /** Limit one circuit instead of the site's grid connection. */
  circuitId: id().optional(),
});

export const ForecastUpdatedSchema = z.strictObject({
  ...eventBase,
  type: z.literal("forecast.updated"),
  importPrice: seriesSchema(finite).optional(),
  exportPrice: seriesSchema(finite).optional(),
  baseLoadKw: seriesSchema(nonNegative).optional(),
  pvKw: seriesSchema(nonNegative).optional(),
});

export const SiteEventSchema = z.discriminatedUnion(
  "type",
  [SessionStartedSchema, SessionUpdatedSchema, SessionEndedSchema, EvseAvailabilitySchema, LimitChangedSchema, ForecastUpdatedSchema],
  {
    error:
      "type must be one of session.started, session.updated, session.ended, evse.unavailable, evse.available, limit.changed, forecast.updated",
  },
);
export type SiteEvent = z.output<typeof SiteEventSchema>;
export type SessionStarted = z.output<typeof SessionStartedSchema>;

export const EventBatchSchema = z.strictObject({
  events: z
    .array(SiteEventSchema)
    .min(1, "must have at least one event")
    .max(MAX_EVENTS_PER_BATCH, `at most ${MAX_EVENTS_PER_BATCH} events per batch`),
});

export const SiteIdParamsSchema = z.strictObject({ siteId: id() });

const ocppEntryBase = {
  sessionId: z.string().nullable().describe("null for an EVSE's fallback profile and a station-max profile"),
  evseId: z.string().nullable().describe("null for a station-max profile (connector / EVSE 0 of stationId)"),
  stationId: z.string(),
};

/** A message of a plan: set a profile, or (first in the list) clear one a station would otherwise keep. */
export const OcppEntrySchema = z.discriminatedUnion("action", [
  z.object({
    ...ocppEntryBase,
    action: z.literal("SetChargingProfile"),
    payload: z.record(z.string(), z.unknown()).meta(documentedAs("SetChargingProfilePayload")),
  }),
  z.object({
    ...ocppEntryBase,
    sessionId: z.string().describe("the ended session whose TxDefaultProfile is removed"),
    evseId: z.string(),
    action: z.literal("ClearChargingProfile"),
    payload: z.record(z.string(), z.unknown()).meta(documentedAs("ClearChargingProfilePayload")),
  }),
]);
export type OcppEntry = z.infer<typeof OcppEntrySchema>;

export const SitesQuerySchema = z.strictObject({
  state: z.enum(["active", "ended", "all"], { error: "must be active, ended or all" }).default("active"),
});

export const DeleteQuerySchema = z.strictObject({
  purge: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((s) => s === "true"),
});

export const EventsQuerySchema = z.strictObject({
  wait: z.coerce.number({ error: "must be a number of seconds" }).min(0, "must be ≥ 0").max(30, "must be at most 30").optional(),
});

export const SiteViewSchema = z.object({
  siteId: z.string(),
  stateVersion: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  clock: z.string().optional().describe("latest event time"),
  body: z.record(z.string(), z.unknown()).meta({ description: "the site as put, defaults applied", ...documentedAs("SiteBody") }),
  state: z.object({
    unavailableEvses: z.array(z.string()),
    limits: z.array(z.record(z.string(), z.unknown())),
    forecastUpdates: z.number().int(),
  }),
  links: z.record(z.string(), z.string()),
});

export const EventsOutcomeSchema = z.object({
  siteId: z.string(),
  stateVersion: z.number().int(),
  applied: z.array(z.string()),
  duplicates: z.array(z.string()).describe("event ids applied before (a retried batch), not applied again"),
  plan: z
    .object({ version: z.number().int(), stateVersion: z.number().int() })
    .optional()
    .describe("with ?wait=: the plan that includes these events"),
});

export const PlanSchema = z.object({
  siteId: z.string(),
  version: z.number().int(),
  stateVersion: z.number().int(),
  computedAt: z.string(),
  request: z
    .record(z.string(), z.unknown())
    .meta({ description: "the model request (docs/model.md) this plan solved", ...documentedAs("OptimizationRequestInput") }),
  response: z.record(z.string(), z.unknown()).meta({ description: "its response (spec §9)", ...documentedAs("OptimizationResult") }),
  ocpp: z.array(OcppEntrySchema),
  changedSessions: z.array(z.string()),
  changedFallbacks: z.array(z.string()).describe("EVSEs whose fallback profile changed"),
  changedStations: z.array(z.string()).describe("stations whose station-max profile changed"),
  warnings: z.array(z.string()),
  warmStart: z
    .enum(["cold", "warm", "fellBack", "refused"])
    .optional()
    .describe(
      "with planning.warmStart: how this plan's solve started (cold: no previous solve of this site kept; fellBack: the warm start ran out of its budget and the solve ran cold)",
    ),
  forecast: z
    .object({
      trainedAt: z.string(),
      trainedOnSessions: z.number().int(),
      departureLevel: z.number(),
      energyLevel: z.number(),
      sessions: z.array(
        z.object({
          sessionId: z.string(),
          departure: z.object({ announced: z.string().optional(), forecast: z.string(), planned: z.string() }),
          energyKwh: z.object({ forecast: z.number(), planned: z.number() }).optional(),
        }),
      ),
      expectedArrivals: z
        .array(z.object({ sessionId: z.string(), arrival: z.string(), departure: z.string(), count: z.number(), energyKwh: z.number() }))
        .optional()
        .describe("with forecast.arrivals: the sessions of the request that stand for cars still to come"),
    })
    .optional()
    .describe("with site.forecast, once a model is trained: what each session was planned with"),
});

const quantilesSchema = z.array(z.number());
export const ForecastViewSchema = z.object({
  siteId: z.string(),
  model: z.object({
    kind: z.literal("wattplan.forecast"),
    version: z.number().int(),
    trainedAt: z.string(),
    trainedOnSessions: z.number().int(),
    from: z.string().describe("first arrival learned from"),
    to: z.string().describe("last arrival learned from"),
    users: z.number().int(),
    timeZone: z.string(),
    departureAnnouncement: z
      .enum(ANNOUNCEMENT_MODES)
      .describe("how this model uses an announced departure; chosen at training on the site's latest sessions (announcementChoice)"),
    announcementChoice: z
      .object({
        chosen: z.enum(ANNOUNCEMENT_MODES),
        validationSessions: z.number().int().describe("sessions with an announced departure in the latest quarter of the history"),
        pinballH: z
          .object({ none: z.number().optional(), ratio: z.number().optional(), shift: z.number().optional() })
          .describe("mean pinball loss of the stay per mode on them, h; empty when there were too few to judge (then none)"),
      })
      .optional(),
    metrics: z
      .object({
        heldOutSessions: z.number().int(),
        departureMaeH: z.number().nullable(),
        energyMaeKwh: z.number().nullable(),
        departureBelowQ10: z.number().nullable(),
        departureBelowQ90: z.number().nullable(),
        trainingMs: z.number(),
      })
      .describe("the latest sessions held out of a model trained on the earlier ones"),
    recalibration: z
      .object({
        applied: z.boolean().describe("whether predictions and plans use it (settings.recalibrationGamma > 0)"),
        gamma: z.number(),
        outcomes: z.number().int().describe("ended sessions learned from"),
        lastOutcome: z.string().nullable().describe("end of the latest session learned (or trained on)"),
        levels: quantilesSchema.describe("nominal levels tracked"),
        stayLevels: quantilesSchema.describe("the model level read for each nominal one, departure"),
        energyLevels: quantilesSchema.describe("the same, energy"),
      })
      .optional()
      .describe("online recalibration of the quantiles as of the latest plan (docs/forecast.md)"),
  }),
  settings: z.record(z.string(), z.unknown()),
  from: z.string().describe("start of the current slot: predictions are given the sessions are still plugged in then"),
  levels: quantilesSchema,
  sessions: z.array(
    z.object({
      sessionId: z.string(),
      evseId: z.string(),
      startedAt: z.string(),
      departure: z.array(z.string()).describe("departure quantiles, one per level"),
      energyKwh: quantilesSchema.describe("energy quantiles (of the whole session), one per level"),
      planned: z.object({
        sessionId: z.string(),
        departure: z.object({ announced: z.string().optional(), forecast: z.string(), planned: z.string() }),
        energyKwh: z.object({ forecast: z.number(), planned: z.number() }).optional(),
      }),
    }),
  ),
  arrivals: z.object({
    slotMinutes: z.number(),
    slots: z.array(
      z.object({ start: z.string(), count: quantilesSchema, meanCount: z.number(), energyKwh: quantilesSchema, meanEnergyKwh: z.number() }),
    ),
  }),
});
export const TrainQueuedSchema = z.object({ siteId: z.string(), queued: z.literal(true), endedSessions: z.number().int() });

export const SessionViewSchema = z.object({
  sessionId: z.string(),
  evseId: z.string(),
  state: z.enum(["active", "ended"]),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  announced: z.record(z.string(), z.unknown()),
  deliveredKwh: z.number().describe("grid-side energy through the connector, from meter values"),
  meteredAt: z.string().optional(),
  learnedMaxKw: z.number().optional().describe("cap learned from meter values (the car takes less than offered)"),
  chargingProfileId: z.number().int(),
  transactionId: z.string().optional(),
});
export const SessionListSchema = z.object({ sessions: z.array(SessionViewSchema) });
