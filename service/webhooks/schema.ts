import * as z from "zod";
import { CostSchema, ResponseSchema, STATUSES, StrategyNameSchema } from "../../engine/model/schema.js";
import { OcppEntrySchema } from "../sites/schema.js";
import { EVENT_TYPES, RESULT_ENCODINGS, RESULT_ROUNDING, type SitePlanWebhookPayload, type WebhookPayload } from "./payload.js";
import { ATTEMPT_OUTCOMES, DELIVERY_STATUSES } from "./types.js";

/** Zod schema of {@link DeliveryAttempt}, for API response schemas. */
export const DeliveryAttemptSchema = z.object({
  cycle: z.number().int().describe("redelivery cycle, 1 for the first"),
  attempt: z.number().int().describe("1-based attempt number within the cycle"),
  at: z.string().describe("when the attempt started and was signed (ISO 8601)"),
  statusCode: z.number().int().optional().describe("the receiver's HTTP status, when it answered"),
  error: z.string().optional().describe("why the attempt failed"),
  durationMs: z.number().describe("time to the answer or failure, ms"),
  outcome: z.enum(ATTEMPT_OUTCOMES),
});

/** Zod schema of {@link Delivery}, for API response schemas. */
export const DeliverySchema = z.object({
  id: z.string().describe("delivery id, also the webhook-id header"),
  tenantId: z.string(),
  optimizationId: z.string(),
  event: z.enum(EVENT_TYPES),
  url: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  statusReason: z.string().optional(),
  cycle: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  nextAttemptAt: z.string().optional().describe("when the next attempt is due (pending only)"),
  attempts: z.array(DeliveryAttemptSchema),
});

const timestamp = () => z.string().describe("when the event happened (ISO 8601); the same on every attempt and redelivery");
const links = () => z.record(z.string(), z.string()).describe("where to fetch the job and its full result");

/** The body of `optimization.completed` (Standard Webhooks `{ type, timestamp, data }`). */
export const OptimizationCompletedEventSchema = z.object({
  type: z.literal("optimization.completed"),
  timestamp: timestamp(),
  data: z.object({
    id: z.string().describe("the optimization id"),
    status: z.literal("completed"),
    solveStatus: z.enum(STATUSES).describe("the solve status of spec §9"),
    strategy: StrategyNameSchema,
    cost: CostSchema,
    peakImportKw: z.number().describe("highest net import, kW"),
    links: links(),
    resultEncoding: z
      .enum(RESULT_ENCODINGS)
      .optional()
      .describe(
        "how the result is carried, when the job asked for it (webhook.includeResult) and it fits: json = in `result`; gzip+base64 = in `resultEncoded` (docs/webhooks.md)",
      ),
    result: ResponseSchema.optional().describe("the full §9 response (resultEncoding json)"),
    resultEncoded: z
      .string()
      .optional()
      .describe("resultEncoding gzip+base64: the base64 of the gzip of the §9 response's UTF-8 JSON; JSON.parse(gunzip(base64decode(it)))"),
    resultRoundedTo: z
      .literal(RESULT_ROUNDING)
      .optional()
      .describe("set when the encoded result's per-slot series were rounded to this step (kW, kWh) to fit; costs and totals stay exact"),
    resultOmitted: z
      .literal("too_large")
      .optional()
      .describe("set when the result was asked for but does not fit even so: GET links.self, the optimization with its result"),
  }),
});

/** The body of `optimization.failed`. */
export const OptimizationFailedEventSchema = z.object({
  type: z.literal("optimization.failed"),
  timestamp: timestamp(),
  data: z.object({
    id: z.string().describe("the optimization id"),
    status: z.literal("failed"),
    error: z.object({ code: z.string(), message: z.string() }).describe("why the job failed: a stable error code and a message"),
    links: links(),
  }),
});

/** The body of `site.plan.updated` (docs/sites.md). */
export const SitePlanUpdatedEventSchema = z.object({
  type: z.literal("site.plan.updated"),
  timestamp: timestamp(),
  data: z.object({
    siteId: z.string(),
    version: z.int().describe("the plan's version"),
    stateVersion: z.int().describe("the site state the plan was computed from"),
    horizonStart: z.string(),
    changedSessions: z.array(z.string()).describe("sessions whose profile changed"),
    changedFallbacks: z.array(z.string()).describe("EVSEs whose fallback profile (sessionId null in ocpp) changed"),
    changedStations: z.array(z.string()).describe("stations whose station-max profile (evseId null in ocpp) changed"),
    ocpp: z.array(OcppEntrySchema).optional().describe("the messages of the changed profiles only; absent when too large (ocppOmitted)"),
    ocppOmitted: z.literal("too_large").optional().describe("fetch the changed sessions' messages from the plan"),
    links: z.record(z.string(), z.string()),
  }),
});

// Every payload the schemas describe is one the builders may produce.
const fits: [
  z.output<typeof OptimizationCompletedEventSchema> extends WebhookPayload ? true : false,
  z.output<typeof OptimizationFailedEventSchema> extends WebhookPayload ? true : false,
  z.output<typeof SitePlanUpdatedEventSchema> extends SitePlanWebhookPayload ? true : false,
] = [true, true, true];
void fits;
