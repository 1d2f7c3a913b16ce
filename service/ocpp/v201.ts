/** OCPP 2.0.1 `SetChargingProfileRequest`. */
import { limitValue } from "./units.js";
import type { ProfileSpec } from "./profile.js";

export interface ChargingSchedulePeriod201 {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
  phaseToUse?: number;
}

export interface ChargingSchedule201<P> {
  id: number;
  startSchedule: string;
  duration?: number;
  chargingRateUnit: "W" | "A";
  chargingSchedulePeriod: P[];
}

// A type alias, not an interface: it must fit the route's Record<string, unknown> payload schema.
export type SetChargingProfileRequest2<P> = {
  evseId: number;
  chargingProfile: {
    id: number;
    stackLevel: number;
    chargingProfilePurpose: "TxProfile" | "TxDefaultProfile" | "ChargingStationMaxProfile";
    chargingProfileKind: "Absolute";
    transactionId?: string;
    chargingSchedule: [ChargingSchedule201<P>];
  };
};

export type SetChargingProfileRequest201 = SetChargingProfileRequest2<ChargingSchedulePeriod201>;

/** The 2.x envelope shared by 2.0.1 and 2.1; `period` spells one period. */
export function buildV2<P>(
  spec: ProfileSpec,
  evseId: number,
  period: (p: ProfileSpec["periods"][number]) => P,
): SetChargingProfileRequest2<P> {
  return {
    evseId,
    chargingProfile: {
      id: spec.id,
      stackLevel: spec.stackLevel,
      chargingProfilePurpose: spec.purpose === "StationMax" ? "ChargingStationMaxProfile" : spec.purpose,
      chargingProfileKind: "Absolute",
      // K01.FR.03: only a TxProfile names a transaction.
      ...(spec.purpose === "TxProfile" && spec.transactionId !== undefined && { transactionId: spec.transactionId }),
      chargingSchedule: [
        {
          id: spec.id,
          startSchedule: spec.startSchedule,
          ...(spec.durationS !== undefined && { duration: spec.durationS }),
          chargingRateUnit: spec.unit,
          chargingSchedulePeriod: spec.periods.map(period),
        },
      ],
    },
  };
}

export function buildV201(spec: ProfileSpec, evseId: number): SetChargingProfileRequest201 {
  return buildV2(spec, evseId, (p) => ({
    startPeriod: p.slot * spec.slotSeconds,
    // 2.0.1 has no discharge: callers pass non-negative values only.
    limit: limitValue(Math.max(0, p.value)),
    ...phaseFields(spec),
  }));
}

/** `numberPhases` and, for a one-phase session on a known phase, `phaseToUse` (only with numberPhases 1). */
export function phaseFields(spec: ProfileSpec): { numberPhases?: number; phaseToUse?: number } {
  return {
    ...(spec.numberPhases !== undefined && { numberPhases: spec.numberPhases }),
    ...(spec.numberPhases === 1 && spec.phaseToUse !== undefined && { phaseToUse: spec.phaseToUse }),
  };
}
