/**
 * A worker process's queue consumer: a BullMQ Worker whose processor runs in
 * worker threads, plus what the main thread owns: the job timeout watchdog,
 * final failure of jobs whose workers kept dying, metrics, webhooks and the
 * webhook outbox sweeper.
 */
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { existsSync } from "node:fs";
import { packagePath } from "../../engine/paths.js";
import { createRedis } from "../redis.js";
import type { ServiceConfig } from "../config.js";
import { QUEUE_NAME } from "../queue/keys.js";
import { JobStore } from "../queue/store.js";
import type { ServiceMetrics } from "../queue/metrics.js";
import type { Notifier } from "./notify.js";
import { WebhookOutbox } from "./outbox.js";
import type { JobData, JobOutcome, ProcessorContext } from "./types.js";

/** The compiled processor: BullMQ loads it in each thread (TS sources cannot be loaded there). */
export function processorPath(): string {
  const path = packagePath("dist", "service", "worker", "processor.js");
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return path;
}

export interface WorkerDeps {
  notifier: Notifier;
  metrics: ServiceMetrics;
  log?: (message: string) => void;
}

export interface RunningWorker {
  worker: Worker<JobData, JobOutcome>;
  /** Stop taking jobs; wait for active ones up to the shutdown timeout, then hand them back. */
  close(): Promise<void>;
}

export async function startWorker(config: ServiceConfig, deps: WorkerDeps): Promise<RunningWorker> {
  const log = deps.log ?? (() => {});
  const connection: Redis = createRedis(config.redisUrl, "worker");
  connection.on("error", () => {});
  const store = new JobStore(connection, { prefix: config.queuePrefix, retentionSeconds: config.retentionSeconds });
  const context: ProcessorContext = {
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    retentionSeconds: config.retentionSeconds,
    jobTimeoutMs: config.jobTimeoutMs,
    testSolveDelayMs: config.testSolveDelayMs,
  };
  const worker = new Worker<JobData, JobOutcome>(QUEUE_NAME, processorPath(), {
    connection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    useWorkerThreads: true,
    workerThreadsOptions: { workerData: context },
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    removeOnComplete: { age: config.retentionSeconds },
    removeOnFail: { age: config.retentionSeconds },
  });
  worker.on("error", (error) => log(`worker: ${error.message}`));

  const outbox = new WebhookOutbox(store, deps.notifier, log);
  const finalized = async (id: string, count = true) => {
    const record = await store.get(id);
    if (!record || (record.status !== "completed" && record.status !== "failed")) return;
    if (count) deps.metrics.finished.inc({ status: record.status });
    if (count && record.finishedAt)
      deps.metrics.latencySeconds.observe({ status: record.status }, (Date.parse(record.finishedAt) - Date.parse(record.createdAt)) / 1000);
    if (count && record.status === "completed" && record.solveMs !== undefined)
      deps.metrics.solveSeconds.observe({ strategy: record.strategy }, record.solveMs / 1000);
    // The job entered the webhook outbox when it became final; should this
    // process die before the webhook is enqueued, a sweeper enqueues it.
    if (record.webhook) await outbox.notify(id, record);
  };
  const safely = (what: string, p: Promise<unknown>) =>
    p.catch((error: unknown) => log(`${what}: ${error instanceof Error ? error.message : String(error)}`));

  // A solve is synchronous WASM in its thread: the timeout fails the job,
  // then terminates the thread (a late result would be discarded anyway).
  const timers = new Map<string, NodeJS.Timeout>();
  worker.on("active", (job: Job<JobData>) => {
    const id = job.data.id;
    clearTimeout(timers.get(id));
    timers.set(
      id,
      setTimeout(() => {
        timers.delete(id);
        safely(
          "timeout",
          (async () => {
            const t = await store.finish(id, ["running"], {
              status: "failed",
              error: { code: "ERR_JOB_TIMEOUT", message: `the optimization ran longer than ${config.jobTimeoutMs} ms` },
            });
            if (t.ok) {
              const record = await store.get(id);
              if (record?.thread !== undefined && terminateThread(worker, record.thread))
                log(`job ${id}: timed out; terminated its thread`);
              await finalized(id);
            }
          })(),
        );
      }, config.jobTimeoutMs).unref(),
    );
  });
  worker.on("completed", (job: Job<JobData>, outcome: JobOutcome) => {
    clearTimeout(timers.get(job.data.id));
    timers.delete(job.data.id);
    // A skipped job may have been finished by an attempt that died before its webhook was enqueued.
    void safely("completed", finalized(job.data.id, !outcome.skipped));
  });
  worker.on("failed", (job: Job<JobData> | undefined, error: Error) => {
    if (!job) return;
    clearTimeout(timers.get(job.data.id));
    timers.delete(job.data.id);
    const attempts = job.opts.attempts ?? 1;
    const stalled = /stalled/i.test(error.message);
    if (!stalled && job.attemptsMade < attempts) return; // BullMQ retries it
    void safely(
      "failed",
      (async () => {
        const t = await store.finish(job.data.id, ["queued", "running"], {
          status: "failed",
          error: stalled
            ? { code: "ERR_WORKER_CRASHED", message: `the job's worker stopped ${config.maxStalledCount + 1} times: ${error.message}` }
            : { code: "ERR_INTERNAL", message: `failed after ${job.attemptsMade} attempt(s): ${error.message}` },
        });
        if (t.ok) await finalized(job.data.id);
      })(),
    );
  });

  deps.notifier.startWorker();
  await worker.waitUntilReady();
  const sweeper = outbox.startSweeper({ intervalMs: config.webhookOutboxSweepMs, graceMs: config.webhookOutboxGraceMs });

  return {
    worker,
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      // Stopped alongside the graceful close; the notifier closes after us.
      const sweeperStopped = sweeper.stop();
      const graceful = worker.close();
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), config.shutdownTimeoutMs).unref()),
      ]);
      if (timedOut) {
        // Active jobs keep their lock until it expires; the stalled check of another worker then takes them.
        log(`worker: jobs still active after ${config.shutdownTimeoutMs} ms; handing them back`);
        await Promise.race([worker.close(true).catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
      }
      await sweeperStopped;
      connection.disconnect();
    },
  };
}

interface SandboxChild {
  kill(signal?: string, timeoutMs?: number): Promise<void>;
}

/**
 * Terminate the worker thread running a job. BullMQ has no public way to
 * abort a busy sandboxed processor, so this reaches into its child pool
 * (bullmq 6.7, pinned); if the shape ever differs it does nothing and the
 * thread simply finishes its solve. BullMQ sees the thread exit, the job's
 * retry finds it already failed and skips it.
 */
function terminateThread(worker: Worker, thread: number): boolean {
  const pool = (worker as unknown as { childPool?: { retained?: Record<number, SandboxChild | undefined> } }).childPool;
  const child = pool?.retained?.[thread];
  if (!child || typeof child.kill !== "function") return false;
  void child.kill("SIGKILL").catch(() => {});
  return true;
}
