/**
 * The zod schemas of the OCPP export's answer, for the API's response schema
 * and the OpenAPI document: each version's SetChargingProfile request as the
 * builders (v16.ts, v201.ts, v21.ts) emit it, a strict subset of the official
 * OCPP JSON schemas.
 */
import * as z from "zod";
import { ChargingRateUnitSchema, OcppVersionSchema } from "./options.js";
import type { SetChargingProfileReq16 } from "./v16.js";
import type { SetChargingProfileRequest201 } from "./v201.js";
import type { SetChargingProfileRequest21 } from "./v21.js";

const int32 = () =>
  z
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1);
const limit = () => z.number().multipleOf(0.1).describe("in chargingRateUnit, rounded down to one decimal");
const purpose16 = () => z.enum(["TxProfile", "TxDefaultProfile", "ChargePointMaxProfile"]).describe("ChargePointMaxProfile on connector 0");
const purpose2 = () =>
  z.enum(["TxProfile", "TxDefaultProfile", "ChargingStationMaxProfile"]).describe("ChargingStationMaxProfile on EVSE 0");
const startPeriod = () => z.int().min(0).describe("seconds from startSchedule; 0 first, increasing");
const numberPhases = () => z.int().min(1).max(3).optional();
const dateTime = () => z.string().describe("RFC 3339 UTC timestamp");

const ChargingSchedulePeriod16Schema = z.strictObject({ startPeriod: startPeriod(), limit: limit(), numberPhases: numberPhases() });

export const SetChargingProfile16Schema = z
  .strictObject({
    connectorId: z.int().min(0).describe("connectorId on the charge point"),
    csChargingProfiles: z.strictObject({
      chargingProfileId: int32(),
      transactionId: int32().optional().describe("the session's transactionId when it is an int32"),
      stackLevel: z.int().min(0),
      chargingProfilePurpose: purpose16(),
      chargingProfileKind: z.literal("Absolute"),
      chargingSchedule: z.strictObject({
        duration: z.int().min(0).optional().describe("seconds"),
        startSchedule: dateTime(),
        chargingRateUnit: ChargingRateUnitSchema,
        chargingSchedulePeriod: z.array(ChargingSchedulePeriod16Schema).min(1),
      }),
    }),
  })
  .meta({ id: "SetChargingProfile16", description: "OCPP 1.6J SetChargingProfile.req" });

/** The 2.x request around a version's charging schedule period. */
const setChargingProfile2 = <P extends z.ZodType>(period: P) =>
  z.strictObject({
    evseId: z.int().min(0).describe("EVSE id on the charging station"),
    chargingProfile: z.strictObject({
      id: int32(),
      stackLevel: z.int().min(0),
      chargingProfilePurpose: purpose2(),
      chargingProfileKind: z.literal("Absolute"),
      transactionId: z.string().max(36).optional().describe("TxProfile only"),
      chargingSchedule: z.tuple([
        z.strictObject({
          id: int32(),
          startSchedule: dateTime(),
          duration: z.int().min(0).optional().describe("seconds"),
          chargingRateUnit: ChargingRateUnitSchema,
          chargingSchedulePeriod: z.array(period).min(1).max(1024),
        }),
      ]),
    }),
  });

export const SetChargingProfile201Schema = setChargingProfile2(
  z.strictObject({ startPeriod: startPeriod(), limit: limit(), numberPhases: numberPhases() }),
).meta({ id: "SetChargingProfile201", description: "OCPP 2.0.1 SetChargingProfileRequest" });

export const SetChargingProfile21Schema = setChargingProfile2(
  z.strictObject({
    startPeriod: startPeriod(),
    operationMode: z.enum(["ChargingOnly", "CentralSetpoint"]).describe("CentralSetpoint for V2G discharge"),
    limit: limit(),
    setpoint: z.number().multipleOf(0.1).max(0).optional().describe("negative: discharge (CentralSetpoint only)"),
    dischargeLimit: z.number().multipleOf(0.1).max(0).optional().describe("≤ 0, equal to setpoint (CentralSetpoint only)"),
    numberPhases: numberPhases(),
  }),
).meta({ id: "SetChargingProfile21", description: "OCPP 2.1 SetChargingProfileRequest (V2X)" });

/** What a message's `payload` is: the request of its version. */
export const SetChargingProfilePayloadSchema = z
  .union([SetChargingProfile16Schema, SetChargingProfile201Schema, SetChargingProfile21Schema])
  .meta({
    id: "SetChargingProfilePayload",
    description:
      "SetChargingProfile.req (1.6) or SetChargingProfileRequest (2.0.1, 2.1), valid against the official OCPP JSON schema; see docs/ocpp.md",
  });

// The schemas describe exactly what the builders return (checked both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: [
  Same<z.output<typeof SetChargingProfile16Schema>, SetChargingProfileReq16>,
  Same<z.output<typeof SetChargingProfile201Schema>, SetChargingProfileRequest201>,
  Same<z.output<typeof SetChargingProfile21Schema>, SetChargingProfileRequest21>,
] = [true, true, true];
void sameShape;

export const ProfileEnergySchema = z
  .object({
    scheduledKwh: z.number().describe("Σ |power|·Δ of the schedule"),
    profileKwh: z.number().describe("Σ |limit|·Δ of the profile as sent"),
    roundingKwh: z.number().describe("lost rounding limits down to one decimal"),
    belowMinCurrentKwh: z.number().describe("lost in slots below the 6 A floor (sent as 0)"),
    reductionKwh: z.number().describe("lost fitting maxPeriods (limits lowered, never raised)"),
    dischargeNotExpressedKwh: z.number().describe("V2G discharge OCPP 1.6 / 2.0.1 cannot express (sent as 0)"),
  })
  .meta({
    id: "ProfileEnergy",
    description:
      "where the session's scheduled energy went: scheduled = profile + rounding + belowMinCurrent + reduction + dischargeNotExpressed",
  });

export const OcppMessageSchema = z
  .object({
    sessionId: z.string().nullable().describe("the session; null for a fallback TxDefaultProfile (one per EVSE)"),
    evseId: z.string().nullable().describe("the session's evseId as in the request (which charging station to call); null when absent"),
    action: z.literal("SetChargingProfile"),
    payload: SetChargingProfilePayloadSchema,
    energy: ProfileEnergySchema.optional(),
  })
  .meta({ id: "OcppMessage", description: "one SetChargingProfile call to make" });

export const OcppBodySchema = z
  .object({
    version: OcppVersionSchema,
    unit: ChargingRateUnitSchema,
    ocpp: z.array(OcppMessageSchema),
    warnings: z.array(z.string()),
  })
  .meta({ id: "OcppProfiles", description: "a finished optimization's schedule as OCPP SetChargingProfile messages (docs/ocpp.md)" });
