/**
 * Spec §11 on top of any generated request: a share of the sessions made
 * one-phase (some of them on an unknown phase, the others spread over L1-L3),
 * every circuit given a per-phase current limit and an unbalance limit, the
 * site a per-phase limit. Seeded and deterministic.
 */
import type { PerSlot, RequestInput } from "../../engine/model/schema.js";
import { Random } from "../../service/simulate/random.js";

export interface PhaseOptions {
  /** Share of sessions that charge on one phase. @defaultValue 0.4 */
  onePhaseShare?: number;
  /** Share of the one-phase sessions whose phase is unknown. @defaultValue 1/3 */
  unknownShare?: number;
  /**
   * Each circuit's phase limit as a share of its kW limit's balanced current
   * (limitKw·1000 / (3·230)); below 1 the phase limit binds before the kW limit. @defaultValue 0.8
   */
  phaseLimitShare?: number;
  /** Unbalance limit on every circuit, as a share of its phase limit. @defaultValue 0.5 */
  unbalanceShare?: number;
  seed?: number;
}

const VOLTS = 230;

function limitOf(x: PerSlot): number {
  return Array.isArray(x) ? Math.max(...x) : x;
}

export function withPhases(input: RequestInput, options: PhaseOptions = {}): RequestInput {
  const r = new Random(options.seed ?? 1);
  const onePhase = options.onePhaseShare ?? 0.4;
  const unknown = options.unknownShare ?? 1 / 3;
  const share = options.phaseLimitShare ?? 0.8;
  const unbalance = options.unbalanceShare ?? 0.5;
  const out = structuredClone(input);
  let next = 0;
  out.sessions = out.sessions.map((s) => {
    if (!(r.uniform() < onePhase)) return s;
    // A one-phase car draws at most one phase's 32 A.
    const maxChargeKw = Math.min(s.maxChargeKw, 7.36);
    const minChargeKw = s.minChargeKw === undefined ? undefined : Math.min(s.minChargeKw, 1.38);
    const maxDischargeKw = s.maxDischargeKw === undefined ? undefined : Math.min(s.maxDischargeKw, 7.36);
    const placed = r.uniform() < unknown ? {} : { phase: (["L1", "L2", "L3"] as const)[next++ % 3] };
    return {
      ...s,
      maxChargeKw,
      ...(minChargeKw !== undefined && { minChargeKw }),
      ...(maxDischargeKw !== undefined && { maxDischargeKw }),
      phases: 1 as const,
      ...placed,
    };
  });
  out.circuits = (out.circuits ?? []).map((c) => {
    const phaseLimitA = Math.round(((limitOf(c.limitKw as PerSlot) * 1000) / (3 * VOLTS)) * share * 10) / 10;
    return { ...c, phaseLimitA, unbalanceLimitA: Math.round(phaseLimitA * unbalance * 10) / 10 };
  });
  // The site: the import limit's balanced current, never below what the base load needs.
  const site = out.site;
  const T = out.horizon.slots;
  const at = (x: PerSlot | undefined, t: number) => (x === undefined ? 0 : Array.isArray(x) ? x[t] : x);
  let need = 0;
  for (let t = 0; t < T; t++)
    need = Math.max(need, ((at(site.baseLoadKw as PerSlot | undefined, t) - at(site.pvKw as PerSlot | undefined, t)) * 1000) / (3 * VOLTS));
  const importA = (limitOf(site.importLimitKw as PerSlot) * 1000) / (3 * VOLTS);
  out.site = { ...site, voltageV: VOLTS, phaseLimitA: Math.ceil(Math.max(need + 1, importA * share)) };
  return out;
}
