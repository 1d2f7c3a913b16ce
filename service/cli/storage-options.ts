/**
 * `wattplan simulate --storage`: site batteries (spec §12) for the replay,
 * inline (`capacityKwh:maxChargeKw:maxDischargeKw[:roundTripEfficiency[:initialSoc]]`)
 * or as a JSON file of spec §12 storage objects. docs/simulate.md.
 */
import { StorageSchema } from "../../engine/model/schema.js";
import type { SimStorage } from "../simulate/simulator.js";
import { UsageError, readJsonInput } from "./io.js";

/** Initial state of charge when none is given: half full. */
export const DEFAULT_STORAGE_SOC = 0.5;

const NUMBER = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
const INLINE = new RegExp(`^${NUMBER}(?::${NUMBER}){2,4}$`);

/**
 * A battery in a JSON file: spec §12's storage object without `circuitId`
 * (simulate has no circuits) or `finalEnergyKwh` (the replay's rule sets it),
 * `id` optional, `initialEnergyKwh` defaulting to half the capacity.
 */
const FileStorageSchema = StorageSchema.omit({ circuitId: true, finalEnergyKwh: true, voltageV: true, id: true, initialEnergyKwh: true })
  .extend({
    id: StorageSchema.shape.id.optional(),
    initialEnergyKwh: StorageSchema.shape.initialEnergyKwh.optional(),
  })
  .strict();

/** Every `--storage` value, in order: ids `battery1`, `battery2`, … unless a file names them. */
export function parseStorageOptions(values: readonly string[]): SimStorage[] {
  const batteries: SimStorage[] = [];
  for (const value of values) {
    if (INLINE.test(value.trim())) batteries.push(inlineBattery(value.trim(), batteries.length + 1));
    else batteries.push(...fileBatteries(value, batteries.length));
  }
  const seen = new Set<string>();
  for (const b of batteries) {
    if (seen.has(b.id)) throw new UsageError(`--storage: duplicate battery id "${b.id}"`);
    seen.add(b.id);
  }
  return batteries;
}

function inlineBattery(text: string, n: number): SimStorage {
  const [capacity, charge, discharge, efficiency = 1, soc = DEFAULT_STORAGE_SOC] = text.split(":").map(Number);
  const bad = (rule: string) =>
    new UsageError(`--storage: "${text}": ${rule} (capacityKwh:maxChargeKw:maxDischargeKw[:roundTripEfficiency[:initialSoc]])`);
  if (!(capacity > 0) || !Number.isFinite(capacity)) throw bad("capacityKwh must be > 0");
  if (!(charge >= 0) || !Number.isFinite(charge)) throw bad("maxChargeKw must be ≥ 0");
  if (!(discharge >= 0) || !Number.isFinite(discharge)) throw bad("maxDischargeKw must be ≥ 0");
  if (charge === 0 && discharge === 0) throw bad("maxChargeKw and maxDischargeKw must not both be 0");
  if (!(efficiency > 0 && efficiency <= 1)) throw bad("roundTripEfficiency must be in (0, 1]");
  if (!(soc >= 0 && soc <= 1)) throw bad("initialSoc must be in 0..1");
  // A round trip's losses, split evenly between charging and discharging.
  const oneWay = Math.sqrt(efficiency);
  return {
    id: `battery${n}`,
    capacityKwh: capacity,
    initialEnergyKwh: soc * capacity,
    minEnergyKwh: 0,
    maxChargeKw: charge,
    maxDischargeKw: discharge,
    chargeEfficiency: oneWay,
    dischargeEfficiency: oneWay,
    degradationCostPerKwh: 0,
  };
}

function fileBatteries(file: string, before: number): SimStorage[] {
  let json: unknown;
  try {
    json = readJsonInput(file);
  } catch (error) {
    throw new UsageError(
      `--storage: "${file}" is neither capacityKwh:maxChargeKw:maxDischargeKw[:roundTripEfficiency[:initialSoc]] nor a readable JSON file (${(error as Error).message})`,
    );
  }
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) throw new UsageError(`--storage ${file}: no battery in the file`);
  return list.map((item, i) => {
    const at = Array.isArray(json) ? `[${i}].` : "";
    if (item !== null && typeof item === "object" && "finalEnergyKwh" in item)
      throw new UsageError(
        `--storage ${file}: ${at}finalEnergyKwh: not settable in simulate: every plan ends with at least the battery's initialEnergyKwh (docs/simulate.md)`,
      );
    const parsed = FileStorageSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.path.join(".");
      const message = issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
      throw new UsageError(`--storage ${file}: ${at}${path}${path ? ": " : ""}${message}`);
    }
    const b = parsed.data;
    const initial = b.initialEnergyKwh ?? DEFAULT_STORAGE_SOC * b.capacityKwh;
    if (initial > b.capacityKwh)
      throw new UsageError(`--storage ${file}: ${at}initialEnergyKwh: must not exceed capacityKwh (${b.capacityKwh})`);
    if (b.minEnergyKwh > initial)
      throw new UsageError(`--storage ${file}: ${at}minEnergyKwh: must not exceed initialEnergyKwh (${initial})`);
    return {
      id: b.id ?? `battery${before + i + 1}`,
      capacityKwh: b.capacityKwh,
      initialEnergyKwh: initial,
      minEnergyKwh: b.minEnergyKwh,
      maxChargeKw: b.maxChargeKw,
      maxDischargeKw: b.maxDischargeKw,
      chargeEfficiency: b.chargeEfficiency,
      dischargeEfficiency: b.dischargeEfficiency,
      degradationCostPerKwh: b.degradationCostPerKwh,
      ...(b.phases !== undefined && { phases: b.phases as 1 | 3 }),
    };
  });
}
