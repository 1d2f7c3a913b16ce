/**
 * Start the service's parts in this process: the API, a worker, or both
 * (`wattplan api`, `wattplan worker`, `wattplan serve`), and stop them in
 * order: stop accepting, end waits, finish or hand back active jobs, close
 * Redis.
 */
import { unwatchFile, watchFile } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { buildApi } from "./api/app.js";
import type { ServiceConfig } from "./config.js";
import { createMetrics, type ServiceMetrics } from "./queue/metrics.js";
import { JobProducer } from "./queue/producer.js";
import { loadTenants, type TenantStore } from "./tenants.js";
import { createNotifier } from "./worker/webhooks.js";
import { startWorker, type RunningWorker } from "./worker/worker.js";
import { createRedis } from "./redis.js";
import type { SitesContext } from "./api/context.js";
import { createPool, migrate, pingDatabase } from "./sites/db.js";
import { SitePlanQueue, startSitePlanWorker, type RunningSitePlanWorker } from "./sites/queue.js";
import { SiteStore } from "./sites/store.js";

export interface ServiceOptions {
  config: ServiceConfig;
  /** Serve the HTTP API. @defaultValue true */
  api?: boolean;
  /** Run a worker. @defaultValue true */
  worker?: boolean;
  /** Tenants; loaded from config.tenantsFile when absent. */
  tenants?: TenantStore;
  /** Request logging. @defaultValue false */
  logger?: boolean;
  log?: (message: string) => void;
}

export interface RunningService {
  config: ServiceConfig;
  /** Base URL of the API, when it runs. */
  url?: string;
  app?: FastifyInstance;
  producer: JobProducer;
  worker?: RunningWorker;
  metrics: ServiceMetrics;
  /** Live sites, when on (docs/sites.md). */
  sites?: SitesContext;
  close(): Promise<void>;
}

interface RunningSites {
  context: SitesContext;
  worker?: RunningSitePlanWorker;
  close(): Promise<void>;
}

/** PostgreSQL, migrations, the plan queue and (in worker processes) the plan worker; undefined when sites are off. */
async function startSites(
  config: ServiceConfig,
  notifier: ReturnType<typeof createNotifier>,
  withWorker: boolean,
  log: (message: string) => void,
  metrics: ServiceMetrics,
): Promise<RunningSites | undefined> {
  if (config.sites === "off") return undefined;
  if (!(await pingDatabase(config.databaseUrl, 2000))) {
    const where = config.databaseUrl.replace(/\/\/[^@/]*@/, "//");
    if (config.sites === "on") throw new Error(`live sites: no PostgreSQL answers at ${where} (set DATABASE_URL, or WATTPLAN_SITES=off)`);
    log(`live sites off: no PostgreSQL at ${where} (set DATABASE_URL; the job API works without it)`);
    return undefined;
  }
  const db = { url: config.databaseUrl, schema: config.databaseSchema };
  await migrate(db);
  const pool = createPool(db);
  const store = new SiteStore(pool);
  // Fails fast while Redis is away: the API then answers without the re-plan request, which the slot clock makes up for.
  const producerRedis = createRedis(config.redisUrl, "api");
  producerRedis.on("error", () => {});
  const plans = new SitePlanQueue(producerRedis, config.queuePrefix);
  let worker: RunningSitePlanWorker | undefined;
  let workerRedis: ReturnType<typeof createRedis> | undefined;
  if (withWorker) {
    workerRedis = createRedis(config.redisUrl, "worker");
    workerRedis.on("error", () => {});
    worker = await startSitePlanWorker({
      connection: workerRedis,
      prefix: config.queuePrefix,
      store,
      notifier,
      log,
      clockEveryMs: config.sitesClockMs,
      threads: config.sitePlanThreads,
      concurrency: config.sitePlanConcurrency,
      metrics,
    });
  }
  return {
    context: { store, plans },
    worker,
    async close() {
      await worker?.close();
      await plans.close().catch(() => {});
      producerRedis.disconnect();
      workerRedis?.disconnect();
      await pool.end().catch(() => {});
    },
  };
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config } = options;
  const log = options.log ?? (() => {});
  let tenants: TenantStore;
  if (options.tenants) tenants = options.tenants;
  else if (config.tenantsFile) tenants = loadTenants(config.tenantsFile);
  else throw new Error("no tenants: set WATTPLAN_TENANTS_FILE (create one with `wattplan keys create --tenant NAME`)");
  const tenantsFile = options.tenants ? undefined : config.tenantsFile;
  if (tenantsFile) {
    // `wattplan keys create` edits the file while the service runs.
    watchFile(tenantsFile, { interval: 1000 }, () => {
      try {
        tenants = loadTenants(tenantsFile);
        log(`reloaded tenants from ${tenantsFile}`);
      } catch (error) {
        log(`keeping the previous tenants: ${(error as Error).message}`);
      }
    });
  }

  const metrics = createMetrics({ defaultMetrics: true });
  const notifier = createNotifier(config, () => tenants, metrics, log);
  const producer = new JobProducer({ redisUrl: config.redisUrl, prefix: config.queuePrefix, retentionSeconds: config.retentionSeconds });
  metrics.watchQueue(producer.queue);
  metrics.watchOutbox(() => producer.store.outboxStats());
  const shutdown = new AbortController();

  let worker: RunningWorker | undefined;
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  let metricsServer: Server | undefined;
  let sites: RunningSites | undefined;
  try {
    sites = await startSites(config, notifier, options.worker ?? true, log, metrics);
    if (options.worker ?? true) worker = await startWorker(config, { notifier, metrics, log });
    if (!(options.api ?? true) && config.workerMetricsPort !== undefined) {
      metricsServer = await serveMetrics(metrics, config.host, config.workerMetricsPort);
      log(`worker metrics on http://${config.host}:${(metricsServer.address() as AddressInfo).port}/metrics`);
    }
    if (options.api ?? true) {
      app = await buildApi(
        { config, producer, notifier, metrics, tenants: () => tenants, shutdown: shutdown.signal, sites: sites?.context },
        { logger: options.logger },
      );
      url = await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      if (address && typeof address === "object")
        url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
    }
  } catch (error) {
    metricsServer?.close();
    await Promise.allSettled([worker?.close(), app?.close(), producer.close(), notifier.close(), sites?.close()]);
    if (tenantsFile) unwatchFile(tenantsFile);
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    config,
    url,
    app,
    producer,
    worker,
    metrics,
    sites: sites?.context,
    close() {
      // Each step is bounded: with Redis gone, BullMQ's close may never resolve (bullmq #4656).
      const step = (p: Promise<unknown> | undefined, ms: number) =>
        Promise.race([Promise.resolve(p).catch(() => {}), new Promise((r) => setTimeout(r, ms).unref())]);
      closing ??= (async () => {
        shutdown.abort();
        if (tenantsFile) unwatchFile(tenantsFile);
        metricsServer?.close();
        await step(app?.close(), 5000);
        await step(worker?.close(), config.shutdownTimeoutMs + 3000);
        await step(sites?.close(), 8000);
        await step(notifier.close(), 5000);
        await step(producer.close(), 3000);
      })();
      return closing;
    },
  };
}

/** A bare /metrics endpoint for worker-only processes. */
function serveMetrics(metrics: ServiceMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
