/** Names of the queue and of the Redis keys the service writes beside BullMQ's. */
import { randomBytes } from "node:crypto";

export const QUEUE_NAME = "optimizations";

export function jobKeys(prefix: string) {
  const base = `${prefix}:wp`;
  return {
    record: (id: string) => `${base}:job:${id}`,
    request: (id: string) => `${base}:req:${id}`,
    result: (id: string) => `${base}:res:${id}`,
    tenantIndex: (tenant: string) => `${base}:tenant:${tenant}`,
    idempotency: (tenant: string, keyHash: string) => `${base}:idem:${tenant}:${keyHash}`,
    finishedChannel: `${base}:finished`,
    /** Sorted set of finished jobs whose webhook is not yet enqueued (score: when a sweeper may take it, epoch ms). */
    webhookOutbox: `${base}:webhook-outbox`,
  };
}
export type JobKeys = ReturnType<typeof jobKeys>;

const ID_PATTERN = /^opt_[0-9a-z]{9}[0-9a-f]{16}$/;

/**
 * A job id: `opt_`, the creation time in base 36 (fixed width, so ids sort
 * by creation) and 64 random bits. Never all digits and no `:` (BullMQ).
 */
export function newJobId(now = Date.now()): string {
  return `opt_${now.toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
}

export function isJobId(id: string): boolean {
  return ID_PATTERN.test(id);
}
