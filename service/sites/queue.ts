/**
 * Re-planning through BullMQ. Every event batch that changed a site asks
 * for a plan; BullMQ's deduplication with `keepLastIfActive` coalesces the
 * asks into at most one running and one waiting job per site, and the
 * planning lock in PostgreSQL (SiteStore.withPlanningLock) keeps two
 * workers off one site even when a stalled job is retried. A clock job
 * re-plans every wall-clock site whose plan starts before the current slot,
 * and every site whose plan is older than its state (its re-plan request was
 * lost, e.g. with Redis down between the event's commit and the request).
 */
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Notifier } from "../worker/notify.js";
import type { ServiceMetrics } from "../queue/metrics.js";
import { slotStart } from "./compile.js";
import { planSite, trainSiteForecast, type PlanOutcome, type PlannerOptions } from "./planner.js";
import { PlanThreads } from "./plan-threads.js";
import type { SiteStore } from "./store.js";

export const SITE_PLAN_QUEUE = "site-plans";
const PLAN_JOB = "plan";
const CLOCK_JOB = "clock";
const TRAIN_JOB = "train";
/** How often the slot clock looks for sites behind their state or the current slot, unless configured. */
export const CLOCK_EVERY_MS = 10_000;

interface PlanJob {
  pk: number;
}

export class SitePlanQueue {
  readonly queue: Queue<PlanJob>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<PlanJob>(SITE_PLAN_QUEUE, { connection, prefix });
    // Redis going away surfaces in the calls that fail; the emitter must not crash the process meanwhile.
    this.queue.on("error", () => {});
  }

  /** Ask for a plan of the site; asks while one is waiting are merged into it. */
  async request(pk: number, delayMs = 0): Promise<void> {
    await this.queue.add(
      PLAN_JOB,
      { pk },
      {
        deduplication: { id: `site-${pk}`, keepLastIfActive: true },
        ...(delayMs > 0 && { delay: delayMs }),
        // Infrastructure failures (PostgreSQL restarting) are retried; the plan is recomputed from the state, so retries are safe.
        attempts: 20,
        backoff: { type: "exponential", delay: 200 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  /** Ask for the site's forecast to be retrained (at most one waiting per site). */
  async train(pk: number): Promise<void> {
    await this.queue.add(
      TRAIN_JOB,
      { pk },
      {
        deduplication: { id: `train-${pk}` },
        attempts: 5,
        backoff: { type: "exponential", delay: 1000 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export interface SitePlanWorkerOptions extends Omit<PlannerOptions, "threads"> {
  connection: Redis;
  prefix: string;
  store: SiteStore;
  notifier: Notifier;
  /** Plans in flight at once in this process (different sites). @defaultValue 2 × max(1, threads) */
  concurrency?: number;
  /**
   * Threads computing the plans (plan-threads.ts; needs `npm run build`);
   * 0 computes them in this thread. @defaultValue 0
   */
  threads?: number;
  /** Run the slot clock from this worker (one is enough; several are harmless). @defaultValue true */
  clock?: boolean;
  /** @defaultValue {@link CLOCK_EVERY_MS} */
  clockEveryMs?: number;
  log?: (message: string) => void;
  /** Forecast training counts and times go here when given. */
  metrics?: ServiceMetrics;
  /** Called after each plan (tests, metrics). */
  onPlanned?: (outcome: PlanOutcome) => void;
}

export interface RunningSitePlanWorker {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * With `threads` the plans are computed in a pool of worker threads, so
 * plans of different sites solve on every core; the reads and writes of a
 * plan and its webhook stay in this thread, inside the job, so a job that
 * ends has published its plan and queued its webhook.
 */
export async function startSitePlanWorker(options: SitePlanWorkerOptions): Promise<RunningSitePlanWorker> {
  const log = options.log ?? (() => {});
  const queue = new SitePlanQueue(options.connection, options.prefix);
  const threadCount = options.threads ?? 0;
  const threads = threadCount > 0 ? new PlanThreads(threadCount) : undefined;
  const planner = { ...options, threads };
  const worker = new Worker<PlanJob>(
    SITE_PLAN_QUEUE,
    async (job: Job<PlanJob>) => {
      if (job.name === CLOCK_JOB) {
        const now = (options.now ?? Date.now)();
        for (const site of await options.store.planningStatus()) {
          const behindState = site.plannedStateVersion < site.stateVersion;
          const behindClock = site.clock === "wall" && (site.lastStart === undefined || site.lastStart < slotStart(now, site.slotMinutes));
          if (behindState || behindClock) await queue.request(site.pk);
        }
        return;
      }
      if (job.name === TRAIN_JOB) {
        // Training takes well under a second for a site's history (bench:forecast); the plan after it uses the new model.
        const m = options.metrics;
        const timer = m?.forecastTrainingSeconds.startTimer();
        let metrics: Awaited<ReturnType<typeof trainSiteForecast>>;
        try {
          metrics = await trainSiteForecast(options.store, job.data.pk, options.now);
        } catch (error) {
          m?.forecastTrainings.inc({ outcome: "failed" });
          throw error;
        }
        timer?.();
        m?.forecastTrainings.inc({ outcome: metrics === undefined ? "skipped" : "trained" });
        if (metrics === undefined) return;
        if (metrics.departureMaeH !== null) m?.forecastHeldOutMae.set({ target: "departure_h" }, metrics.departureMaeH);
        if (metrics.energyMaeKwh !== null) m?.forecastHeldOutMae.set({ target: "energy_kwh" }, metrics.energyMaeKwh);
        await queue.request(job.data.pk);
        return;
      }
      const outcome = await planSite(options.store, job.data.pk, planner);
      if (outcome === undefined) return;
      if (outcome.trainForecast === true) await queue.train(job.data.pk);
      const url = outcome.site.body.webhook?.url;
      if (
        outcome.version !== undefined &&
        outcome.horizonStart !== undefined &&
        outcome.computedAt !== undefined &&
        url !== undefined &&
        outcome.changed.length > 0
      ) {
        await options.notifier.sitePlanUpdated({
          tenantId: outcome.site.tenantId,
          siteId: outcome.site.siteId,
          url,
          version: outcome.version,
          stateVersion: outcome.stateVersion,
          horizonStart: outcome.horizonStart,
          computedAt: outcome.computedAt,
          changed: outcome.changed,
        });
      }
      options.onPlanned?.(outcome);
    },
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency ?? 2 * Math.max(1, threadCount) },
  );
  worker.on("failed", (job, error) =>
    log(`site plan ${job?.data.pk ?? "?"} failed (attempt ${job?.attemptsMade ?? "?"}): ${error.message}`),
  );
  worker.on("error", (error) => log(`site plan worker: ${error.message}`));
  if (options.clock ?? true) {
    await queue.queue.upsertJobScheduler(
      "site-clock",
      { every: options.clockEveryMs ?? CLOCK_EVERY_MS },
      { name: CLOCK_JOB, data: { pk: 0 } },
    );
  }
  return {
    worker,
    async close() {
      const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
      await bounded(worker.close());
      await bounded(queue.close());
      await threads?.close();
    },
  };
}
