/**
 * Wires the webhook delivery module (service/webhooks/) into the job
 * service: builds the event of a finished job and hands it over.
 */
import type { ServiceConfig } from "../config.js";
import { WattplanError } from "../../engine/errors.js";
import type { Response } from "../../engine/model/schema.js";
import type { ServiceMetrics } from "../queue/metrics.js";
import type { JobRecord } from "../queue/store.js";
import { createRedis } from "../redis.js";
import type { TenantStore } from "../tenants.js";
import {
  buildEventPayload,
  createWebhookDispatcher,
  deliveryIdFor,
  scaleSchedule,
  STANDARD_RETRY_SCHEDULE,
  DEFAULT_MAX_PAYLOAD_BYTES,
  payloadBytes,
  type DeliveryWorker,
  type SitePlanWebhookPayload,
} from "../webhooks/index.js";
import type { Notifier, SitePlanNotice } from "./notify.js";
import { linksOf } from "../api/context.js";

export function createNotifier(
  config: ServiceConfig,
  tenants: () => TenantStore,
  metrics: ServiceMetrics,
  log: (m: string) => void,
): Notifier {
  // The dispatcher never closes a connection it is given; we do, in close().
  const connection = createRedis(config.redisUrl, "worker");
  connection.on("error", () => {});
  const dispatcher = createWebhookDispatcher({
    connection,
    prefix: config.queuePrefix,
    secretsFor: (tenantId) => tenants().webhookSecrets(tenantId),
    retrySchedule: scaleSchedule(STANDARD_RETRY_SCHEDULE, config.webhookRetryScale),
    allowCidrs: config.webhookAllowlist,
    onAttempt: (event) => metrics.webhookAttempts.inc({ outcome: event.outcome }),
    onError: (error) => log(`webhooks: ${error.message}`),
  });
  let deliveryWorker: DeliveryWorker | undefined;
  const absolute = (links: Record<string, string>) =>
    Object.fromEntries(Object.entries(links).map(([k, v]) => [k, config.publicUrl ? `${config.publicUrl}${v}` : v]));

  return {
    async jobFinished(record: JobRecord, resultJson: string | undefined) {
      if (!record.webhook) return;
      const completed = record.status === "completed";
      const response = completed && resultJson !== undefined ? (JSON.parse(resultJson) as Response) : undefined;
      const type = completed && response ? "optimization.completed" : "optimization.failed";
      const payload = buildEventPayload({
        type,
        optimizationId: record.id,
        links: absolute(linksOf(record.id)),
        response,
        error:
          type === "optimization.failed"
            ? (record.error ?? { code: "ERR_JOB_EXPIRED", message: "the result expired before the webhook was sent" })
            : undefined,
        includeResult: record.webhook.includeResult,
        timestamp: record.finishedAt ? new Date(record.finishedAt) : undefined,
      });
      // One event per job: its delivery id derives from the job id, so the
      // live path and the outbox sweeper (service/worker/outbox.ts) enqueue it once.
      await dispatcher.enqueue(
        { tenantId: record.tenant, optimizationId: record.id, url: record.webhook.url, type, payload },
        { deliveryId: deliveryIdFor(`optimization:${record.id}`) },
      );
    },
    async sitePlanUpdated(notice: SitePlanNotice) {
      const plan = `/v1/sites/${encodeURIComponent(notice.siteId)}/plan`;
      const payload: SitePlanWebhookPayload = {
        type: "site.plan.updated",
        timestamp: notice.computedAt,
        data: {
          siteId: notice.siteId,
          version: notice.version,
          stateVersion: notice.stateVersion,
          horizonStart: notice.horizonStart,
          changedSessions: notice.changed.flatMap((e) => (e.sessionId === null ? [] : [e.sessionId])),
          changedFallbacks: notice.changed.flatMap((e) => (e.sessionId === null && e.evseId !== null ? [e.evseId] : [])),
          changedStations: notice.changed.flatMap((e) => (e.evseId === null ? [e.stationId] : [])),
          ocpp: notice.changed,
          links: absolute({ plan }),
        },
      };
      // A big site's changes may not fit one body: then the receiver fetches them from the plan.
      if (payloadBytes(payload) > DEFAULT_MAX_PAYLOAD_BYTES) {
        delete payload.data.ocpp;
        payload.data.ocppOmitted = "too_large";
      }
      await dispatcher.enqueue(
        { tenantId: notice.tenantId, optimizationId: `site:${notice.siteId}`, url: notice.url, type: "site.plan.updated", payload },
        { deliveryId: deliveryIdFor(`site:${notice.tenantId}:${notice.siteId}:${notice.version}`) },
      );
    },
    listDeliveries(tenant, jobId) {
      return dispatcher.listDeliveries(tenant, jobId);
    },
    redeliver(tenant, deliveryId) {
      return dispatcher.redeliver(tenant, deliveryId);
    },
    checkUrl(url) {
      const verdict = dispatcher.checkUrl(url);
      if (!verdict.ok) {
        throw new WattplanError("ERR_WEBHOOK_URL_REFUSED", `webhook.url is not allowed: ${verdict.reason}`, {
          problems: [{ path: "webhook.url", message: verdict.reason }],
        });
      }
    },
    startWorker() {
      deliveryWorker ??= dispatcher.startWorker();
    },
    async close() {
      await deliveryWorker?.close().catch(() => {});
      await dispatcher.close().catch(() => {});
      connection.disconnect();
    },
  };
}
