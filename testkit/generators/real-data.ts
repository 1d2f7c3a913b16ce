/**
 * A problem family built from the real data in `WATTPLAN_DATA_DIR` (the
 * shared `data/` folder), not from the bench's own profiles: the solver was
 * never tuned on it (issue 14).
 *
 * Per seed: a real day and time of day to start at, real Caltech sessions
 * (arrival time of day, stay, energy taken) drawn from both ACN files and laid onto that day, EV models
 * from EV2Gym's specs weighted by registrations (V2G-capable models for the
 * V2G share), the DOE medium-office load and the JPL PV array scaled to the
 * site, and one of the acnportal time-of-use tariffs with its demand charge.
 * The seed also draws the shape: 5- or 15-minute slots, a V2G share of
 * 0–60 %, 0–8 circuits in a tree, soft or hard shortfall penalties.
 */
import { readFileSync } from "node:fs";
import { readdirSync } from "node:fs";
import type { RequestInput } from "../../engine/model/schema.js";
import { dataFile } from "../../service/simulate/data-dir.js";
import { Random, hashString } from "../../service/simulate/random.js";
import { loadSeries, loadTariff, type StepSeries, type TouRates } from "../../service/simulate/series.js";
import { loadSessions, type ReplaySession } from "../../service/simulate/sessions.js";
import { HOUR_MS, MINUTE_MS, localParts, zonedTime } from "../../service/simulate/time.js";
import type { GeneratorOptions } from "./site.js";

/** The Caltech campus's clock: sessions, office load, PV and tariffs are all local to it. */
const TIME_ZONE = "America/Los_Angeles";

/** What the seed may draw; every field can be pinned instead. */
export interface RealDataOptions extends GeneratorOptions {
  /** Circuits in the tree, 0–8. @defaultValue drawn from 0–8 */
  circuits?: number;
}

/** The shape a seed drew, reported beside each bench row. */
export interface RealDataShape {
  day: string;
  slotMinutes: number;
  v2gShare: number;
  circuits: number;
  tariff: string;
}

interface EvModel {
  name: string;
  weight: number;
  capacityKwh: number;
  maxAcChargeKw: number;
  maxAcDischargeKw: number;
}

interface Pool {
  sessions: ReplaySession[];
  days: number[];
  evs: EvModel[];
  v2gEvs: EvModel[];
  office: StepSeries;
  pv: StepSeries;
  tariffs: TouRates[];
}

let pool: Pool | undefined;

function readEvModels(file: string): EvModel[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, number | string>>;
  return Object.entries(raw).map(([name, spec]) => ({
    name,
    weight: Number(spec.number_of_registrations),
    capacityKwh: Number(spec.battery_capacity),
    maxAcChargeKw: Number(spec.max_ac_charge_power),
    maxAcDischargeKw: Number(spec.max_ac_discharge_power ?? 0),
  }));
}

/** Everything read from disk, once per process. */
function loadPool(): Pool {
  if (pool) return pool;
  const sessions = [
    ...loadSessions(dataFile("sessions", "acn-caltech-2019-03.csv")).sessions,
    ...loadSessions(dataFile("sessions", "acn-caltech-2020-12_2021-09.csv")).sessions,
  ].filter((s) => s.energyKwh > 0.1 && s.departureMs - s.arrivalMs >= 15 * MINUTE_MS);
  // Weekdays with real traffic only: a start day is one of them.
  const perDay = new Map<number, number>();
  for (const s of sessions) {
    const p = localParts(s.arrivalMs, TIME_ZONE);
    const midnight = zonedTime(p.year, p.month, p.day, 0, 0, TIME_ZONE);
    if (p.weekday >= 1 && p.weekday <= 5) perDay.set(midnight, (perDay.get(midnight) ?? 0) + 1);
  }
  const days = [...perDay.entries()].filter(([, n]) => n >= 20).map(([d]) => d);
  days.sort((a, b) => a - b);
  const tariffDir = dataFile("tariffs");
  const tariffs = readdirSync(tariffDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => loadTariff(`${tariffDir}/${f}`, TIME_ZONE));
  pool = {
    sessions,
    days,
    evs: readEvModels(dataFile("ev", "ev_specs.json")),
    v2gEvs: readEvModels(dataFile("ev", "ev_specs_v2g_enabled2024.json")).filter((e) => e.maxAcDischargeKw > 0),
    office: loadSeries(dataFile("load", "office-medium-los-angeles.csv"), { timeZone: TIME_ZONE }),
    pv: loadSeries(dataFile("pv", "jpl-220kwdc.csv"), { timeZone: TIME_ZONE }),
    tariffs,
  };
  return pool;
}

const round = (x: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** EVSE ratings on a mixed site (grid side, kW), with their share. */
const EVSE_KW = [
  [6.6, 0.45],
  [7.4, 0.2],
  [11, 0.25],
  [22, 0.1],
] as const;

/** The shape a seed draws (without building the request). */
export function realDataShape(options: RealDataOptions): RealDataShape {
  const p = loadPool();
  const r = new Random(hashString(`realData:shape:${options.seed}`));
  const slotMinutes = options.slotMinutes ?? r.pick([5, 15]);
  const v2gShare = options.v2gShare ?? r.pick([0, 0.15, 0.3, 0.45, 0.6]);
  const circuits = options.circuits ?? r.int(0, 8);
  const tariff = r.pick(p.tariffs).name;
  const dayMs = r.pick(p.days);
  return { day: new Date(dayMs).toISOString().slice(0, 10), slotMinutes, v2gShare, circuits, tariff };
}

/**
 * The circuit tree for k circuits: ⌈k/4⌉ feeders under the site, the rest
 * panels spread over them. Sessions hang on the leaves (a feeder with no
 * panel is a leaf).
 */
function circuitTree(k: number): { id: string; parentId?: string }[] {
  if (k === 0) return [];
  const feeders = Math.ceil(k / 4);
  const tree: { id: string; parentId?: string }[] = [];
  for (let f = 0; f < feeders; f++) tree.push({ id: `feeder-${f}` });
  for (let i = 0; i < k - feeders; i++) tree.push({ id: `panel-${i}`, parentId: `feeder-${i % feeders}` });
  return tree;
}

export function realData(options: RealDataOptions): RequestInput {
  const { sessions: n, slots: T, seed } = options;
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(T) && T >= 1)) throw new Error(`bad size ${n}×${T}`);
  const p = loadPool();
  const shape = realDataShape(options);
  const r = new Random(hashString(`realData:${seed}`));
  const slotMinutes = shape.slotMinutes;
  const slotH = slotMinutes / 60;
  const horizonH = T * slotH;
  const tariff = p.tariffs.find((t) => t.name === shape.tariff)!;
  const [y, m, d] = shape.day.split("-").map(Number);
  // Short horizons (5-minute slots: 8 h at 96 slots) start in the morning, where the sessions are.
  const startHour = horizonH >= 24 ? 0 : r.pick([5, 6, 7, 8]);
  const startMs = zonedTime(y, m, d, startHour, 0, TIME_ZONE);
  const endMs = startMs + horizonH * HOUR_MS;

  const tree = circuitTree(shape.circuits);
  const leaves = tree.filter((c) => !tree.some((o) => o.parentId === c.id)).map((c) => c.id);

  // Real sessions laid onto the start day by their local time of day; those
  // that miss the horizon are drawn again.
  const out: NonNullable<RequestInput["sessions"]> = [];
  const flat = new Map<string, Float64Array>(leaves.map((l) => [l, new Float64Array(T)]));
  const total = new Float64Array(T);
  let v2gKw = 0;
  for (let i = 0; i < n; i++) {
    let s: ReplaySession;
    let arrivalMs: number;
    let departureMs: number;
    for (let attempt = 0; ; attempt++) {
      s = r.pick(p.sessions);
      const local = localParts(s.arrivalMs, TIME_ZONE);
      const dayOffset = r.int(-1, Math.max(0, Math.ceil(horizonH / 24) - 1));
      const jitter = Math.round(r.between(-10, 10)) * MINUTE_MS;
      arrivalMs = zonedTime(y, m, d, 0, 0, TIME_ZONE) + dayOffset * 24 * HOUR_MS + (local.hour * 60 + local.minute) * MINUTE_MS + jitter;
      departureMs = arrivalMs + (s.departureMs - s.arrivalMs);
      if ((departureMs > startMs + 2 * slotH * HOUR_MS && arrivalMs < endMs - slotH * HOUR_MS) || attempt >= 100) break;
    }
    const v2g = p.v2gEvs.length > 0 && r.chance(shape.v2gShare);
    const ev = r.weighted((v2g ? p.v2gEvs : p.evs).map((e) => [e, e.weight] as const));
    const evseKw = r.weighted(EVSE_KW);
    const etaC = round(r.between(0.88, 0.96), 3);
    // Whole slots only (spec §4): a short stay may lose most of its first and last slot.
    const usableH =
      (Math.floor((departureMs - startMs) / (slotH * HOUR_MS) + 1e-9) - Math.ceil((arrivalMs - startMs) / (slotH * HOUR_MS) - 1e-9)) *
      slotH;
    // A session that took more than AC power allows was on a DC charger: give it the power it needed.
    const neededKw = s.energyKwh / Math.max(slotH, usableH);
    const maxChargeKw = round(Math.max(Math.min(evseKw, ev.maxAcChargeKw), Math.min(150, 1.1 * neededKw)), 2);
    const capacity = ev.capacityKwh;
    const initial = round(capacity * r.between(0.1, 0.5), 2);
    // What the car really took: drivers' announcements overstate it so much
    // (bench:forecast) that most sessions would be short whatever the schedule.
    const wanted = s.energyKwh;
    const target = round(Math.min(0.95 * capacity, initial + wanted * etaC), 2);
    const leaf = leaves.length > 0 ? r.pick(leaves) : undefined;
    const session: NonNullable<RequestInput["sessions"]>[number] = {
      id: `rd-${i}`,
      evseId: `EVSE-${i}`,
      ...(leaf ? { circuitId: leaf } : {}),
      arrival: iso(arrivalMs),
      departure: iso(departureMs),
      initialEnergyKwh: initial,
      targetEnergyKwh: Math.max(initial, target),
      capacityKwh: capacity,
      maxChargeKw,
      chargeEfficiency: etaC,
    };
    if (options.minCharge) session.minChargeKw = round(Math.min(maxChargeKw, 1.38 * (maxChargeKw > 7.4 ? 3 : 1)), 2);
    if (v2g) {
      session.maxDischargeKw = round(Math.min(evseKw, ev.maxAcDischargeKw), 2);
      session.minEnergyKwh = round(capacity * r.between(0.2, 0.4), 2);
      session.dischargeEfficiency = round(r.between(0.88, 0.96), 3);
      session.degradationCostPerKwh = round(r.between(0.02, 0.08), 4);
      v2gKw += session.maxDischargeKw;
    }
    if (r.chance(0.3)) session.shortfallPenaltyPerKwh = round(r.between(0.3, 5), 2);
    out.push(session);

    const a = Math.max(0, Math.ceil((arrivalMs - startMs) / (slotH * HOUR_MS) - 1e-9));
    const b = Math.min(T, Math.floor((departureMs - startMs) / (slotH * HOUR_MS) + 1e-9));
    const kw = Math.min(maxChargeKw, (target - initial) / etaC / Math.max(slotH, (departureMs - arrivalMs) / HOUR_MS));
    for (let t = a; t < b; t++) {
      total[t] += kw;
      if (leaf) flat.get(leaf)![t] += kw;
    }
  }

  // Site series from the real profiles, scaled to the number of sessions
  // (the office's mean is 76 kW; the JPL array is 220 kWdc).
  const siteScale = Math.max(n, 10) / 60;
  const at = (t: number) => startMs + (t + 0.5) * slotH * HOUR_MS;
  const baseLoad = Array.from({ length: T }, (_, t) => round(siteScale * p.office.at(at(t)), 2));
  const pv = Array.from({ length: T }, (_, t) => round(0.5 * siteScale * p.pv.at(at(t)), 2));
  const importPrice = Array.from({ length: T }, (_, t) => round(tariff.energyRate(at(t)), 5));
  const exportPrice = importPrice.map((x) => round(0.3 * x, 5));
  const pvPeak = pv.reduce((mx, x) => Math.max(mx, x), 0);
  const baseMax = baseLoad.reduce((mx, x) => Math.max(mx, x), 0);

  const peakOf = (xs: Float64Array) => xs.reduce((mx, x) => Math.max(mx, x), 0);
  const share = r.between(0.55, 0.9);
  const limitOf = new Map<string, number>();
  for (const leaf of leaves) limitOf.set(leaf, round(Math.max(22, share * peakOf(flat.get(leaf)!)), 1));
  const circuits = tree.map((c) => {
    const children = tree.filter((o) => o.parentId === c.id).map((o) => limitOf.get(o.id) ?? 0);
    const limit = children.length > 0 ? round(0.8 * children.reduce((sum, x) => sum + x, 0), 1) : limitOf.get(c.id)!;
    return { ...c, limitKw: limit };
  });

  let importLimit = 0;
  const importShare = r.between(0.5, 0.85);
  for (let t = 0; t < T; t++) importLimit = Math.max(importLimit, baseLoad[t] - 0.5 * pv[t] + importShare * total[t]);
  importLimit = round(Math.max(importLimit, 1.05 * baseMax + 11), 1);

  return {
    horizon: { start: iso(startMs), slotMinutes, slots: T },
    site: {
      importLimitKw: importLimit,
      exportLimitKw: round(0.3 * pvPeak + 0.5 * v2gKw, 1),
      baseLoadKw: baseLoad,
      pvKw: pv,
    },
    circuits,
    tariff: {
      importPrice,
      exportPrice,
      demandChargePerKw: tariff.demandRate(startMs),
      peakThresholdKw: round(0.9 * baseMax, 1),
    },
    sessions: out,
  };
}
