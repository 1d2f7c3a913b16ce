/**
 * Prometheus metrics of one service instance (its own registry, so several
 * instances can live in one process, as in tests).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Queue } from "bullmq";

const BULL_STATES = ["waiting", "active", "completed", "failed", "delayed", "prioritized"] as const;

export interface ServiceMetrics {
  registry: Registry;
  submitted: Counter<"strategy">;
  finished: Counter<"status">;
  solveSeconds: Histogram<"strategy">;
  latencySeconds: Histogram<"status">;
  webhookAttempts: Counter<"outcome">;
  /** Live sites' forecast trainings (`trained`, `skipped`: too few sessions or no setting, `failed`). */
  forecastTrainings: Counter<"outcome">;
  forecastTrainingSeconds: Histogram;
  /** Held-out error of the latest training in this process, by target (`departure_h`, `energy_kwh`). */
  forecastHeldOutMae: Gauge<"target">;
  /** Report queue counts at scrape time. */
  watchQueue(queue: Queue): void;
  /** Report the webhook outbox at scrape time. */
  watchOutbox(stats: () => Promise<{ count: number; oldestAt?: number }>): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "wattplan_" });
  let queue: Queue | undefined;
  new Gauge({
    name: "wattplan_queue_jobs",
    help: "Jobs in the queue by BullMQ state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!queue) return;
      try {
        const counts = await queue.getJobCounts(...BULL_STATES);
        for (const state of BULL_STATES) this.set({ state }, counts[state] ?? 0);
      } catch {
        // Redis away: keep the last values rather than failing the scrape.
      }
    },
  });
  new Gauge({
    name: "wattplan_queue_depth",
    help: "Jobs waiting for a worker",
    registers: [registry],
    async collect() {
      if (!queue) return;
      try {
        const c = await queue.getJobCounts("waiting", "delayed", "prioritized");
        this.set((c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0));
      } catch {
        // as above
      }
    },
  });
  // Finished jobs whose webhook is not yet handed to delivery: a count that
  // grows, or an oldest entry older than the sweeper's grace plus interval,
  // means deliveries are not being enqueued (Redis trouble, no worker).
  // Finished jobs whose webhook is not yet handed to delivery: an oldest
  // entry older than the sweeper's grace plus interval means deliveries are
  // not being enqueued (Redis trouble, no worker running).
  let outbox: (() => Promise<{ count: number; oldestAt?: number }>) | undefined;
  new Gauge({
    name: "wattplan_webhook_outbox",
    help: "Finished jobs whose webhook is not yet stored and queued for delivery",
    registers: [registry],
    async collect() {
      if (!outbox) return;
      try {
        this.set((await outbox()).count);
      } catch {
        // as above
      }
    },
  });
  new Gauge({
    name: "wattplan_webhook_outbox_oldest_seconds",
    help: "Age of the oldest webhook outbox entry (since its job finished, or a sweeper last took it); 0 when empty",
    registers: [registry],
    async collect() {
      if (!outbox) return;
      try {
        const { oldestAt } = await outbox();
        this.set(oldestAt === undefined ? 0 : Math.max(0, (Date.now() - oldestAt) / 1000));
      } catch {
        // as above
      }
    },
  });
  return {
    registry,
    submitted: new Counter({
      name: "wattplan_jobs_submitted_total",
      help: "Optimizations accepted",
      labelNames: ["strategy"],
      registers: [registry],
    }),
    finished: new Counter({
      name: "wattplan_jobs_finished_total",
      help: "Optimizations finished by final status (this process)",
      labelNames: ["status"],
      registers: [registry],
    }),
    solveSeconds: new Histogram({
      name: "wattplan_solve_seconds",
      help: "Time in solve() per job",
      labelNames: ["strategy"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    latencySeconds: new Histogram({
      name: "wattplan_job_latency_seconds",
      help: "From submission to final status",
      labelNames: ["status"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: "wattplan_webhook_attempts_total",
      help: "Webhook delivery attempts by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    forecastTrainings: new Counter({
      name: "wattplan_site_forecast_trainings_total",
      help: "Live-site forecast trainings by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    forecastTrainingSeconds: new Histogram({
      name: "wattplan_site_forecast_training_seconds",
      help: "Time to train one site's forecast (with its held-out evaluation)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    forecastHeldOutMae: new Gauge({
      name: "wattplan_site_forecast_heldout_mae",
      help: "Held-out mean absolute error of the latest site forecast trained here (departure in hours, energy in kWh)",
      labelNames: ["target"],
      registers: [registry],
    }),
    watchQueue(q) {
      queue = q;
    },
    watchOutbox(stats) {
      outbox = stats;
    },
  };
}
