/**
 * OCPP 2.1 `SetChargingProfileRequest` with V2X: a charging period is a
 * `ChargingOnly` limit; a discharging period is a `CentralSetpoint` with a
 * negative `setpoint` and `dischargeLimit` equal to it (≤ 0), `limit` 0.
 */
import { limitValue } from "./units.js";
import type { ProfileSpec } from "./profile.js";
import { buildV2, phaseFields, type SetChargingProfileRequest2 } from "./v201.js";

export interface ChargingSchedulePeriod21 {
  startPeriod: number;
  operationMode: "ChargingOnly" | "CentralSetpoint";
  limit: number;
  setpoint?: number;
  dischargeLimit?: number;
  numberPhases?: number;
  phaseToUse?: number;
}

export type SetChargingProfileRequest21 = SetChargingProfileRequest2<ChargingSchedulePeriod21>;

export function buildV21(spec: ProfileSpec, evseId: number): SetChargingProfileRequest21 {
  return buildV2(spec, evseId, (p): ChargingSchedulePeriod21 => {
    const phases = phaseFields(spec);
    const startPeriod = p.slot * spec.slotSeconds;
    if (p.value >= 0) return { startPeriod, operationMode: "ChargingOnly", limit: limitValue(p.value), ...phases };
    const setpoint = limitValue(p.value);
    return { startPeriod, operationMode: "CentralSetpoint", limit: 0, setpoint, dischargeLimit: setpoint, ...phases };
  });
}
