/**
 * Spec §12 on top of any generated request: site batteries sized to the
 * site's import limit, under the grid connection or on a circuit, lossy,
 * some with a degradation cost, a floor and a final energy other than the
 * initial one. Seeded and deterministic.
 */
import type { RequestInput } from "../../engine/model/schema.js";
import { Random } from "../../service/simulate/random.js";

export interface StorageOptions {
  /** How many batteries. @defaultValue 2 */
  count?: number;
  /** Each battery's power as a share of the site's largest import limit. @defaultValue 0.15 */
  powerShare?: number;
  /** Hours of full power the battery holds. @defaultValue 2 */
  hours?: number;
  /** Put the batteries on the generated circuits (round robin) instead of under the grid connection. @defaultValue false */
  onCircuits?: boolean;
  /** Draw final energies above and below the initial one (else the default: the initial). @defaultValue true */
  varyFinal?: boolean;
  seed?: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
/** The largest value of a per-slot quantity (0 when it is not one). */
function largest(x: unknown): number {
  if (typeof x === "number") return x;
  return Array.isArray(x) ? Math.max(0, ...x.filter((y): y is number => typeof y === "number")) : 0;
}

export function withStorage(input: RequestInput, options: StorageOptions = {}): RequestInput {
  const r = new Random(options.seed ?? 1);
  const count = options.count ?? 2;
  const kw = round((options.powerShare ?? 0.15) * largest(input.site.importLimitKw), 1);
  const capacity = round(kw * (options.hours ?? 2), 1);
  const circuits = options.onCircuits ? (input.circuits ?? []).map((c) => c.id) : [];
  const out = structuredClone(input);
  out.storage = Array.from({ length: count }, (_, i) => {
    const initial = round(capacity * r.between(0.3, 0.7), 2);
    const floor = round(capacity * r.between(0, 0.2), 2);
    const battery: NonNullable<RequestInput["storage"]>[number] = {
      id: `bess-${i}`,
      capacityKwh: capacity,
      initialEnergyKwh: initial,
      minEnergyKwh: Math.min(floor, initial),
      maxChargeKw: kw,
      maxDischargeKw: kw,
      chargeEfficiency: round(r.between(0.92, 0.97), 3),
      dischargeEfficiency: round(r.between(0.92, 0.97), 3),
    };
    if (circuits.length > 0) battery.circuitId = circuits[i % circuits.length];
    if (r.chance(0.5)) battery.degradationCostPerKwh = round(r.between(0.005, 0.03), 4);
    // A small change either way: a battery handed over fuller or emptier than it came.
    if (options.varyFinal ?? true) battery.finalEnergyKwh = round(Math.max(floor, initial + capacity * r.between(-0.1, 0.1)), 2);
    return battery;
  });
  return out;
}
