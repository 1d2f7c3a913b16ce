/**
 * Shared by the OCPP tests: the official schemas (from ocpp-rpc) compiled
 * with ajv, EVerest's K01 profile checks, and a replay of a payload's
 * limits slot by slot.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { OcppVersion } from "../service/ocpp/index.js";

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const SCHEMA_FILES: Record<OcppVersion, { file: string; id: string }> = {
  "1.6": { file: "ocpp1_6.json", id: "urn:SetChargingProfile.req" },
  "2.0.1": { file: "ocpp2_0_1.json", id: "urn:SetChargingProfile.req" },
  "2.1": { file: "ocpp2_1.json", id: "urn:SetChargingProfileRequest" },
};

const validators = new Map<OcppVersion, ValidateFunction>();

/**
 * The SetChargingProfile request schema of a version, as shipped by ocpp-rpc. `multipleOfPrecision`: 0.1 has no
 * exact binary form, so 7199.9 / 0.1 is not an exact integer; ocpp-rpc's own
 * validator uses the same kind of epsilon.
 */
export function schemaValidator(version: OcppVersion): ValidateFunction {
  let v = validators.get(version);
  if (v === undefined) {
    const dir = require.resolve("ocpp-rpc/lib/schemas/ocpp1_6.json").replace(/ocpp1_6\.json$/, "");
    const schemas = JSON.parse(readFileSync(dir + SCHEMA_FILES[version].file, "utf8")) as Array<{ $id: string }>;
    const ajv = new Ajv({ strict: false, multipleOfPrecision: 6, allErrors: true });
    addFormats(ajv);
    // The schema's refs are all local (#/definitions/…); its `$id` ("urn:SetChargingProfile.req", a URN
    // without a namespace id) is dropped because ajv 8's URI library refuses to serialize it.
    const { $id: _id, ...schema } = schemas.find((s) => s.$id === SCHEMA_FILES[version].id)!;
    v = ajv.compile(schema);
    validators.set(version, v);
  }
  return v;
}

export interface Schedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: "W" | "A";
  chargingSchedulePeriod: Array<{
    startPeriod: number;
    limit?: number;
    numberPhases?: number;
    operationMode?: string;
    setpoint?: number;
    dischargeLimit?: number;
  }>;
}

export interface Profile {
  purpose: string;
  kind: string;
  stackLevel: number;
  id: number;
  transactionId?: string | number;
  schedules: Schedule[];
  target: number;
}

/** The version-independent view of a payload. */
export function profileOf(version: OcppVersion, payload: unknown): Profile {
  if (version === "1.6") {
    const p = payload as {
      connectorId: number;
      csChargingProfiles: {
        chargingProfileId: number;
        stackLevel: number;
        chargingProfilePurpose: string;
        chargingProfileKind: string;
        transactionId?: number;
        chargingSchedule: Schedule;
      };
    };
    const c = p.csChargingProfiles;
    return {
      purpose: c.chargingProfilePurpose,
      kind: c.chargingProfileKind,
      stackLevel: c.stackLevel,
      id: c.chargingProfileId,
      transactionId: c.transactionId,
      schedules: [c.chargingSchedule],
      target: p.connectorId,
    };
  }
  const p = payload as {
    evseId: number;
    chargingProfile: {
      id: number;
      stackLevel: number;
      chargingProfilePurpose: string;
      chargingProfileKind: string;
      transactionId?: string;
      chargingSchedule: Schedule[];
    };
  };
  const c = p.chargingProfile;
  return {
    purpose: c.chargingProfilePurpose,
    kind: c.chargingProfileKind,
    stackLevel: c.stackLevel,
    id: c.id,
    transactionId: c.transactionId,
    schedules: c.chargingSchedule,
    target: p.evseId,
  };
}

const ONE_DECIMAL = /^-?\d+(\.\d)?$/;

/**
 * EVerest libocpp's smart-charging profile validation (K01) as far as a
 * single profile shows it. Returns the broken rules; [] when valid.
 */
export function k01Problems(version: OcppVersion, payload: unknown): string[] {
  const problems: string[] = [];
  const p = profileOf(version, payload);
  if (version !== "1.6" && (p.schedules.length < 1 || p.schedules.length > 3)) problems.push("chargingSchedule must hold 1 to 3 schedules");
  if (p.purpose === "TxProfile" && p.target < 1) problems.push("a TxProfile needs an EVSE/connector > 0 (K01.FR.16)");
  if (p.purpose !== "TxProfile" && p.transactionId !== undefined) problems.push("only a TxProfile may carry a transactionId");
  for (const s of p.schedules) {
    const periods = s.chargingSchedulePeriod;
    if (periods.length === 0) problems.push("no periods");
    if (periods.length > 0 && periods[0].startPeriod !== 0) problems.push("first startPeriod must be 0 (K01.FR.31)");
    for (let k = 1; k < periods.length; k++) {
      if (!(periods[k].startPeriod > periods[k - 1].startPeriod)) problems.push(`startPeriod not increasing at ${k} (K01.FR.35)`);
    }
    if ((p.kind === "Absolute" || p.kind === "Recurring") && s.startSchedule === undefined)
      problems.push("Absolute needs startSchedule (K01.FR.40)");
    if (p.kind === "Relative" && s.startSchedule !== undefined) problems.push("Relative must not have startSchedule (K01.FR.41)");
    if (s.duration !== undefined && periods.length > 0 && !(s.duration > periods[periods.length - 1].startPeriod))
      problems.push("duration ends before the last period");
    for (const q of periods) {
      for (const [name, value] of [
        ["limit", q.limit],
        ["setpoint", q.setpoint],
        ["dischargeLimit", q.dischargeLimit],
      ] as const) {
        if (value !== undefined && !ONE_DECIMAL.test(String(value)))
          problems.push(`${name} ${value} has more than one decimal (multipleOf 0.1)`);
      }
      if (q.limit !== undefined && q.limit < 0) problems.push("negative limit");
      if (q.numberPhases !== undefined && q.numberPhases !== 1 && q.numberPhases !== 3) problems.push("numberPhases must be 1 or 3");
      if (q.dischargeLimit !== undefined && q.dischargeLimit > 0) problems.push("dischargeLimit must be ≤ 0");
      if (q.operationMode === "CentralSetpoint" && q.setpoint === undefined) problems.push("CentralSetpoint needs a setpoint");
      if (q.setpoint !== undefined && q.dischargeLimit !== undefined && q.setpoint < q.dischargeLimit)
        problems.push("setpoint below dischargeLimit");
      if (q.setpoint !== undefined && q.limit !== undefined && q.setpoint > q.limit) problems.push("setpoint above limit");
    }
  }
  return problems;
}

/**
 * What a charger obeying the payload does in each slot, in signed kW: the
 * charging limit, or the (negative) discharge setpoint in 2.1. `wattsPerUnit`
 * is 1 for W, V·phases for A.
 */
export function replayKw(
  version: OcppVersion,
  payload: unknown,
  startMs: number,
  slotMinutes: number,
  slots: number,
  wattsPerUnit: number,
): number[] {
  const [s] = profileOf(version, payload).schedules;
  const offsetS = (Date.parse(s.startSchedule!) - startMs) / 1000;
  const out: number[] = [];
  for (let t = 0; t < slots; t++) {
    const at = t * slotMinutes * 60 - offsetS;
    if (s.duration !== undefined && at >= s.duration) throw new Error(`slot ${t} lies after the schedule's duration`);
    let period = s.chargingSchedulePeriod[0];
    for (const q of s.chargingSchedulePeriod) if (q.startPeriod <= at) period = q;
    const value = period.operationMode === "CentralSetpoint" ? period.setpoint! : period.limit!;
    out.push((value * wattsPerUnit) / 1000);
  }
  return out;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as unknown;
}
