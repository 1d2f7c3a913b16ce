import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateRequest } from "../engine/model/validate.js";
import type { Request, Response } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { WattplanError } from "../engine/errors.js";
import {
  DEFAULT_VOLTAGE_V,
  MIN_CURRENT_A,
  OCPP_VERSIONS,
  ocppBody,
  ocppEvseId,
  ocppMessages,
  OcppQuerySchema,
  optionsFromQuery,
  type OcppMessage,
  type OcppOptionsInput,
  type OcppVersion,
} from "../service/ocpp/index.js";
import { k01Problems, profileOf, readJson, replayKw, schemaValidator } from "./ocpp-helpers.js";

function requestOf(path: string): Request {
  const v = validateRequest(readJson(path));
  if (!v.ok) throw new Error(`${path} is invalid`);
  return v.request;
}

const depot = requestOf("../examples/depot-v2g.json");
const depotEdf = solve(depot, { strategy: "edf" });

/** The depot schedule with V2G: sessions that may discharge do so in the evening peak (slots 4-11). */
function withDischarge(request: Request, base: Response): Response {
  const startMs = Date.parse(request.horizon.start);
  const slotMs = request.horizon.slotMinutes * 60_000;
  const sessions = base.sessions.map((r, i) => {
    const s = request.sessions[i];
    if (s.maxDischargeKw === 0) return r;
    const first = Math.ceil((Date.parse(s.arrival ?? request.horizon.start) - startMs) / slotMs);
    const powerKw = r.powerKw.map((p, t) => (t >= Math.max(4, first) && t < 12 ? -(s.maxDischargeKw * (0.5 + 0.04 * t)) : p));
    return { ...r, powerKw };
  });
  return { ...base, sessions };
}
const depotV2g = withDischarge(depot, depotEdf);

function wattsPerUnit(request: Request, m: OcppMessage, unit: "W" | "A"): number {
  const s = request.sessions.find((x) => x.id === m.sessionId)!;
  return unit === "W" ? 1 : (s.voltageV ?? DEFAULT_VOLTAGE_V) * (s.phases ?? 3);
}

function expectValid(version: OcppVersion, messages: OcppMessage[]) {
  const validate = schemaValidator(version);
  for (const m of messages) {
    const ok = validate(m.payload);
    expect(validate.errors ?? [], `${m.sessionId ?? m.evseId}`).toEqual([]);
    expect(ok).toBe(true);
    expect(k01Problems(version, m.payload), `${m.sessionId ?? m.evseId}`).toEqual([]);
    expect(m.action).toBe("SetChargingProfile");
  }
}

describe("payloads against the official OCPP JSON schemas and EVerest's K01 checks", () => {
  for (const version of OCPP_VERSIONS) {
    for (const unit of ["W", "A"] as const) {
      it(`${version} in ${unit}, with fallback and a period budget`, () => {
        for (const response of [depotEdf, depotV2g]) {
          for (const maxPeriods of [undefined, 1, 3]) {
            const r = ocppMessages(depot, response, { version, unit, fallback: true, ...(maxPeriods !== undefined && { maxPeriods }) });
            expect(r.messages).toHaveLength(depot.sessions.length + 12);
            expectValid(version, r.messages);
            for (const m of r.messages.filter((x) => x.sessionId !== null)) {
              expect(profileOf(version, m.payload).schedules[0].chargingSchedulePeriod.length).toBeLessThanOrEqual(maxPeriods ?? 1024);
            }
          }
        }
      });
    }
  }

  it("the schema check is real: it rejects a limit with two decimals and a missing startPeriod", () => {
    const [m] = ocppMessages(depot, depotEdf, { version: "1.6" }).messages;
    const bad = structuredClone(m.payload) as {
      csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: Array<{ limit: number; startPeriod?: number }> } };
    };
    bad.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit = 12.34;
    expect(schemaValidator("1.6")(bad)).toBe(false);
    delete bad.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].startPeriod;
    bad.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit = 12.3;
    expect(schemaValidator("1.6")(bad)).toBe(false);
    expect(k01Problems("1.6", bad).length).toBeGreaterThan(0);
  });

  it("2.1 sends discharge as CentralSetpoint with a negative setpoint and dischargeLimit, charge as ChargingOnly limits", () => {
    const r = ocppMessages(depot, depotV2g, { version: "2.1", unit: "W" });
    const i = depot.sessions.findIndex((s) => s.maxDischargeKw > 0);
    const periods = profileOf("2.1", r.messages[i].payload).schedules[0].chargingSchedulePeriod;
    const discharging = periods.filter((p) => p.operationMode === "CentralSetpoint");
    expect(discharging.length).toBeGreaterThan(0);
    for (const p of discharging) {
      expect(p.setpoint!).toBeLessThan(0);
      expect(p.dischargeLimit).toBe(p.setpoint);
      expect(p.limit).toBe(0);
    }
    expect(periods.filter((p) => p.operationMode === "ChargingOnly" && p.limit! > 0).length).toBeGreaterThan(0);
    expect(r.messages[i].energy!.dischargeNotExpressedKwh).toBe(0);
  });

  it("1.6 and 2.0.1 cannot discharge: those slots are limit 0, the energy and a warning say so", () => {
    for (const version of ["1.6", "2.0.1"] as const) {
      const r = ocppMessages(depot, depotV2g, { version });
      const i = depot.sessions.findIndex((s) => s.maxDischargeKw > 0);
      expect(r.messages[i].energy!.dischargeNotExpressedKwh).toBeGreaterThan(1);
      expect(r.warnings.some((w) => w.includes("cannot express V2G discharge"))).toBe(true);
      const periods = profileOf(version, r.messages[i].payload).schedules[0].chargingSchedulePeriod;
      expect(periods.every((p) => p.limit! >= 0)).toBe(true);
    }
  });
});

describe("round trip: replaying a profile reproduces the schedule within the rounding and never exceeds it", () => {
  const startMs = Date.parse(depot.horizon.start);
  const { slotMinutes, slots } = depot.horizon;

  for (const version of OCPP_VERSIONS) {
    for (const unit of ["W", "A"] as const) {
      it(`${version} ${unit}`, () => {
        const r = ocppMessages(depot, depotV2g, { version, unit });
        r.messages.forEach((m, i) => {
          const wpu = wattsPerUnit(depot, m, unit);
          const step = (0.1 * wpu) / 1000;
          const floorKw = unit === "A" ? (MIN_CURRENT_A * wpu) / 1000 : 0;
          const replay = replayKw(version, m.payload, startMs, slotMinutes, slots, wpu);
          depotV2g.sessions[i].powerKw.forEach((p, t) => {
            const q = replay[t];
            if (p >= 0 || version !== "2.1") {
              const want = Math.max(p, 0);
              expect(q).toBeGreaterThanOrEqual(0);
              expect(q).toBeLessThanOrEqual(want + 1e-6);
              if (want >= floorKw) expect(want - q).toBeLessThan(step + 1e-9);
              else expect(q).toBe(0);
            } else {
              expect(q).toBeLessThanOrEqual(0);
              expect(-q).toBeLessThanOrEqual(-p + 1e-6);
              if (-p >= floorKw) expect(-p + q).toBeLessThan(step + 1e-9);
            }
          });
          const e = m.energy!;
          const sum = e.profileKwh + e.roundingKwh + e.belowMinCurrentKwh + e.reductionKwh + e.dischargeNotExpressedKwh;
          expect(sum).toBeCloseTo(e.scheduledKwh, 5);
          const replayed = replay.reduce((a, q) => a + Math.abs(q) * (slotMinutes / 60), 0);
          expect(replayed).toBeCloseTo(e.profileKwh, 5);
        });
      });
    }
  }

  it("replayed limits keep every circuit and the site import limit of the schedule", () => {
    for (const unit of ["W", "A"] as const) {
      for (const maxPeriods of [undefined, 2, 5]) {
        const r = ocppMessages(depot, depotEdf, { version: "2.0.1", unit, ...(maxPeriods !== undefined && { maxPeriods }) });
        const replays = r.messages.map((m) => replayKw("2.0.1", m.payload, startMs, slotMinutes, slots, wattsPerUnit(depot, m, unit)));
        for (let t = 0; t < slots; t++) {
          for (const c of depot.circuits) {
            const load = depot.sessions.reduce((a, s, i) => a + (s.circuitId === c.id ? replays[i][t] : 0), 0);
            expect(load).toBeLessThanOrEqual((c.limitKw as number) + 1e-6);
          }
          const base = (depot.site.baseLoadKw as number[])[t];
          const net = base + replays.reduce((a, q) => a + q[t], 0);
          expect(net).toBeLessThanOrEqual(depotEdf.site.netImportKw[t] + 1e-9);
          expect(net).toBeLessThanOrEqual((depot.site.importLimitKw as number) + 1e-6);
        }
      }
    }
  });
});

/** A one-session request over `slots` slots, with the given power. */
function single(slots: number, session: Record<string, unknown> = {}): Request {
  const v = validateRequest({
    horizon: { start: "2026-11-24T17:00:00+01:00", slotMinutes: 15, slots },
    site: { importLimitKw: 100 },
    tariff: { importPrice: 0.2 },
    sessions: [{ id: "s", departure: "2026-11-30T00:00:00Z", targetEnergyKwh: 10, maxChargeKw: 22, maxDischargeKw: 11, ...session }],
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.request;
}
function responseOf(request: Request, powers: number[][]): Response {
  const T = request.horizon.slots;
  return {
    status: "feasible",
    strategy: "edf",
    cost: { total: 0, energy: 0, demand: 0, degradation: 0, shortfall: 0 },
    peakImportKw: 0,
    warnings: [],
    infeasibleSlots: [],
    sessions: request.sessions.map((s, i) => ({
      id: s.id,
      powerKw: powers[i],
      energyKwh: new Array<number>(T).fill(0),
      deliveredKwh: 0,
      shortfallKwh: 0,
    })),
    site: { netImportKw: new Array<number>(T).fill(0), curtailedPvKw: new Array<number>(T).fill(0) },
    solver: { iterations: 0, solveMs: 0 },
  };
}
function periodsOf(version: OcppVersion, m: OcppMessage) {
  return profileOf(version, m.payload).schedules[0].chargingSchedulePeriod;
}

describe("units and rounding", () => {
  it("converts A = W / (V·phases), rounds down to one decimal, and keeps exact values exact despite binary noise", () => {
    const request = single(4, { phases: 1, voltageV: 240 });
    // 7.2 kW is 7199.999… W after binary arithmetic; 3.3333 kW / 240 V = 13.888… A
    const r = ocppMessages(request, responseOf(request, [[0.1 * 72, 3.3333, 11.0400001, 0]]), { version: "1.6", unit: "A" });
    expect(periodsOf("1.6", r.messages[0]).map((p) => p.limit)).toEqual([30, 13.8, 46, 0]);
    expect(periodsOf("1.6", r.messages[0]).every((p) => p.numberPhases === 1)).toBe(true);
    const w = ocppMessages(request, responseOf(request, [[0.1 * 72, 3.33338, 1.23456, 0]]), { version: "1.6", unit: "W" });
    // 1234.56 W is below 6 A at 240 V on one phase (1440 W): 0, merged with the last slot.
    expect(periodsOf("1.6", w.messages[0]).map((p) => p.limit)).toEqual([7200, 3333.3, 0]);
  });

  it("never sends a current between 0 and 6 A: such slots become 0 and are counted", () => {
    const request = single(3);
    // 6 A · 230 V · 3 = 4.14 kW
    const r = ocppMessages(request, responseOf(request, [[4.13, 4.14, 2]]), { version: "2.0.1", unit: "A" });
    expect(periodsOf("2.0.1", r.messages[0]).map((p) => p.limit)).toEqual([0, 6, 0]);
    expect(r.messages[0].energy!.belowMinCurrentKwh).toBeCloseTo((4.13 + 2) / 4, 9);
  });

  it("applies the floor in W to declared AC sessions only, and to discharge in 2.1", () => {
    const ac = single(2, { phases: 1 });
    const low = [[1.3, -1.3]];
    expect(periodsOf("2.1", ocppMessages(ac, responseOf(ac, low), { version: "2.1", unit: "W" }).messages[0]).map((p) => p.limit)).toEqual([
      0,
    ]);
    const unknown = single(2);
    const p = periodsOf("2.1", ocppMessages(unknown, responseOf(unknown, low), { version: "2.1", unit: "W" }).messages[0]);
    expect(p.map((q) => [q.limit, q.setpoint])).toEqual([
      [1300, undefined],
      [0, -1300],
    ]);
    expect(p[0].numberPhases).toBeUndefined();
  });

  it("takes the unit per session (sessionUnits) over the request's", () => {
    const v = validateRequest({
      horizon: { start: "2026-11-24T17:00:00Z", slotMinutes: 30, slots: 2 },
      site: { importLimitKw: 100 },
      tariff: { importPrice: 0.2 },
      sessions: [
        { id: "a", departure: "2026-11-25T00:00:00Z", targetEnergyKwh: 1, maxChargeKw: 11 },
        { id: "b", departure: "2026-11-25T00:00:00Z", targetEnergyKwh: 1, maxChargeKw: 11 },
      ],
    });
    if (!v.ok) throw new Error("invalid");
    const r = ocppMessages(
      v.request,
      responseOf(v.request, [
        [11, 0],
        [11, 0],
      ]),
      { version: "2.0.1", unit: "W", sessionUnits: { b: "A" } },
    );
    expect(r.messages.map((m) => profileOf("2.0.1", m.payload).schedules[0].chargingRateUnit)).toEqual(["W", "A"]);
    expect(periodsOf("2.0.1", r.messages[1])[0].limit).toBe(15.9);
  });
});

describe("periods and the period budget", () => {
  it("merges equal neighbours, starts at 0 s and covers the horizon with duration", () => {
    const request = single(6);
    const r = ocppMessages(request, responseOf(request, [[0, 7, 7, 7, 0, 0]]), { version: "1.6" });
    const s = profileOf("1.6", r.messages[0].payload).schedules[0];
    expect(s.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit])).toEqual([
      [0, 0],
      [900, 7000],
      [3600, 0],
    ]);
    expect(s.duration).toBe(6 * 900);
    expect(s.startSchedule).toBe("2026-11-24T16:00:00Z");
  });

  it("reduces to maxPeriods without raising any limit and reports what it costs", () => {
    const request = single(8);
    const power = [5, 11, 10, 22, 0, 8, 9, 8];
    const r = ocppMessages(request, responseOf(request, [power]), { version: "1.6", maxPeriods: 3 });
    const periods = periodsOf("1.6", r.messages[0]);
    expect(periods.length).toBeLessThanOrEqual(3);
    const replay = replayKw("1.6", r.messages[0].payload, Date.parse(request.horizon.start), 15, 8, 1);
    replay.forEach((q, t) => expect(q).toBeLessThanOrEqual(power[t]));
    const lost = power.reduce((a, p, t) => a + (p - replay[t]) / 4, 0);
    expect(r.messages[0].energy!.reductionKwh).toBeCloseTo(lost, 9);
    // The best 3-run split: [5,11,10,22] at 5, [0], [8,9,8] at 8 loses (6+5+17+1)/4 kWh.
    expect(lost).toBeCloseTo(29 / 4, 9);
    expect(r.warnings.some((w) => w.includes("reduced to at most 3 periods"))).toBe(true);
  });

  it("2.x profiles never exceed the schemas' 1024 periods", () => {
    const request = single(2016, { maxChargeKw: 50 });
    const power = Array.from({ length: 2016 }, (_, t) => 10 + (t % 2) * 5 + t / 1000);
    for (const version of ["2.0.1", "2.1"] as const) {
      const r = ocppMessages(request, responseOf(request, [power]), { version });
      expect(periodsOf(version, r.messages[0]).length).toBe(1024);
      expectValid(version, r.messages);
    }
    expect(periodsOf("1.6", ocppMessages(request, responseOf(request, [power]), { version: "1.6" }).messages[0]).length).toBe(2016);
  });

  it("property: any schedule gives valid payloads whose replay never exceeds it", () => {
    const slots = 24;
    const arb = fc.record({
      version: fc.constantFrom(...OCPP_VERSIONS),
      unit: fc.constantFrom("W" as const, "A" as const),
      phases: fc.constantFrom(1 as const, 3 as const, undefined),
      voltageV: fc.constantFrom(230, 120, 400),
      maxPeriods: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      power: fc.array(fc.oneof(fc.constant(0), fc.double({ min: -11, max: 22, noNaN: true })), { minLength: slots, maxLength: slots }),
    });
    fc.assert(
      fc.property(arb, ({ version, unit, phases, voltageV, maxPeriods, power }) => {
        const request = single(slots, { voltageV, ...(phases !== undefined && { phases }) });
        const r = ocppMessages(request, responseOf(request, [power]), {
          version,
          unit,
          fallback: true,
          ...(maxPeriods !== undefined && { maxPeriods }),
        });
        expectValid(version, r.messages);
        const wpu = unit === "W" ? 1 : voltageV * (phases ?? 3);
        const replay = replayKw(version, r.messages[0].payload, Date.parse(request.horizon.start), 15, slots, wpu);
        const step = (0.1 * wpu) / 1000;
        const ac = unit === "A" || phases !== undefined;
        const floorKw = ac ? (MIN_CURRENT_A * voltageV * (phases ?? 3)) / 1000 : 0;
        replay.forEach((q, t) => {
          const p = power[t];
          if (q > 0) expect(q).toBeLessThanOrEqual(p + 1e-6);
          if (q < 0) expect(q).toBeGreaterThanOrEqual(p - 1e-6);
          const expressible = p >= 0 || version === "2.1";
          if (!expressible) expect(q).toBe(0);
          // Without a period budget the replay is the schedule rounded toward 0 by less than one step.
          else if (maxPeriods === undefined && Math.abs(p) >= floorKw) expect(Math.abs(p) - Math.abs(q)).toBeLessThan(step + 1e-9);
          else if (maxPeriods === undefined && Math.abs(p) < floorKw - 1e-6) expect(q).toBe(0);
        });
        if (maxPeriods !== undefined) expect(periodsOf(version, r.messages[0]).length).toBeLessThanOrEqual(maxPeriods);
      }),
      { numRuns: 300 },
    );
  });
});

describe("ids, targets, transactions and the fallback", () => {
  it("allocates profile ids from profileIdBase and puts the fallback at stack level 0 below the TxProfiles", () => {
    const r = ocppMessages(depot, depotEdf, { version: "2.0.1", fallback: true, profileIdBase: 1000, stackLevel: 5 });
    const profiles = r.messages.map((m) => profileOf("2.0.1", m.payload));
    expect(profiles.map((p) => p.id)).toEqual(Array.from({ length: 24 }, (_, k) => 1000 + k));
    expect(profiles.slice(0, 12).every((p) => p.stackLevel === 5 && p.purpose === "TxProfile")).toBe(true);
    expect(
      profiles.slice(12).every((p) => p.stackLevel === 0 && p.purpose === "TxDefaultProfile" && p.schedules[0].duration === undefined),
    ).toBe(true);
    expect(r.messages.slice(12).map((m) => [m.sessionId, m.evseId])).toEqual(depot.sessions.map((s) => [null, s.evseId]));
  });

  it("purpose TxDefaultProfile: session profiles name no transaction, warn of none missing, and stay valid", () => {
    const withTx: Request = { ...depot, sessions: depot.sessions.map((x, i) => ({ ...x, transactionId: String(100 + i) })) };
    for (const version of ["1.6", "2.0.1", "2.1"] as const) {
      const tx = ocppMessages(withTx, depotEdf, { version });
      expect(profileOf(version, tx.messages[0].payload)).toMatchObject({
        purpose: "TxProfile",
        transactionId: version === "1.6" ? 100 : "100",
      });
      const r = ocppMessages(withTx, depotEdf, { version, purpose: "TxDefaultProfile", fallback: true });
      const profiles = r.messages.map((m) => profileOf(version, m.payload));
      expect(profiles.every((p) => p.purpose === "TxDefaultProfile" && p.transactionId === undefined)).toBe(true);
      // The session profiles sit above the fallbacks, so neither replaces the other.
      expect(new Set(profiles.slice(0, 12).map((p) => p.stackLevel))).toEqual(new Set([1]));
      expect(new Set(profiles.slice(12).map((p) => p.stackLevel))).toEqual(new Set([0]));
      expectValid(version, r.messages);
      const none = ocppMessages(depot, depotEdf, { version, purpose: "TxDefaultProfile" });
      expect(none.warnings.filter((w) => /transactionId/.test(w))).toEqual([]);
    }
    expect(optionsFromQuery(OcppQuerySchema.parse({ version: "1.6", purpose: "TxDefaultProfile" })).purpose).toBe("TxDefaultProfile");
    expect(OcppQuerySchema.safeParse({ version: "1.6", purpose: "ChargePointMaxProfile" }).success).toBe(false);
  });

  it("fallback caps: all EVSEs at their cap together stay within every circuit and the site headroom", () => {
    const r = ocppMessages(depot, depotEdf, { version: "1.6", fallback: true, unit: "W" });
    const caps = r.messages.slice(12).map((m) => periodsOf("1.6", m)[0].limit! / 1000);
    for (const c of depot.circuits) {
      const sum = depot.sessions.reduce((a, s, i) => a + (s.circuitId === c.id ? caps[i] : 0), 0);
      expect(sum).toBeLessThanOrEqual(c.limitKw as number);
    }
    const headroom = Math.min(...(depot.site.baseLoadKw as number[]).map((b) => (depot.site.importLimitKw as number) - b));
    expect(caps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(headroom);
    // Here the site (130 − 35 kW over 12 EVSEs) is tighter than either bay (88 kW over 6).
    expect(caps[0]).toBeCloseTo(95 / 12, 3);
  });

  it("maps evseId: numeric string, else connectorId, else defaultEvseId; 1.6 connectorId defaults to 1", () => {
    const base = depot.sessions[0];
    expect(ocppEvseId({ ...base, evseId: "7" }, 1)).toBe(7);
    expect(ocppEvseId({ ...base, evseId: "DEPOT-7", connectorId: 2 }, 1)).toBe(2);
    expect(ocppEvseId({ ...base, evseId: "DEPOT-7" }, 4)).toBe(4);
    expect(ocppEvseId({ ...base, evseId: "0" }, 4)).toBe(4);
    const r = ocppMessages(depot, depotEdf, { version: "1.6" });
    expect(r.messages.every((m) => profileOf("1.6", m.payload).target === 1)).toBe(true);
    expect(r.messages[0].evseId).toBe("DEPOT-1");
  });

  it("carries transactionId when the session has one (an integer in 1.6), and warns when it does not", () => {
    const request = single(2, { transactionId: "4711" });
    const response = responseOf(request, [[7, 0]]);
    expect(profileOf("1.6", ocppMessages(request, response, { version: "1.6" }).messages[0].payload).transactionId).toBe(4711);
    expect(profileOf("2.0.1", ocppMessages(request, response, { version: "2.0.1" }).messages[0].payload).transactionId).toBe("4711");
    const named = single(2, { transactionId: "tx-9f" });
    const r16 = ocppMessages(named, responseOf(named, [[7, 0]]), { version: "1.6" });
    expect(profileOf("1.6", r16.messages[0].payload).transactionId).toBeUndefined();
    expect(r16.warnings.some((w) => w.includes("no integer transactionId"))).toBe(true);
    expect(ocppMessages(depot, depotEdf, { version: "2.1" }).warnings.some((w) => w.includes("K01.FR.03"))).toBe(true);
  });

  it("rejects what the version cannot address, and bad options, with JSON paths (HTTP 400)", () => {
    const zero = single(2, { connectorId: 0 });
    const catchIt = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error as WattplanError;
      }
      throw new Error("no error");
    };
    const e1 = catchIt(() => ocppMessages(zero, responseOf(zero, [[1, 1]]), { version: "1.6" }));
    expect(e1).toBeInstanceOf(WattplanError);
    expect(e1.statusCode).toBe(400);
    expect(e1.message).toContain("sessions[0].connectorId");
    const long = single(2, { transactionId: "x".repeat(37) });
    expect(catchIt(() => ocppMessages(long, responseOf(long, [[1, 1]]), { version: "2.0.1" })).message).toContain(
      "sessions[0].transactionId",
    );
    const bad = [
      [{ version: "1.5" }, "version"],
      [{ version: "2.1", unit: "kW" }, "unit"],
      [{ version: "2.1", maxPeriods: 0 }, "maxPeriods"],
      [{ version: "2.1", sessionUnits: { nobody: "A" } }, "sessionUnits.nobody"],
    ] as const;
    for (const [options, path] of bad) {
      const e = catchIt(() => ocppMessages(depot, depotEdf, options as unknown as OcppOptionsInput));
      expect(e.statusCode).toBe(400);
      expect(e.message).toContain(path);
    }
  });
});

describe("ocppBody (the API route's body)", () => {
  it("parses the querystring and answers { version, unit, ocpp, warnings }", () => {
    const body = ocppBody(depot, depotV2g, { version: "2.1", unit: "A", maxPeriods: "4", fallback: "true", units: "van-1:W" });
    expect(body.version).toBe("2.1");
    expect(body.ocpp).toHaveLength(24);
    expect(profileOf("2.1", body.ocpp[0].payload).schedules[0].chargingRateUnit).toBe("W");
    expect(profileOf("2.1", body.ocpp[1].payload).schedules[0].chargingRateUnit).toBe("A");
    expectValid("2.1", body.ocpp);
  });

  it("answers 400 naming the querystring field", () => {
    for (const [query, field] of [
      [{}, "querystring.version"],
      [{ version: "2.1", maxPeriods: "x" }, "querystring.maxPeriods"],
      [{ version: "2.1", units: "van-1" }, "querystring.units"],
      [{ version: "2.1", extra: "1" }, "querystring"],
    ] as const) {
      try {
        ocppBody(depot, depotEdf, query);
        throw new Error("accepted");
      } catch (error) {
        expect((error as WattplanError).statusCode, JSON.stringify(query)).toBe(400);
        expect((error as Error).message).toContain(field);
      }
    }
  });
});

describe("the 6 A floor and the model's tolerance", () => {
  it("a slot at minChargeKw = 6 A within spec §5's 1e-6 kW is sent as 6 A, not 0", () => {
    const request = single(2, { phases: 3, minChargeKw: 4.14 });
    const r = ocppMessages(request, responseOf(request, [[4.14 - 5e-7, 4.14 - 5e-6]]), { version: "1.6", unit: "A" });
    expect(periodsOf("1.6", r.messages[0]).map((p) => p.limit)).toEqual([6, 0]);
  });
});

describe("2.1 discharge in A", () => {
  it("sends setpoints per phase and warns that W is the unambiguous unit for V2G", () => {
    const request = single(2, { phases: 3 });
    const r = ocppMessages(request, responseOf(request, [[11, -6.9]]), { version: "2.1", unit: "A" });
    const periods = periodsOf("2.1", r.messages[0]);
    // 6.9 kW / (230 V · 3) = 10 A per phase
    expect(periods[1].setpoint).toBe(-10);
    expect(r.warnings.some((w) => w.includes("prefer unit W for V2G"))).toBe(true);
    expect(
      ocppMessages(request, responseOf(request, [[11, -6.9]]), { version: "2.1", unit: "W" }).warnings.some((w) =>
        w.includes("prefer unit W"),
      ),
    ).toBe(false);
  });
});
