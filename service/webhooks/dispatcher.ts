import { createHash, randomBytes } from "node:crypto";
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions, type RedisOptions as QueueRedisOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { WattplanError } from "../../engine/errors.js";
import { DEFAULT_CONCURRENCY, resolveOptions, type ResolvedOptions, type WebhookDispatcherOptions, type WorkerOptions } from "./options.js";
import { EVENT_TYPES } from "./payload.js";
import { parseRetryAfter, retryDelay } from "./schedule.js";
import { postWebhook, type PostOutcome } from "./send.js";
import { signatureHeaders } from "./sign.js";
import { DeliveryStore, type DeliveryRecord, type Settlement } from "./store.js";
import type { AttemptOutcome, Delivery, DeliveryAttempt, DisabledEndpoint, WebhookEvent } from "./types.js";
import { checkWebhookUrl, type WebhookUrlVerdict } from "./url-check.js";

/** A running delivery worker. */
export interface DeliveryWorker {
  /**
   * Stop taking deliveries and wait for in-flight attempts, at most
   * `closeTimeoutMs`; then abort what is left (unrecorded, retried later).
   */
  close(): Promise<void>;
}

/** Webhook delivery: enqueue events, query and re-send deliveries, run workers. */
export interface WebhookDispatcher {
  /**
   * Record a delivery and queue its first attempt. Throws `WattplanError`
   * ERR_WEBHOOK_URL_REFUSED (400) for a refused URL and
   * ERR_WEBHOOK_PAYLOAD_TOO_LARGE for a body above `maxPayloadBytes`. To a
   * disabled endpoint the delivery is recorded as `disabled` and not sent.
   *
   * With `options.deliveryId` (e.g. from {@link deliveryIdFor}) it is
   * idempotent: a delivery with that id is created once, whatever the
   * number of calls, and its first attempt is queued again if it is still
   * waiting for it (a caller that died between the two steps). A failure to
   * queue then leaves the delivery pending for the caller to retry, rather
   * than failing it.
   */
  enqueue(event: WebhookEvent, options?: EnqueueOptions): Promise<{ deliveryId: string }>;
  /** The tenant's deliveries for one optimization, oldest first. */
  listDeliveries(tenantId: string, optimizationId: string): Promise<Delivery[]>;
  /** One delivery of the tenant, or undefined. */
  getDelivery(tenantId: string, deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Send a finished delivery again: a new cycle of the retry schedule with
   * the same `webhook-id` (receivers deduplicate on it). Undefined when the
   * tenant has no such delivery; throws ERR_WEBHOOK_DELIVERY_PENDING (409)
   * while it is still pending and ERR_WEBHOOK_ENDPOINT_DISABLED (409) while
   * its endpoint is disabled.
   */
  redeliver(tenantId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Check a URL against the scheme rules and this dispatcher's SSRF policy (for a 400 at submit time). */
  checkUrl(url: string): WebhookUrlVerdict;
  /** Endpoints of the tenant disabled by a 410 answer. */
  disabledEndpoints(tenantId: string): Promise<DisabledEndpoint[]>;
  /** Re-enable an endpoint disabled by a 410; true when it was disabled. */
  enableEndpoint(tenantId: string, url: string): Promise<boolean>;
  /** Start a worker that processes the delivery queue in this process. */
  startWorker(options?: WorkerOptions): DeliveryWorker;
  /** Close every worker started here, the queue and the connections the dispatcher opened. */
  close(): Promise<void>;
}

export interface EnqueueOptions {
  /** The delivery id (the `webhook-id`) to use instead of a random one; makes `enqueue` idempotent. */
  deliveryId?: string;
}

interface AttemptJob {
  deliveryId: string;
  cycle: number;
  attempt: number;
}

const JOB_NAME = "attempt";
// How long each step of a shutdown may take once the graceful part is over
// (bullmq#4656: close() may never resolve when Redis is gone).
const FORCE_CLOSE_TIMEOUT_MS = 2000;
// Retries of the job itself cover infrastructure failures (Redis hiccups);
// HTTP failures are handled by the retry schedule, not by these.
// 8 tries, 1 s doubling, ride out about two minutes of Redis trouble.
const JOB_OPTIONS: JobsOptions = { attempts: 8, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true };

/** Create a dispatcher; see {@link WebhookDispatcherOptions} for the defaults. */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const o = resolveOptions(options);
  const shared = isClientInstance(o.connection);
  const client: Redis = shared ? (o.connection as Redis) : new Redis({ ...(o.connection as RedisOptions), lazyConnect: false });
  if (!shared) client.on("error", o.onError);
  const store = new DeliveryStore(client, o.prefix, o.retentionMs);
  const queue = new Queue<AttemptJob>(o.queueName, {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: { ...JOB_OPTIONS, removeOnFail: { age: Math.ceil(o.retentionMs / 1000) } },
  });
  queue.on("error", o.onError);
  const workers = new Set<DeliveryWorker>();
  let closed = false;

  const checkUrl = (url: string): WebhookUrlVerdict => checkWebhookUrl(url, { allowCidrs: o.allow });

  const addAttempt = (job: AttemptJob, delayMs: number): Promise<unknown> =>
    queue.add(JOB_NAME, job, { jobId: `${job.deliveryId}-${job.cycle}-${job.attempt}`, delay: Math.max(0, delayMs) });

  async function enqueue(event: WebhookEvent, options: EnqueueOptions = {}): Promise<{ deliveryId: string }> {
    assertOpen();
    if (options.deliveryId !== undefined && !DELIVERY_ID.test(options.deliveryId))
      throw new TypeError("enqueue: `deliveryId` must be msg_ and 26 base32 characters");
    if (typeof event.tenantId !== "string" || !event.tenantId) throw new TypeError("enqueue: `tenantId` must be a non-empty string");
    if (typeof event.optimizationId !== "string" || !event.optimizationId)
      throw new TypeError("enqueue: `optimizationId` must be a non-empty string");
    if (!(EVENT_TYPES as readonly string[]).includes(event.type))
      throw new TypeError(`enqueue: unknown event type "${String(event.type)}"`);
    if (event.payload?.type !== event.type) throw new TypeError("enqueue: `payload.type` must equal `type`");
    const verdict = checkUrl(event.url);
    if (!verdict.ok)
      throw new WattplanError("ERR_WEBHOOK_URL_REFUSED", `The webhook URL is not allowed: ${verdict.reason}`, {
        url: event.url,
        reason: verdict.reason,
      });
    const body = JSON.stringify(event.payload);
    const bytes = Buffer.byteLength(body);
    if (bytes > o.maxPayloadBytes) {
      throw new WattplanError(
        "ERR_WEBHOOK_PAYLOAD_TOO_LARGE",
        `The webhook payload is ${bytes} bytes, above the ${o.maxPayloadBytes}-byte limit`,
        { bytes, limit: o.maxPayloadBytes },
      );
    }
    const url = verdict.url.href;
    const now = new Date().toISOString();
    const disabled = await store.disabledEndpoint(event.tenantId, url);
    const record: DeliveryRecord = {
      id: options.deliveryId ?? newDeliveryId(),
      tenantId: event.tenantId,
      optimizationId: event.optimizationId,
      event: event.type,
      url,
      status: disabled ? "disabled" : "pending",
      statusReason: disabled ? disabledReason(disabled) : "",
      cycle: 1,
      cycleAttempts: 0,
      createdAt: now,
      updatedAt: now,
      nextAttemptAt: disabled ? "" : now,
      body,
    };
    if (options.deliveryId === undefined) {
      await store.create(record);
      if (!disabled) await queueOrFail(record, { deliveryId: record.id, cycle: 1, attempt: 1 });
      return { deliveryId: record.id };
    }
    // Idempotent: the first call's record wins (its body and timestamp are
    // what every attempt signs). Its first attempt is queued whenever it has
    // not been made yet: the job id dedupes a job still in the queue, and an
    // attempt job that finds the attempt recorded sends nothing.
    const current = (await store.createIfAbsent(record)) ? record : await store.get(record.id);
    if (!current) throw new Error(`enqueue: delivery ${record.id} vanished while being created`);
    if (current.tenantId !== event.tenantId || current.optimizationId !== event.optimizationId) {
      throw new Error(`enqueue: delivery ${record.id} belongs to another event`);
    }
    if (current.status === "pending" && current.cycle === 1 && current.cycleAttempts === 0) {
      await addAttempt({ deliveryId: current.id, cycle: 1, attempt: 1 }, o.retrySchedule[0]);
    }
    return { deliveryId: current.id };
  }

  // A delivery left pending with no job would never move; mark it failed instead.
  async function queueOrFail(record: DeliveryRecord, job: AttemptJob): Promise<void> {
    try {
      await addAttempt(job, o.retrySchedule[0]);
    } catch (error) {
      await store
        .settle(record, {
          cycle: job.cycle,
          attempt: job.attempt,
          status: "failed",
          statusReason: `could not queue: ${(error as Error).message}`,
          now: new Date().toISOString(),
        })
        .catch(() => undefined);
      throw error;
    }
  }

  async function getDelivery(tenantId: string, deliveryId: string): Promise<Delivery | undefined> {
    const delivery = await store.getDelivery(deliveryId);
    return delivery?.tenantId === tenantId ? delivery : undefined;
  }

  async function redeliver(tenantId: string, deliveryId: string): Promise<Delivery | undefined> {
    assertOpen();
    const record = await store.get(deliveryId);
    if (!record || record.tenantId !== tenantId) return undefined;
    if (record.status === "pending") throw new WattplanError("ERR_WEBHOOK_DELIVERY_PENDING", undefined, { deliveryId });
    const disabled = await store.disabledEndpoint(tenantId, record.url);
    if (disabled) throw new WattplanError("ERR_WEBHOOK_ENDPOINT_DISABLED", undefined, { deliveryId, url: record.url });
    const cycle = await store.reopen(record, new Date().toISOString());
    if (cycle === "missing") return undefined;
    if (cycle === "pending") throw new WattplanError("ERR_WEBHOOK_DELIVERY_PENDING", undefined, { deliveryId });
    await queueOrFail({ ...record, cycle, cycleAttempts: 0, status: "pending" }, { deliveryId, cycle, attempt: 1 });
    return getDelivery(tenantId, deliveryId);
  }

  function startWorker(workerOptions: WorkerOptions = {}): DeliveryWorker {
    assertOpen();
    const delivery = startDeliveryWorker(o, store, addAttempt, workerOptions);
    const handle: DeliveryWorker = {
      close: async () => {
        workers.delete(handle);
        await delivery.close();
      },
    };
    workers.add(handle);
    return handle;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await Promise.all([...workers].map((w) => w.close()));
    if (!(await bounded(queue.close(), FORCE_CLOSE_TIMEOUT_MS))) await bounded(queue.disconnect(), FORCE_CLOSE_TIMEOUT_MS);
    if (!shared && !(await bounded(client.quit(), FORCE_CLOSE_TIMEOUT_MS))) client.disconnect();
  }

  function assertOpen(): void {
    if (closed) throw new Error("webhooks: the dispatcher is closed");
  }

  return {
    enqueue,
    listDeliveries: (tenantId, optimizationId) => store.list(tenantId, optimizationId),
    getDelivery,
    redeliver,
    checkUrl,
    disabledEndpoints: (tenantId) => store.disabledEndpoints(tenantId),
    enableEndpoint: (tenantId, url) => store.enableEndpoint(tenantId, checkWebhookUrlHref(url)),
    startWorker,
    close,
  };
}

function startDeliveryWorker(
  o: ResolvedOptions,
  store: DeliveryStore,
  addAttempt: (job: AttemptJob, delayMs: number) => Promise<unknown>,
  options: WorkerOptions,
): { close(): Promise<void> } {
  const inFlight = new AbortController();
  const closeTimeoutMs = options.closeTimeoutMs ?? o.attemptTimeoutMs + 1000;

  async function processAttempt(job: Job<AttemptJob>): Promise<void> {
    const { deliveryId, cycle, attempt } = job.data;
    const record = await store.get(deliveryId);
    if (!record || record.cycle !== cycle) return;
    if (record.cycleAttempts >= attempt) {
      // This attempt was recorded but the job did not finish (worker died):
      // make sure the follow-up exists; the job id makes this idempotent.
      if (record.cycleAttempts === attempt && record.status === "pending" && record.nextAttemptAt) {
        await addAttempt({ deliveryId, cycle, attempt: attempt + 1 }, Date.parse(record.nextAttemptAt) - Date.now());
      }
      return;
    }
    if (record.status !== "pending" || record.cycleAttempts !== attempt - 1) return;

    const disabled = await store.disabledEndpoint(record.tenantId, record.url);
    if (disabled) {
      await store.settle(record, {
        cycle,
        attempt,
        status: "disabled",
        statusReason: disabledReason(disabled),
        now: new Date().toISOString(),
      });
      return;
    }

    const startedAt = Date.now();
    const sent = await sendAttempt(o, record, startedAt, inFlight.signal);
    if (sent.kind === "error" && inFlight.signal.aborted) throw new Error("worker closing: attempt aborted");
    const endedAt = Date.now();
    const verdict = judge(o, sent, attempt, endedAt);
    const recordEntry: DeliveryAttempt = {
      cycle,
      attempt,
      at: new Date(startedAt).toISOString(),
      ...(sent.kind === "response" ? { statusCode: sent.statusCode } : {}),
      ...(verdict.error ? { error: verdict.error } : {}),
      durationMs: endedAt - startedAt,
      outcome: verdict.outcome,
    };
    const nowIso = new Date(endedAt).toISOString();
    if (verdict.outcome === "disabled") await store.disableEndpoint(record.tenantId, record.url, record.id, nowIso);
    const settlement: Settlement = {
      cycle,
      attempt,
      record: recordEntry,
      status: verdict.status,
      now: nowIso,
      ...(verdict.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(verdict.nextAttemptAt).toISOString() } : {}),
      ...(verdict.status !== "pending" && verdict.status !== "succeeded" && verdict.error ? { statusReason: verdict.error } : {}),
    };
    if (!(await store.settle(record, settlement))) return;
    if (verdict.nextAttemptAt !== undefined)
      await addAttempt({ deliveryId, cycle, attempt: attempt + 1 }, verdict.nextAttemptAt - Date.now());
    report(o, {
      outcome: verdict.outcome,
      deliveryId,
      tenantId: record.tenantId,
      event: record.event,
      url: record.url,
      cycle,
      attempt,
      ...(recordEntry.statusCode !== undefined ? { statusCode: recordEntry.statusCode } : {}),
      ...(recordEntry.error !== undefined ? { error: recordEntry.error } : {}),
      durationMs: recordEntry.durationMs,
    });
  }

  const worker = new Worker<AttemptJob>(o.queueName, processAttempt, {
    connection: workerConnection(o.connection),
    prefix: o.prefix,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    // The lock must outlive the longest attempt.
    lockDuration: Math.max(30_000, 2 * o.attemptTimeoutMs),
  });
  worker.on("error", o.onError);

  // Jobs between 'active' and 'completed'/'failed' (which bullmq emits once
  // the result is written), so close() can wait for them itself.
  let running = 0;
  let onIdle: (() => void) | undefined;
  worker.on("active", () => void running++);
  const finished = (): void => {
    if (--running <= 0) onIdle?.();
  };
  worker.on("completed", finished);
  worker.on("failed", (job, error) => {
    finished();
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1) && !inFlight.signal.aborted) giveUp(job.data, error).catch(o.onError);
  });

  // The job itself failed for good (Redis trouble outlasted its retries): a
  // delivery left pending would never move again, so it is marked failed.
  async function giveUp({ deliveryId, cycle, attempt }: AttemptJob, error: Error): Promise<void> {
    const record = await store.get(deliveryId);
    if (!record || record.cycle !== cycle || record.status !== "pending") return;
    if (record.cycleAttempts !== attempt - 1 && record.cycleAttempts !== attempt) return;
    const reason = `internal error, delivery abandoned: ${error.message}`;
    await store.settle(record, {
      cycle,
      attempt: record.cycleAttempts + 1,
      status: "failed",
      statusReason: reason,
      now: new Date().toISOString(),
    });
  }
  const idle = (): Promise<void> => (running <= 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve)));

  let closing: Promise<void> | undefined;
  return {
    close() {
      // bullmq's graceful close() cannot be bounded and then forced (it is
      // memoised, and hangs while Redis is unreachable, bullmq#4656), so the
      // waiting happens here and bullmq only ever gets a forced close.
      closing ??= (async () => {
        await bounded(worker.pause(true), FORCE_CLOSE_TIMEOUT_MS);
        if (!(await bounded(idle(), closeTimeoutMs))) {
          inFlight.abort();
          await bounded(idle(), FORCE_CLOSE_TIMEOUT_MS);
        }
        await bounded(worker.close(true), FORCE_CLOSE_TIMEOUT_MS);
      })();
      return closing;
    },
  };
}

async function sendAttempt(o: ResolvedOptions, record: DeliveryRecord, startedAt: number, signal: AbortSignal): Promise<PostOutcome> {
  let headers: Record<string, string>;
  try {
    const secrets = await o.secretsFor(record.tenantId);
    headers = { ...signatureHeaders(secrets, record.id, new Date(startedAt), record.body), "user-agent": o.userAgent };
  } catch (error) {
    return { kind: "error", error: `not signed: ${(error as Error).message}` };
  }
  return postWebhook({
    url: new URL(record.url),
    body: record.body,
    headers,
    timeoutMs: o.attemptTimeoutMs,
    allow: o.allow,
    resolver: o.resolver,
    signal,
  });
}

interface Verdict {
  outcome: AttemptOutcome;
  status: Delivery["status"];
  error?: string;
  /** Epoch ms of the next attempt, when there is one. */
  nextAttemptAt?: number;
}

/** 2xx succeeds, 410 disables, a refusal fails for good, anything else is retried while the schedule lasts. */
function judge(o: ResolvedOptions, sent: PostOutcome, attempt: number, now: number): Verdict {
  if (sent.kind === "refused") return { outcome: "refused", status: "failed", error: `refused: ${sent.reason}` };
  let error: string;
  let retryAfterMs: number | undefined;
  if (sent.kind === "response") {
    const code = sent.statusCode;
    if (code >= 200 && code < 300) return { outcome: "success", status: "succeeded" };
    if (code === 410) return { outcome: "disabled", status: "disabled", error: "the endpoint answered 410 Gone and is disabled" };
    error =
      code >= 300 && code < 400
        ? `HTTP ${code} (redirects are not followed${sent.headers.location ? `; location: ${sent.headers.location}` : ""})`
        : `HTTP ${code}`;
    retryAfterMs = parseRetryAfter(sent.headers["retry-after"], now, o.maxRetryAfterMs);
    if (retryAfterMs !== undefined) error += ` (retry-after ${Math.round(retryAfterMs / 1000)} s)`;
  } else {
    error = sent.error;
  }
  const delay = retryDelay(o.retrySchedule, attempt, { jitter: o.jitter, retryAfterMs });
  if (delay === undefined) return { outcome: "failed", status: "failed", error: `${error}; no attempts left` };
  return { outcome: "retry", status: "pending", error, nextAttemptAt: now + delay };
}

function report(o: ResolvedOptions, event: Parameters<NonNullable<ResolvedOptions["onAttempt"]>>[0]): void {
  try {
    o.onAttempt?.(event);
  } catch {
    // Metrics must never break delivery.
  }
}

function disabledReason(d: DisabledEndpoint): string {
  return `the endpoint was disabled at ${d.disabledAt} by a 410 answer to delivery ${d.deliveryId}`;
}

/** `msg_` + 26 base32 characters: a `webhook-id`, also valid as a BullMQ job id (no ':', not all digits). */
function newDeliveryId(): string {
  return encodeDeliveryId(randomBytes(16));
}

const DELIVERY_ID = /^msg_[0-9a-hjkmnp-tv-z]{26}$/;

/**
 * A delivery id derived from `seed` (the same seed, the same id), in the
 * format of random ones: for {@link WebhookDispatcher.enqueue}'s idempotent
 * mode, e.g. one event per optimization seeded with its id.
 */
export function deliveryIdFor(seed: string): string {
  return encodeDeliveryId(createHash("sha256").update(seed).digest().subarray(0, 16));
}

function encodeDeliveryId(bytes: Buffer): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  let n = BigInt(`0x${bytes.toString("hex")}`);
  let s = "";
  for (let i = 0; i < 26; i++) {
    s = alphabet[Number(n & 31n)] + s;
    n >>= 5n;
  }
  return `msg_${s}`;
}

function checkWebhookUrlHref(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

function isClientInstance(connection: ConnectionOptions): boolean {
  return typeof (connection as { duplicate?: unknown }).duplicate === "function";
}

function workerConnection(connection: ConnectionOptions): ConnectionOptions {
  return isClientInstance(connection) ? connection : { ...(connection as QueueRedisOptions), maxRetriesPerRequest: null };
}

/** Resolves true if `promise` settles within `ms`, false otherwise (never rejects). */
async function bounded(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
