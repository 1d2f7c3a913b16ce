/**
 * The BullMQ sandboxed processor: runs in a worker thread (loaded by BullMQ
 * from dist/service/worker/processor.js), so a long solve never blocks lock
 * renewal or the API. It reads the request from Redis, solves it, stores the
 * result and moves the job record to its final status. Deterministic
 * failures (the strategy is unavailable, the scheduler failed) end the job
 * as failed with their code; only infrastructure errors throw (and retry).
 */
import { threadId, workerData } from "node:worker_threads";
import type { SandboxedJob } from "bullmq";
import type { Redis } from "ioredis";
import { WattplanError } from "../../engine/errors.js";
import { validateRequest, formatProblems } from "../../engine/model/validate.js";
import { solve } from "../../engine/scheduler/solve.js";
import { createRedis } from "../redis.js";
import { JobStore, type JobError } from "../queue/store.js";
import type { JobData, JobOutcome, ProcessorContext } from "./types.js";

const context = workerData as ProcessorContext;
let redis: Redis | undefined;
let store: JobStore | undefined;

function jobStore(): JobStore {
  if (!store) {
    redis = createRedis(context.redisUrl, "worker");
    redis.on("error", () => {});
    store = new JobStore(redis, { prefix: context.prefix, retentionSeconds: context.retentionSeconds });
  }
  return store;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function fail(id: string, error: JobError): Promise<JobOutcome> {
  const t = await jobStore().finish(id, ["running"], { status: "failed", error });
  return { id, status: "failed", errorCode: error.code, skipped: !t.ok };
}

export default async function process(job: SandboxedJob<JobData, JobOutcome>): Promise<JobOutcome> {
  const { id } = job.data;
  const jobs = jobStore();
  const started = await jobs.start(id, threadId);
  // Canceled, timed out, or finished by an earlier attempt that died before acking: nothing to do.
  if (!started.ok) return { id, status: started.status ?? "missing", skipped: true };

  const body = await jobs.getRequest(id);
  if (body === undefined) return fail(id, { code: "ERR_JOB_EXPIRED", message: "the stored request expired before a worker took the job" });
  const checked = validateRequest(body);
  if (!checked.ok) return fail(id, { code: "ERR_INVALID_REQUEST", message: formatProblems(checked.problems) });
  const request = checked.request;
  // The job timeout also bounds the optimal strategy's own clock, so it returns its best schedule in time.
  const timeLimitMs = Math.min(request.solverOptions?.timeLimitMs ?? Infinity, Math.max(1, context.jobTimeoutMs - 1000));
  request.solverOptions = { ...request.solverOptions, timeLimitMs };

  if (context.testSolveDelayMs > 0) sleepSync(context.testSolveDelayMs);
  let resultJson: string;
  let solveMs: number;
  try {
    const started = performance.now();
    const response = solve(request);
    solveMs = performance.now() - started;
    resultJson = JSON.stringify(response);
  } catch (error) {
    // solve() is deterministic: running it again would fail again, so no retry.
    if (error instanceof WattplanError) return fail(id, { code: error.code, message: error.message });
    return fail(id, { code: "ERR_SCHEDULER_FAILED", message: error instanceof Error ? error.message : String(error) });
  }
  await jobs.putResult(id, resultJson);
  const t = await jobs.finish(id, ["running"], { status: "completed", solveMs });
  return { id, status: "completed", solveMs, skipped: !t.ok };
}
