/**
 * Spec §11 in OCPP profiles: `numberPhases`, `phaseToUse` (2.0.1 and 2.1, a
 * one-phase session on a known phase), limits in A per phase at the
 * session's (or the site's) voltage; and a replay of the profiles against
 * the phase limits: a station obeying every profile never loads a phase
 * beyond its limit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Request, RequestInput, Response } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { validateRequest } from "../engine/model/validate.js";
import { checkSchedule } from "../testkit/checker/checker.js";
import { requestArbitrary } from "../testkit/checker/arbitrary.js";
import { availableStrategies, valid } from "../testkit/checker/harness.js";
import { ocppMessages, OcppQuerySchema, optionsFromQuery, type ChargingRateUnit, type OcppVersion } from "../service/ocpp/index.js";
import { profileOf, replayKw } from "./ocpp-helpers.js";

const RUNS = Number(process.env.WATTPLAN_PROPERTY_RUNS ?? 60);

type Period = { numberPhases?: number; phaseToUse?: number; limit?: number };
const periodsOf = (version: OcppVersion, payload: unknown): Period[] =>
  profileOf(version, payload).schedules[0].chargingSchedulePeriod as Period[];

/** Three 7.2 kW one-phase sessions (L2, unknown, and a three-phase one) at a 240 V site. */
function site(): Request {
  return valid({
    horizon: { start: "2026-11-23T00:00:00Z", slotMinutes: 60, slots: 2 },
    site: { importLimitKw: 100, voltageV: 240, phaseLimitA: 80 },
    tariff: { importPrice: 0.2 },
    sessions: [
      { id: "l2", departure: "2026-11-23T02:00:00Z", targetEnergyKwh: 7.2, maxChargeKw: 7.2, phases: 1, phase: "L2", transactionId: "t1" },
      { id: "any", departure: "2026-11-23T02:00:00Z", targetEnergyKwh: 7.2, maxChargeKw: 7.2, phases: 1, transactionId: "t2" },
      { id: "three", departure: "2026-11-23T02:00:00Z", targetEnergyKwh: 7.2, maxChargeKw: 7.2, phases: 3, transactionId: "t3" },
    ],
    strategy: "uncontrolled",
  } satisfies RequestInput);
}

describe("phase fields in profiles", () => {
  const request = site();
  const response = solve(request);

  it("2.0.1 and 2.1: phaseToUse for a one-phase session on a known phase only; A per phase at the site's voltage", () => {
    for (const version of ["2.0.1", "2.1"] as const) {
      const { messages } = ocppMessages(request, response, { version, unit: "A" });
      const [l2, any, three] = messages.map((m) => periodsOf(version, m.payload)[0]);
      expect(l2).toMatchObject({ numberPhases: 1, phaseToUse: 2, limit: 30 }); // 7200 W / 240 V
      expect(any.numberPhases).toBe(1);
      expect(any.phaseToUse).toBeUndefined();
      expect(three).toMatchObject({ numberPhases: 3, limit: 10 }); // 7200 W / (3 · 240 V)
      expect(three.phaseToUse).toBeUndefined();
    }
  });

  it("1.6 has no phaseToUse; phaseToUse: false (or ?phaseToUse=false) leaves it out", () => {
    const v16 = ocppMessages(request, response, { version: "1.6", unit: "A" }).messages[0];
    expect(periodsOf("1.6", v16.payload)[0]).toMatchObject({ numberPhases: 1 });
    expect(periodsOf("1.6", v16.payload)[0].phaseToUse).toBeUndefined();
    const query = OcppQuerySchema.parse({ version: "2.0.1", phaseToUse: "false" });
    const off = ocppMessages(request, response, optionsFromQuery(query)).messages[0];
    expect(periodsOf("2.0.1", off.payload)[0].numberPhases).toBe(1);
    expect(periodsOf("2.0.1", off.payload)[0].phaseToUse).toBeUndefined();
  });
});

/** Arbitrary valid requests with voltages, phases and phase limits at random; no PV (see below). */
const phased = fc
  .tuple(
    requestArbitrary({ maxSlots: 6, maxSessions: 6, maxCircuits: 3 }),
    fc.array(fc.constantFrom<1 | 3 | "L1" | "L2" | "L3">(1, 3, "L1", "L2", "L3"), { minLength: 6, maxLength: 6 }),
    fc.array(fc.option(fc.integer({ min: 6, max: 60 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
    fc.constantFrom(230, 120, 240),
    fc.constantFrom<OcppVersion>("1.6", "2.0.1", "2.1"),
    fc.constantFrom<ChargingRateUnit>("A", "W"),
    fc.integer({ min: 1, max: 4 }),
  )
  .map(([input, phases, limits, volts, version, unit, maxPeriods]) => {
    const r = structuredClone(input) as RequestInput & { site: Record<string, unknown>; circuits?: Record<string, unknown>[] };
    r.site.voltageV = volts;
    // A profile only caps charging: a station drawing less than its cap raises the export of PV
    // through a phase limit, which no upper limit can prevent. The replay holds without PV.
    r.site.pvKw = 0;
    r.sessions.forEach((s, i) => {
      const p = phases[i];
      if (p === 1) s.phases = 1;
      else if (p === 3) s.phases = 3;
      else Object.assign(s, { phases: 1, phase: p });
      // 1.6 and 2.0.1 cannot express discharge (sent as 0): the others' caps would then count on
      // energy that is not fed back. 2.1 commands it.
      if (version !== "2.1") s.maxDischargeKw = 0;
    });
    (r.circuits ?? []).forEach((c, i) => {
      if (limits[i] !== undefined) c.phaseLimitA = limits[i];
    });
    if (limits[3] !== undefined) r.site.phaseLimitA = 100 + limits[3];
    return { input: r as RequestInput, version, unit, maxPeriods };
  })
  .filter(({ input }) => validateRequest(input).ok);

describe("profiles replayed against the phase limits", () => {
  it("a station obeying every profile keeps every phase limit (every strategy, 1.6/2.0.1/2.1, W and A, reduced profiles)", () => {
    fc.assert(
      fc.property(phased, ({ input, version, unit, maxPeriods }) => {
        const parsed = valid(input);
        for (const strategy of availableStrategies()) {
          const request: Request = { ...parsed, strategy };
          const response = solve(request);
          const { messages } = ocppMessages(request, response, { version, unit, maxPeriods });
          const startMs = Date.parse(request.horizon.start);
          // The sessions as the stations see them (phases from the payload), drawing their caps.
          const seen: Request = { ...request, sessions: request.sessions.map((s) => ({ ...s })) };
          const drawn: Response = { ...response, sessions: response.sessions.map((s) => ({ ...s })) };
          messages.forEach((m, i) => {
            const session = seen.sessions[i];
            const [first] = periodsOf(version, m.payload);
            const numberPhases = first.numberPhases ?? 3;
            const volts = session.voltageV ?? request.site.voltageV ?? 230;
            const wattsPerUnit = unit === "W" ? 1 : volts * numberPhases;
            drawn.sessions[i].powerKw = replayKw(
              version,
              m.payload,
              startMs,
              request.horizon.slotMinutes,
              request.horizon.slots,
              wattsPerUnit,
            );
            session.phases = numberPhases === 1 ? 1 : 3;
            if (first.phaseToUse !== undefined) session.phase = `L${first.phaseToUse}` as "L1" | "L2" | "L3";
            else if (version !== "1.6" && session.phases === 1) expect(session.phase).toBeUndefined();
          });
          const over = checkSchedule(seen, drawn).errors.filter((v) => v.rule === 6 && v.message.includes("phaseLimitA"));
          expect(over, `${strategy} ${version} ${unit}`).toEqual([]);
        }
      }),
      { numRuns: RUNS, seed: 13 },
    );
  });
});
