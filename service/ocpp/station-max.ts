/**
 * A station-max profile: one limit for a whole charging station, on
 * connector 0 (1.6 `ChargePointMaxProfile`) or EVSE 0 (2.x
 * `ChargingStationMaxProfile`). It names no transaction and caps the sum of
 * the station's connectors whatever profiles they have below it.
 */
import type { OcppVersion } from "./options.js";
import type { ProfileSpec } from "./profile.js";
import { buildV16 } from "./v16.js";
import { buildV201 } from "./v201.js";
import { buildV21 } from "./v21.js";
import type { SetChargingProfileReq16 } from "./v16.js";
import type { SetChargingProfileRequest201 } from "./v201.js";
import type { SetChargingProfileRequest21 } from "./v21.js";

/** connectorId / evseId that addresses the station as a whole. */
export const WHOLE_STATION = 0;

export function stationMaxPayload(
  version: OcppVersion,
  spec: ProfileSpec & { purpose: "StationMax" },
): SetChargingProfileReq16 | SetChargingProfileRequest201 | SetChargingProfileRequest21 {
  switch (version) {
    case "1.6":
      return buildV16(spec, WHOLE_STATION);
    case "2.0.1":
      return buildV201(spec, WHOLE_STATION);
    case "2.1":
      return buildV21(spec, WHOLE_STATION);
  }
}
