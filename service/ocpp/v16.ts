/** OCPP 1.6J `SetChargingProfile.req`. */
import { limitValue } from "./units.js";
import type { ProfileSpec } from "./profile.js";

export interface ChargingSchedulePeriod16 {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

// A type alias, not an interface: it must fit the route's Record<string, unknown> payload schema.
export type SetChargingProfileReq16 = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfileId: number;
    transactionId?: number;
    stackLevel: number;
    chargingProfilePurpose: "TxProfile" | "TxDefaultProfile" | "ChargePointMaxProfile";
    chargingProfileKind: "Absolute";
    chargingSchedule: {
      duration?: number;
      startSchedule: string;
      chargingRateUnit: "W" | "A";
      chargingSchedulePeriod: ChargingSchedulePeriod16[];
    };
  };
};

/** 1.6 transaction ids are integers (int32): a session's id is used only when it is one. */
export function integerTransactionId(id: string | undefined): number | undefined {
  if (id === undefined || !/^-?\d{1,10}$/.test(id)) return undefined;
  const n = Number(id);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

export function buildV16(spec: ProfileSpec, connectorId: number): SetChargingProfileReq16 {
  // Only a TxProfile names a transaction (1.6: "only valid if ChargingProfilePurpose is TxProfile").
  const transactionId = spec.purpose === "TxProfile" ? integerTransactionId(spec.transactionId) : undefined;
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: spec.id,
      ...(transactionId !== undefined && { transactionId }),
      stackLevel: spec.stackLevel,
      chargingProfilePurpose: spec.purpose === "StationMax" ? "ChargePointMaxProfile" : spec.purpose,
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        ...(spec.durationS !== undefined && { duration: spec.durationS }),
        startSchedule: spec.startSchedule,
        chargingRateUnit: spec.unit,
        // 1.6 has no discharge: callers pass non-negative values only.
        chargingSchedulePeriod: spec.periods.map((p) => ({
          startPeriod: p.slot * spec.slotSeconds,
          limit: limitValue(Math.max(0, p.value)),
          ...(spec.numberPhases !== undefined && { numberPhases: spec.numberPhases }),
        })),
      },
    },
  };
}
