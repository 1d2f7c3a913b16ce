import type { ConnectionOptions } from "bullmq";
import { parseCidr, type Cidr } from "./ip-policy.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./payload.js";
import { STANDARD_RETRY_SCHEDULE } from "./schedule.js";
import type { Resolver } from "./send.js";
import type { AttemptEvent } from "./types.js";

/** Options of {@link createWebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /**
   * Redis, BullMQ style: ioredis options (the dispatcher opens and closes
   * its own connections) or an ioredis instance (used for the queue and the
   * delivery records, never closed by the dispatcher; a worker needs
   * `maxRetriesPerRequest: null` on it). Standalone Redis only.
   */
  connection: ConnectionOptions;
  /** BullMQ prefix; delivery records live under `<prefix>:webhook-records:`. */
  prefix: string;
  /**
   * The tenant's active signing secrets (`whsec_…`). Every attempt is signed
   * with all of them, so a secret can be rotated by adding the new one,
   * waiting, then removing the old one. Called on every attempt.
   */
  secretsFor(tenantId: string): readonly string[] | Promise<readonly string[]>;
  /**
   * Delay in ms before each attempt, the first entry being the initial
   * delivery; its length is the number of attempts per cycle. Use
   * {@link scaleSchedule} to shorten it for tests.
   * @defaultValue {@link STANDARD_RETRY_SCHEDULE} (0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h)
   */
  retrySchedule?: readonly number[];
  /**
   * Each retry delay is lengthened by a random fraction in [0, jitter).
   * @defaultValue 0.1
   */
  jitter?: number;
  /**
   * Bound on one attempt: connect, send and the answer's headers.
   * @defaultValue 15000
   */
  attemptTimeoutMs?: number;
  /**
   * Cap on a receiver's `retry-after` (the later of it and the schedule wins).
   * @defaultValue 3600000 (1 h)
   */
  maxRetryAfterMs?: number;
  /**
   * CIDR blocks exempt from the SSRF policy (e.g. `["10.1.0.0/16"]` for an
   * internal receiver, `["127.0.0.1/32"]` in tests).
   * @defaultValue []
   */
  allowCidrs?: readonly string[];
  /**
   * How long delivery records are kept after their last change. Must exceed
   * the whole retry schedule.
   * @defaultValue 604800000 (7 days)
   */
  retentionMs?: number;
  /**
   * Largest body accepted by `enqueue`, UTF-8 bytes.
   * @defaultValue {@link DEFAULT_MAX_PAYLOAD_BYTES} (64 KiB)
   */
  maxPayloadBytes?: number;
  /**
   * The BullMQ queue name (keys `<prefix>:<queueName>:…`).
   * @defaultValue "webhook-deliveries"
   */
  queueName?: string;
  /**
   * `user-agent` header of every attempt.
   * @defaultValue "Wattplan-Webhooks/1"
   */
  userAgent?: string;
  /**
   * Called after every attempt (metrics). Exceptions are ignored.
   * @defaultValue none
   */
  onAttempt?: (event: AttemptEvent) => void;
  /**
   * Called with errors of the worker and queue connections.
   * @defaultValue write to stderr
   */
  onError?: (error: Error) => void;
  /**
   * Host name resolver used at connect time (e.g. a custom DNS).
   * @defaultValue the system resolver (`dns.lookup`)
   */
  resolver?: Resolver;
}

/** Options of {@link WebhookDispatcher.startWorker}. */
export interface WorkerOptions {
  /**
   * Deliveries attempted at once by this worker.
   * @defaultValue 10
   */
  concurrency?: number;
  /**
   * Bound on {@link DeliveryWorker.close}: after it, in-flight attempts are
   * aborted (left unrecorded; their jobs are retried later).
   * @defaultValue attemptTimeoutMs + 1000
   */
  closeTimeoutMs?: number;
}

export const DEFAULTS = {
  retrySchedule: STANDARD_RETRY_SCHEDULE,
  jitter: 0.1,
  attemptTimeoutMs: 15_000,
  maxRetryAfterMs: 60 * 60 * 1000,
  allowCidrs: [] as readonly string[],
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  queueName: "webhook-deliveries",
  userAgent: "Wattplan-Webhooks/1",
} as const;

export const DEFAULT_CONCURRENCY = 10;

export type ResolvedOptions = Required<Omit<WebhookDispatcherOptions, "onAttempt" | "resolver" | "allowCidrs">> &
  Pick<WebhookDispatcherOptions, "onAttempt" | "resolver"> & { allow: readonly Cidr[] };

function fail(message: string): never {
  throw new RangeError(`webhooks: ${message}`);
}

const positiveInteger = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;

/** Spread the defaults once and check every option, with a specific message. */
export function resolveOptions(options: WebhookDispatcherOptions): ResolvedOptions {
  const o = { onError: defaultOnError, ...DEFAULTS, ...stripUndefined(options) };
  if (!o.connection) fail("`connection` is required");
  if (typeof o.prefix !== "string" || o.prefix.length === 0 || o.prefix.includes(":"))
    fail("`prefix` must be a non-empty string without ':'");
  if (typeof o.secretsFor !== "function") fail("`secretsFor` must be a function");
  if (typeof o.queueName !== "string" || !/^[\w.-]+$/.test(o.queueName))
    fail("`queueName` may contain only letters, digits, '_', '-' and '.'");
  const schedule = o.retrySchedule;
  if (!Array.isArray(schedule) || schedule.length === 0) fail("`retrySchedule` must list at least one delay");
  schedule.forEach((ms, i) => {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
      fail(`retrySchedule[${i}] must be a finite number of ms ≥ 0, got ${String(ms)}`);
  });
  if (typeof o.jitter !== "number" || !(o.jitter >= 0 && o.jitter <= 1)) fail("`jitter` must be between 0 and 1");
  if (!positiveInteger(o.attemptTimeoutMs)) fail("`attemptTimeoutMs` must be a positive integer");
  if (typeof o.maxRetryAfterMs !== "number" || !(o.maxRetryAfterMs >= 0)) fail("`maxRetryAfterMs` must be a number ≥ 0");
  if (!positiveInteger(o.maxPayloadBytes)) fail("`maxPayloadBytes` must be a positive integer");
  const total = schedule.reduce((a, b) => a + b, 0);
  if (!positiveInteger(o.retentionMs) || o.retentionMs <= total)
    fail(`\`retentionMs\` must be an integer above the whole retry schedule (${total} ms)`);
  const allow = o.allowCidrs.map((c, i) => {
    try {
      return parseCidr(c);
    } catch (error) {
      return fail(`allowCidrs[${i}]: ${(error as Error).message}`);
    }
  });
  const { allowCidrs: _allowCidrs, ...rest } = o;
  return { ...rest, retrySchedule: Object.freeze([...schedule]), allow };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function defaultOnError(error: Error): void {
  process.stderr.write(`webhooks: ${error.message}\n`);
}
