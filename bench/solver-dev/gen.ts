// Seeded random requests for developing the optimal strategy (not the bench's generator).
import type { RequestInput } from "../../engine/model/schema.js";
import { mulberry32 } from "../../service/simulate/random.js";

/** The bench generators' PRNG (mulberry32), so a seed means the same everywhere. */
export const rng = mulberry32;

export interface GenOptions {
  sessions: number;
  slots: number;
  slotMinutes?: number;
  circuits?: number;
  v2g?: number;
  demandCharge?: number;
  pv?: boolean;
  minCharge?: number;
  avgWindow?: number;
  efficiency?: number;
  negativePrices?: boolean;
}

export function generate(seed: number, o: GenOptions): RequestInput {
  const r = rng(seed);
  const T = o.slots;
  const slotMinutes = o.slotMinutes ?? 15;
  const start = Date.parse("2026-11-23T00:00:00Z");
  const iso = (slot: number) => new Date(start + slot * slotMinutes * 60_000).toISOString();
  const perHour = 60 / slotMinutes;
  const price = Array.from({ length: T }, (_, t) => {
    const h = (t / perHour) % 24;
    const p = 0.15 + 0.15 * Math.sin(((h - 8) / 24) * 2 * Math.PI) + 0.05 * r();
    return +(o.negativePrices && r() < 0.15 ? -0.05 : p).toFixed(4);
  });
  const C = o.circuits ?? 0;
  const circuits = Array.from({ length: C }, (_, i) => ({
    id: `c${i}`,
    ...(i > 0 && { parentId: `c${Math.floor(r() * i)}` }),
    limitKw: Math.round(20 + (o.sessions / Math.max(1, C)) * 4 * (0.5 + r())),
  }));
  const avg = o.avgWindow ?? 20;
  const sessions = Array.from({ length: o.sessions }, (_, v) => {
    const w = Math.max(1, Math.round(avg * (0.3 + 1.4 * r())));
    const a = Math.floor(r() * Math.max(1, T - 2));
    const d = a + w;
    const cap = Math.round(40 + 40 * r());
    const e0 = Math.round(cap * 0.5 * r());
    const isV2g = r() < (o.v2g ?? 0);
    return {
      id: `s${v}`,
      ...(C > 0 && r() < 0.8 && { circuitId: `c${Math.floor(r() * C)}` }),
      arrival: iso(a),
      departure: iso(d),
      initialEnergyKwh: e0,
      targetEnergyKwh: Math.min(cap, e0 + Math.round(5 + 30 * r())),
      capacityKwh: cap,
      maxChargeKw: r() < 0.5 ? 11 : 22,
      ...(o.minCharge && { minChargeKw: o.minCharge }),
      ...(isV2g && { maxDischargeKw: 11, minEnergyKwh: Math.round(cap * 0.2), degradationCostPerKwh: 0.02 }),
      ...(o.efficiency && { chargeEfficiency: o.efficiency, dischargeEfficiency: o.efficiency }),
    };
  });
  return {
    horizon: { start: iso(0), slotMinutes, slots: T },
    site: {
      importLimitKw: Math.round(o.sessions * 8 + 50),
      exportLimitKw: o.pv ? 30 : 0,
      baseLoadKw: Array.from({ length: T }, () => Math.round(20 + 20 * r())),
      ...(o.pv && {
        pvKw: Array.from({ length: T }, (_, t) => Math.max(0, Math.round(60 * Math.sin(((((t / perHour) % 24) - 6) / 12) * Math.PI)))),
      }),
    },
    circuits,
    tariff: {
      importPrice: price,
      exportPrice: 0.05,
      ...(o.demandCharge && { demandChargePerKw: o.demandCharge, peakThresholdKw: 30 }),
    },
    sessions,
  };
}
