/**
 * `ClearChargingProfile` by id: what removes a profile the station keeps after
 * its session (a `TxDefaultProfile` stays on the EVSE when the transaction
 * ends, unlike a `TxProfile`). Clearing by id, not by purpose and stack
 * level, never touches a profile of the CSMS's own.
 */
import * as z from "zod";
import type { OcppVersion } from "./options.js";

// Type aliases, not interfaces: they must fit Record<string, unknown> payload schemas.
/** OCPP 1.6J `ClearChargingProfile.req`. */
export type ClearChargingProfileReq16 = { id: number };
/** OCPP 2.0.1 / 2.1 `ClearChargingProfileRequest`. */
export type ClearChargingProfileRequest2 = { chargingProfileId: number };
export type ClearChargingProfilePayload = ClearChargingProfileReq16 | ClearChargingProfileRequest2;

export function clearProfile(version: OcppVersion, chargingProfileId: number): ClearChargingProfilePayload {
  return version === "1.6" ? { id: chargingProfileId } : { chargingProfileId };
}

const profileId = () =>
  z
    .int()
    .min(1)
    .max(2 ** 31 - 1);

export const ClearChargingProfilePayloadSchema = z
  .union([
    z
      .strictObject({ id: profileId().describe("the chargingProfileId to remove") })
      .meta({ description: "OCPP 1.6 ClearChargingProfile.req" }),
    z
      .strictObject({ chargingProfileId: profileId().describe("the id of the profile to remove") })
      .meta({ description: "OCPP 2.0.1 / 2.1 ClearChargingProfileRequest" }),
  ])
  .meta({
    id: "ClearChargingProfilePayload",
    description: "ClearChargingProfile.req (1.6) or ClearChargingProfileRequest (2.0.1, 2.1) of one profile, by id",
  });
