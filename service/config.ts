/**
 * Service configuration: every setting from the environment, parsed once with
 * zod. docs/service.md lists each variable with its default.
 */
import { availableParallelism } from "node:os";
import * as z from "zod";

export interface ServiceConfig {
  /** @defaultValue "127.0.0.1" */
  host: string;
  /** @defaultValue 8080 (0 picks a free port) */
  port: number;
  /** Base URL clients reach the API at, for absolute links in webhooks. @defaultValue undefined (links are paths) */
  publicUrl?: string;
  /** @defaultValue "redis://127.0.0.1:6379" */
  redisUrl: string;
  /** Tenants file (JSON); when unset a development tenant is created in memory. @defaultValue undefined */
  tenantsFile?: string;
  /** CIDRs webhook URLs may resolve to besides public addresses. @defaultValue [] */
  webhookAllowlist: string[];
  /** Prefix of every Redis key the service writes (BullMQ's and ours). @defaultValue "wattplan" */
  queuePrefix: string;
  /** Jobs one worker process solves at once, each in its own thread. @defaultValue the number of cores */
  concurrency: number;
  /** A job running longer than this fails with ERR_JOB_TIMEOUT; also the optimal strategy's time limit. @defaultValue 120000 */
  jobTimeoutMs: number;
  /** How long finished jobs, their requests and results are kept. @defaultValue 86400 (one day) */
  retentionSeconds: number;
  /** Largest request body accepted, bytes (413 above). @defaultValue 10485760 (10 MiB) */
  bodyLimitBytes: number;
  /** Largest problem accepted, sessions × slots (413 above). @defaultValue 2000000 */
  maxProblemCells: number;
  /** Requests per tenant per window. @defaultValue 300 */
  rateLimitMax: number;
  /** Rate-limit window. @defaultValue 60000 */
  rateLimitWindowMs: number;
  /** Upper bound of `?wait=` in seconds. @defaultValue 30 */
  waitCapSeconds: number;
  /** Multiplies every delay of the webhook retry schedule (tests use a small one). @defaultValue 1 */
  webhookRetryScale: number;
  /**
   * How often each worker process sweeps the webhook outbox for finished jobs
   * whose webhook was never enqueued (their worker died). @defaultValue 5000
   */
  webhookOutboxSweepMs: number;
  /** Age an outbox entry must reach before a sweeper takes it (the finishing worker enqueues it itself meanwhile). @defaultValue 30000 */
  webhookOutboxGraceMs: number;
  /** How many times a job may be found stalled (its worker died) before it fails. @defaultValue 2 */
  maxStalledCount: number;
  /** Lock of an active job; a dead worker's job is recovered after about this long. @defaultValue 30000 */
  lockDurationMs: number;
  /** Interval of the stalled-job check. @defaultValue 15000 */
  stalledIntervalMs: number;
  /** Bound on graceful shutdown; active jobs not finished by then are handed back. @defaultValue 10000 */
  shutdownTimeoutMs: number;
  /** Port of a /metrics endpoint for `wattplan worker` (which has no API). @defaultValue undefined (none) */
  workerMetricsPort?: number;
  /** Test-only: each solve sleeps this long first, so tests can catch a job while it runs. @defaultValue 0 */
  testSolveDelayMs: number;
  /** PostgreSQL of the live sites. @defaultValue "postgres://postgres@127.0.0.1:5432/postgres" */
  databaseUrl: string;
  /** Schema holding the live sites' tables (created and migrated on start). @defaultValue "wattplan" */
  databaseSchema: string;
  /**
   * Live sites: `on` (fail to start without PostgreSQL), `off`, or `auto`
   * (on when PostgreSQL answers at start, else off with a log line and 503s). @defaultValue "auto"
   */
  sites: "on" | "off" | "auto";
  /** How often the slot clock re-plans live sites that are behind their state or the current slot. @defaultValue 10000 */
  sitesClockMs: number;
  /**
   * Threads computing live-site plans in a worker process; 0 computes them in its main thread. Threads cost
   * ~4 ms of copying per 40-session plan: worth it only with cores to spare (bench/RESULTS.md §14). @defaultValue 0
   */
  sitePlanThreads: number;
  /** Live-site plans in flight at once in a worker process (different sites). @defaultValue 2 × max(1, sitePlanThreads) */
  sitePlanConcurrency: number;
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const number = (min: number) => z.coerce.number().min(min).refine(Number.isFinite, "must be finite");

const EnvSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(0, 65535).default(8080),
  WATTPLAN_PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  WATTPLAN_TENANTS_FILE: z.string().min(1).optional(),
  WATTPLAN_WEBHOOK_ALLOWLIST: z.string().default(""),
  WATTPLAN_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
    .default("wattplan"),
  WATTPLAN_CONCURRENCY: int(1, 256).optional(),
  WATTPLAN_JOB_TIMEOUT_MS: int(100).default(120_000),
  WATTPLAN_RETENTION_SECONDS: int(1).default(86_400),
  WATTPLAN_BODY_LIMIT_BYTES: int(1024).default(10 * 1024 * 1024),
  WATTPLAN_MAX_PROBLEM_CELLS: int(1).default(2_000_000),
  WATTPLAN_RATE_LIMIT_MAX: int(1).default(300),
  WATTPLAN_RATE_LIMIT_WINDOW_MS: int(1).default(60_000),
  WATTPLAN_WAIT_CAP_SECONDS: int(0, 600).default(30),
  WATTPLAN_WEBHOOK_RETRY_SCALE: number(0).default(1),
  WATTPLAN_WEBHOOK_OUTBOX_SWEEP_MS: int(50).default(5000),
  WATTPLAN_WEBHOOK_OUTBOX_GRACE_MS: int(0).default(30_000),
  WATTPLAN_MAX_STALLED_COUNT: int(0, 100).default(2),
  WATTPLAN_LOCK_DURATION_MS: int(500).default(30_000),
  WATTPLAN_STALLED_INTERVAL_MS: int(200).default(15_000),
  WATTPLAN_SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
  WATTPLAN_WORKER_METRICS_PORT: int(0, 65535).optional(),
  WATTPLAN_TEST_SOLVE_DELAY_MS: int(0).default(0),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .default("postgres://postgres@127.0.0.1:5432/postgres"),
  WATTPLAN_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case letters, digits and _ only")
    .default("wattplan"),
  WATTPLAN_SITES: z.enum(["on", "off", "auto"], { error: "must be on, off or auto" }).default("auto"),
  WATTPLAN_SITES_CLOCK_MS: int(100).default(10_000),
  WATTPLAN_SITE_PLAN_THREADS: int(0, 64).default(0),
  WATTPLAN_SITE_PLAN_CONCURRENCY: int(1, 256).optional(),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parse the configuration from an environment (process.env by default), then apply overrides. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  }
  const e = parsed.data;
  const threads = e.WATTPLAN_SITE_PLAN_THREADS ?? 0;
  const allowlist = e.WATTPLAN_WEBHOOK_ALLOWLIST.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const cidr of allowlist) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr))
      throw new ConfigError(`invalid configuration:\n  WATTPLAN_WEBHOOK_ALLOWLIST: "${cidr}" is not a CIDR like 127.0.0.1/32`);
  }
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.WATTPLAN_PUBLIC_URL?.replace(/\/+$/, ""),
    redisUrl: e.REDIS_URL,
    tenantsFile: e.WATTPLAN_TENANTS_FILE,
    webhookAllowlist: allowlist,
    queuePrefix: e.WATTPLAN_QUEUE_PREFIX,
    concurrency: e.WATTPLAN_CONCURRENCY ?? availableParallelism(),
    jobTimeoutMs: e.WATTPLAN_JOB_TIMEOUT_MS,
    retentionSeconds: e.WATTPLAN_RETENTION_SECONDS,
    bodyLimitBytes: e.WATTPLAN_BODY_LIMIT_BYTES,
    maxProblemCells: e.WATTPLAN_MAX_PROBLEM_CELLS,
    rateLimitMax: e.WATTPLAN_RATE_LIMIT_MAX,
    rateLimitWindowMs: e.WATTPLAN_RATE_LIMIT_WINDOW_MS,
    waitCapSeconds: e.WATTPLAN_WAIT_CAP_SECONDS,
    webhookRetryScale: e.WATTPLAN_WEBHOOK_RETRY_SCALE,
    webhookOutboxSweepMs: e.WATTPLAN_WEBHOOK_OUTBOX_SWEEP_MS,
    webhookOutboxGraceMs: e.WATTPLAN_WEBHOOK_OUTBOX_GRACE_MS,
    maxStalledCount: e.WATTPLAN_MAX_STALLED_COUNT,
    lockDurationMs: e.WATTPLAN_LOCK_DURATION_MS,
    stalledIntervalMs: e.WATTPLAN_STALLED_INTERVAL_MS,
    shutdownTimeoutMs: e.WATTPLAN_SHUTDOWN_TIMEOUT_MS,
    workerMetricsPort: e.WATTPLAN_WORKER_METRICS_PORT,
    testSolveDelayMs: e.WATTPLAN_TEST_SOLVE_DELAY_MS,
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.WATTPLAN_DB_SCHEMA,
    sites: e.WATTPLAN_SITES,
    sitesClockMs: e.WATTPLAN_SITES_CLOCK_MS,
    sitePlanThreads: threads,
    sitePlanConcurrency: e.WATTPLAN_SITE_PLAN_CONCURRENCY ?? 2 * Math.max(1, threads),
    ...overrides,
  };
}
