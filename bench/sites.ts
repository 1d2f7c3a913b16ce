/**
 * bench:sites — live sites end to end: event → `site.plan.updated` webhook
 * latency with many sites receiving events at once, and with one big site.
 * The service (API and plan worker) runs in this process over the shared
 * Redis and PostgreSQL (a schema of its own, dropped after); a real HTTP
 * receiver on 127.0.0.1 takes the webhooks. Each round, every site gets one
 * event that changes one session's target (so its profile surely changes);
 * the latency is from sending the POST to receiving that site's webhook of a
 * plan including the event.
 *
 * Four loads (--loads, all by default, run in this order):
 *   burst   every site's event sent at the same instant (the worst case);
 *   paced   each site an event every --interval-ms, at a random phase, as
 *           events from many stations arrive in practice;
 *   big     one site of --big sessions alone, one event at a time;
 *   mixed   the paced load again while the big site gets an event every
 *           --big-interval-ms (one at a time, random phase) over the same
 *           window: the issue's target, both site sizes measured under the
 *           same traffic, each reported apart.
 *
 * With --workers N the API runs in this process and the plans in N
 * `wattplan worker` processes (the deployment the docs describe; needs
 * `npm run build`); with 0, everything runs in this process.
 *
 *   npm run bench:sites -- [--sites 50] [--sessions 40] [--rounds 10] [--interval-ms 5000] [--big 300]
 *     [--big-rounds 20] [--big-interval-ms 2000] [--loads burst,paced,big,mixed] [--strategy optimal] [--workers 0] [--warm-start]
 *
 * With --warm-start every site has planning.warmStart (each re-plan starts from the site's previous solve).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagePath } from "../engine/paths.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { loadConfig } from "../service/config.js";
import { deleteKeysWithPrefix } from "../service/redis.js";
import { startService } from "../service/runtime.js";
import { dropSchema } from "../service/sites/db.js";
import type { SiteBodyInput } from "../service/sites/schema.js";
import { hashKey, newApiKey, newWebhookSecret, TenantStore } from "../service/tenants.js";
import { quantileSorted } from "./stats.js";

const T0 = Date.parse("2026-12-07T06:00:00Z");
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function siteBody(sessions: number, webhook: string, strategy: string, warmStart: boolean): SiteBodyInput {
  return {
    // Tight enough that the sessions compete, so plans are not trivial.
    site: { importLimitKw: 11 * sessions * 0.35 },
    tariff: {
      importPrice: {
        start: iso(0),
        stepMinutes: 60,
        values: Array.from({ length: 24 }, (_, h) => 0.2 + 0.1 * Math.sin((h / 24) * 2 * Math.PI)),
      },
    },
    evses: Array.from({ length: sessions }, (_, i) => ({
      id: `e${i}`,
      stationId: `cp-${Math.floor(i / 2)}`,
      connectorId: (i % 2) + 1,
      maxChargeKw: 11,
      ocpp: { version: "2.0.1" as const, unit: "W" as const },
    })),
    planning: { slotMinutes: 15, horizonHours: 24, clock: "events", strategy: strategy as "optimal", warmStart },
    webhook: { url: webhook },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sites: { type: "string", default: "50" },
      sessions: { type: "string", default: "40" },
      rounds: { type: "string", default: "10" },
      "interval-ms": { type: "string", default: "5000" },
      big: { type: "string", default: "300" },
      "big-rounds": { type: "string", default: "20" },
      "big-interval-ms": { type: "string", default: "2000" },
      loads: { type: "string", default: "burst,paced,big,mixed" },
      strategy: { type: "string", default: "optimal" },
      workers: { type: "string", default: "0" },
      "warm-start": { type: "boolean", default: false },
    },
  });
  const workers = Number(values.workers);
  const nSites = Number(values.sites);
  const nSessions = Number(values.sessions);
  const rounds = Number(values.rounds);
  const intervalMs = Number(values["interval-ms"]);
  const big = Number(values.big);
  const bigRounds = Number(values["big-rounds"]);
  const bigIntervalMs = Number(values["big-interval-ms"]);
  const loads = new Set(values.loads!.split(","));
  const unknownLoad = [...loads].find((l) => !["burst", "paced", "big", "mixed"].includes(l));
  if (unknownLoad !== undefined) throw new Error(`--loads: unknown load "${unknownLoad}" (burst, paced, big, mixed)`);
  const strategy = values.strategy!;

  // The receiver: remembers when each (site, state version) webhook arrived.
  const arrivals = new Map<string, { at: number; stateVersion: number }[]>();
  /** OCPP messages per webhook (the profiles a plan changed), per site, until a report takes them. */
  const messages = new Map<string, number[]>();
  const waiters = new Set<() => void>();
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const at = performance.now();
      const payload = JSON.parse(body) as { data: { siteId: string; stateVersion: number; ocpp?: unknown[] } };
      const siteId = payload.data.siteId;
      const sent = messages.get(siteId) ?? [];
      sent.push(payload.data.ocpp?.length ?? 0);
      messages.set(siteId, sent);
      const list = arrivals.get(payload.data.siteId) ?? [];
      list.push({ at, stateVersion: payload.data.stateVersion });
      arrivals.set(payload.data.siteId, list);
      for (const w of waiters) w();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const webhookFor = (siteId: string, stateVersion: number, timeoutMs = 60_000): Promise<number> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = arrivals.get(siteId)?.find((a) => a.stateVersion >= stateVersion);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit.at);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no webhook for ${siteId} state ${stateVersion} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const schema = `bench_sites_${randomBytes(3).toString("hex")}`;
  const prefix = `wattplan-bench-sites-${randomBytes(3).toString("hex")}`;
  const key = newApiKey();
  const tenant = { id: "bench", apiKeys: [hashKey(key)], webhookSecrets: [newWebhookSecret()] };
  const config = loadConfig(
    { ...process.env },
    {
      port: 0,
      host: "127.0.0.1",
      queuePrefix: prefix,
      sites: "on",
      databaseSchema: schema,
      rateLimitMax: 10_000_000,
      webhookAllowlist: ["127.0.0.1/32"],
    },
  );
  const service = await startService({ config, tenants: new TenantStore([tenant]), worker: workers === 0, log: () => {} });
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "wattplan-bench-sites-"));
  if (workers > 0) {
    const tenantsFile = join(dir, "tenants.json");
    writeFileSync(tenantsFile, JSON.stringify([tenant]));
    for (let w = 0; w < workers; w++) {
      children.push(
        spawn(process.execPath, [packagePath("bin", "wattplan.js"), "worker"], {
          stdio: "ignore",
          env: {
            ...process.env,
            REDIS_URL: config.redisUrl,
            DATABASE_URL: config.databaseUrl,
            WATTPLAN_DB_SCHEMA: schema,
            WATTPLAN_SITES: "on",
            WATTPLAN_QUEUE_PREFIX: prefix,
            WATTPLAN_TENANTS_FILE: tenantsFile,
            WATTPLAN_CONCURRENCY: "1",
            WATTPLAN_WEBHOOK_ALLOWLIST: "127.0.0.1/32",
          },
        }),
      );
    }
  }
  const url = service.url!;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { stateVersion: number; message?: string };
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${json.message ?? ""}`);
    return json;
  };
  let serial = 0;
  const nextId = () => `b-${++serial}`;

  async function prepare(siteId: string, sessions: number): Promise<void> {
    await call("PUT", `/v1/sites/${siteId}`, siteBody(sessions, hook, strategy, values["warm-start"]!));
    const events = Array.from({ length: sessions }, (_, i) => ({
      eventId: nextId(),
      type: "session.started",
      at: iso(i % 60),
      sessionId: `s${i}`,
      evseId: `e${i}`,
      departure: iso(8 * 60 + ((i * 37) % 600)),
      targetEnergyKwh: 10 + ((i * 13) % 40),
    }));
    const r = await call("POST", `/v1/sites/${siteId}/events`, { events });
    await webhookFor(siteId, r.stateVersion);
  }

  /** What one load's events gave: event → webhook latencies, events that changed no profile, webhooks lost. */
  interface Tally {
    latencies: number[];
    unchanged: number;
    lost: string[];
  }
  const tally = (): Tally => ({ latencies: [], unchanged: 0, lost: [] });
  /** The newest plan of a site. */
  async function latestPlan(siteId: string): Promise<{ stateVersion: number; changedSessions: string[] } | undefined> {
    const res = await fetch(`${url}/v1/sites/${siteId}/plan`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) {
      await res.text();
      return undefined;
    }
    return (await res.json()) as { stateVersion: number; changedSessions: string[] };
  }

  /** The newest plan of the site is of this state or newer and changed no profile (so no webhook comes for it). */
  async function planUnchanged(siteId: string, stateVersion: number): Promise<boolean> {
    const plan = await latestPlan(siteId);
    return plan !== undefined && plan.stateVersion >= stateVersion && plan.changedSessions.length === 0;
  }

  /**
   * One event to one site, changing one session's target; its event →
   * webhook latency, ms, goes to the tally. An event that changes no profile
   * sends no webhook: counted apart (not in the latencies) once its plan
   * shows no change, looked up each 500 ms from 1 s on (waiting the whole
   * timeout instead held every site's next events back, then sent them at
   * once, a burst inside the paced load). A changed plan whose webhook does
   * not come within 30 s counts as lost.
   */
  async function oneEvent(siteId: string, k: number, sessions: number, into: Tally): Promise<void> {
    const sent = performance.now();
    const r = await call("POST", `/v1/sites/${siteId}/events`, {
      events: [
        {
          eventId: nextId(),
          type: "session.updated",
          at: iso(60 + k),
          sessionId: `s${(k * 7) % sessions}`,
          targetEnergyKwh: 12 + ((k * 5) % 30),
        },
      ],
    });
    const webhook = webhookFor(siteId, r.stateVersion, 30_000).then(
      (at) => ({ at }),
      () => ({ at: undefined }),
    );
    for (let wait = 1000; ; wait = 500) {
      const got = await Promise.race([webhook, sleep(wait)]);
      if (got !== undefined) {
        if (got.at !== undefined) into.latencies.push(got.at - sent);
        // No webhook within the timeout: fine when the event left every profile as it was, lost otherwise.
        else if (await planUnchanged(siteId, r.stateVersion)) into.unchanged++;
        else into.lost.push(`${siteId}@${r.stateVersion}`);
        return;
      }
      if (await planUnchanged(siteId, r.stateVersion)) {
        into.unchanged++;
        return;
      }
    }
  }

  /** One round: every site gets one event at once. */
  const round = (siteIds: string[], k: number, sessions: number, into: Tally) =>
    Promise.all(siteIds.map((siteId) => oneEvent(siteId, k, sessions, into)));

  /** Paced: each site `count` events, one every `everyMs`, at its own random phase. */
  async function paced(siteIds: string[], from: number, sessions: number, count: number, everyMs: number, into: Tally): Promise<void> {
    await Promise.all(
      siteIds.map(async (siteId) => {
        const start = performance.now() + Math.random() * everyMs;
        for (let k = 0; k < count; k++) {
          await sleep(start + k * everyMs - performance.now());
          await oneEvent(siteId, from + k, sessions, into);
        }
      }),
    );
  }

  /** One row of the table: a load's latencies and the OCPP messages of its sites' webhooks (taken, so the next load starts afresh). */
  const report = (label: string, siteIds: string[], { latencies, unchanged, lost }: Tally) => {
    const sorted = latencies.sort((a, b) => a - b);
    const sent = siteIds.flatMap((siteId) => messages.get(siteId) ?? []).sort((a, b) => a - b);
    for (const siteId of siteIds) messages.delete(siteId);
    const ms = (q: number) => quantileSorted(sorted, q).toFixed(1);
    console.log(
      `| ${label} | ${sorted.length} | ${ms(0.5)} | ${ms(0.9)} | ${ms(0.99)} | ${ms(1)} | ${quantileSorted(sent, 0.5)} / ${sent[sent.length - 1] ?? 0} | ${unchanged} | ${lost.length}${lost.length > 0 ? ` (${lost.slice(0, 5).join(", ")})` : ""} |`,
    );
  };

  try {
    console.log(
      `${workers === 0 ? "API and plans in this process" : `API in this process, plans in ${workers} worker processes`}; strategy ${strategy}; PostgreSQL schema ${schema}`,
    );
    console.log(
      "| load | events | p50 ms | p90 ms | p99 ms | max ms | OCPP messages per webhook p50 / max | events that changed no profile (no webhook, not in the latencies) | webhooks lost |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---|---:|---:|");
    const many = Array.from({ length: nSites }, (_, i) => `site-${i}`);
    const mixed = loads.has("mixed") && big > 0;
    if (loads.has("burst") || loads.has("paced") || mixed) for (const siteId of many) await prepare(siteId, nSessions);
    if ((loads.has("big") || mixed) && big > 0) await prepare("big", big);
    messages.clear();
    const manyLabel = `${nSites} × ${nSessions}`;
    const pacedLabel = `each site every ${intervalMs} ms (${((1000 * nSites) / intervalMs).toFixed(1)} events/s)`;
    // Each load's events name later minutes of the event clock (`at`) than the load before.
    if (loads.has("burst")) {
      const burst = tally();
      for (let k = 0; k < rounds; k++) await round(many, k, nSessions, burst);
      report(`${manyLabel}, burst: all sites at once, ${rounds} rounds`, many, burst);
    }
    if (loads.has("paced")) {
      const alone = tally();
      await paced(many, rounds, nSessions, rounds, intervalMs, alone);
      report(`${manyLabel}, paced: ${pacedLabel}`, many, alone);
    }
    if (loads.has("big") && big > 0) {
      const alone = tally();
      for (let k = 0; k < bigRounds; k++) await round(["big"], k, big, alone);
      report(`1 × ${big} alone, one event at a time, ${bigRounds} rounds`, ["big"], alone);
    }
    if (mixed) {
      const small = tally();
      const large = tally();
      const bigEvents = Math.max(1, Math.floor((rounds * intervalMs) / bigIntervalMs));
      await Promise.all([
        paced(many, 2 * rounds, nSessions, rounds, intervalMs, small),
        paced(["big"], bigRounds, big, bigEvents, bigIntervalMs, large),
      ]);
      const withBig = `1 × ${big} every ${bigIntervalMs} ms`;
      report(`mixed: ${manyLabel} paced with ${withBig}; the ${nSessions}-session sites`, many, small);
      report(`mixed: the same; the ${big}-session site (${bigEvents} events)`, ["big"], large);
    }
  } finally {
    for (const child of children) child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    await service.close();
    receiver.close();
    await dropSchema(config.databaseUrl, schema).catch(() => {});
    await deleteKeysWithPrefix(config.redisUrl, prefix).catch(() => {});
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
