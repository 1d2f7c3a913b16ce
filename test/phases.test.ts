/**
 * Spec §11, phases and currents: validation of the new fields (path and
 * reason), the independent checker's rule 6, and every strategy keeping
 * per-phase and unbalance limits on small cases and on arbitrary requests
 * given phases at random.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestInput } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { checkSchedule } from "../testkit/checker/checker.js";
import { requestArbitrary } from "../testkit/checker/arbitrary.js";
import { availableStrategies, checked, valid } from "../testkit/checker/harness.js";

// Fixtures are edited freely, into any shape, invalid ones included.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fixture takes any shape, invalid ones included
type Json = Record<string, any>;

const RUNS = Number(process.env.WATTPLAN_PROPERTY_RUNS ?? 120);
const STRATEGIES = availableStrategies();

/** Three one-phase 7.4 kW cars (32 A at 230 V) on one circuit, 2 h, 1 h slots. */
function threeCars(phases: ("L1" | "L2" | "L3" | undefined)[], circuit: Record<string, unknown>): RequestInput {
  return {
    horizon: { start: "2026-11-23T00:00:00Z", slotMinutes: 60, slots: 2 },
    site: { importLimitKw: 100 },
    circuits: [{ id: "c", limitKw: 50, ...circuit }],
    tariff: { importPrice: 0.2 },
    sessions: phases.map((phase, i) => ({
      id: `car${i}`,
      circuitId: "c",
      departure: "2026-11-23T02:00:00Z",
      targetEnergyKwh: 14.72,
      maxChargeKw: 7.36,
      phases: 1,
      ...(phase !== undefined && { phase }),
    })),
  };
}

function problems(input: unknown): { path: string; message: string }[] {
  const v = validateRequest(input);
  if (v.ok) throw new Error("expected the request to be invalid");
  return v.problems;
}

describe("phase fields: validation", () => {
  const ok = threeCars(["L1", "L2", "L3"], { phaseLimitA: 32, unbalanceLimitA: 10 });
  const edit = (f: (r: Json) => void) => {
    const r = structuredClone(ok) as Json;
    f(r);
    return problems(r);
  };

  it("accepts the phase fields", () => {
    expect(validateRequest(ok).ok).toBe(true);
  });

  it.each([
    [
      "a phase on a three-phase session",
      (r: Json): void => void delete r.sessions[1].phases,
      "sessions[1].phase",
      /one-phase sessions.*defaults to 3/,
    ],
    ["a phase that is not L1-L3", (r: Json): void => void (r.sessions[0].phase = "L4"), "sessions[0].phase", /one of L1, L2, L3/],
    ["a negative phase limit", (r: Json): void => void (r.circuits[0].phaseLimitA = -1), "circuits[0].phaseLimitA", /≥ 0/],
    [
      "a per-slot phase limit of the wrong length",
      (r: Json): void => void (r.circuits[0].phaseLimitA = [32]),
      "circuits[0].phaseLimitA",
      /exactly 2 entries/,
    ],
    ["a negative unbalance limit", (r: Json): void => void (r.circuits[0].unbalanceLimitA = -3), "circuits[0].unbalanceLimitA", /≥ 0/],
    ["a zero site voltage", (r: Json): void => void (r.site.voltageV = 0), "site.voltageV", /> 0/],
    ["a session voltage that is not a number", (r: Json): void => void (r.sessions[2].voltageV = "230"), "sessions[2].voltageV", /number/],
    [
      "a site phase limit the base load alone exceeds",
      (r: Json): void => {
        r.site.baseLoadKw = [0, 30];
        r.site.phaseLimitA = 40;
      },
      "site.phaseLimitA",
      /43\.478 A per phase in slot 1, above the limit 40 A/,
    ],
    [
      "a per-slot site phase limit the base load exceeds",
      (r: Json): void => {
        r.site.baseLoadKw = 30;
        r.site.phaseLimitA = [50, 40];
      },
      "site.phaseLimitA[1]",
      /slot 1/,
    ],
  ] as const)("rejects %s", (_name, change, path, reason) => {
    const found = edit(change);
    expect(found.map((p) => p.path)).toContain(path);
    expect(found.find((p) => p.path === path)!.message).toMatch(reason);
  });
});

describe("phase limits: every strategy", () => {
  const sumOf = (r: { sessions: { powerKw: number[] }[] }, t: number) => r.sessions.reduce((a, s) => a + s.powerKw[t], 0);

  it.each(STRATEGIES)("%s: three cars on L1 share 32 A", (strategy) => {
    const request = valid(threeCars(["L1", "L1", "L1"], { phaseLimitA: 32 }));
    const { response } = checked(request, strategy);
    for (let t = 0; t < 2; t++) expect(sumOf(response, t)).toBeLessThanOrEqual(7.36 + 1e-6);
    // Enough room for one car's full power in each slot: 14.72 kWh delivered in all.
    expect(response.sessions.reduce((a, s) => a + s.deliveredKwh, 0)).toBeCloseTo(14.72, 6);
  });

  it.each(STRATEGIES)("%s: the same cars on three phases charge fully", (strategy) => {
    const { response } = checked(valid(threeCars(["L1", "L2", "L3"], { phaseLimitA: 32 })), strategy);
    for (const s of response.sessions) expect(s.shortfallKwh).toBeCloseTo(0, 6);
  });

  it.each(STRATEGIES)("%s: a car on an unknown phase counts on every phase", (strategy) => {
    const { response } = checked(valid(threeCars(["L1", undefined, "L3"], { phaseLimitA: 32 })), strategy);
    // car1 loads L1 and L3 too: car1 + car0 ≤ 32 A and car1 + car2 ≤ 32 A.
    for (let t = 0; t < 2; t++) {
      const [a, b, c] = response.sessions.map((s) => s.powerKw[t]);
      expect(a + b).toBeLessThanOrEqual(7.36 + 1e-6);
      expect(b + c).toBeLessThanOrEqual(7.36 + 1e-6);
    }
  });

  it.each(STRATEGIES)("%s: an unbalance limit of 10 A", (strategy) => {
    const { response } = checked(valid(threeCars(["L1", "L1", undefined], { unbalanceLimitA: 10 })), strategy);
    for (let t = 0; t < 2; t++) {
      const [a, b, c] = response.sessions.map((s) => (s.powerKw[t] * 1000) / 230);
      // L1 carries a + b + c, L2 and L3 only c; c may sit on either phase of a pair.
      expect(a + b + c).toBeLessThanOrEqual(10 + 1e-5);
    }
  });

  it.each(STRATEGIES)("%s: the site's phase limit includes the balanced base load", (strategy) => {
    const input = threeCars(["L1", "L2", "L3"], {});
    (input.site as Record<string, unknown>).baseLoadKw = 13.8; // 20 A per phase
    (input.site as Record<string, unknown>).phaseLimitA = 30;
    const { response } = checked(valid(input), strategy);
    for (let t = 0; t < 2; t++) for (const s of response.sessions) expect(s.powerKw[t]).toBeLessThanOrEqual(2.3 + 1e-6);
  });
});

describe("checker rule 6", () => {
  it("catches a phase current and an unbalance above their limits", () => {
    const request = valid(threeCars(["L1", "L1", "L2"], { phaseLimitA: 32, unbalanceLimitA: 40 }));
    const response = checked(request, "edf").response;
    const copy = structuredClone(response);
    copy.sessions[0].powerKw = [7.36, 0];
    copy.sessions[1].powerKw = [7.36, 0];
    copy.sessions[2].powerKw = [0, 0];
    copy.sessions.forEach((s) => {
      let e = 0;
      s.energyKwh = s.powerKw.map((p) => (e += p));
      s.deliveredKwh = e;
      s.shortfallKwh = 14.72 - e;
    });
    const check = checkSchedule(request, copy);
    const phase = check.errors.filter((v) => v.rule === 6);
    expect(phase.map((v) => [v.slot, v.circuit])).toContainEqual([0, "c"]);
    expect(phase.some((v) => /L1 current 64(\.0+\d*)? A above phaseLimitA 32/.test(v.message))).toBe(true);
    expect(phase.some((v) => /L1\/L2 unbalance 64(\.0+\d*)? A above unbalanceLimitA 40/.test(v.message))).toBe(true);
    expect(phase.every((v) => v.slot === 0)).toBe(true);
  });
});

/** An arbitrary valid request given voltages, phases, phase limits and unbalance limits at random. */
const phasedArbitrary = fc
  .tuple(
    requestArbitrary({ maxSlots: 6, maxSessions: 6, maxCircuits: 3 }),
    fc.array(fc.constantFrom<1 | 3 | "L1" | "L2" | "L3">(1, 3, 3, "L1", "L2", "L3"), { minLength: 6, maxLength: 6 }),
    fc.array(fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
    fc.array(fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
    fc.constantFrom(230, 120, 240),
  )
  .map(([input, phases, limits, unbalance, volts]) => {
    const r = structuredClone(input) as Json;
    r.site.voltageV = volts;
    r.sessions.forEach((s: Record<string, unknown>, i: number) => {
      const p = phases[i];
      if (p === 1) s.phases = 1;
      else if (p !== 3) Object.assign(s, { phases: 1, phase: p });
    });
    (r.circuits ?? []).forEach((c: Record<string, unknown>, i: number) => {
      if (limits[i] !== undefined) c.phaseLimitA = limits[i];
      if (unbalance[i] !== undefined) c.unbalanceLimitA = unbalance[i];
    });
    if (limits[3] !== undefined) r.site.phaseLimitA = 200 + limits[3];
    return r as RequestInput;
  })
  .filter((r) => validateRequest(r).ok);

describe("phase limits on arbitrary requests", () => {
  it(`every strategy's schedule checks out (${STRATEGIES.join(", ")})`, () => {
    fc.assert(
      fc.property(phasedArbitrary, (input) => {
        const request = valid(input);
        for (const strategy of STRATEGIES) checked(request, strategy);
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });
});
