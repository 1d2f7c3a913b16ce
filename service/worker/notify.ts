/**
 * The one place where a finished job turns into a webhook. The delivery
 * itself (signing, retries, SSRF guard) lives in service/webhooks/.
 */
import type { JobRecord } from "../queue/store.js";
import type { Delivery, SiteOcppEntry } from "../webhooks/index.js";

/** A live site's newly published plan, for its `site.plan.updated` webhook. */
export interface SitePlanNotice {
  tenantId: string;
  siteId: string;
  url: string;
  version: number;
  stateVersion: number;
  horizonStart: string;
  computedAt: string;
  changed: SiteOcppEntry[];
}

export interface Notifier {
  /**
   * Enqueue the webhook of a job that reached completed or failed.
   * Idempotent: however often it is called for a job (a race, a retry after
   * a crash), the job gets one delivery.
   */
  jobFinished(record: JobRecord, resultJson: string | undefined): Promise<void>;
  /** Enqueue a live site's `site.plan.updated` webhook; one delivery per plan version. */
  sitePlanUpdated(notice: SitePlanNotice): Promise<void>;
  /** Deliveries of one job, for GET /v1/optimizations/:id/deliveries. */
  listDeliveries(tenant: string, jobId: string): Promise<Delivery[]>;
  /** Send a finished delivery again; undefined when the tenant has no such delivery. */
  redeliver(tenant: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Throws a WattplanError (400) when a webhook URL can never be delivered to. */
  checkUrl(url: string): void;
  /** Start delivering (worker processes only). */
  startWorker(): void;
  close(): Promise<void>;
}

/** No webhooks: used until the delivery module is wired in. */
export function nullNotifier(): Notifier {
  return {
    async jobFinished() {},
    async sitePlanUpdated() {},
    async listDeliveries() {
      return [];
    },
    async redeliver() {
      return undefined;
    },
    checkUrl() {},
    startWorker() {},
    async close() {},
  };
}
