/**
 * The job records: one Redis hash per optimization (the API's view of it),
 * its request and result under their own keys, a per-tenant index and the
 * idempotency keys. Status changes are compare-and-set in Lua, so a cancel,
 * a timeout and a finishing worker never overwrite each other. Finished jobs
 * with a webhook wait in the webhook outbox until their delivery is queued
 * (service/worker/outbox.ts).
 */
import type { Redis } from "ioredis";
import { jobKeys, type JobKeys } from "./keys.js";

export const JOB_STATUSES = ["queued", "running", "completed", "failed", "canceled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "canceled"];

export interface WebhookTarget {
  url: string;
  includeResult: boolean;
}

export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: string;
  tenant: string;
  status: JobStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  strategy: string;
  metadata?: Record<string, unknown>;
  webhook?: WebhookTarget;
  error?: JobError;
  /** Times a worker started the job (more than 1 after a worker died). */
  attempts: number;
  solveMs?: number;
  /** Id of the worker thread that last started the job (within its worker process). */
  thread?: number;
}

// KEYS[1] the record, KEYS[2] the webhook outbox. ARGV: allowed statuses,
// counter field, outbox score ('' = none), then field/value pairs. A job that
// has a webhook enters the outbox in the same script as its final status, so
// no crash can leave it final without a pending notification.
const TRANSITION = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return nil end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if s == allowed then
    redis.call('HSET', KEYS[1], unpack(ARGV, 4))
    if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[2], 1) end
    if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[1], 'webhook') == 1 then
      redis.call('ZADD', KEYS[2], ARGV[3], redis.call('HGET', KEYS[1], 'id'))
    end
    return {1, s}
  end
end
return {0, s}`;

// Outbox entries due (score <= ARGV[1]), at most ARGV[2] of them, each
// re-stamped with ARGV[3] (now): other sweepers skip them for a grace period,
// and should the taker die they come due again.
const TAKE_DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], id) end
return ids`;

export type Transition = { ok: true; from: JobStatus } | { ok: false; status: JobStatus | undefined };

export interface NewJob {
  id: string;
  tenant: string;
  strategy: string;
  request: unknown;
  metadata?: Record<string, unknown>;
  webhook?: WebhookTarget;
  createdAt: Date;
}

export interface JobStoreOptions {
  prefix: string;
  /** Seconds finished jobs are kept. */
  retentionSeconds: number;
  /** Seconds an unfinished job's keys live (a safety net against leaks). @defaultValue 7 days + retention */
  pendingTtlSeconds?: number;
}

export class JobStore {
  readonly keys: JobKeys;
  private readonly retention: number;
  private readonly pendingTtl: number;

  constructor(
    private readonly redis: Redis,
    options: JobStoreOptions,
  ) {
    this.keys = jobKeys(options.prefix);
    this.retention = options.retentionSeconds;
    this.pendingTtl = options.pendingTtlSeconds ?? 7 * 86_400 + options.retentionSeconds;
  }

  async create(job: NewJob): Promise<void> {
    const k = this.keys;
    const fields: Record<string, string> = {
      id: job.id,
      tenant: job.tenant,
      status: "queued",
      createdAt: job.createdAt.toISOString(),
      strategy: job.strategy,
      attempts: "0",
    };
    if (job.metadata !== undefined) fields.metadata = JSON.stringify(job.metadata);
    if (job.webhook !== undefined) fields.webhook = JSON.stringify(job.webhook);
    await this.redis
      .multi()
      .set(k.request(job.id), JSON.stringify(job.request), "EX", this.pendingTtl)
      .hset(k.record(job.id), fields)
      .expire(k.record(job.id), this.pendingTtl)
      // Score 0 everywhere: members sort by id, and ids sort by creation time.
      .zadd(k.tenantIndex(job.tenant), 0, job.id)
      .exec();
  }

  /** Drop a job that could not be enqueued. */
  async discard(job: { id: string; tenant: string }): Promise<void> {
    const k = this.keys;
    await this.redis.multi().del(k.request(job.id), k.record(job.id)).zrem(k.tenantIndex(job.tenant), job.id).exec();
  }

  /**
   * Claim an idempotency key for a new job. Returns undefined when claimed,
   * else the job id and body hash it was first used with.
   */
  async claimIdempotencyKey(
    tenant: string,
    keyHash: string,
    id: string,
    bodyHash: string,
  ): Promise<{ id: string; bodyHash: string } | undefined> {
    const key = this.keys.idempotency(tenant, keyHash);
    const set = await this.redis.set(key, `${id} ${bodyHash}`, "EX", this.pendingTtl, "NX");
    if (set === "OK") return undefined;
    const existing = await this.redis.get(key);
    if (existing === null) return this.claimIdempotencyKey(tenant, keyHash, id, bodyHash);
    const [firstId, firstHash] = existing.split(" ");
    return { id: firstId, bodyHash: firstHash };
  }

  async releaseIdempotencyKey(tenant: string, keyHash: string): Promise<void> {
    await this.redis.del(this.keys.idempotency(tenant, keyHash));
  }

  /** The record, or undefined when it does not exist or belongs to another tenant. */
  async get(id: string, tenant?: string): Promise<JobRecord | undefined> {
    const hash = await this.redis.hgetall(this.keys.record(id));
    const record = parseRecord(hash);
    if (!record || (tenant !== undefined && record.tenant !== tenant)) return undefined;
    return record;
  }

  async getRequest(id: string): Promise<unknown> {
    const text = await this.redis.get(this.keys.request(id));
    return text === null ? undefined : (JSON.parse(text) as unknown);
  }

  /** The stored result JSON text (kept as text: it is passed through, never re-parsed on the API path). */
  async getResultText(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.result(id))) ?? undefined;
  }

  async putResult(id: string, resultJson: string): Promise<void> {
    await this.redis.set(this.keys.result(id), resultJson, "EX", this.retention);
  }

  /** A page of the tenant's jobs, newest first, strictly older than the cursor id. */
  async list(tenant: string, limit: number, cursor?: string): Promise<{ items: JobRecord[]; nextCursor?: string }> {
    const index = this.keys.tenantIndex(tenant);
    const items: JobRecord[] = [];
    let from = cursor === undefined ? "+" : `(${cursor}`;
    // Index entries outlive expired records; skip (and prune) them until the page is full.
    for (;;) {
      const ids = await this.redis.zrevrangebylex(index, from, "-", "LIMIT", 0, limit + 1 - items.length);
      if (ids.length === 0) return { items };
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.keys.record(id));
      const hashes = (await pipeline.exec()) ?? [];
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const record = parseRecord(hashes[i][1] as Record<string, string>);
        if (!record) gone.push(ids[i]);
        else if (items.length < limit) items.push(record);
        else return { items, nextCursor: items[items.length - 1].id };
      }
      if (gone.length > 0) await this.redis.zrem(index, ...gone);
      if (items.length === limit) {
        // Exactly a page: there is more only if an older live record exists.
        const more = await this.redis.zrevrangebylex(index, `(${items[items.length - 1].id}`, "-", "LIMIT", 0, 1);
        return more.length > 0 ? { items, nextCursor: items[items.length - 1].id } : { items };
      }
      from = `(${ids[ids.length - 1]}`;
    }
  }

  /**
   * Move a job to a new status if it is in one of `from`. Fields are set
   * with it; `countField` is incremented; with `outboxAt` (epoch ms) a job
   * that has a webhook enters the webhook outbox in the same step.
   */
  async transition(
    id: string,
    from: readonly JobStatus[],
    fields: Record<string, string>,
    countField = "",
    outboxAt?: number,
  ): Promise<Transition> {
    const args = [from.join(","), countField, outboxAt === undefined ? "" : String(outboxAt), ...Object.entries(fields).flat()];
    const reply = (await this.redis.eval(TRANSITION, 2, this.keys.record(id), this.keys.webhookOutbox, ...args)) as [number, string] | null;
    if (reply === null) return { ok: false, status: undefined };
    return reply[0] === 1 ? { ok: true, from: reply[1] as JobStatus } : { ok: false, status: reply[1] as JobStatus };
  }

  /** Mark a job running (a restart after a worker died is allowed), noting the thread that runs it. */
  start(id: string, thread: number, at = new Date()): Promise<Transition> {
    return this.transition(
      id,
      ["queued", "running"],
      { status: "running", startedAt: at.toISOString(), thread: String(thread) },
      "attempts",
    );
  }

  /**
   * Up to `limit` webhook outbox entries stamped at or before `dueBy` (epoch
   * ms), each re-stamped with `now`: another sweeper takes it again only
   * once it is as old as this one's cutoff.
   */
  async takeDueOutbox(dueBy: number, now: number, limit: number): Promise<string[]> {
    return (await this.redis.eval(TAKE_DUE, 1, this.keys.webhookOutbox, String(dueBy), String(limit), String(now))) as string[];
  }

  /** Drop a job from the webhook outbox (its delivery is stored and queued, or it never can be). */
  async removeFromOutbox(id: string): Promise<void> {
    await this.redis.zrem(this.keys.webhookOutbox, id);
  }

  /** Jobs in the webhook outbox, and the finish (or last sweep) time of the oldest, epoch ms. */
  async outboxStats(): Promise<{ count: number; oldestAt?: number }> {
    const [count, oldest] = await Promise.all([
      this.redis.zcard(this.keys.webhookOutbox),
      this.redis.zrange(this.keys.webhookOutbox, "0", "0", "WITHSCORES"),
    ]);
    return oldest.length === 2 ? { count, oldestAt: Number(oldest[1]) } : { count };
  }

  /** Whether the job waits in the webhook outbox. */
  async inOutbox(id: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.webhookOutbox, id)) !== null;
  }

  /**
   * Move a job to a final status, start its retention clock and tell waiters.
   * Completed and failed jobs with a webhook enter the webhook outbox with
   * the transition (canceled ones send none).
   */
  async finish(
    id: string,
    from: readonly JobStatus[],
    outcome: { status: "completed"; solveMs: number } | { status: "failed" | "canceled"; error?: JobError },
    at = new Date(),
  ): Promise<Transition> {
    const fields: Record<string, string> = { status: outcome.status, finishedAt: at.toISOString() };
    if (outcome.status === "completed") fields.solveMs = String(outcome.solveMs);
    else if (outcome.error) {
      fields.errorCode = outcome.error.code;
      fields.errorMessage = outcome.error.message;
    }
    const t = await this.transition(id, from, fields, "", outcome.status === "canceled" ? undefined : at.getTime());
    if (t.ok) {
      const k = this.keys;
      await this.redis
        .multi()
        .expire(k.record(id), this.retention)
        .expire(k.request(id), this.retention)
        .publish(k.finishedChannel, id)
        .exec();
    }
    return t;
  }
}

function parseRecord(hash: Record<string, string> | null | undefined): JobRecord | undefined {
  if (!hash || hash.id === undefined || hash.status === undefined) return undefined;
  const record: JobRecord = {
    id: hash.id,
    tenant: hash.tenant,
    status: hash.status as JobStatus,
    createdAt: hash.createdAt,
    strategy: hash.strategy,
    attempts: Number(hash.attempts ?? 0),
  };
  if (hash.startedAt) record.startedAt = hash.startedAt;
  if (hash.finishedAt) record.finishedAt = hash.finishedAt;
  if (hash.metadata) record.metadata = JSON.parse(hash.metadata) as Record<string, unknown>;
  if (hash.webhook) record.webhook = JSON.parse(hash.webhook) as WebhookTarget;
  if (hash.errorCode) record.error = { code: hash.errorCode, message: hash.errorMessage ?? "" };
  if (hash.solveMs) record.solveMs = Number(hash.solveMs);
  if (hash.thread) record.thread = Number(hash.thread);
  return record;
}
