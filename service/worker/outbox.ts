/**
 * The webhook outbox. A finished job with a webhook enters it in the same
 * Redis script that makes its status final (JobStore.finish), and leaves it
 * only once its delivery is stored and its first attempt queued. The worker
 * that finished the job notifies at once; a sweeper in every worker process
 * takes the entries left longer than a grace period (their worker died, or
 * Redis failed half-way) and notifies them again. Notifying is idempotent
 * (the delivery id derives from the job id), so a job notified twice, by a
 * race or after a crash, still gets one delivery with one `webhook-id`.
 */
import { WattplanError } from "../../engine/errors.js";
import type { JobRecord, JobStore } from "../queue/store.js";
import type { Notifier } from "./notify.js";

/** Entries one sweep takes per round trip. */
const SWEEP_BATCH = 50;
// How long close() waits for a sweep under way: it only enqueues, which is
// quick unless Redis is away, and whatever it leaves undone stays in the outbox.
const SWEEP_STOP_TIMEOUT_MS = 2000;

export interface OutboxSweeper {
  /** Stop sweeping; resolves when the sweep under way has ended (bounded). */
  stop(): Promise<void>;
}

export class WebhookOutbox {
  constructor(
    private readonly store: JobStore,
    private readonly notifier: Notifier,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /**
   * Enqueue the webhook of a finished job (once per job, however often this
   * is called), then take the job out of the outbox. Throws when that could
   * not be done for now (the entry stays for a sweeper to retry).
   */
  async notify(id: string, known?: JobRecord): Promise<void> {
    const record = known ?? (await this.store.get(id));
    // Gone (expired, deleted) or nothing to send: nothing will ever be sent for it.
    if (!record || !record.webhook || (record.status !== "completed" && record.status !== "failed")) {
      await this.store.removeFromOutbox(id);
      return;
    }
    const result = record.status === "completed" ? await this.store.getResultText(id) : undefined;
    try {
      await this.notifier.jobFinished(record, result);
    } catch (error) {
      // A refused URL or an oversized payload would be refused on every retry.
      if (!(error instanceof WattplanError)) throw error;
      this.log(`webhook of job ${id} dropped: ${error.code}: ${error.message}`);
    }
    await this.store.removeFromOutbox(id);
  }

  /**
   * Notify every entry older than `graceMs` (a live worker is still on the
   * younger ones). Each taken entry is re-stamped, so concurrent sweepers
   * take disjoint sets and a failed one comes due again after `graceMs`.
   * Returns how many entries were notified.
   */
  async sweep(graceMs: number, isStopped: () => boolean = () => false): Promise<number> {
    let notified = 0;
    while (!isStopped()) {
      const now = Date.now();
      const ids = await this.store.takeDueOutbox(now - graceMs, now, SWEEP_BATCH);
      const outcomes = await Promise.allSettled(ids.map((id) => this.notify(id)));
      outcomes.forEach((o, i) => {
        if (o.status === "fulfilled") notified++;
        else this.log(`webhook outbox: job ${ids[i]}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`);
      });
      if (ids.length < SWEEP_BATCH) break;
    }
    return notified;
  }

  /** Sweep now, then every `intervalMs` (each sweep after the previous one ended). */
  startSweeper(options: { intervalMs: number; graceMs: number }): OutboxSweeper {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    const tick = (): void => {
      running = this.sweep(options.graceMs, () => stopped)
        .then(
          (n) => {
            if (n > 0) this.log(`webhook outbox: enqueued ${n} webhook(s) left behind`);
          },
          (error: unknown) => this.log(`webhook outbox: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(() => {
          running = undefined;
          // unref: the sweeper alone never keeps a process alive.
          if (!stopped) timer = setTimeout(tick, options.intervalMs).unref();
        });
    };
    tick();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        if (!running) return;
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([running, new Promise<void>((r) => (bound = setTimeout(r, SWEEP_STOP_TIMEOUT_MS)))]);
        clearTimeout(bound);
      },
    };
  }
}
