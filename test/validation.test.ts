/**
 * Request validation: every invalid case yields a problem at the right JSON
 * path with a reason a user can act on, and never reaches the scheduler.
 */
import { describe, expect, it } from "vitest";
import { validateRequest, type Problem } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";

// Fixtures are edited freely, into any shape, invalid ones included.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fixture takes any shape, invalid ones included
type Json = Record<string, any>;

/** A small valid request: two nested circuits, one session on the inner one. */
function base(): Json {
  return {
    horizon: { start: "2026-11-23T00:00:00Z", slotMinutes: 60, slots: 3 },
    site: { importLimitKw: 10 },
    circuits: [
      { id: "a", limitKw: 5 },
      { id: "b", parentId: "a", limitKw: 5 },
    ],
    tariff: { importPrice: 0.2 },
    sessions: [{ id: "s", circuitId: "b", departure: "2026-11-23T02:00:00Z", targetEnergyKwh: 10, maxChargeKw: 7 }],
  };
}

function problemsOf(input: unknown): Problem[] {
  const v = validateRequest(input);
  if (v.ok) throw new Error("expected the request to be invalid");
  return v.problems;
}

function problems(edit: (r: Json) => void): Problem[] {
  const r = base();
  edit(r);
  return problemsOf(r);
}

const cases: [name: string, edit: (r: Json) => void, path: string, reason: RegExp][] = [
  // Non-finite numbers, as JSON.parse gives them for 1e999.
  ["an infinite scalar", (r) => (r.site.importLimitKw = JSON.parse("1e999")), "site.importLimitKw", /finite/],
  ["an infinite price", (r) => (r.tariff = JSON.parse('{"importPrice": -1e999}')), "tariff.importPrice", /finite/],
  ["an infinite entry of a per-slot array", (r) => (r.site.baseLoadKw = JSON.parse("[1, 1e999, 2]")), "site.baseLoadKw[1]", /finite/],
  ["an infinite session number", (r) => (r.sessions[0].targetEnergyKwh = Infinity), "sessions[0].targetEnergyKwh", /finite/],
  ["NaN", (r) => (r.sessions[0].maxChargeKw = NaN), "sessions[0].maxChargeKw", /finite/],
  // Per-slot arrays.
  ["a per-slot array too short", (r) => (r.site.pvKw = [1, 2]), "site.pvKw", /exactly 3 entries.*got 2/],
  ["a per-slot array too long", (r) => (r.tariff.exportPrice = [0, 0, 0, 0]), "tariff.exportPrice", /exactly 3 entries.*got 4/],
  ["a circuit limit array of the wrong length", (r) => (r.circuits[1].limitKw = [1]), "circuits[1].limitKw", /exactly 3 entries/],
  ["a negative entry of a per-slot array", (r) => (r.site.importLimitKw = [1, -1, 2]), "site.importLimitKw[1]", /≥ 0/],
  ["a string for a per-slot value", (r) => (r.site.exportLimitKw = "10"), "site.exportLimitKw", /number or an array/],
  // Circuits.
  ["a session on an unknown circuit", (r) => (r.sessions[0].circuitId = "zz"), "sessions[0].circuitId", /unknown circuit id "zz"/],
  ["an unknown parent circuit", (r) => (r.circuits[1].parentId = "zz"), "circuits[1].parentId", /unknown circuit id "zz"/],
  ["a circuit that is its own parent", (r) => (r.circuits[0].parentId = "a"), "circuits[0].parentId", /cycle: a → a/],
  ["a cycle of two circuits", (r) => (r.circuits[0].parentId = "b"), "circuits[0].parentId", /cycle: a → b → a/],
  ["a duplicate circuit id", (r) => r.circuits.push({ id: "a", limitKw: 1 }), "circuits[2].id", /duplicate circuit id "a"/],
  ["a negative circuit limit", (r) => (r.circuits[0].limitKw = -5), "circuits[0].limitKw", /≥ 0/],
  // Sessions.
  ["a duplicate session id", (r) => r.sessions.push({ ...r.sessions[0] }), "sessions[1].id", /duplicate session id "s"/],
  [
    "a capacity below the target",
    (r) => (r.sessions[0].capacityKwh = 5),
    "sessions[0].capacityKwh",
    /at least max\(initialEnergyKwh, targetEnergyKwh\) = 10/,
  ],
  [
    "a capacity below the initial energy",
    (r) => Object.assign(r.sessions[0], { initialEnergyKwh: 12, capacityKwh: 11 }),
    "sessions[0].capacityKwh",
    /= 12/,
  ],
  ["a charge efficiency of 0", (r) => (r.sessions[0].chargeEfficiency = 0), "sessions[0].chargeEfficiency", /\(0, 1\]/],
  ["a discharge efficiency above 1", (r) => (r.sessions[0].dischargeEfficiency = 1.01), "sessions[0].dischargeEfficiency", /\(0, 1\]/],
  ["a negative efficiency", (r) => (r.sessions[0].chargeEfficiency = -0.9), "sessions[0].chargeEfficiency", /\(0, 1\]/],
  ["maxChargeKw 0", (r) => (r.sessions[0].maxChargeKw = 0), "sessions[0].maxChargeKw", /> 0/],
  ["a negative maxDischargeKw", (r) => (r.sessions[0].maxDischargeKw = -1), "sessions[0].maxDischargeKw", /≥ 0/],
  ["minChargeKw above maxChargeKw", (r) => (r.sessions[0].minChargeKw = 8), "sessions[0].minChargeKw", /must not exceed maxChargeKw/],
  [
    "minEnergyKwh above the capacity",
    (r) => (r.sessions[0].minEnergyKwh = 11),
    "sessions[0].minEnergyKwh",
    /must not exceed the capacity \(10 kWh\)/,
  ],
  ["a negative shortfall penalty", (r) => (r.sessions[0].shortfallPenaltyPerKwh = -1), "sessions[0].shortfallPenaltyPerKwh", /≥ 0/],
  ["an empty session id", (r) => (r.sessions[0].id = ""), "sessions[0].id", /must not be empty/],
  // Horizon.
  ["a horizon of 2017 slots", (r) => (r.horizon.slots = 2017), "horizon.slots", /horizon too long: at most 2016 slots/],
  ["a horizon of 0 slots", (r) => (r.horizon.slots = 0), "horizon.slots", /at least 1/],
  ["a fractional slot count", (r) => (r.horizon.slots = 2.5), "horizon.slots", /integer/],
  ["slotMinutes 0", (r) => (r.horizon.slotMinutes = 0), "horizon.slotMinutes", /at least 1/],
  ["slotMinutes 61", (r) => (r.horizon.slotMinutes = 61), "horizon.slotMinutes", /at most 60/],
  ["fractional slotMinutes", (r) => (r.horizon.slotMinutes = 7.5), "horizon.slotMinutes", /integer/],
  // Timestamps.
  ["a start that is not a timestamp", (r) => (r.horizon.start = "tomorrow"), "horizon.start", /RFC 3339/],
  ["a departure without an offset", (r) => (r.sessions[0].departure = "2026-11-23T02:00:00"), "sessions[0].departure", /with an offset/],
  ["an arrival without seconds", (r) => (r.sessions[0].arrival = "2026-11-23T01:00Z"), "sessions[0].arrival", /RFC 3339/],
  ["a date that does not exist", (r) => (r.sessions[0].arrival = "2026-02-30T00:00:00Z"), "sessions[0].arrival", /RFC 3339/],
  ["a timestamp as a number", (r) => (r.horizon.start = 1795456800000), "horizon.start", /RFC 3339/],
  [
    "a departure before the arrival",
    (r) => (r.sessions[0].arrival = "2026-11-23T03:00:00Z"),
    "sessions[0].departure",
    /must be after arrival/,
  ],
  [
    "a departure equal to the arrival",
    (r) => (r.sessions[0].arrival = "2026-11-23T03:00:00+01:00"),
    "sessions[0].departure",
    /must be after arrival/,
  ],
  [
    "a departure before the start, no arrival",
    (r) => (r.sessions[0].departure = "2026-11-22T23:00:00Z"),
    "sessions[0].departure",
    /after arrival \(which defaults to horizon.start\)/,
  ],
  // Unknown fields, wrong types, missing fields.
  ["an unknown field in site", (r) => (r.site.importLimit = 5), "site", /unknown field "importLimit"/],
  ["unknown fields at the root", (r) => Object.assign(r, { foo: 1, bar: 2 }), "(root)", /unknown fields "foo", "bar"/],
  ["an unknown session field", (r) => (r.sessions[0].soc = 0.5), "sessions[0]", /unknown field "soc"/],
  ["a number given as a string", (r) => (r.sessions[0].maxChargeKw = "7"), "sessions[0].maxChargeKw", /finite number > 0/],
  ["sessions not an array", (r) => (r.sessions = {}), "sessions", /must be an array/],
  ["a site that is not an object", (r) => (r.site = 5), "site", /must be an object/],
  ["a missing tariff", (r) => delete r.tariff, "tariff", /^required$/],
  ["a missing departure", (r) => delete r.sessions[0].departure, "sessions[0].departure", /^required$/],
  ["a missing importLimitKw", (r) => delete r.site.importLimitKw, "site.importLimitKw", /^required$/],
  ["an unknown strategy", (r) => (r.strategy = "fastest"), "strategy", /one of optimal, uncontrolled, equalShare, edf, llf/],
  // Site storage (spec §12).
  ["a battery without capacity", (r) => (r.storage = [battery({ capacityKwh: undefined })]), "storage[0].capacityKwh", /^required$/],
  [
    "a battery without maxDischargeKw",
    (r) => (r.storage = [battery({ maxDischargeKw: undefined })]),
    "storage[0].maxDischargeKw",
    /^required$/,
  ],
  ["a negative battery charge power", (r) => (r.storage = [battery({ maxChargeKw: -1 })]), "storage[0].maxChargeKw", /≥ 0/],
  [
    "a battery efficiency above 1",
    (r) => (r.storage = [battery({ dischargeEfficiency: 1.2 })]),
    "storage[0].dischargeEfficiency",
    /\(0, 1\]/,
  ],
  ["an unknown battery field", (r) => (r.storage = [battery({ soc: 0.5 })]), "storage[0]", /unknown field "soc"/],
  [
    "a battery on an unknown circuit",
    (r) => (r.storage = [battery({ circuitId: "zz" })]),
    "storage[0].circuitId",
    /unknown circuit id "zz"/,
  ],
  ["a duplicate battery id", (r) => (r.storage = [battery({}), battery({})]), "storage[1].id", /duplicate storage id "bess"/],
  ["a battery named like a session", (r) => (r.storage = [battery({ id: "s" })]), "storage[0].id", /already a session id/],
  [
    "a battery holding more than its capacity",
    (r) => (r.storage = [battery({ initialEnergyKwh: 11 })]),
    "storage[0].initialEnergyKwh",
    /must not exceed capacityKwh \(10\)/,
  ],
  [
    "a battery below its minimum",
    (r) => (r.storage = [battery({ minEnergyKwh: 6 })]),
    "storage[0].minEnergyKwh",
    /must not exceed initialEnergyKwh \(5\)/,
  ],
  [
    "a final energy above capacity",
    (r) => (r.storage = [battery({ finalEnergyKwh: 12 })]),
    "storage[0].finalEnergyKwh",
    /must not exceed capacityKwh/,
  ],
  [
    "a final energy below the minimum",
    (r) => (r.storage = [battery({ minEnergyKwh: 2, finalEnergyKwh: 1 })]),
    "storage[0].finalEnergyKwh",
    /at least minEnergyKwh \(2\)/,
  ],
  // 3 h at 1 kW (its own limit) from 5 kWh reaches 8, not 9.
  [
    "a final energy out of reach",
    (r) => (r.storage = [battery({ maxChargeKw: 1, finalEnergyKwh: 9 })]),
    "storage[0].finalEnergyKwh",
    /cannot be reached.*at most 8 kWh/,
  ],
  // The site has 10 kW of import: 4 kW of base load leaves 6, and circuit a caps it at 5 (3 h: 15 + 5 > 19).
  [
    "a final energy beyond the circuit's room",
    (r) => ((r.site.baseLoadKw = 4), (r.storage = [battery({ capacityKwh: 30, maxChargeKw: 20, circuitId: "b", finalEnergyKwh: 21 })])),
    "storage[0].finalEnergyKwh",
    /at most 20 kWh/,
  ],
  [
    "a final energy above the initial for a baseline",
    (r) => ((r.strategy = "edf"), (r.storage = [battery({ finalEnergyKwh: 6 })])),
    "storage[0].finalEnergyKwh",
    /strategy edf leaves storage idle/,
  ],
  // Each alone could take 5 kW · 3 h = 15 kWh through circuits b and a; together they need 20.
  [
    "final energies out of reach together",
    (r) =>
      (r.storage = [
        battery({ capacityKwh: 20, circuitId: "b", finalEnergyKwh: 15 }),
        battery({ id: "bess2", capacityKwh: 20, circuitId: "b", finalEnergyKwh: 15 }),
      ]),
    "storage[0].finalEnergyKwh",
    /cannot be reached together with storage\[1\]: under circuit "a" they need 20 kWh.*at most 15 kWh/,
  ],
  ["a one-phase battery given a phase count of 2", (r) => (r.storage = [battery({ phases: 2 })]), "storage[0].phases", /must be 1 or 3/],
];

/** A valid site battery (spec §12) with some fields replaced; undefined removes one. */
function battery(edit: Json): Json {
  const b: Json = { id: "bess", capacityKwh: 10, initialEnergyKwh: 5, maxChargeKw: 4, maxDischargeKw: 4 };
  for (const [k, x] of Object.entries(edit)) {
    if (x === undefined) delete b[k];
    else b[k] = x;
  }
  return b;
}

describe("validation: one problem, at the right path, with the reason", () => {
  it.each(cases)("%s", (_name, edit, path, reason) => {
    const found = problems(edit);
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe(path);
    expect(found[0].message).toMatch(reason);
  });
});

describe("validation: the whole picture at once", () => {
  it("reports every shape problem in one pass", () => {
    const found = problems((r) => {
      r.horizon.slots = 0;
      r.site.importLimitKw = "lots";
      r.sessions[0].maxChargeKw = -1;
      r.sessions[0].chargeEfficiency = 2;
      r.extra = true;
    });
    expect(found.map((p) => p.path).sort()).toEqual([
      "(root)",
      "horizon.slots",
      "sessions[0].chargeEfficiency",
      "sessions[0].maxChargeKw",
      "site.importLimitKw",
    ]);
  });

  it("reports every cross-field problem in one pass", () => {
    const found = problems((r) => {
      r.site.pvKw = [1];
      r.circuits.push({ id: "a", limitKw: 1 }, { id: "x", parentId: "y", limitKw: 1 });
      r.sessions.push(
        { ...r.sessions[0], circuitId: "zz" },
        { id: "t", arrival: "2026-11-23T05:00:00Z", departure: "2026-11-23T04:00:00Z", targetEnergyKwh: 5, capacityKwh: 4, maxChargeKw: 7 },
      );
    });
    expect(found.map((p) => p.path)).toEqual([
      "site.pvKw",
      "circuits[2].id",
      "circuits[3].parentId",
      "sessions[1].id",
      "sessions[1].circuitId",
      "sessions[2].departure",
      "sessions[2].capacityKwh",
    ]);
  });

  it("reports shape problems before cross-field rules, never a crash on a half-valid request", () => {
    // A bad start timestamp and a bad departure: the cross-field rules would read both; they wait.
    const found = problems((r) => {
      r.horizon.start = "soon";
      r.sessions[0].circuitId = "zz";
    });
    expect(found).toEqual([{ path: "horizon.start", message: expect.stringMatching(/RFC 3339/) }]);
  });

  it("rejects what is not a request at all", () => {
    for (const input of [null, [], "request", 42, undefined]) {
      const found = problemsOf(input);
      expect(found).toHaveLength(1);
      expect(found[0].path).toBe("(root)");
    }
  });
});

describe("validation: what is valid stays valid", () => {
  it("applies the documented defaults", () => {
    const v = validateRequest(base());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const { request } = v;
    expect(request.strategy).toBe("optimal");
    expect(request.site).toMatchObject({ exportLimitKw: 0, baseLoadKw: 0, pvKw: 0 });
    expect(request.tariff).toMatchObject({ exportPrice: 0, demandChargePerKw: 0, peakThresholdKw: 0 });
    expect(request.sessions[0]).toMatchObject({
      initialEnergyKwh: 0,
      minEnergyKwh: 0,
      minChargeKw: 0,
      maxDischargeKw: 0,
      chargeEfficiency: 1,
      dischargeEfficiency: 1,
      degradationCostPerKwh: 0,
      shortfallPenaltyPerKwh: 1000,
    });
    expect(request.sessions[0].arrival).toBeUndefined();
    expect(request.sessions[0].capacityKwh).toBeUndefined();
  });

  it("accepts the edge values the model allows", () => {
    const r = base();
    Object.assign(r.horizon, { slots: 2016, slotMinutes: 1, start: "2026-11-23T01:00:00.123456789+01:00" });
    Object.assign(r.tariff, { importPrice: -0.5, exportPrice: 2 });
    Object.assign(r.site, { importLimitKw: 0 });
    Object.assign(r.sessions[0], {
      arrival: "2026-11-22T00:00:00Z",
      departure: "2027-01-01T00:00:00-05:00",
      chargeEfficiency: 1,
      dischargeEfficiency: 1e-9,
      targetEnergyKwh: 0,
      initialEnergyKwh: 0,
      minChargeKw: 7,
    });
    r.circuits[0].limitKw = new Array(2016).fill(0);
    expect(validateRequest(r)).toMatchObject({ ok: true });
  });

  it("accepts a departure a few nanoseconds after the arrival", () => {
    const r = base();
    Object.assign(r.sessions[0], { arrival: "2026-11-23T01:00:00.0000001Z", departure: "2026-11-23T01:00:00.0000002Z" });
    expect(validateRequest(r)).toMatchObject({ ok: true });
  });
});

describe("solve() guards its own inputs", () => {
  it("refuses an unknown strategy name from an untyped caller with ERR_INVALID_REQUEST", () => {
    const v = validateRequest(base());
    if (!v.ok) throw new Error("base request invalid");
    for (const name of ["greedy", "constructor", "__proto__"]) {
      expect(() => solve(v.request, { strategy: name as "edf" })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_REQUEST", message: expect.stringContaining(name) }),
      );
    }
  });
});
