/**
 * A solved schedule as ready-to-send OCPP `SetChargingProfile` messages, one
 * per session (plus, optionally, one fallback per EVSE). Pure: no I/O.
 * docs/ocpp.md is the CSMS developer's guide to what comes out.
 */
import type * as z from "zod";
import type { Request, Response, Session } from "../../engine/model/schema.js";
import { problemsOf, formatProblems, type Problem } from "../../engine/model/validate.js";
import { WattplanError } from "../../engine/errors.js";
import {
  MAX_SCHEMA_PERIODS,
  OcppOptionsSchema,
  OcppQuerySchema,
  optionsFromQuery,
  type ChargingRateUnit,
  type OcppOptions,
  type OcppOptionsInput,
  type OcppVersion,
} from "./options.js";
import { magnitude, mergeEqual, reduce, type Period } from "./periods.js";
import { isoUtc, type ProfileSpec } from "./profile.js";
import { MIN_CURRENT_A, tenthsToKw, toTenths, unitContext, type UnitContext } from "./units.js";
import { evseShares, fallbackCapKw } from "./fallback.js";
import { buildV16, integerTransactionId, type SetChargingProfileReq16 } from "./v16.js";
import { buildV201, type SetChargingProfileRequest201 } from "./v201.js";
import { buildV21, type SetChargingProfileRequest21 } from "./v21.js";

export * from "./options.js";
export { MIN_CURRENT_A, DEFAULT_VOLTAGE_V, DEFAULT_PHASES } from "./units.js";
export type { SetChargingProfileReq16 } from "./v16.js";
export type { SetChargingProfileRequest201 } from "./v201.js";
export type { SetChargingProfileRequest21 } from "./v21.js";

export type SetChargingProfilePayload = SetChargingProfileReq16 | SetChargingProfileRequest201 | SetChargingProfileRequest21;

/**
 * Where a session's scheduled energy went, in kWh through the connector
 * (charge plus discharge magnitude):
 * `scheduledKwh = profileKwh + roundingKwh + belowMinCurrentKwh + reductionKwh + dischargeNotExpressedKwh`.
 */
export interface ProfileEnergy {
  /** Σ |p_t|·Δ of the schedule. */
  scheduledKwh: number;
  /** Σ |limit_t|·Δ of the profile as sent: what a charger obeying it may deliver at most. */
  profileKwh: number;
  /** Lost rounding limits down to one decimal. */
  roundingKwh: number;
  /** Lost in slots whose power was below the 6 A floor (AC sessions), sent as 0. */
  belowMinCurrentKwh: number;
  /** Lost fitting the profile into `maxPeriods` (or the 2.x limit of 1024 periods). */
  reductionKwh: number;
  /** V2G discharge that 1.6 and 2.0.1 cannot express (those slots are sent as limit 0). */
  dischargeNotExpressedKwh: number;
}

export interface OcppMessage {
  /** The session the profile is for; null for a fallback profile (one per EVSE). */
  sessionId: string | null;
  /** The session's `evseId` as given in the request (route the call to that charging station); null when absent. */
  evseId: string | null;
  /** The OCPP action to call; `payload` is its request. */
  action: "SetChargingProfile";
  payload: SetChargingProfilePayload;
  /** Energy accounting of a session's profile (absent on fallback profiles). */
  energy?: ProfileEnergy;
}

export interface OcppResult {
  version: OcppVersion;
  /** The request-wide unit (`sessionUnits` may override it per session). */
  unit: ChargingRateUnit;
  messages: OcppMessage[];
  warnings: string[];
}

/** Fallback profiles sit below every TxProfile. */
export const FALLBACK_STACK_LEVEL = 0;
/** 1.6 `connectorId` of a session without one. */
export const DEFAULT_CONNECTOR_ID = 1;

const KWH_DIGITS = 1e6;
const kwh = (x: number) => Math.round(x * KWH_DIGITS) / KWH_DIGITS;

function invalid(problems: Problem[], what: string): never {
  throw new WattplanError("ERR_INVALID_REQUEST", `${what}:\n${formatProblems(problems)}`, { problems });
}

/** OCPP 2.x `evseId`: the session's evseId when it is a positive integer, else its connectorId (≥ 1), else `defaultEvseId`. */
export function ocppEvseId(session: Session, defaultEvseId: number): number {
  if (session.evseId !== undefined && /^[1-9]\d{0,9}$/.test(session.evseId) && Number(session.evseId) < 2 ** 31)
    return Number(session.evseId);
  if (session.connectorId !== undefined && session.connectorId >= 1) return session.connectorId;
  return defaultEvseId;
}

function checkInputs(request: Request, response: Response, o: OcppOptions): void {
  const problems: Problem[] = [];
  if (response.sessions.length !== request.sessions.length) {
    problems.push({
      path: "response.sessions",
      message: `has ${response.sessions.length} sessions, the request ${request.sessions.length}`,
    });
  }
  request.sessions.forEach((s, i) => {
    const r = response.sessions[i];
    if (r !== undefined && (r.id !== s.id || r.powerKw.length !== request.horizon.slots)) {
      problems.push({
        path: `response.sessions[${i}]`,
        message: `is not the schedule of session "${s.id}" over ${request.horizon.slots} slots`,
      });
    }
    if (o.version === "1.6" && s.connectorId === 0) {
      problems.push({
        path: `sessions[${i}].connectorId`,
        message: "must be ≥ 1 for an OCPP 1.6 TxProfile (connector 0 is the whole charge point)",
      });
    }
    if (o.version !== "1.6" && s.transactionId !== undefined && s.transactionId.length > 36) {
      problems.push({ path: `sessions[${i}].transactionId`, message: "must be at most 36 characters for OCPP 2.x" });
    }
  });
  const ids = new Set(request.sessions.map((s) => s.id));
  for (const id of Object.keys(o.sessionUnits)) {
    if (!ids.has(id)) problems.push({ path: `sessionUnits.${id}`, message: `unknown session id "${id}"` });
  }
  if (problems.length > 0) invalid(problems, "cannot build OCPP profiles");
}

function build(version: OcppVersion, spec: ProfileSpec, session: Session, o: OcppOptions): SetChargingProfilePayload {
  switch (version) {
    case "1.6":
      return buildV16(spec, session.connectorId ?? DEFAULT_CONNECTOR_ID);
    case "2.0.1":
      return buildV201(spec, ocppEvseId(session, o.defaultEvseId));
    case "2.1":
      return buildV21(spec, ocppEvseId(session, o.defaultEvseId));
  }
}

/** Each slot's signed limit in tenths, and the energy rounding, the 6 A floor and a missing discharge cost. */
function slotLimits(
  power: readonly number[],
  u: UnitContext,
  canDischarge: boolean,
  dtH: number,
): { values: number[]; energy: ProfileEnergy } {
  const values = new Array<number>(power.length).fill(0);
  const e: ProfileEnergy = {
    scheduledKwh: 0,
    profileKwh: 0,
    roundingKwh: 0,
    belowMinCurrentKwh: 0,
    reductionKwh: 0,
    dischargeNotExpressedKwh: 0,
  };
  power.forEach((p, t) => {
    const scheduled = Math.abs(p) * dtH;
    e.scheduledKwh += scheduled;
    if (p < 0 && !canDischarge) {
      e.dischargeNotExpressedKwh += scheduled;
      return;
    }
    const { tenths, belowFloor } = toTenths(p, u);
    if (belowFloor) {
      e.belowMinCurrentKwh += scheduled;
      return;
    }
    values[t] = p < 0 && tenths > 0 ? -tenths : tenths;
    e.roundingKwh += scheduled - tenthsToKw(tenths, u) * dtH;
  });
  return { values, energy: e };
}

/**
 * The OCPP messages for a solved request. `request` is the validated request,
 * `response` its `solve` response, `options` as in `OcppOptionsSchema`.
 * Throws `WattplanError` ERR_INVALID_REQUEST (400) on invalid options or a
 * request the chosen version cannot address.
 */
/** The request's grid phases as OCPP's `phaseToUse` numbers. */
const PHASE_NUMBER = { L1: 1, L2: 2, L3: 3 } as const;

export function ocppMessages(request: Request, response: Response, options: OcppOptionsInput): OcppResult {
  const parsed = OcppOptionsSchema.safeParse(options);
  if (!parsed.success) invalid(problemsOf(parsed.error as z.ZodError), "invalid OCPP options");
  const o = parsed.data;
  checkInputs(request, response, o);

  const T = request.horizon.slots;
  const slotSeconds = request.horizon.slotMinutes * 60;
  const dtH = request.horizon.slotMinutes / 60;
  const startSchedule = isoUtc(Date.parse(request.horizon.start));
  const canDischarge = o.version === "2.1";
  const budget = Math.min(o.maxPeriods ?? Number.POSITIVE_INFINITY, o.version === "1.6" ? Number.POSITIVE_INFINITY : MAX_SCHEMA_PERIODS);
  const unitOf = (s: Session) => o.sessionUnits[s.id] ?? o.unit;

  const warnings: string[] = [];
  const dropped: string[] = [];
  const reduced: string[] = [];
  const noTransaction: string[] = [];
  const perPhaseSetpoints: string[] = [];
  const messages: OcppMessage[] = [];

  request.sessions.forEach((session, i) => {
    const u = unitContext(session, unitOf(session), request.site.voltageV);
    const { values, energy: e } = slotLimits(response.sessions[i].powerKw, u, canDischarge, dtH);
    const merged = mergeEqual(values);
    const periods = reduce(merged, budget);
    const toKwh = (ps: readonly Period[]) => tenthsToKw(magnitude(ps), u) * dtH;
    e.reductionKwh = toKwh(merged) - toKwh(periods);
    e.profileKwh = toKwh(periods);

    if (e.dischargeNotExpressedKwh > 0) dropped.push(session.id);
    if (canDischarge && u.unit === "A" && periods.some((p) => p.value < 0)) perPhaseSetpoints.push(session.id);
    if (periods.length < merged.length)
      reduced.push(`${session.id} (${merged.length} → ${periods.length} periods, ${kwh(e.reductionKwh)} kWh)`);
    if (
      o.purpose === "TxProfile" &&
      (o.version !== "1.6" ? session.transactionId === undefined : integerTransactionId(session.transactionId) === undefined)
    ) {
      noTransaction.push(session.id);
    }

    const spec: ProfileSpec = {
      id: o.profileIdBase + i,
      stackLevel: o.stackLevel,
      purpose: o.purpose,
      startSchedule,
      durationS: T * slotSeconds,
      slotSeconds,
      unit: u.unit,
      periods,
      ...(u.ac && { numberPhases: u.phases }),
      ...(o.phaseToUse &&
        o.version !== "1.6" &&
        u.ac &&
        u.phases === 1 &&
        session.phase !== undefined && { phaseToUse: PHASE_NUMBER[session.phase] }),
      ...(session.transactionId !== undefined && { transactionId: session.transactionId }),
    };
    const energy: ProfileEnergy = {
      scheduledKwh: kwh(e.scheduledKwh),
      profileKwh: kwh(e.profileKwh),
      roundingKwh: kwh(e.roundingKwh),
      belowMinCurrentKwh: kwh(e.belowMinCurrentKwh),
      reductionKwh: kwh(e.reductionKwh),
      dischargeNotExpressedKwh: kwh(e.dischargeNotExpressedKwh),
    };
    messages.push({
      sessionId: session.id,
      evseId: session.evseId ?? null,
      action: "SetChargingProfile",
      payload: build(o.version, spec, session, o),
      energy,
    });
  });

  if (dropped.length > 0) {
    warnings.push(
      `OCPP ${o.version} cannot express V2G discharge: discharging slots are sent as limit 0 for ${listOf(dropped)} (use --ocpp 2.1)`,
    );
  }
  if (perPhaseSetpoints.length > 0) {
    // Per phase is the safe reading: a station summing over phases then discharges a third, never three times.
    warnings.push(
      `setpoint and dischargeLimit in A are sent per phase, like limit, for ${listOf(perPhaseSetpoints)}; OCPP 2.1 calls them the sum over phases, so prefer unit W for V2G`,
    );
  }
  if (reduced.length > 0) warnings.push(`profiles reduced to at most ${budget} periods (limits lowered, never raised): ${listOf(reduced)}`);
  if (noTransaction.length > 0) {
    warnings.push(
      o.version === "1.6"
        ? `no integer transactionId for ${listOf(noTransaction)}: send each TxProfile while its transaction is active on the connector`
        : `no transactionId for ${listOf(noTransaction)}: set chargingProfile.transactionId once the transaction has started (a TxProfile without one is rejected, K01.FR.03)`,
    );
  }

  if (o.fallback) messages.push(...fallbackMessages(request, o, unitOf, startSchedule, slotSeconds, warnings));
  return { version: o.version, unit: o.unit, messages, warnings };
}

/** One TxDefaultProfile per EVSE at stack level 0: its safe share of the limits above it (fallback.ts). */
function fallbackMessages(
  request: Request,
  o: OcppOptions,
  unitOf: (s: Session) => ChargingRateUnit,
  startSchedule: string,
  slotSeconds: number,
  warnings: string[],
): OcppMessage[] {
  const T = request.horizon.slots;
  return evseShares(request).map((evse, j): OcppMessage => {
    const first = request.sessions[evse.sessions[0]];
    // A cap in A is safe for every session of the EVSE when converted with the largest V·phases among them.
    const contexts = evse.sessions.map((i) => unitContext(request.sessions[i], unitOf(first), request.site.voltageV));
    const widest = contexts.reduce((a, b) => (b.voltageV * b.phases > a.voltageV * a.phases ? b : a));
    const u: UnitContext = { ...widest, ac: contexts.some((c) => c.ac) };
    const { capKw, limitedBy } = fallbackCapKw(evse, u.voltageV, u.unit === "A" ? u.phases : 1);
    const { tenths, belowFloor } = toTenths(capKw, u);
    if (belowFloor) {
      warnings.push(
        `fallback for ${evse.evseId ?? `session ${first.id}`}: its safe share (${kwh(capKw)} kW, set by ${limitedBy}) is below ${MIN_CURRENT_A} A, so it may not charge without the CSMS`,
      );
    } else if (tenths === 0) {
      // As live sites warn (service/sites/planner.ts): a 0 kW default profile stops charging when the CSMS is lost.
      warnings.push(
        `fallback for ${evse.evseId ?? `session ${first.id}`} is 0 kW (set by ${limitedBy}): a station that loses the CSMS stops charging there`,
      );
    }
    const spec: ProfileSpec = {
      id: o.profileIdBase + request.sessions.length + j,
      stackLevel: FALLBACK_STACK_LEVEL,
      purpose: "TxDefaultProfile",
      startSchedule,
      slotSeconds,
      unit: u.unit,
      periods: [{ slot: 0, slots: T, value: tenths }],
      ...(u.ac && { numberPhases: u.phases }),
    };
    return { sessionId: null, evseId: evse.evseId, action: "SetChargingProfile", payload: build(o.version, spec, first, o) };
  });
}

function listOf(items: string[]): string {
  return items.length <= 10 ? items.join(", ") : `${items.slice(0, 10).join(", ")}, … (${items.length} in all)`;
}

/** The body of `GET /v1/optimizations/:id/ocpp`. */
export interface OcppBody {
  version: OcppVersion;
  unit: ChargingRateUnit;
  ocpp: OcppMessage[];
  warnings: string[];
}

/**
 * Everything the API route needs: `query` is the raw querystring (validated
 * here with `OcppQuerySchema`; the route may also declare that schema so
 * fastify answers 400 itself), `request`/`response` the stored optimization.
 */
export function ocppBody(request: Request, response: Response, query: unknown): OcppBody {
  const q = OcppQuerySchema.safeParse(query);
  if (!q.success)
    invalid(
      problemsOf(q.error as z.ZodError).map((p) => ({ ...p, path: `querystring.${p.path}` })),
      "invalid OCPP query",
    );
  const r = ocppMessages(request, response, optionsFromQuery(q.data));
  return { version: r.version, unit: r.unit, ocpp: r.messages, warnings: r.warnings };
}
export { OcppBodySchema, OcppMessageSchema, ProfileEnergySchema } from "./body-schema.js";
