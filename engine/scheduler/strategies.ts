/**
 * The strategy registry: one table, keyed by name, that the CLI, the API and
 * the bench all read (spec §8).
 */
import { StrategyId } from "../../assembly/layout.js";
import type { StrategyName } from "../model/schema.js";

export interface Strategy {
  name: StrategyName;
  /** Id on the WASM boundary. */
  id: StrategyId;
  summary: string;
  /** Whether the strategy may discharge (V2G). */
  dischargesV2g: boolean;
}

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  optimal: {
    name: "optimal",
    id: StrategyId.Optimal,
    dischargesV2g: true,
    summary: "minimum total cost (energy, demand, degradation, shortfall) with a proven bound",
  },
  uncontrolled: {
    name: "uncontrolled",
    id: StrategyId.Uncontrolled,
    dischargesV2g: false,
    summary: "every EV at full power from arrival until it holds its target; limits by proportional scaling",
  },
  equalShare: {
    name: "equalShare",
    id: StrategyId.EqualShare,
    dischargesV2g: false,
    summary: "capacity shared max-min fairly among plugged-in EVs (round robin)",
  },
  edf: {
    name: "edf",
    id: StrategyId.Edf,
    dischargesV2g: false,
    summary: "earliest departure first: each slot, EVs take what fits in order of departure",
  },
  llf: {
    name: "llf",
    id: StrategyId.Llf,
    dischargesV2g: false,
    summary: "least laxity first: each slot, EVs take what fits in order of slack time",
  },
};

export function strategyList(): Strategy[] {
  return Object.values(STRATEGIES);
}
