/**
 * Redis connections for the service, and a private redis-server for
 * development when none answers.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis, type RedisOptions } from "ioredis";

/**
 * A connection. Workers and queue listeners need `maxRetriesPerRequest: null`
 * (BullMQ refuses others); the API's commands give up after a few reconnect
 * attempts, so a request gets a 503 rather than hanging while Redis is away.
 */
export function createRedis(url: string, role: "api" | "worker"): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 3,
    // Reconnect forever with a capped back-off: a Redis restart must not kill the service.
    retryStrategy: (times) => Math.min(50 * times, 1000),
    connectionName: `wattplan-${role}`,
  });
}

/** Delete every key under `prefix:` (a queue prefix's jobs and records); returns how many. */
export async function deleteKeysWithPrefix(connection: string | RedisOptions, prefix: string): Promise<number> {
  const redis =
    typeof connection === "string"
      ? new Redis(connection, { maxRetriesPerRequest: 1 })
      : new Redis({ ...connection, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  try {
    let cursor = "0";
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Whether something answers PING at the URL within the timeout. */
export async function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function redisServerOnPath(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

export interface LocalRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  /** @defaultValue a free port */
  port?: number;
  /** Directory for the append-only file; without it nothing is persisted. */
  persistDir?: string;
}

/** Start a redis-server on 127.0.0.1 and wait until it answers. */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", ""];
  if (options.persistDir) args.push("--dir", options.persistDir, "--appendonly", "yes", "--appendfsync", "always");
  else args.push("--appendonly", "no");
  const child = spawn("redis-server", args, { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} (port ${port})`);
    if (await pingRedis(url, 200)) {
      return {
        url,
        port,
        process: child,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port}`);
}

export const REDIS_HELP = `Wattplan needs Redis ≥ 6.2. Either:
  - install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and rerun: a private one is started for you, or
  - run one yourself (docker run -p 6379:6379 redis:7) and set REDIS_URL if it is not redis://127.0.0.1:6379`;
