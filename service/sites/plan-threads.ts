/**
 * The worker threads that compute live-site plans (plan-compute.ts), so
 * that plans of different sites solve on every core while the main thread
 * keeps the API, the queues and PostgreSQL (service/threads.ts: one plan
 * per thread at a time, in order; a thread that dies fails the plan it
 * held, the plan job is retried, and the thread is replaced). The threads
 * load the compiled module (`npm run build`), as the job API's sandboxed
 * processor does.
 */
import { ThreadPool, compiledThreadEntry } from "../threads.js";
import type { ComputedPlan, PlanInput } from "./plan-compute.js";

/** The compiled thread entry (TS sources cannot be loaded in a plain worker thread). */
export function planThreadPath(): string {
  return compiledThreadEntry("service/sites/plan-thread", "a live site's plan thread");
}

export class PlanThreads extends ThreadPool<PlanInput, ComputedPlan> {
  /** @param size threads (≥ 1) */
  constructor(size: number, entry: string = planThreadPath()) {
    super(size, entry, "plan thread");
  }
}
