/**
 * Options of the OCPP export (docs/ocpp.md): one zod schema for the library
 * call and the CLI, and a querystring variant for
 * `GET /v1/optimizations/:id/ocpp`.
 */
import * as z from "zod";
import { MAX_SESSIONS } from "../../engine/model/schema.js";

import { CHARGING_RATE_UNITS, OCPP_VERSIONS, type ChargingRateUnit } from "./versions.js";

export { CHARGING_RATE_UNITS, OCPP_VERSIONS, type ChargingRateUnit, type OcppVersion } from "./versions.js";

/** OCPP 2.x schemas allow at most 1024 periods in one charging schedule. */
export const MAX_SCHEMA_PERIODS = 1024;

export const OcppVersionSchema = z.enum(OCPP_VERSIONS, { error: `must be one of ${OCPP_VERSIONS.join(", ")}` });
export const ChargingRateUnitSchema = z.enum(CHARGING_RATE_UNITS, { error: 'must be "W" or "A"' });

const positiveInt = (max: number) => z.int({ error: "must be an integer" }).min(1, "must be at least 1").max(max, `must be at most ${max}`);

export const OcppOptionsSchema = z.strictObject({
  /** OCPP version of the messages: `1.6` (JSON), `2.0.1` or `2.1`. */
  version: OcppVersionSchema,
  /**
   * `chargingRateUnit` of every session without an entry in `sessionUnits`.
   * @defaultValue "W"
   */
  unit: ChargingRateUnitSchema.default("W"),
  /**
   * Per-session `chargingRateUnit`, keyed by session id; overrides `unit`.
   * @defaultValue {}
   */
  sessionUnits: z.record(z.string(), ChargingRateUnitSchema).default({}),
  /**
   * Most periods one schedule may hold (the charger's
   * `ChargingScheduleMaxPeriods` in 1.6, `PeriodsPerSchedule` in 2.x). A
   * longer profile is reduced by lowering limits, never raising them.
   * @defaultValue no limit in 1.6; 1024 (the schema's maximum) in 2.x
   */
  maxPeriods: positiveInt(100_000).optional(),
  /**
   * Also emit one `TxDefaultProfile` per EVSE, at stack level 0, capping it at
   * a safe share of its circuits' limits for when the CSMS loses contact.
   * @defaultValue false
   */
  fallback: z.boolean({ error: "must be true or false" }).default(false),
  /**
   * Stack level of the `TxProfile`s. The fallback is always at 0, below it.
   * @defaultValue 1
   */
  stackLevel: positiveInt(1000).default(1),
  /**
   * First `chargingProfileId`: session i (request order) gets base + i, the
   * fallback of EVSE j (order of first appearance) gets base + sessions + j.
   * @defaultValue 1
   */
  // Room for one id per session and per EVSE below 2³¹ (OCPP ids are int32).
  profileIdBase: positiveInt(2 ** 31 - 1 - 2 * MAX_SESSIONS).default(1),
  /**
   * OCPP 2.x `evseId` of a session whose `evseId` is not a positive integer
   * and which has no `connectorId` ≥ 1.
   * @defaultValue 1
   */
  defaultEvseId: positiveInt(2 ** 31 - 1).default(1),
  /**
   * Write `phaseToUse` (2.0.1 and 2.1) for a one-phase session on a known
   * grid phase (spec §11), numbered 1-3 as the request's L1-L3. OCPP allows
   * it only on EVSEs with `ACPhaseSwitchingSupported`: set false for the
   * others (the station then keeps the phase it is wired to, which must be
   * the one the request names).
   * @defaultValue true
   */
  phaseToUse: z.boolean({ error: "must be true or false" }).default(true),
  /**
   * `chargingProfilePurpose` of the session profiles. `TxDefaultProfile`
   * suits stations that handle TxProfiles poorly or CSMSs that send profiles
   * before the transaction id is known: it names no transaction and stays on
   * the EVSE after the session, until the next profile of the same stack
   * level replaces it.
   * @defaultValue "TxProfile"
   */
  purpose: z.enum(["TxProfile", "TxDefaultProfile"], { error: "must be TxProfile or TxDefaultProfile" }).default("TxProfile"),
});

export type OcppOptionsInput = z.input<typeof OcppOptionsSchema>;
export type OcppOptions = z.output<typeof OcppOptionsSchema>;

/** A whole number in a query string (the OpenAPI document says integer); OcppOptionsSchema checks the range. */
const intString = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a positive integer` })
    .int(`${name} must be a positive integer`)
    .min(0, `${name} must be a positive integer`);

const boolString = z.enum(["true", "false", "1", "0"], { error: "must be true or false" }).transform((s) => s === "true" || s === "1");

/** `van-1:A,van-2:W` → `{ "van-1": "A", "van-2": "W" }`. */
const unitsString = z.string().transform((s, ctx) => {
  const units: Record<string, ChargingRateUnit> = {};
  for (const item of s.split(",").filter((x) => x !== "")) {
    const colon = item.lastIndexOf(":");
    const unit = item.slice(colon + 1);
    if (colon <= 0 || (unit !== "W" && unit !== "A")) {
      ctx.addIssue({ code: "custom", message: `"${item}": expected SESSION_ID:W or SESSION_ID:A, comma separated` });
      return z.NEVER;
    }
    units[item.slice(0, colon)] = unit;
  }
  return units;
});

/**
 * Querystring of `GET /v1/optimizations/:id/ocpp`: the same options as
 * strings (`version=2.0.1&unit=A&maxPeriods=24&fallback=true&units=van-1:W`).
 * Parse with `OcppQuerySchema`, then pass the result to `OcppOptionsSchema`
 * (or call `ocppBody`, which does both).
 */
export const OcppQuerySchema = z.strictObject({
  version: OcppVersionSchema,
  unit: ChargingRateUnitSchema.optional(),
  units: unitsString.optional().describe("per-session units, e.g. van-1:A,van-2:W"),
  maxPeriods: intString("maxPeriods").optional(),
  fallback: boolString.optional(),
  stackLevel: intString("stackLevel").optional(),
  profileIdBase: intString("profileIdBase").optional(),
  defaultEvseId: intString("defaultEvseId").optional(),
  phaseToUse: boolString.optional(),
  purpose: z.enum(["TxProfile", "TxDefaultProfile"], { error: "must be TxProfile or TxDefaultProfile" }).optional(),
});
export type OcppQuery = z.output<typeof OcppQuerySchema>;

/** Querystring (parsed) → library options input. */
export function optionsFromQuery(q: OcppQuery): OcppOptionsInput {
  return {
    version: q.version,
    ...(q.unit !== undefined && { unit: q.unit }),
    ...(q.units !== undefined && { sessionUnits: q.units }),
    ...(q.maxPeriods !== undefined && { maxPeriods: q.maxPeriods }),
    ...(q.fallback !== undefined && { fallback: q.fallback }),
    ...(q.stackLevel !== undefined && { stackLevel: q.stackLevel }),
    ...(q.profileIdBase !== undefined && { profileIdBase: q.profileIdBase }),
    ...(q.defaultEvseId !== undefined && { defaultEvseId: q.defaultEvseId }),
    ...(q.phaseToUse !== undefined && { phaseToUse: q.phaseToUse }),
    ...(q.purpose !== undefined && { purpose: q.purpose }),
  };
}
