/** The zod schema of the OCPP export's answer, for the API's response schema and OpenAPI docs. */
import { z } from "zod";
import { ChargingRateUnitSchema, OcppVersionSchema } from "./options.js";

export const ProfileEnergySchema = z
  .object({
    scheduledKwh: z.number().describe("Σ |power|·Δ of the schedule"),
    profileKwh: z.number().describe("Σ |limit|·Δ of the profile as sent"),
    roundingKwh: z.number().describe("lost rounding limits down to one decimal"),
    belowMinCurrentKwh: z.number().describe("lost in slots below the 6 A floor (sent as 0)"),
    reductionKwh: z.number().describe("lost fitting maxPeriods (limits lowered, never raised)"),
    dischargeNotExpressedKwh: z.number().describe("V2G discharge OCPP 1.6 / 2.0.1 cannot express (sent as 0)"),
  })
  .describe(
    "where the session's scheduled energy went: scheduled = profile + rounding + belowMinCurrent + reduction + dischargeNotExpressed",
  );

export const OcppMessageSchema = z.object({
  sessionId: z.string().nullable().describe("the session; null for a fallback TxDefaultProfile (one per EVSE)"),
  evseId: z.string().nullable().describe("the session's evseId as in the request (which charging station to call); null when absent"),
  action: z.literal("SetChargingProfile"),
  payload: z
    .record(z.string(), z.unknown())
    .describe(
      "SetChargingProfile.req (1.6) or SetChargingProfileRequest (2.0.1, 2.1), valid against the official OCPP JSON schema; see docs/ocpp.md",
    ),
  energy: ProfileEnergySchema.optional(),
});

export const OcppBodySchema = z.object({
  version: OcppVersionSchema,
  unit: ChargingRateUnitSchema,
  ocpp: z.array(OcppMessageSchema),
  warnings: z.array(z.string()),
});
