/** Live-site tests: a real service over real Redis and a real PostgreSQL schema of its own, dropped afterwards. */
import { randomBytes } from "node:crypto";
import { dropSchema } from "../service/sites/db.js";
import type { SiteBodyInput } from "../service/sites/schema.js";
import { api, startTestService, type ApiResponse, type TestService } from "./service-helpers.js";

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function uniqueSchema(name: string): string {
  return `t_${name.replace(/[^a-z0-9]/g, "_")}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

export interface SitesService extends TestService {
  schema: string;
  put(siteId: string, body: unknown, key?: string): Promise<ApiResponse>;
  events(siteId: string, events: unknown[], options?: { wait?: number; key?: string }): Promise<ApiResponse>;
  plan(siteId: string, key?: string): Promise<ApiResponse<Plan>>;
}

export interface OcppEntry {
  sessionId: string;
  evseId: string;
  stationId: string;
  action: string;
  payload: Record<string, unknown>;
}

export interface Plan {
  version: number;
  stateVersion: number;
  request: {
    horizon: { start: string; slotMinutes: number; slots: number };
    site: { importLimitKw: number | number[] };
    sessions: { id: string; maxChargeKw: number; initialEnergyKwh: number }[];
  };
  response: { status: string; sessions: { id: string; powerKw: number[] }[]; site: { netImportKw: number[] } };
  ocpp: OcppEntry[];
  changedSessions: string[];
  changedStations: string[];
  warnings: string[];
}

export async function startSitesService(name: string): Promise<SitesService> {
  const schema = uniqueSchema(name);
  const base = await startTestService(`sites-${name}`, {
    sites: "on",
    databaseUrl: DATABASE_URL,
    databaseSchema: schema,
    // The replay driver sends a batch per slot: far above a CSMS's rate, so lift the limit.
    rateLimitMax: 1_000_000,
  });
  const key = base.acme.key;
  return {
    ...base,
    schema,
    put: (siteId, body, k = key) => api(base.url, "PUT", `/v1/sites/${siteId}`, { key: k, body }),
    events: (siteId, events, o = {}) =>
      api(base.url, "POST", `/v1/sites/${siteId}/events${o.wait !== undefined ? `?wait=${o.wait}` : ""}`, {
        key: o.key ?? key,
        body: { events },
      }),
    plan: (siteId, k = key) => api<Plan>(base.url, "GET", `/v1/sites/${siteId}/plan`, { key: k }),
    async close() {
      await base.close();
      await dropSchema(DATABASE_URL, schema);
    },
  };
}

/** A depot: a 40 kW connection, two 11 kW EVSEs on one station and one on another, replayed on the events' clock. */
export function depot(overrides: Partial<SiteBodyInput> = {}): SiteBodyInput {
  return {
    site: { importLimitKw: 40 },
    tariff: { importPrice: 0.25 },
    evses: [
      { id: "e1", stationId: "cp-A", connectorId: 1, maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
      { id: "e2", stationId: "cp-A", connectorId: 2, maxChargeKw: 11, ocpp: { version: "2.0.1", unit: "W" } },
      { id: "e3", stationId: "cp-B", connectorId: 1, maxChargeKw: 11, ocpp: { version: "1.6", unit: "A" }, phases: 3 },
    ],
    planning: { slotMinutes: 15, horizonHours: 12, clock: "events" },
    ...overrides,
  };
}

let counter = 0;
export const eventId = () => `ev-${++counter}-${randomBytes(3).toString("hex")}`;

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of our own (never the shared one), to stop and start
 * under a running service. initdb refuses to run as root: as root the
 * cluster runs as the `postgres` user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const { execFileSync } = await import("node:child_process");
  const { chownSync, mkdtempSync, readdirSync, rmSync } = await import("node:fs");
  const { tmpdir, userInfo } = await import("node:os");
  const { join } = await import("node:path");
  const { freePort } = await import("../service/redis.js");
  const versions = readdirSync("/usr/lib/postgresql");
  const bin = join("/usr/lib/postgresql", versions[versions.length - 1], "bin");
  const dir = mkdtempSync(join(tmpdir(), "wattplan-pg-"));
  const root = userInfo().uid === 0;
  const run = (tool: string, args: string[]): void => {
    if (root) execFileSync("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], { stdio: "ignore" });
    else execFileSync(join(bin, tool), args, { stdio: "ignore" });
  };
  if (root) {
    const { uid, gid } = {
      uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
      gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
    };
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres"]);
  const port = await freePort();
  const start = async () => run("pg_ctl", ["-D", data, "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "-w", "start"]);
  const stop = async () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
