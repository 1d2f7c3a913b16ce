/**
 * Shared test plumbing: validate a request, solve it with a strategy and run
 * the independent checker on the response; the strategies this build offers.
 */
import { validateRequest } from "../../engine/model/validate.js";
import type { Request, Response, StrategyName } from "../../engine/model/schema.js";
import { solve } from "../../engine/scheduler/solve.js";
import { checkSchedule, describeCheck, type CheckResult } from "./checker.js";

export const BASELINES = ["uncontrolled", "equalShare", "edf", "llf"] as const satisfies readonly StrategyName[];

/** Every strategy of the registry: the baselines and optimal. */
export function availableStrategies(): StrategyName[] {
  return [...BASELINES, "optimal"];
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
