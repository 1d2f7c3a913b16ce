/**
 * The producer side of the job queue: accept a job (record, request, BullMQ
 * job), cancel one, and wait for one to finish.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { WattplanError } from "../../engine/errors.js";
import { createRedis } from "../redis.js";
import { QUEUE_NAME, newJobId } from "./keys.js";
import { FINAL_STATUSES, JobStore, type JobRecord, type WebhookTarget } from "./store.js";
import { createHash } from "node:crypto";
import type { JobData } from "../worker/types.js";

export interface ProducerOptions {
  redisUrl: string;
  prefix: string;
  retentionSeconds: number;
  /** Extra attempts after a worker crash or an infrastructure error. @defaultValue 2 */
  retries?: number;
}

export interface Submission {
  tenant: string;
  strategy: string;
  /** The request part of the body, exactly as the client sent it. */
  request: unknown;
  metadata?: Record<string, unknown>;
  webhook?: WebhookTarget;
  idempotencyKey?: string;
  /** Hash of the whole body, for idempotency. */
  bodyHash: string;
}

export class JobProducer {
  readonly redis: Redis;
  readonly store: JobStore;
  readonly queue: Queue<JobData>;
  private subscriber: Redis | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly retries: number;
  private readonly queueConnection: Redis;

  constructor(private readonly options: ProducerOptions) {
    this.redis = createRedis(options.redisUrl, "api");
    this.redis.on("error", () => {});
    this.store = new JobStore(this.redis, { prefix: options.prefix, retentionSeconds: options.retentionSeconds });
    this.queueConnection = createRedis(options.redisUrl, "api");
    this.queueConnection.on("error", () => {});
    this.queue = new Queue<JobData>(QUEUE_NAME, {
      connection: this.queueConnection,
      prefix: options.prefix,
      skipWaitingForReady: true,
    });
    this.queue.on("error", () => {});
    this.retries = options.retries ?? 2;
  }

  /** Accept a job. Returns the record and whether it already existed (same Idempotency-Key and body). */
  async submit(s: Submission): Promise<{ record: JobRecord; existing: boolean }> {
    const now = new Date();
    const id = newJobId(now.getTime());
    const keyHash = s.idempotencyKey === undefined ? undefined : createHash("sha256").update(s.idempotencyKey).digest("hex");
    if (keyHash !== undefined) {
      const first = await this.store.claimIdempotencyKey(s.tenant, keyHash, id, s.bodyHash);
      if (first) {
        if (first.bodyHash !== s.bodyHash) throw new WattplanError("ERR_IDEMPOTENCY_CONFLICT", undefined, { jobId: first.id });
        const record = await this.waitForRecord(first.id, s.tenant);
        if (record) return { record, existing: true };
        // The first job expired: the key is free again.
        await this.store.releaseIdempotencyKey(s.tenant, keyHash);
        return this.submit(s);
      }
    }
    try {
      await this.store.create({
        id,
        tenant: s.tenant,
        strategy: s.strategy,
        request: s.request,
        metadata: s.metadata,
        webhook: s.webhook,
        createdAt: now,
      });
      await this.queue.add(
        "solve",
        { id },
        {
          jobId: id,
          attempts: 1 + this.retries,
          backoff: { type: "exponential", delay: 1000 },
          removeOnComplete: { age: this.options.retentionSeconds },
          removeOnFail: { age: this.options.retentionSeconds },
        },
      );
    } catch (error) {
      await Promise.allSettled([
        this.store.discard({ id, tenant: s.tenant }),
        keyHash === undefined ? undefined : this.store.releaseIdempotencyKey(s.tenant, keyHash),
      ]);
      throw unavailable(error);
    }
    const record = await this.store.get(id);
    if (!record) throw new WattplanError("ERR_INTERNAL", "the job record vanished right after it was written");
    return { record, existing: false };
  }

  // A concurrent request with the same key may have claimed it a moment before writing the record.
  private async waitForRecord(id: string, tenant: string): Promise<JobRecord | undefined> {
    for (let i = 0; i < 20; i++) {
      const record = await this.store.get(id, tenant);
      if (record) return record;
      await new Promise((r) => setTimeout(r, 25));
    }
    return undefined;
  }

  /** Cancel a queued job. Throws ERR_NOT_FOUND / ERR_NOT_CANCELABLE. */
  async cancel(id: string, tenant: string): Promise<JobRecord> {
    const record = await this.store.get(id, tenant);
    if (!record) throw new WattplanError("ERR_NOT_FOUND");
    const t = await this.store.finish(id, ["queued"], { status: "canceled" });
    if (!t.ok)
      throw new WattplanError("ERR_NOT_CANCELABLE", `optimization ${id} is ${t.status ?? "gone"}; only a queued one can be canceled`);
    // Best effort: if a worker holds it already, the processor sees "canceled" and skips it.
    await this.queue.remove(id).catch(() => 0);
    return (await this.store.get(id, tenant)) ?? { ...record, status: "canceled" };
  }

  /**
   * Wait until the job is final or the time is up; returns the latest record.
   * Finishes are announced on a channel; a slow poll covers a lost message.
   */
  async waitFor(id: string, ms: number, signal?: AbortSignal): Promise<JobRecord | undefined> {
    const deadline = Date.now() + ms;
    await this.ensureSubscribed();
    for (;;) {
      const record = await this.store.get(id);
      if (!record || FINAL_STATUSES.includes(record.status)) return record;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return record;
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(id) ?? new Set();
        this.waiters.set(id, set);
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          set.delete(done);
          if (set.size === 0) this.waiters.delete(id);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 1000));
        signal?.addEventListener("abort", done);
        set.add(done);
      });
    }
  }

  private async ensureSubscribed(): Promise<void> {
    if (this.subscriber) return;
    const sub = createRedis(this.options.redisUrl, "worker");
    sub.on("error", () => {});
    this.subscriber = sub;
    sub.on("message", (_channel: string, id: string) => {
      for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
    });
    await sub.subscribe(this.store.keys.finishedChannel).catch(() => {});
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async workerCount(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  async close(): Promise<void> {
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    await Promise.allSettled([this.queue.close(), this.subscriber?.quit()]);
    this.redis.disconnect();
    this.queueConnection.disconnect();
    this.subscriber?.disconnect();
  }
}

function unavailable(error: unknown): WattplanError {
  if (error instanceof WattplanError) return error;
  return new WattplanError("ERR_UNAVAILABLE", `the queue is unreachable: ${error instanceof Error ? error.message : String(error)}`);
}
