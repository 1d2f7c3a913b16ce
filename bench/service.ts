/**
 * bench:service — the job service end to end: throughput (jobs/s) and
 * submit→webhook latency (p50/p99) for 20×96 and 300×96 problems with 1 and
 * 2 worker processes, and the service's overhead over calling solve()
 * directly. The API runs in this process; workers are `wattplan worker`
 * child processes (one job at a time each) sharing one Redis.
 *
 *   npm run bench:service -- [--jobs 20] [--strategy edf] [--sizes 20x96,300x96] [--workers 1,2]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../service/config.js";
import { validateRequest } from "../engine/model/validate.js";
import { packagePath } from "../engine/paths.js";
import { deleteKeysWithPrefix, pingRedis } from "../service/redis.js";
import { startService } from "../service/runtime.js";
import { solve } from "../engine/scheduler/solve.js";
import { hashKey, newApiKey, newWebhookSecret, TenantStore } from "../service/tenants.js";
import { quantile } from "./stats.js";

/** Seeded problem generator "fleet": `sessions` EVs at 11 kW over `slots` 15-minute slots, a shared import limit, a daily price curve. */
export function fleetProblem(sessions: number, slots: number, strategy: string, seed = 1): Record<string, unknown> {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const start = Date.parse("2026-11-24T00:00:00Z");
  const at = (slot: number) => new Date(start + slot * 15 * 60_000).toISOString();
  return {
    horizon: { start: at(0), slotMinutes: 15, slots },
    site: { importLimitKw: 11 * sessions * 0.4 + 50, baseLoadKw: 30 },
    tariff: { importPrice: Array.from({ length: slots }, (_, t) => 0.25 + 0.1 * Math.sin((t / 96) * 2 * Math.PI)), demandChargePerKw: 5 },
    strategy,
    sessions: Array.from({ length: sessions }, (_, i) => {
      const arrival = Math.floor(rand() * slots * 0.6);
      const departure = Math.min(slots, arrival + 8 + Math.floor(rand() * slots * 0.4));
      return { id: `ev${i}`, arrival: at(arrival), departure: at(departure), targetEnergyKwh: 5 + rand() * 35, maxChargeKw: 11 };
    }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "20" },
      strategy: { type: "string", default: "edf" },
      sizes: { type: "string", default: "20x96,300x96" },
      workers: { type: "string", default: "1,2" },
    },
  });
  const jobs = Number(values.jobs);
  const strategy = values.strategy!;
  const sizes = values.sizes!.split(",").map((x) => x.split("x").map(Number) as [number, number]);
  const workerCounts = values.workers!.split(",").map(Number);
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!(await pingRedis(redisUrl))) throw new Error(`no Redis at ${redisUrl} (set REDIS_URL)`);

  const dir = mkdtempSync(join(tmpdir(), "wattplan-bench-"));
  const key = newApiKey();
  const secret = newWebhookSecret();
  const tenant = { id: "bench", apiKeys: [hashKey(key)], webhookSecrets: [secret] };
  const tenantsFile = join(dir, "tenants.json");
  writeFileSync(tenantsFile, JSON.stringify([tenant]));
  const arrivals = new Map<string, number>();
  let onArrival: (() => void) | undefined;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const id = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { id: string } }).data.id;
      arrivals.set(id, performance.now());
      res.writeHead(204).end();
      onArrival?.();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

  console.log(`bench:service — ${jobs} jobs per run, strategy ${strategy}, Redis ${redisUrl}, node ${process.version}`);
  console.log("");
  console.log(
    "| problem | workers | jobs/s | submit→webhook p50 ms | p99 ms | direct solve() ms | service overhead ms (1 job at a time, p50) |",
  );
  console.log("|---|---|---|---|---|---|---|");
  const rows: unknown[] = [];
  for (const [n, T] of sizes) {
    const body = fleetProblem(n, T, strategy);
    const checked = validateRequest(body);
    if (!checked.ok) throw new Error("generator made an invalid request");
    // Direct solve, in this thread, for the overhead comparison.
    const direct: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      solve(structuredClone(checked.request));
      direct.push(performance.now() - t0);
    }
    direct.sort((a, b) => a - b);
    for (const workerCount of workerCounts) {
      const prefix = `wattplan-bench-${randomBytes(4).toString("hex")}`;
      const config = loadConfig(
        {},
        {
          host: "127.0.0.1",
          port: 0,
          redisUrl,
          queuePrefix: prefix,
          webhookAllowlist: ["127.0.0.1/32"],
          rateLimitMax: 1_000_000,
          tenantsFile,
        },
      );
      const service = await startService({ config, tenants: new TenantStore([tenant]), worker: false });
      const children: ChildProcess[] = [];
      for (let w = 0; w < workerCount; w++) {
        children.push(
          spawn(process.execPath, [packagePath("bin", "wattplan.js"), "worker"], {
            env: {
              ...process.env,
              REDIS_URL: redisUrl,
              WATTPLAN_QUEUE_PREFIX: prefix,
              WATTPLAN_TENANTS_FILE: tenantsFile,
              WATTPLAN_CONCURRENCY: "1",
              WATTPLAN_WEBHOOK_ALLOWLIST: "127.0.0.1/32",
            },
            stdio: "ignore",
          }),
        );
      }
      try {
        for (let i = 0; i < 100 && (await service.producer.workerCount()) < workerCount; i++) await new Promise((r) => setTimeout(r, 100));
        const post = async (b: unknown) => {
          const res = await fetch(`${service.url}/v1/optimizations`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify(b),
          });
          if (res.status !== 202) throw new Error(`submit: HTTP ${res.status} ${await res.text()}`);
          return ((await res.json()) as { id: string }).id;
        };
        const waitAll = (ids: string[]) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("webhooks did not all arrive within 300 s")), 300_000);
            const check = () => {
              if (ids.every((id) => arrivals.has(id))) {
                clearTimeout(timer);
                onArrival = undefined;
                resolve();
              }
            };
            onArrival = check;
            check();
          });
        const withHook = { ...body, webhook: { url: hookUrl } };
        // One job at a time: latency without queueing, to compare with the direct solve.
        const single: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const id = await post(withHook);
          await waitAll([id]);
          single.push(arrivals.get(id)! - t0);
        }
        single.sort((a, b) => a - b);
        // A burst: every job submitted at once.
        const submitted = new Map<string, number>();
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: jobs }, async () => {
            const ts = performance.now();
            submitted.set(await post(withHook), ts);
          }),
        );
        await waitAll([...submitted.keys()]);
        const elapsed = (performance.now() - t0) / 1000;
        const latencies = [...submitted].map(([id, ts]) => arrivals.get(id)! - ts).sort((a, b) => a - b);
        const row = {
          problem: `${n}×${T}`,
          workers: workerCount,
          jobsPerSecond: jobs / elapsed,
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          directSolveMs: quantile(direct, 0.5),
          overheadMs: quantile(single, 0.5) - quantile(direct, 0.5),
        };
        rows.push(row);
        console.log(
          `| ${row.problem} | ${row.workers} | ${row.jobsPerSecond.toFixed(1)} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.directSolveMs.toFixed(1)} | ${row.overheadMs.toFixed(0)} |`,
        );
      } finally {
        await Promise.all(
          children.map(
            (c) =>
              new Promise((r) => {
                if (c.exitCode !== null) return r(null);
                c.once("exit", r);
                c.kill("SIGTERM");
              }),
          ),
        );
        await service.close();
        await deleteKeysWithPrefix(redisUrl, prefix);
      }
    }
  }
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
  console.log("");
  console.log("jobs/s: a burst of jobs submitted at once, until the last webhook arrived. Latency: submit to webhook received.");
  console.log("Overhead: median submit→webhook of 5 jobs sent one at a time, minus the median direct solve() in one thread.");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
