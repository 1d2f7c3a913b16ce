import { z } from "zod";
import { EVENT_TYPES } from "./payload.js";
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
