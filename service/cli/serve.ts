/**
 * `wattplan serve | api | worker`: run the job service, or one half of it
 * (any number of API and worker processes may share one Redis).
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type ServiceConfig } from "../config.js";
import { pingRedis, redisServerOnPath, startLocalRedis, REDIS_HELP, type LocalRedis } from "../redis.js";
import { startService, type RunningService } from "../runtime.js";
import { devTenant, TenantStore } from "../tenants.js";
import { EXIT, UsageError } from "./io.js";

type Mode = "serve" | "api" | "worker";

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

function say(message: string): void {
  process.stderr.write(`wattplan: ${message}\n`);
}

function configFromArgs(mode: Mode, args: string[]): ServiceConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { port: { type: "string", short: "p" }, host: { type: "string" }, concurrency: { type: "string", short: "c" } },
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const env = { ...process.env };
  if (parsed.values.port !== undefined) env.PORT = parsed.values.port;
  if (parsed.values.host !== undefined) env.HOST = parsed.values.host;
  if (parsed.values.concurrency !== undefined) env.WATTPLAN_CONCURRENCY = parsed.values.concurrency;
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${mode}: ${error.message}`);
    throw error;
  }
}

/**
 * Make sure Redis answers. `serve` on the default URL may start a private
 * redis-server (development convenience); everything else must be given one.
 */
export async function ensureRedis(config: ServiceConfig, allowPrivate: boolean): Promise<LocalRedis | undefined> {
  if (await pingRedis(config.redisUrl)) return undefined;
  if (allowPrivate && process.env.REDIS_URL === undefined && config.redisUrl === DEFAULT_REDIS_URL && redisServerOnPath()) {
    const local = await startLocalRedis();
    config.redisUrl = local.url;
    say(
      `nothing answers at ${DEFAULT_REDIS_URL}; started a private redis-server on port ${local.port} (no persistence, stops with this process)`,
    );
    return local;
  }
  throw new UsageError(`cannot reach Redis at ${config.redisUrl}.\n${REDIS_HELP}`);
}

/** Resolves when the process gets SIGTERM or SIGINT. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      // A second signal while shutting down means: stop now.
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

async function run(mode: Mode, args: string[]): Promise<number> {
  const config = configFromArgs(mode, args);
  const local = await ensureRedis(config, mode === "serve");
  let tenants: TenantStore | undefined;
  if (!config.tenantsFile) {
    if (mode !== "serve") {
      await local?.stop();
      throw new UsageError(
        `${mode}: set WATTPLAN_TENANTS_FILE (the API and the workers must share it; create it with \`wattplan keys create --tenant NAME\`)`,
      );
    }
    const dev = devTenant();
    tenants = new TenantStore([dev.tenant]);
    say(`no WATTPLAN_TENANTS_FILE: created an in-memory tenant "dev" for DEVELOPMENT ONLY. Its API key (shown once):\n\n    ${dev.key}\n`);
  }
  let service: RunningService;
  try {
    service = await startService({ config, tenants, api: mode !== "worker", worker: mode !== "api", logger: false, log: say });
  } catch (error) {
    await local?.stop();
    throw error;
  }
  if (service.url) say(`${mode}: listening on ${service.url} (API docs: ${service.url}/docs)`);
  if (service.worker) say(`${mode}: worker running ${config.concurrency} job(s) at once in worker threads`);
  const signal = await untilSignal();
  say(`${signal}: shutting down (at most ${config.shutdownTimeoutMs} ms for active jobs)`);
  await service.close();
  await local?.stop();
  return EXIT.ok;
}

export const serveCommand = (args: string[]) => run("serve", args);
export const apiCommand = (args: string[]) => run("api", args);
export const workerCommand = (args: string[]) => run("worker", args);
