import type { Redis } from "ioredis";
import type { EventType } from "./payload.js";
import type { Delivery, DeliveryAttempt, DeliveryStatus, DisabledEndpoint } from "./types.js";

/**
 * A delivery as stored (a Redis hash): the public fields, attempts kept
 * apart, optional fields as "" when absent, plus the exact body to sign and send.
 */
export interface DeliveryRecord extends Omit<Delivery, "attempts" | "statusReason" | "nextAttemptAt"> {
  statusReason: string;
  nextAttemptAt: string;
  /** Attempts recorded in the current cycle. */
  cycleAttempts: number;
  body: string;
}

/** What an attempt (or a skipped attempt) changes; applied only if the delivery is still where the caller saw it. */
export interface Settlement {
  cycle: number;
  /** The attempt number this settles (the delivery must have `attempt - 1` attempts in `cycle`). */
  attempt: number;
  /** The attempt to record; absent when nothing was sent (e.g. endpoint disabled meanwhile). */
  record?: DeliveryAttempt;
  status: DeliveryStatus;
  nextAttemptAt?: string;
  statusReason?: string;
  now: string;
}

// Records an attempt and moves the delivery on, only if it is still pending in
// the same cycle with exactly attempt-1 attempts: a stale or duplicate job
// (stalled and re-run, or overtaken by a redelivery) changes nothing.
const SETTLE = `
local h = redis.call('HMGET', KEYS[1], 'cycle', 'cycleAttempts', 'status')
if not h[1] then return 0 end
if h[1] ~= ARGV[1] or tonumber(h[2]) ~= tonumber(ARGV[2]) - 1 or h[3] ~= 'pending' then return 0 end
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('HSET', KEYS[1], 'cycleAttempts', ARGV[2])
end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'nextAttemptAt', ARGV[5], 'statusReason', ARGV[6], 'updatedAt', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('PEXPIRE', KEYS[3], ARGV[8])
return 1
`;

// Starts a new cycle on a finished delivery of this tenant: 0 = no such
// delivery, -1 = still pending, otherwise the new cycle number.
const REOPEN = `
local h = redis.call('HMGET', KEYS[1], 'tenantId', 'status', 'cycle')
if not h[1] or h[1] ~= ARGV[1] then return 0 end
if h[2] == 'pending' then return -1 end
local cycle = tonumber(h[3]) + 1
redis.call('HSET', KEYS[1], 'status', 'pending', 'cycle', cycle, 'cycleAttempts', 0, 'statusReason', '', 'nextAttemptAt', ARGV[2], 'updatedAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return cycle
`;

// Creates a delivery unless one with its id exists (KEYS: delivery, index;
// ARGV: retention ms, the id, then field/value pairs): 1 when created.
const CREATE_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`;

const enc = encodeURIComponent;

/** Delivery records and disabled endpoints in Redis, under `<prefix>:webhook-records:`. */
export class DeliveryStore {
  private readonly base: string;

  constructor(
    private readonly client: Redis,
    prefix: string,
    private readonly retentionMs: number,
  ) {
    this.base = `${prefix}:webhook-records`;
  }

  private deliveryKey(id: string): string {
    return `${this.base}:delivery:${id}`;
  }

  private attemptsKey(id: string): string {
    return `${this.base}:attempts:${id}`;
  }

  private indexKey(tenantId: string, optimizationId: string): string {
    return `${this.base}:by-optimization:${enc(tenantId)}:${enc(optimizationId)}`;
  }

  private disabledKey(tenantId: string): string {
    return `${this.base}:disabled-endpoints:${enc(tenantId)}`;
  }

  async create(record: DeliveryRecord): Promise<void> {
    const index = this.indexKey(record.tenantId, record.optimizationId);
    const fields: Record<string, string | number> = { ...record };
    await this.client
      .multi()
      .hset(this.deliveryKey(record.id), fields)
      .pexpire(this.deliveryKey(record.id), this.retentionMs)
      .rpush(index, record.id)
      .pexpire(index, this.retentionMs)
      .exec();
  }

  /** Create the delivery unless its id exists already (a retried idempotent enqueue); true when created. */
  async createIfAbsent(record: DeliveryRecord): Promise<boolean> {
    const fields = Object.entries(record).flatMap(([k, v]) => [k, String(v)]);
    const created = await this.client.eval(
      CREATE_IF_ABSENT,
      2,
      this.deliveryKey(record.id),
      this.indexKey(record.tenantId, record.optimizationId),
      String(this.retentionMs),
      record.id,
      ...fields,
    );
    return created === 1;
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const h = await this.client.hgetall(this.deliveryKey(id));
    return h.id ? toRecord(h) : undefined;
  }

  /** The public view of one delivery (attempts included, body left out). */
  async getDelivery(id: string): Promise<Delivery | undefined> {
    const [record, attempts] = await Promise.all([this.get(id), this.client.lrange(this.attemptsKey(id), 0, -1)]);
    return record ? toDelivery(record, attempts) : undefined;
  }

  async list(tenantId: string, optimizationId: string): Promise<Delivery[]> {
    const ids = await this.client.lrange(this.indexKey(tenantId, optimizationId), 0, -1);
    const found = await Promise.all(ids.map((id) => this.getDelivery(id)));
    return found.filter((d): d is Delivery => d !== undefined && d.tenantId === tenantId);
  }

  /** Apply an attempt's result; false when the delivery moved on meanwhile (nothing changed). */
  async settle(record: DeliveryRecord, s: Settlement): Promise<boolean> {
    const done = await this.client.eval(
      SETTLE,
      3,
      this.deliveryKey(record.id),
      this.attemptsKey(record.id),
      this.indexKey(record.tenantId, record.optimizationId),
      String(s.cycle),
      String(s.attempt),
      s.record ? JSON.stringify(s.record) : "",
      s.status,
      s.nextAttemptAt ?? "",
      s.statusReason ?? "",
      s.now,
      String(this.retentionMs),
    );
    return done === 1;
  }

  /** Start a new cycle: the new cycle number, "missing" or "pending". */
  async reopen(record: DeliveryRecord, now: string): Promise<number | "missing" | "pending"> {
    const result = Number(
      await this.client.eval(
        REOPEN,
        3,
        this.deliveryKey(record.id),
        this.attemptsKey(record.id),
        this.indexKey(record.tenantId, record.optimizationId),
        record.tenantId,
        now,
        String(this.retentionMs),
      ),
    );
    return result === 0 ? "missing" : result === -1 ? "pending" : result;
  }

  async disableEndpoint(tenantId: string, url: string, deliveryId: string, at: string): Promise<void> {
    const entry: DisabledEndpoint = { url, disabledAt: at, deliveryId };
    await this.client.hset(this.disabledKey(tenantId), url, JSON.stringify(entry));
  }

  /** True when the endpoint was disabled. */
  async enableEndpoint(tenantId: string, url: string): Promise<boolean> {
    return (await this.client.hdel(this.disabledKey(tenantId), url)) === 1;
  }

  async disabledEndpoint(tenantId: string, url: string): Promise<DisabledEndpoint | undefined> {
    const entry = await this.client.hget(this.disabledKey(tenantId), url);
    return entry ? (JSON.parse(entry) as DisabledEndpoint) : undefined;
  }

  async disabledEndpoints(tenantId: string): Promise<DisabledEndpoint[]> {
    const all = await this.client.hvals(this.disabledKey(tenantId));
    return all.map((e) => JSON.parse(e) as DisabledEndpoint);
  }
}

function toRecord(h: Record<string, string>): DeliveryRecord {
  return {
    id: h.id,
    tenantId: h.tenantId,
    optimizationId: h.optimizationId,
    event: h.event as EventType,
    url: h.url,
    status: h.status as DeliveryStatus,
    statusReason: h.statusReason ?? "",
    cycle: Number(h.cycle),
    cycleAttempts: Number(h.cycleAttempts),
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    nextAttemptAt: h.nextAttemptAt ?? "",
    body: h.body,
  };
}

function toDelivery(r: DeliveryRecord, attempts: string[]): Delivery {
  const d: Delivery = {
    id: r.id,
    tenantId: r.tenantId,
    optimizationId: r.optimizationId,
    event: r.event,
    url: r.url,
    status: r.status,
    cycle: r.cycle,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    attempts: attempts.map((a) => JSON.parse(a) as DeliveryAttempt),
  };
  if (r.statusReason) d.statusReason = r.statusReason;
  if (r.status === "pending" && r.nextAttemptAt) d.nextAttemptAt = r.nextAttemptAt;
  return d;
}
