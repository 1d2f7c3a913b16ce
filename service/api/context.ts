/** What the route plugins share, and the job view they return. */
import type { ServiceConfig } from "../config.js";
import type { JobProducer } from "../queue/producer.js";
import type { JobRecord } from "../queue/store.js";
import type { ServiceMetrics } from "../queue/metrics.js";
import type { TenantStore } from "../tenants.js";
import type { Notifier } from "../worker/notify.js";
import type { JobView } from "./schemas.js";
import type { SitePlanQueue } from "../sites/queue.js";
import type { SiteStore } from "../sites/store.js";

/** Live sites, when the service has PostgreSQL (docs/sites.md). */
export interface SitesContext {
  store: SiteStore;
  plans: SitePlanQueue;
}

export interface ApiContext {
  config: ServiceConfig;
  producer: JobProducer;
  notifier: Notifier;
  metrics: ServiceMetrics;
  /** A function: the tenants file may be reloaded while the service runs. */
  tenants: () => TenantStore;
  /** Aborted when the service shuts down (ends ?wait= requests early). */
  shutdown: AbortSignal;
  /** Undefined when live sites are off (no PostgreSQL): their routes answer 503 ERR_SITES_UNAVAILABLE. */
  sites?: SitesContext;
}

export const API_PREFIX = "/v1/optimizations";

export function linksOf(id: string) {
  return { self: `${API_PREFIX}/${id}`, deliveries: `${API_PREFIX}/${id}/deliveries` };
}

export function viewOf(record: JobRecord): Omit<JobView, "result"> {
  return {
    id: record.id,
    status: record.status,
    createdAt: record.createdAt,
    ...(record.startedAt !== undefined && { startedAt: record.startedAt }),
    ...(record.finishedAt !== undefined && { finishedAt: record.finishedAt }),
    strategy: record.strategy,
    ...(record.metadata !== undefined && { metadata: record.metadata }),
    attempts: record.attempts,
    ...(record.error !== undefined && { error: record.error }),
    links: linksOf(record.id),
  };
}

/**
 * The full view as JSON text. The stored result is spliced in as text: a
 * 300×96 result is large, and parsing it only to serialize it again is waste.
 */
export function viewJson(record: JobRecord, resultJson: string | undefined): string {
  const head = JSON.stringify(viewOf(record));
  return resultJson === undefined ? head : `${head.slice(0, -1)},"result":${resultJson}}`;
}
