import { describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import type { Request } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { evseShares } from "../service/ocpp/fallback.js";
import { ocppMessages } from "../service/ocpp/index.js";

function request(body: Record<string, unknown>): Request {
  const v = validateRequest({
    horizon: { start: "2026-11-24T17:00:00Z", slotMinutes: 60, slots: 3 },
    tariff: { importPrice: 0.2 },
    ...body,
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.request;
}
const session = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  departure: "2026-11-25T00:00:00Z",
  targetEnergyKwh: 5,
  maxChargeKw: 22,
  ...extra,
});

describe("fallback shares", () => {
  it("splits each circuit's lowest limit over the EVSEs below it, at any depth, and takes the smallest share", () => {
    const r = request({
      site: { importLimitKw: 1000 },
      circuits: [
        { id: "feeder", limitKw: [60, 45, 60] },
        { id: "panel-a", parentId: "feeder", limitKw: 40 },
        { id: "panel-b", parentId: "feeder", limitKw: 11 },
      ],
      sessions: [
        session("a1", { evseId: "A1", circuitId: "panel-a" }),
        session("a2", { evseId: "A2", circuitId: "panel-a" }),
        session("b1", { evseId: "B1", circuitId: "panel-b" }),
        session("x", { evseId: "X" }),
      ],
    });
    const shares = evseShares(r);
    expect(shares.map((s) => [s.evseId, s.shareKw, s.limitedBy])).toEqual([
      // feeder: 45 kW (its lowest slot) over 3 EVSEs = 15; panel-a: 40 / 2 = 20
      ["A1", 15, "circuit feeder"],
      ["A2", 15, "circuit feeder"],
      // panel-b: 11 / 1
      ["B1", 11, "circuit panel-b"],
      // the site: 1000 kW over 4 EVSEs
      ["X", 250, "site"],
    ]);
  });

  it("takes the site's headroom (import limit minus base load, worst slot) over all EVSEs; sessions on one EVSE share it", () => {
    const r = request({
      site: { importLimitKw: [100, 80, 100], baseLoadKw: [10, 20, 70] },
      sessions: [session("s1", { evseId: "E1" }), session("s2", { evseId: "E1" }), session("s3", { evseId: "E2" }), session("s4")],
    });
    const shares = evseShares(r);
    expect(shares.map((s) => [s.evseId, s.sessions])).toEqual([
      ["E1", [0, 1]],
      ["E2", [2]],
      [null, [3]],
    ]);
    for (const s of shares) expect(s.shareKw).toBeCloseTo(30 / 3, 12);
  });

  it("shares phase limits in A over every EVSE below them; a W cap assumes one phase, an A cap is per phase", () => {
    const r = request({
      site: { importLimitKw: 1000, voltageV: 230, phaseLimitA: 100, baseLoadKw: 23 },
      circuits: [{ id: "row", limitKw: 1000, phaseLimitA: 32 }],
      sessions: [
        session("a", { evseId: "A", circuitId: "row", phases: 3 }),
        session("b", { evseId: "B", circuitId: "row", phases: 1, phase: "L1" }),
        session("c", { evseId: "C", phases: 3 }),
      ],
    });
    const shares = evseShares(r);
    // row: 32 A over 2 EVSEs; the site: (100 A − 23 kW / (3 · 230 V) = 33.3 A of base load) over 3.
    expect(shares.map((s) => [s.evseId, s.phaseShareA, s.phaseLimitedBy])).toEqual([
      ["A", 16, "circuit row phaseLimitA"],
      ["B", 16, "circuit row phaseLimitA"],
      ["C", (100 - 23_000 / 690) / 3, "site phaseLimitA"],
    ]);
    const amps = ocppMessages(r, solve(r), { version: "2.0.1", unit: "A", fallback: true }).messages.filter((m) => m.sessionId === null);
    const inWatts = ocppMessages(r, solve(r), { version: "2.0.1", unit: "W", fallback: true });
    const watts = inWatts.messages.filter((m) => m.sessionId === null);
    const limitOf = (m: { payload: unknown }) =>
      (m.payload as { chargingProfile: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] }[] } }).chargingProfile
        .chargingSchedule[0].chargingSchedulePeriod[0].limit;
    expect(amps.map(limitOf)).toEqual([16, 16, 22.2]);
    // In W, 16 A on one phase of 230 V: 3680 W, whatever the car; for A's three-phase car that is
    // 5.3 A per phase, under the 6 A floor, so 0 and a warning (use A, which is per phase).
    expect(watts.map(limitOf)).toEqual([0, 3680, 5111.1]);
    expect(inWatts.warnings.filter((w) => w.startsWith("fallback for A"))).toEqual([
      expect.stringContaining("set by circuit row phaseLimitA"),
    ]);
  });

  it("is 0 when the base load already takes the whole import limit", () => {
    const r = request({ site: { importLimitKw: 50, baseLoadKw: 60 }, sessions: [session("s1")] });
    expect(evseShares(r)[0].shareKw).toBe(0);
  });
});

describe("fallback profiles", () => {
  it("a share below 6 A is sent as 0 with a warning", () => {
    const r = request({
      site: { importLimitKw: 12 },
      sessions: [session("s1", { evseId: "E1" }), session("s2", { evseId: "E2" }), session("s3", { evseId: "E3" })],
    });
    const response = { sessions: r.sessions.map((s) => ({ id: s.id, powerKw: [0, 0, 0] })) } as unknown as Parameters<
      typeof ocppMessages
    >[1];
    const out = ocppMessages(r, response, { version: "2.0.1", unit: "A", fallback: true });
    // 12 kW / 3 EVSEs = 4 kW < 6 A · 230 V · 3 = 4.14 kW
    const fallback = out.messages.filter((m) => m.sessionId === null);
    expect(fallback).toHaveLength(3);
    for (const m of fallback) {
      const p = m.payload as { chargingProfile: { chargingSchedule: Array<{ chargingSchedulePeriod: Array<{ limit: number }> }> } };
      expect(p.chargingProfile.chargingSchedule[0].chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 0, numberPhases: 3 }]);
    }
    expect(out.warnings.filter((w) => w.startsWith("fallback for E"))).toHaveLength(3);
  });

  it("a 0 kW share is warned about", () => {
    const r = request({
      site: { importLimitKw: 10, baseLoadKw: 10 },
      sessions: [session("s1", { evseId: "E1" }), session("s2", { evseId: "E2" })],
    });
    const response = { sessions: r.sessions.map((s) => ({ id: s.id, powerKw: [0, 0, 0] })) } as unknown as Parameters<
      typeof ocppMessages
    >[1];
    const out = ocppMessages(r, response, { version: "2.0.1", unit: "W", fallback: true });
    for (const m of out.messages.filter((x) => x.sessionId === null)) {
      const p = m.payload as { chargingProfile: { chargingSchedule: Array<{ chargingSchedulePeriod: Array<{ limit: number }> }> } };
      expect(p.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit).toBe(0);
    }
    expect(out.warnings.filter((w) => /^fallback for E\d is 0 kW \(set by site\)/.test(w))).toHaveLength(2);
  });
});
