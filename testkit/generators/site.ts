/**
 * The machinery the named generators share: sample sessions from a profile
 * (arrival, stay, charger, battery), then size the site around them so that
 * the circuits, the import limit and the demand charge all bind.
 */
import type { RequestInput } from "../../engine/model/schema.js";
import { Random, hashString } from "../../service/simulate/random.js";

/** What every generator takes. */
export interface GeneratorOptions {
  /** Number of charging sessions. */
  sessions: number;
  /** Horizon length in slots. */
  slots: number;
  /** Any integer; the same seed gives the same request. */
  seed: number;
  /** @defaultValue 15 */
  slotMinutes?: number;
  /** Share of sessions that may discharge (V2G). @defaultValue the profile's, 0.3 for all three */
  v2gShare?: number;
  /** Give sessions the IEC 61851 6 A charging floor (minChargeKw > 0), which makes the problem non-convex. @defaultValue false */
  minCharge?: boolean;
}

export type Generator = (options: GeneratorOptions) => RequestInput;

/** A charger model: grid-side power, phases (AC) or DC, and the 6 A floor it implies. */
export interface Charger {
  kw: number;
  minKw: number;
}

export const AC_7 = { kw: 7.4, minKw: 1.38 } as const satisfies Charger;
export const AC_11 = { kw: 11, minKw: 4.14 } as const satisfies Charger;
export const AC_22 = { kw: 22, minKw: 4.14 } as const satisfies Charger;
export const DC_50 = { kw: 50, minKw: 5 } as const satisfies Charger;

export interface Prices {
  importPrice: number;
  exportPrice: number;
}

/** How a kind of site behaves; hours are hours of the day (0-24, may be fractional). */
export interface Profile {
  name: string;
  idPrefix: string;
  arrivalHour(r: Random): number;
  stayHours(r: Random): number;
  chargers: readonly (readonly [Charger, number])[];
  v2gShare: number;
  /** Base load at an hour, per session, kW. */
  baseLoadKw(hour: number): number;
  /** Installed PV per session, kWp. */
  pvKwpPerSession: number;
  /** Export limit from the PV peak and the V2G discharge capacity, kW. */
  exportLimitKw(pvPeakKw: number, v2gKw: number): number;
  prices(hour: number, day: number, r: Random): Prices;
  demandChargePerKw: number;
  /**
   * Leaf circuit limit as a share of the peak of its sessions' "flat" load
   * (each session's energy spread evenly over its window): below 1, the
   * circuit binds when the flat schedule would need it.
   */
  circuitShare: number;
  /** Import limit above the base load, as a share of the peak of the flat EV load. */
  importShare: number;
}

const START_MS = Date.UTC(2026, 10, 23, 0, 0); // a Monday
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Leaf circuits and their share of the sessions; panel-a1 and panel-a2 hang on feeder-a, panel-b1 on feeder-b. */
const PLACES = [
  ["panel-a1", 0.3],
  ["panel-a2", 0.25],
  ["panel-b1", 0.3],
  ["feeder-b", 0.15],
] as const;
type Place = (typeof PLACES)[number][0];

const round = (x: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

interface Drawn {
  arrivalH: number;
  departureH: number;
  place: Place;
  charger: Charger;
  v2g: boolean;
  /** Grid energy the session asks for, kWh. */
  needKwh: number;
}

export function generate(profile: Profile, options: GeneratorOptions): RequestInput {
  const { sessions: n, slots: T, seed } = options;
  const slotMinutes = options.slotMinutes ?? 15;
  const v2gShare = options.v2gShare ?? profile.v2gShare;
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(T) && T >= 1)) throw new Error(`bad size ${n}×${T}`);
  const r = new Random(hashString(`${profile.name}:${seed}`));
  const slotH = slotMinutes / 60;
  const horizonH = T * slotH;
  const days = Math.ceil(horizonH / 24);

  const drawn: Drawn[] = [];
  const out: NonNullable<RequestInput["sessions"]> = [];
  for (let i = 0; i < n; i++) {
    // Sessions from the day before may still be plugged in at the start.
    let arrivalH: number;
    let stayH: number;
    for (let attempt = 0; ; attempt++) {
      arrivalH = 24 * r.int(-1, days - 1) + profile.arrivalHour(r);
      stayH = profile.stayHours(r);
      if ((arrivalH < horizonH - slotH && arrivalH + stayH > 2 * slotH) || attempt >= 50) break;
    }
    if (!(arrivalH < horizonH - slotH && arrivalH + stayH > 2 * slotH)) arrivalH = r.between(0, Math.max(0, horizonH - stayH));
    const arrivalMs = START_MS + Math.round((arrivalH * HOUR_MS) / MINUTE_MS) * MINUTE_MS;
    const departureMs = arrivalMs + Math.max(1, Math.round((stayH * HOUR_MS) / MINUTE_MS)) * MINUTE_MS;
    const charger = r.weighted(profile.chargers);
    const v2g = r.chance(v2gShare);
    const place = r.weighted(PLACES);
    const capacity = round(r.between(40, 100), 1);
    const initial = round(capacity * r.between(0.1, 0.6), 2);
    const etaC = round(r.between(0.88, 0.96), 3);
    // Some sessions ask for more than the charger could ever deliver: shortfall is part of the model.
    const wanted = r.between(0.15, 0.75) * charger.kw * stayH * etaC;
    const target = round(Math.min(capacity * 0.95, initial + wanted), 2);
    const session: NonNullable<RequestInput["sessions"]>[number] = {
      id: `${profile.idPrefix}-${i}`,
      evseId: `EVSE-${i}`,
      circuitId: place,
      arrival: iso(arrivalMs),
      departure: iso(departureMs),
      initialEnergyKwh: initial,
      targetEnergyKwh: target,
      capacityKwh: capacity,
      maxChargeKw: charger.kw,
      chargeEfficiency: etaC,
    };
    if (options.minCharge) session.minChargeKw = charger.minKw;
    if (v2g) {
      session.maxDischargeKw = charger.kw;
      session.minEnergyKwh = round(capacity * r.between(0.2, 0.35), 2);
      session.dischargeEfficiency = round(r.between(0.88, 0.96), 3);
      session.degradationCostPerKwh = round(r.between(0.02, 0.06), 4);
    }
    // Most drivers keep the default (effectively hard) penalty; some accept a soft one.
    if (r.chance(0.3)) session.shortfallPenaltyPerKwh = round(r.between(0.5, 3), 2);
    out.push(session);
    drawn.push({
      arrivalH: (arrivalMs - START_MS) / HOUR_MS,
      departureH: (departureMs - START_MS) / HOUR_MS,
      place,
      charger,
      v2g,
      needKwh: (target - initial) / etaC,
    });
  }

  // The flat EV load per place and slot: each session's energy spread evenly over its
  // whole stay (slot t counts when it lies inside the stay), capped by its charger.
  const flat = new Map<Place, Float64Array>(PLACES.map(([p]) => [p, new Float64Array(T)]));
  let v2gKw = 0;
  for (const d of drawn) {
    const a = Math.max(0, Math.ceil(d.arrivalH / slotH - 1e-9));
    const b = Math.min(T, Math.floor(d.departureH / slotH + 1e-9));
    const kw = Math.min(d.charger.kw, d.needKwh / Math.max(slotH, d.departureH - d.arrivalH));
    const row = flat.get(d.place)!;
    for (let t = a; t < b; t++) row[t] += kw;
    if (d.v2g) v2gKw += d.charger.kw;
  }
  const peakOf = (xs: Float64Array) => xs.reduce((m, x) => Math.max(m, x), 0);
  const hourOf = (t: number) => ((t + 0.5) * slotH) % 24;
  const dayOf = (t: number) => Math.floor(((t + 0.5) * slotH) / 24);

  const baseLoad: number[] = [];
  const pv: number[] = [];
  const importPrice: number[] = [];
  const exportPrice: number[] = [];
  const pvPeak = profile.pvKwpPerSession * Math.max(n, 4);
  const cloud = Array.from({ length: days }, () => r.between(0.45, 1));
  for (let t = 0; t < T; t++) {
    const h = hourOf(t);
    baseLoad.push(round(Math.max(n, 4) * profile.baseLoadKw(h) * r.between(0.95, 1.05), 2));
    const sun = h > 7 && h < 17 ? Math.sin((Math.PI * (h - 7)) / 10) : 0;
    pv.push(round(pvPeak * sun * cloud[dayOf(t)] * r.between(0.85, 1), 2));
    const p = profile.prices(h, dayOf(t), r);
    importPrice.push(round(p.importPrice, 4));
    exportPrice.push(round(p.exportPrice, 4));
  }

  const leafLimit = (p: Place) => round(Math.max(22, profile.circuitShare * peakOf(flat.get(p)!)), 1);
  const a1 = leafLimit("panel-a1");
  const a2 = leafLimit("panel-a2");
  const b1 = leafLimit("panel-b1");
  const bDirect = leafLimit("feeder-b");
  // The DSO asks feeder A to hold back at the evening peak.
  const feederA = Array.from({ length: T }, (_, t) => {
    const h = hourOf(t);
    return round(0.8 * (a1 + a2) * (h >= 17 && h < 20 ? 0.6 : 1), 1);
  });
  const feederB = round(0.8 * (b1 + bDirect), 1);

  const total = new Float64Array(T);
  for (const row of flat.values()) for (let t = 0; t < T; t++) total[t] += row[t];
  const baseMax = baseLoad.reduce((m, x) => Math.max(m, x), 0);
  let importLimit = 0;
  for (let t = 0; t < T; t++) importLimit = Math.max(importLimit, baseLoad[t] - 0.5 * pv[t] + profile.importShare * total[t]);
  // Always feasible without V2G: the connection carries the base load with room to spare.
  importLimit = round(Math.max(importLimit, 1.05 * baseMax + 11), 1);

  return {
    horizon: { start: iso(START_MS), slotMinutes, slots: T },
    site: {
      importLimitKw: importLimit,
      exportLimitKw: round(profile.exportLimitKw(pvPeak, v2gKw), 1),
      baseLoadKw: baseLoad,
      pvKw: pv,
    },
    circuits: [
      { id: "feeder-a", limitKw: feederA },
      { id: "feeder-b", limitKw: feederB },
      { id: "panel-a1", parentId: "feeder-a", limitKw: a1 },
      { id: "panel-a2", parentId: "feeder-a", limitKw: a2 },
      { id: "panel-b1", parentId: "feeder-b", limitKw: b1 },
    ],
    tariff: {
      importPrice,
      exportPrice,
      demandChargePerKw: profile.demandChargePerKw,
      peakThresholdKw: round(0.9 * baseMax, 1),
    },
    sessions: out,
  };
}

/** Clamp a draw into [lo, hi]. */
export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
