/**
 * kW ↔ OCPP limits. Limits are kept as integers in tenths of the unit
 * ("tenths") so that merging compares exactly and every limit written out has
 * at most one decimal (OCPP `multipleOf 0.1`).
 */
import type { Session } from "../../engine/model/schema.js";
import type { ChargingRateUnit } from "./options.js";

/** Lowest current an AC EVSE can signal (IEC 61851-1 PWM): below it, 0. */
export const MIN_CURRENT_A = 6;
export const DEFAULT_VOLTAGE_V = 230;
/** OCPP assumes three phases when `numberPhases` is absent. */
export const DEFAULT_PHASES = 3;

/** Spec §5's feasibility tolerance (kW): the only amount by which a limit may exceed the schedule, at the 6 A floor. */
export const KW_TOLERANCE = 1e-6;
/** Slack against binary noise: 7.2 kW is 7199.999…9 W in floating point, and must become 7200.0. */
const EPS_TENTHS = 1e-6;

/** How one session's kW become limits in its unit. */
export interface UnitContext {
  unit: ChargingRateUnit;
  /** Conductors carrying the current; written as `numberPhases` when `ac`. */
  phases: 1 | 3;
  voltageV: number;
  /** An AC session (declared `phases`, or unit A): the 6 A floor applies and periods carry `numberPhases`. */
  ac: boolean;
}

/** `siteVoltageV`: the request's `site.voltageV`, which a session's voltage defaults to (spec §11). */
export function unitContext(session: Session, unit: ChargingRateUnit, siteVoltageV?: number): UnitContext {
  return {
    unit,
    phases: session.phases ?? DEFAULT_PHASES,
    voltageV: session.voltageV ?? siteVoltageV ?? DEFAULT_VOLTAGE_V,
    ac: unit === "A" || session.phases !== undefined,
  };
}

/** kW in one unit of the limit: 1000 for W, V·phases for A (A = W / (V·phases)). */
export function wattsPerUnit(u: UnitContext): number {
  return u.unit === "W" ? 1 : u.voltageV * u.phases;
}

/**
 * The magnitude |kW| as a limit in tenths, rounded DOWN, then set to 0 when
 * it falls below the 6 A floor (AC only). Rounding down is what keeps the
 * site and circuit limits: every limit is ≤ the scheduled power, which meets
 * them, so Σ of limits meets them too.
 */
export function toTenths(kw: number, u: UnitContext): { tenths: number; belowFloor: boolean } {
  const exact = (Math.abs(kw) * 1000) / wattsPerUnit(u);
  const tenths = Math.max(0, Math.floor(exact * 10 + EPS_TENTHS));
  const floor = floorTenths(u);
  if (u.ac && tenths > 0 && tenths < floor) {
    // A schedule keeps minChargeKw only within the model's tolerance: 5.9999999 A is meant as 6 A.
    if (Math.abs(kw) + KW_TOLERANCE >= tenthsToKw(floor, u)) return { tenths: floor, belowFloor: false };
    return { tenths: 0, belowFloor: true };
  }
  return { tenths, belowFloor: false };
}

/** The 6 A floor in tenths of the unit (rounded up, so "≥ floor" really is ≥ 6 A). */
export function floorTenths(u: UnitContext): number {
  return Math.ceil((MIN_CURRENT_A * u.voltageV * u.phases * 10) / wattsPerUnit(u) - EPS_TENTHS);
}

/** Tenths → the number written in the payload (at most one decimal). */
export function limitValue(tenths: number): number {
  return tenths / 10;
}

/** A limit (tenths, signed) back to kW: what a charger obeying it draws at most. */
export function tenthsToKw(tenths: number, u: UnitContext): number {
  return ((tenths / 10) * wattsPerUnit(u)) / 1000;
}
