/**
 * Failures of the parts: a worker process killed mid-job (its job is picked
 * up by another worker), and Redis killed and restarted mid-run (the service
 * recovers; no accepted job is lost). Each test owns its processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort, startLocalRedis, type LocalRedis } from "../service/redis.js";
import { startService } from "../service/runtime.js";
import { TenantStore } from "../service/tenants.js";
import {
  api,
  deletePrefix,
  eventually,
  exampleRequest,
  makeTenant,
  testConfig,
  uniquePrefix,
  SHARED_REDIS_URL,
} from "./service-helpers.js";

type Job = { id: string; status: string; attempts: number; error?: { code: string } };

const BIN = new URL("../bin/wattplan.js", import.meta.url).pathname;
const children = new Set<ChildProcess>();
const dirs: string[] = [];

function spawnWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, "worker"], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function killChild(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

afterEach(async () => {
  await Promise.all([...children].map((c) => killChild(c)));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A queue prefix, a tenant in a tenants file, and the environment of a `wattplan worker` child for them. */
function workerSetup(name: string, extraEnv: Record<string, string>) {
  const prefix = uniquePrefix(name);
  const dir = mkdtempSync(join(tmpdir(), "wattplan-crash-"));
  dirs.push(dir);
  const acme = makeTenant("acme");
  const tenantsFile = join(dir, "tenants.json");
  writeFileSync(tenantsFile, JSON.stringify([acme.tenant]));
  const env: Record<string, string> = {
    REDIS_URL: SHARED_REDIS_URL,
    WATTPLAN_QUEUE_PREFIX: prefix,
    WATTPLAN_TENANTS_FILE: tenantsFile,
    WATTPLAN_CONCURRENCY: "1",
    WATTPLAN_LOCK_DURATION_MS: "2000",
    WATTPLAN_STALLED_INTERVAL_MS: "1000",
    // The slow-solve test flag: the job is surely still running when the worker is killed.
    WATTPLAN_TEST_SOLVE_DELAY_MS: "4000",
    ...extraEnv,
  };
  return { prefix, acme, env };
}

describe("a worker process killed mid-job", () => {
  it("hands the job to another worker, which completes it", async () => {
    const { prefix, acme, env } = workerSetup("crash", { WATTPLAN_SHUTDOWN_TIMEOUT_MS: "2000" });
    const config = testConfig(prefix);
    const apiOnly = await startService({ config, tenants: new TenantStore([acme.tenant]), worker: false });
    try {
      const first = spawnWorker(env);
      const res = await api<Job>(apiOnly.url!, "POST", "/v1/optimizations", { key: acme.key, body: exampleRequest() });
      expect(res.status).toBe(202);
      const id = res.body.id;
      await eventually(
        () => api<Job>(apiOnly.url!, "GET", `/v1/optimizations/${id}`, { key: acme.key }),
        (r) => r.body.status === "running",
      );
      await killChild(first, "SIGKILL");

      const metricsPort = await freePort();
      spawnWorker({ ...env, WATTPLAN_TEST_SOLVE_DELAY_MS: "0", WATTPLAN_WORKER_METRICS_PORT: String(metricsPort) });
      const done = await eventually(
        () => api<Job>(apiOnly.url!, "GET", `/v1/optimizations/${id}`, { key: acme.key }),
        (r) => r.body.status === "completed",
        45_000,
      );
      expect(done.body.attempts).toBe(2);
      // The worker process counts what it finished on its own /metrics.
      const metrics = await eventually(
        () => api<string>(`http://127.0.0.1:${metricsPort}`, "GET", "/metrics"),
        (r) => /wattplan_jobs_finished_total\{status="completed"\} 1/.test(String(r.body)),
      );
      expect(metrics.status).toBe(200);
    } finally {
      await apiOnly.close();
      await deletePrefix(prefix);
    }
  });

  it("fails the job with ERR_WORKER_CRASHED once its workers died more often than allowed", async () => {
    const { prefix, acme, env } = workerSetup("crash-limit", { WATTPLAN_MAX_STALLED_COUNT: "0" });
    const apiOnly = await startService({ config: testConfig(prefix), tenants: new TenantStore([acme.tenant]), worker: false });
    try {
      const first = spawnWorker(env);
      const res = await api<Job>(apiOnly.url!, "POST", "/v1/optimizations", { key: acme.key, body: exampleRequest() });
      const id = res.body.id;
      await eventually(
        () => api<Job>(apiOnly.url!, "GET", `/v1/optimizations/${id}`, { key: acme.key }),
        (r) => r.body.status === "running",
      );
      await killChild(first, "SIGKILL");
      spawnWorker(env);
      const done = await eventually(
        () => api<Job>(apiOnly.url!, "GET", `/v1/optimizations/${id}`, { key: acme.key }),
        (r) => r.body.status === "failed",
        45_000,
      );
      expect(done.body.error!.code).toBe("ERR_WORKER_CRASHED");
    } finally {
      await apiOnly.close();
      await deletePrefix(prefix);
    }
  });

  it("a worker stopped by SIGTERM finishes its active job first", async () => {
    const prefix = uniquePrefix("sigterm");
    const dir = mkdtempSync(join(tmpdir(), "wattplan-sigterm-"));
    dirs.push(dir);
    const acme = makeTenant("acme");
    const tenantsFile = join(dir, "tenants.json");
    writeFileSync(tenantsFile, JSON.stringify([acme.tenant]));
    const config = testConfig(prefix);
    const apiOnly = await startService({ config, tenants: new TenantStore([acme.tenant]), worker: false });
    try {
      const worker = spawnWorker({
        REDIS_URL: SHARED_REDIS_URL,
        WATTPLAN_QUEUE_PREFIX: prefix,
        WATTPLAN_TENANTS_FILE: tenantsFile,
        WATTPLAN_CONCURRENCY: "1",
        WATTPLAN_TEST_SOLVE_DELAY_MS: "1500",
        WATTPLAN_SHUTDOWN_TIMEOUT_MS: "20000",
      });
      const res = await api<Job>(apiOnly.url!, "POST", "/v1/optimizations", { key: acme.key, body: exampleRequest() });
      await eventually(
        () => api<Job>(apiOnly.url!, "GET", `/v1/optimizations/${res.body.id}`, { key: acme.key }),
        (r) => r.body.status === "running",
      );
      const exit = new Promise<number | null>((r) => worker.once("exit", (code) => r(code)));
      worker.kill("SIGTERM");
      expect(await exit).toBe(0);
      const after = await api<Job>(apiOnly.url!, "GET", `/v1/optimizations/${res.body.id}`, { key: acme.key });
      expect(after.body.status).toBe("completed");
      expect(after.body.attempts).toBe(1);
    } finally {
      await apiOnly.close();
      await deletePrefix(prefix);
    }
  });
});

describe("Redis restarted mid-run", () => {
  let redis: LocalRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it("recovers, and every accepted job completes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattplan-redis-"));
    dirs.push(dir);
    // Our own redis-server (never the shared one), with an fsync'd append-only file so a kill loses nothing acknowledged.
    redis = await startLocalRedis({ persistDir: dir });
    const port = redis.port;
    const prefix = uniquePrefix("redis-restart");
    const acme = makeTenant("acme");
    const config = testConfig(prefix, { redisUrl: redis.url, testSolveDelayMs: 700 });
    const service = await startService({ config, tenants: new TenantStore([acme.tenant]) });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await api<Job>(service.url!, "POST", "/v1/optimizations", {
          key: acme.key,
          body: exampleRequest(i % 2 ? "edf" : "llf"),
        });
        expect(res.status).toBe(202);
        ids.push(res.body.id);
      }
      await eventually(
        () => api<Job>(service.url!, "GET", `/v1/optimizations/${ids[0]}`, { key: acme.key }),
        (r) => r.body.status === "running",
      );

      await redis.stop();
      // While Redis is away nothing is accepted, and the answer says so (no 500, no hang).
      const refused = await api<{ code: string }>(service.url!, "POST", "/v1/optimizations", { key: acme.key, body: exampleRequest() });
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("ERR_UNAVAILABLE");
      const unreadable = await api<{ code: string }>(service.url!, "GET", `/v1/optimizations/${ids[0]}`, { key: acme.key });
      expect([unreadable.status, unreadable.body.code]).toEqual([503, "ERR_UNAVAILABLE"]);
      redis = await startLocalRedis({ persistDir: dir, port });

      for (const id of ids) {
        const done = await eventually(
          () => api<Job>(service.url!, "GET", `/v1/optimizations/${id}`, { key: acme.key }),
          (r) => r.status === 200 && (r.body.status === "completed" || r.body.status === "failed"),
          60_000,
        );
        expect(done.body.status, JSON.stringify(done.body)).toBe("completed");
      }
    } finally {
      await service.close();
    }
  });
});
