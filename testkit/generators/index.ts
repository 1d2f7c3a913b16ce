/**
 * The named problem generators (seeded, deterministic), one registry the
 * bench and the tests read.
 */
import { depotV2g } from "./depot-v2g.js";
import { pvSite } from "./pv-site.js";
import type { Generator } from "./site.js";
import { workplace } from "./workplace.js";

export type { Generator, GeneratorOptions } from "./site.js";

export const GENERATORS = { workplace, depotV2g, pvSite } as const satisfies Record<string, Generator>;
export type GeneratorName = keyof typeof GENERATORS;
export const GENERATOR_NAMES = Object.keys(GENERATORS) as GeneratorName[];

/** The sizes the solver bench runs, sessions × slots (672 = 7 days of 15-min slots). */
export const SIZES = [
  { sessions: 10, slots: 96 },
  { sessions: 100, slots: 96 },
  { sessions: 300, slots: 96 },
  { sessions: 1000, slots: 96 },
  { sessions: 3000, slots: 96 },
  { sessions: 100, slots: 672 },
] as const;

export function sizeLabel(size: { sessions: number; slots: number }): string {
  return `${size.sessions}×${size.slots}`;
}
