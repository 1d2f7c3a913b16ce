/**
 * Webhook delivery, the Standard Webhooks way: signed events, a retry
 * schedule on a BullMQ queue, queryable deliveries, an SSRF guard.
 * See docs/webhooks.md.
 */
export { createWebhookDispatcher, deliveryIdFor, type DeliveryWorker, type EnqueueOptions, type WebhookDispatcher } from "./dispatcher.js";
export { DEFAULTS, DEFAULT_CONCURRENCY, type WebhookDispatcherOptions, type WorkerOptions } from "./options.js";
export {
  buildEventPayload,
  DEFAULT_MAX_PAYLOAD_BYTES,
  encodeResult,
  EVENT_TYPES,
  payloadBytes,
  RESULT_ENCODINGS,
  RESULT_ROUNDING,
  roundedResponse,
  type ResultEncoding,
  type CostSummary,
  type EventPayloadInput,
  type EventType,
  type OptimizationEventType,
  type SiteOcppEntry,
  type SitePlanWebhookPayload,
  type WebhookPayload,
} from "./payload.js";
export { parseRetryAfter, retryDelay, scaleSchedule, STANDARD_RETRY_SCHEDULE } from "./schedule.js";
export { generateWebhookSecret, signatureHeaders, type SignatureHeaders } from "./sign.js";
export { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH, type WebhookUrlVerdict } from "./url-check.js";
export { checkAddress, DENIED_RANGES, parseCidr } from "./ip-policy.js";
export { postWebhook, systemResolver, type PostOutcome, type Resolver } from "./send.js";
export {
  ATTEMPT_OUTCOMES,
  DELIVERY_STATUSES,
  type AttemptEvent,
  type AttemptOutcome,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type DisabledEndpoint,
  type WebhookEvent,
} from "./types.js";
export { DeliveryAttemptSchema, DeliverySchema } from "./schema.js";
