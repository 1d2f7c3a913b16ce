/**
 * Spec §11 in the replay: which phase each EVSE loads, and the site's phase
 * limit. `caltech` follows acnportal's `caltech_acn` network (Lee, Li & Low,
 * ACN-Sim): a 208 V transformer feeding one-phase EVSEs wired line to line,
 * each space on the line pair AB, BC or CA. The model's phases are phase to
 * neutral, so a pair stands for a phase (AB → L1, BC → L2, CA → L3) at 208 V:
 * a session's current is then its EVSE's current, and the phase limit bounds
 * the current of each pair (the delta's branch), not the transformer's line
 * currents (docs/simulate.md).
 */
import type { PhaseName } from "../../engine/model/schema.js";

/** How the replay places sessions on phases: all three-phase (v1), all one-phase on an unknown phase, or the Caltech ACN's wiring. */
export type PhaseLayout = "three" | "unknown" | "caltech";
export const PHASE_LAYOUTS: readonly PhaseLayout[] = ["three", "unknown", "caltech"];

/** Line-to-line voltage of the Caltech ACN's EVSEs (acnportal `caltech_acn`). */
export const CALTECH_VOLTAGE_V = 208;

const spaces = (numbers: number[]) => numbers.map((n) => `CA-${n}`);
/** acnportal `caltech_acn`: the spaces on each line pair (the AB pair includes the AeroVironment and ClipperCreek pods). */
const CALTECH_PAIRS: readonly [PhaseName, readonly string[]][] = [
  [
    "L1",
    spaces([
      308, 508, 303, 513, 310, 506, 316, 500, 318, 498, 324, 325, 326, 327, 489, 490, 491, 492, 322, 493, 496, 320, 495, 321, 323, 494,
    ]),
  ],
  ["L2", spaces([304, 512, 305, 511, 313, 503, 311, 505, 317, 499, 148, 149, 212, 213])],
  ["L3", spaces([307, 509, 309, 507, 306, 510, 315, 501, 319, 497, 312, 504, 314, 502])],
];
const CALTECH_PHASE = new Map<string, PhaseName>(CALTECH_PAIRS.flatMap(([phase, ids]) => ids.map((id) => [id, phase] as const)));

/** A session's phases as the replay tells the scheduler. */
export interface SessionPhases {
  phases: 1 | 3;
  /** Known phase of a one-phase session; none: unknown (counts on every phase). */
  phase?: PhaseName;
  /** Phase voltage of the session, V (none: the site's). */
  voltageV?: number;
}

/** The Caltech phase of a space id (`CA-303`), or undefined when acnportal's network does not list it. */
export function caltechPhase(spaceId: string): PhaseName | undefined {
  return CALTECH_PHASE.get(spaceId);
}

/** Where a session of this space sits under a layout; a Caltech space the network does not list is one-phase on an unknown phase. */
export function sessionPhases(layout: PhaseLayout, spaceId: string): SessionPhases {
  if (layout === "three") return { phases: 3 };
  if (layout === "unknown") return { phases: 1 };
  const phase = caltechPhase(spaceId);
  return { phases: 1, ...(phase !== undefined && { phase }), voltageV: CALTECH_VOLTAGE_V };
}
