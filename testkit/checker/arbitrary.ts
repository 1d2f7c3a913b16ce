/**
 * fast-check arbitraries of VALID scheduling requests (docs/model.md): short
 * horizons, small fleets, circuit trees given in any order, per-slot arrays
 * or scalars, V2G, efficiencies, minChargeKw, PV with export limits,
 * negative prices, export prices above import prices, arrivals before the
 * start and after the end, departures beyond the horizon, timestamps on and
 * off slot boundaries and in other UTC offsets.
 */
import fc from "fast-check";
import type { RequestInput } from "../../engine/model/schema.js";

export interface RequestShape {
  maxSlots?: number;
  maxSessions?: number;
  maxCircuits?: number;
}

const MINUTE = 60_000;

/** A horizon start: on the minute, off it, with milliseconds, in another offset. */
const starts = [
  { text: "2026-11-23T18:00:00Z", ms: Date.parse("2026-11-23T18:00:00Z") },
  { text: "2026-11-23T19:00:00+01:00", ms: Date.parse("2026-11-23T18:00:00Z") },
  { text: "2026-03-29T00:30:00.250Z", ms: Date.parse("2026-03-29T00:30:00.250Z") },
  { text: "2026-06-15T05:59:30-05:30", ms: Date.parse("2026-06-15T05:59:30-05:30") },
];

/** RFC 3339 text of an instant, in the given UTC offset (minutes). */
export function timestamp(ms: number, offsetMinutes = 0): string {
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString().replace("Z", "");
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? "+" : "-";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
/** Mostly round-ish values (ties and exact limits), sometimes arbitrary doubles. */
const value = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: Math.ceil(min * 4), max: Math.floor(max * 4) }).map((k) => k / 4), weight: 3 },
    { arbitrary: num(min, max), weight: 2 },
  );
const perSlot = (T: number, min: number, max: number) =>
  fc.oneof(value(min, max), fc.array(value(min, max), { minLength: T, maxLength: T }));
const offsetMinutes = fc.constantFrom(0, 0, 60, -300, 330);

/** An instant near the horizon: on a slot boundary or anywhere, from before the start to after the end. */
function instant(startMs: number, slotMinutes: number, T: number) {
  const slotMs = slotMinutes * MINUTE;
  return fc.oneof(
    fc.integer({ min: -3, max: T + 3 }).map((k) => startMs + k * slotMs),
    fc.integer({ min: -3 * slotMs, max: (T + 3) * slotMs }).map((x) => startMs + x),
  );
}

function circuitTree(T: number, maxCircuits: number) {
  return fc.integer({ min: 0, max: maxCircuits }).chain((C) =>
    fc
      .tuple(
        fc.tuple(
          ...Array.from({ length: C }, (_, i) =>
            fc.tuple(i === 0 ? fc.constant(-1) : fc.integer({ min: -1, max: i - 1 }), perSlot(T, 0, 80)),
          ),
        ),
        fc.shuffledSubarray(
          Array.from({ length: C }, (_, i) => i),
          { minLength: C, maxLength: C },
        ),
      )
      .map(([specs, order]) =>
        order.map((i) => ({
          id: `c${i}`,
          ...(specs[i][0] >= 0 && { parentId: `c${specs[i][0]}` }),
          limitKw: specs[i][1],
        })),
      ),
  );
}

function session(index: number, startMs: number, slotMinutes: number, T: number, circuitIds: string[], minCharge: boolean) {
  return fc
    .record({
      arrival: fc.option(instant(startMs, slotMinutes, T), { nil: undefined }),
      stay: fc.oneof(
        fc.integer({ min: 1, max: (T + 4) * slotMinutes }).map((m) => m * MINUTE),
        fc.integer({ min: 1, max: (T + 4) * slotMinutes * MINUTE }),
      ),
      offset: offsetMinutes,
      circuit: circuitIds.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...circuitIds), { nil: undefined }),
      e0: fc.option(value(0, 60), { nil: undefined }),
      eT: value(0, 80),
      extraCapacity: fc.option(value(0, 40), { nil: undefined }),
      minEnergyShare: fc.option(num(0, 1), { nil: undefined }),
      maxChargeKw: fc.oneof(value(0.25, 50), num(1e-3, 50)),
      minChargeShare: minCharge ? fc.option(num(0, 1), { nil: undefined }) : fc.constant(undefined),
      maxDischargeKw: fc.option(value(0, 25), { nil: undefined }),
      chargeEfficiency: fc.option(num(0.5, 1), { nil: undefined }),
      dischargeEfficiency: fc.option(num(0.5, 1), { nil: undefined }),
      degradationCostPerKwh: fc.option(value(0, 0.3), { nil: undefined }),
      shortfallPenaltyPerKwh: fc.option(value(0, 2000), { nil: undefined }),
    })
    .map((r) => {
      const arrivalMs = r.arrival ?? startMs;
      const e0 = r.e0;
      const least = Math.max(e0 ?? 0, r.eT);
      const capacity = r.extraCapacity === undefined ? undefined : least + r.extraCapacity;
      const effectiveCapacity = capacity ?? least;
      return {
        id: `ev${index}`,
        ...(index % 2 === 0 && { evseId: `EVSE-${index}` }),
        ...(r.circuit !== undefined && { circuitId: r.circuit }),
        ...(r.arrival !== undefined && { arrival: timestamp(r.arrival, r.offset) }),
        departure: timestamp(arrivalMs + r.stay, r.offset),
        ...(e0 !== undefined && { initialEnergyKwh: e0 }),
        targetEnergyKwh: r.eT,
        ...(capacity !== undefined && capacity > 0 && { capacityKwh: capacity }),
        ...(r.minEnergyShare !== undefined && { minEnergyKwh: r.minEnergyShare * effectiveCapacity }),
        maxChargeKw: r.maxChargeKw,
        ...(r.minChargeShare !== undefined && { minChargeKw: r.minChargeShare * r.maxChargeKw }),
        ...(r.maxDischargeKw !== undefined && { maxDischargeKw: r.maxDischargeKw }),
        ...(r.chargeEfficiency !== undefined && { chargeEfficiency: r.chargeEfficiency }),
        ...(r.dischargeEfficiency !== undefined && { dischargeEfficiency: r.dischargeEfficiency }),
        ...(r.degradationCostPerKwh !== undefined && { degradationCostPerKwh: r.degradationCostPerKwh }),
        ...(r.shortfallPenaltyPerKwh !== undefined && { shortfallPenaltyPerKwh: r.shortfallPenaltyPerKwh }),
      };
    });
}

/** Valid requests (the caller still runs validateRequest: the arbitrary's validity is itself checked). */
export function requestArbitrary(shape: RequestShape = {}): fc.Arbitrary<RequestInput> {
  const { maxSlots = 60, maxSessions = 15, maxCircuits = 5 } = shape;
  return fc
    .record({
      T: fc.integer({ min: 1, max: maxSlots }),
      slotMinutes: fc.oneof(fc.constantFrom(15, 30, 60, 5), fc.integer({ min: 1, max: 60 })),
      start: fc.constantFrom(...starts),
    })
    .chain(({ T, slotMinutes, start }) =>
      // minChargeKw (which makes "optimal" a heuristic) in about half the requests, not nearly all.
      fc.tuple(circuitTree(T, maxCircuits), fc.boolean()).chain(([circuits, minCharge]) =>
        fc
          .record({
            site: fc.record(
              {
                // Mostly comfortable import limits, sometimes tight ones (infeasible slots).
                importLimitKw: fc.oneof({ arbitrary: perSlot(T, 60, 250), weight: 3 }, { arbitrary: perSlot(T, 0, 200), weight: 2 }),
                exportLimitKw: fc.option(perSlot(T, 0, 60), { nil: undefined }),
                baseLoadKw: fc.option(perSlot(T, 0, 80), { nil: undefined }),
                pvKw: fc.option(perSlot(T, 0, 120), { nil: undefined }),
              },
              { requiredKeys: ["importLimitKw"] },
            ),
            tariff: fc.record({
              importPrice: perSlot(T, -0.2, 0.6),
              exportPrice: fc.option(perSlot(T, -0.1, 0.7), { nil: undefined }),
              demandChargePerKw: fc.option(value(0, 20), { nil: undefined }),
              peakThresholdKw: fc.option(value(0, 60), { nil: undefined }),
            }),
            sessions: fc.integer({ min: 0, max: maxSessions }).chain((V) =>
              fc.tuple(
                ...Array.from({ length: V }, (_, i) =>
                  session(
                    i,
                    start.ms,
                    slotMinutes,
                    T,
                    circuits.map((c) => c.id),
                    minCharge,
                  ),
                ),
              ),
            ),
          })
          .map(({ site, tariff, sessions }) => {
            const dropUndefined = <O extends object>(o: O) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as O;
            const request: RequestInput = {
              horizon: { start: start.text, slotMinutes, slots: T },
              site: dropUndefined(site) as RequestInput["site"],
              ...(circuits.length > 0 && { circuits }),
              tariff: dropUndefined(tariff) as RequestInput["tariff"],
              sessions,
            };
            return request;
          }),
      ),
    );
}
