/** Shared set-up of the job service tests: a real service on port 0 over real Redis, its own prefix. */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadConfig, type ServiceConfig } from "../service/config.js";
import { deleteKeysWithPrefix } from "../service/redis.js";
import { startService, type RunningService, type ServiceOptions } from "../service/runtime.js";
import { hashKey, newApiKey, newWebhookSecret, TenantStore, type Tenant } from "../service/tenants.js";

export const SHARED_REDIS_URL = "redis://127.0.0.1:6379";

export function uniquePrefix(name: string): string {
  return `wp-test-${name}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

export async function deletePrefix(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  await deleteKeysWithPrefix(url, prefix);
}

export interface TestTenant {
  id: string;
  key: string;
  secret: string;
  tenant: Tenant;
}

export function makeTenant(id: string): TestTenant {
  const key = newApiKey();
  const secret = newWebhookSecret();
  return { id, key, secret, tenant: { id, apiKeys: [hashKey(key)], webhookSecrets: [secret] } };
}

export interface TestService {
  service: RunningService;
  url: string;
  config: ServiceConfig;
  acme: TestTenant;
  globex: TestTenant;
  close(): Promise<void>;
}

/** Test defaults: one job at a time, fast stall recovery, fast webhook retries, 127.0.0.1 webhooks allowed. */
export function testConfig(prefix: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return loadConfig(
    {},
    {
      host: "127.0.0.1",
      port: 0,
      redisUrl: SHARED_REDIS_URL,
      queuePrefix: prefix,
      concurrency: 1,
      webhookAllowlist: ["127.0.0.1/32"],
      webhookRetryScale: 0.001,
      lockDurationMs: 2000,
      stalledIntervalMs: 1000,
      shutdownTimeoutMs: 3000,
      // Live sites have their own tests, each on its own PostgreSQL schema (test/sites-helpers.ts).
      sites: "off",
      ...overrides,
    },
  );
}

export async function startTestService(
  name: string,
  overrides: Partial<ServiceConfig> = {},
  options: Partial<ServiceOptions> = {},
): Promise<TestService> {
  const prefix = uniquePrefix(name);
  const config = testConfig(prefix, overrides);
  const acme = makeTenant("acme");
  const globex = makeTenant("globex");
  const service = await startService({ config, tenants: new TenantStore([acme.tenant, globex.tenant]), ...options });
  return {
    service,
    url: service.url!,
    config,
    acme,
    globex,
    async close() {
      await service.close();
      await deletePrefix(prefix, config.redisUrl);
    },
  };
}

/** A small valid request: examples/workplace.json with a baseline strategy (optimal is built elsewhere). */
export function exampleRequest(strategy = "edf", file = "workplace"): Record<string, unknown> {
  const request = JSON.parse(readFileSync(new URL(`../examples/${file}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
  return { ...request, strategy };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, docs)
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Poll until `predicate` holds (a hang guard, not a timing assertion). */
export async function eventually<T>(read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A valid request of any size: `sessions` EVs over `slots` 15-minute slots, seeded. */
export function syntheticRequest(sessions: number, slots: number, strategy = "edf", seed = 1): Record<string, unknown> {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const start = Date.parse("2026-11-24T00:00:00Z");
  const at = (slot: number) => new Date(start + slot * 15 * 60_000).toISOString();
  return {
    horizon: { start: at(0), slotMinutes: 15, slots },
    site: { importLimitKw: 22 * sessions * 0.4 },
    tariff: { importPrice: Array.from({ length: slots }, (_, t) => 0.2 + 0.1 * Math.sin((t / slots) * 2 * Math.PI)) },
    strategy,
    sessions: Array.from({ length: sessions }, (_, i) => {
      const arrival = Math.floor(rand() * slots * 0.5);
      const departure = Math.min(slots, arrival + 4 + Math.floor(rand() * slots * 0.5));
      return { id: `ev${i}`, arrival: at(arrival), departure: at(departure), targetEnergyKwh: 5 + rand() * 30, maxChargeKw: 11 };
    }),
  };
}
