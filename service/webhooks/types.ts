import type { EventType, SitePlanWebhookPayload, WebhookPayload } from "./payload.js";

/** Where a delivery stands. */
export const DELIVERY_STATUSES = ["pending", "succeeded", "failed", "disabled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * How one attempt ended, the label for a `webhook attempts by outcome` metric:
 * - `success`: a 2xx answer; the delivery succeeded.
 * - `retry`: failed (non-2xx, 3xx included, network error or timeout); another attempt is scheduled.
 * - `failed`: failed and the schedule is exhausted; the delivery failed.
 * - `disabled`: the receiver answered 410 Gone; the endpoint is disabled.
 * - `refused`: the SSRF policy refused the address; nothing was sent and the delivery failed.
 */
export const ATTEMPT_OUTCOMES = ["success", "retry", "failed", "disabled", "refused"] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** One HTTP attempt of a delivery. */
export interface DeliveryAttempt {
  /** The redelivery cycle (1 for the first, +1 per {@link WebhookDispatcher.redeliver}). */
  cycle: number;
  /** 1-based attempt number within the cycle (indexes the retry schedule). */
  attempt: number;
  /** When the attempt started and was signed (ISO 8601; `webhook-timestamp` is its Unix second). */
  at: string;
  /** The receiver's HTTP status, when it answered. */
  statusCode?: number;
  /** Why the attempt failed, when it did. */
  error?: string;
  /** Time from sending to the answer (or failure), ms. */
  durationMs: number;
  outcome: AttemptOutcome;
}

/** One event sent to one endpoint, with every attempt so far. */
export interface Delivery {
  /** The delivery id, which is also the `webhook-id` header (stable across attempts and redeliveries). */
  id: string;
  tenantId: string;
  optimizationId: string;
  event: EventType;
  url: string;
  status: DeliveryStatus;
  /** Why the delivery ended as it did (failed, disabled), when known. */
  statusReason?: string;
  /** 1 + the number of redeliveries. */
  cycle: number;
  createdAt: string;
  updatedAt: string;
  /** When the next attempt is due (pending only). */
  nextAttemptAt?: string;
  /** Every attempt, oldest first, across cycles. */
  attempts: DeliveryAttempt[];
}

/** What the job service hands over for one webhook. */
export interface WebhookEvent {
  tenantId: string;
  /** What the event is about: an optimization id, or `site:<siteId>` for a live site's events. */
  optimizationId: string;
  /** The endpoint, checked with {@link checkWebhookUrl} again here. */
  url: string;
  type: EventType;
  /** Usually from {@link buildEventPayload}; its `type` must equal `type`. */
  payload: WebhookPayload | SitePlanWebhookPayload;
}

/** Passed to the `onAttempt` hook after every attempt. */
export interface AttemptEvent {
  outcome: AttemptOutcome;
  deliveryId: string;
  tenantId: string;
  event: EventType;
  url: string;
  cycle: number;
  attempt: number;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** An endpoint disabled by a 410 answer. */
export interface DisabledEndpoint {
  url: string;
  disabledAt: string;
  /** The delivery whose attempt got the 410. */
  deliveryId: string;
}
