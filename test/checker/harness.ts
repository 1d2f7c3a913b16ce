/**
 * Shared test plumbing: validate a request, solve it with a strategy and run
 * the independent checker on the response; the strategies this build offers.
 */
import { validateRequest } from "../../service/model/validate.js";
import type { Request, Response, StrategyName } from "../../service/model/schema.js";
import { solve } from "../../service/scheduler/solve.js";
import { WattplanError } from "../../service/errors.js";
import { checkSchedule, describeCheck, type CheckResult } from "./checker.js";

export const BASELINES = ["uncontrolled", "equalShare", "edf", "llf"] as const satisfies readonly StrategyName[];

/** Whether solve() offers the optimal strategy in this build (it lands on its own branch). */
export function optimalAvailable(): boolean {
  const probe = valid({
    horizon: { start: "2026-11-23T18:00:00Z", slotMinutes: 60, slots: 1 },
    site: { importLimitKw: 10 }, tariff: { importPrice: 0.2 }, sessions: [],
  });
  try {
    solve(probe, { strategy: "optimal" });
    return true;
  } catch (error) {
    if (error instanceof WattplanError && error.code === "ERR_STRATEGY_NOT_AVAILABLE") return false;
    throw error;
  }
}

/** Every strategy this build can run: the baselines, and optimal once it is there. */
export function availableStrategies(): StrategyName[] {
  return optimalAvailable() ? [...BASELINES, "optimal"] : [...BASELINES];
}

/** The validated request, or an exception naming every problem. */
export function valid(input: unknown): Request {
  const v = validateRequest(input);
  if (!v.ok) throw new Error(`request invalid: ${JSON.stringify(v.problems)}`);
  return v.request;
}

/** Solve, then insist the checker accepts the response. */
export function checked(request: Request, strategy: StrategyName): { response: Response; check: CheckResult } {
  const response = solve(request, { strategy });
  const check = checkSchedule(request, response);
  if (!check.ok) throw new Error(`${strategy}: ${describeCheck(check)}\nrequest: ${JSON.stringify(request)}`);
  return { response, check };
}
