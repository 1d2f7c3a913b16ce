/**
 * What every version's SetChargingProfile says, before it is spelled in that
 * version's JSON: ids, stack level, purpose, the absolute schedule.
 */
import type { ChargingRateUnit } from "./options.js";
import type { Period } from "./periods.js";

/**
 * `StationMax` caps the whole station (connector / EVSE 0): 1.6 spells it
 * `ChargePointMaxProfile`, 2.x `ChargingStationMaxProfile`.
 */
export type ProfilePurpose = "TxProfile" | "TxDefaultProfile" | "StationMax";

export interface ProfileSpec {
  /** chargingProfileId (1.6) / id (2.x), also the 2.x chargingSchedule id. */
  id: number;
  stackLevel: number;
  purpose: ProfilePurpose;
  /** Absolute schedules start at the horizon start (RFC 3339, UTC). */
  startSchedule: string;
  /** Seconds the schedule covers; absent: the last period holds indefinitely. */
  durationS?: number;
  slotSeconds: number;
  unit: ChargingRateUnit;
  periods: Period[];
  /** `numberPhases` of every period; absent for sessions not known to be AC. */
  numberPhases?: 1 | 3;
  /** 2.x `phaseToUse` of every period: a one-phase session on a known phase (numberPhases 1). */
  phaseToUse?: 1 | 2 | 3;
  transactionId?: string;
}

/** `2026-11-24T17:00:00Z`: UTC, no milliseconds unless the start has some. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
