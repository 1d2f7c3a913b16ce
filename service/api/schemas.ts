/**
 * The API's wire schemas. The request part of a submission is the model's
 * RequestSchema (engine/model/schema.ts), extended with the job envelope.
 */
import * as z from "zod";
import { ERRORS, type ErrorCode } from "../../engine/errors.js";
import { RequestSchema, ResponseSchema, semanticIssues } from "../../engine/model/schema.js";
import { JOB_STATUSES } from "../queue/store.js";
import { DeliverySchema } from "../webhooks/index.js";

export const WebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048, "must be at most 2048 characters"),
  includeResult: z.boolean({ error: "must be true or false" }).default(false).describe("put the whole result in the webhook payload"),
});

export const MetadataSchema = z
  .record(z.string(), z.unknown(), { error: "must be an object" })
  .describe("opaque object echoed back with the job and in its webhook (at most 16 KiB of JSON)");

/** The fields a submission adds to a scheduling request. */
export const ENVELOPE_FIELDS = ["webhook", "metadata"] as const;

/** POST /v1/optimizations body: a scheduling request plus `webhook` and `metadata`. */
export const SubmitBodySchema = z
  .strictObject({
    ...RequestSchema.shape,
    webhook: WebhookSchema.optional(),
    metadata: MetadataSchema.optional(),
  })
  .superRefine((body, ctx) => {
    for (const issue of semanticIssues(body)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: undefined });
    if (body.metadata !== undefined && JSON.stringify(body.metadata).length > 16_384) {
      ctx.addIssue({ code: "custom", path: ["metadata"], message: "must be at most 16 KiB of JSON", input: undefined });
    }
  });
export type SubmitBody = z.output<typeof SubmitBodySchema>;

export const JobIdParamsSchema = z.object({ id: z.string().max(100) });

export const SubmitQuerySchema = z.object({
  wait: z.coerce
    .number({ error: "must be a number of seconds" })
    .min(0, "must be ≥ 0")
    .max(3600, "must be at most 3600")
    .optional()
    .describe("seconds to wait for the result (capped by the server, 30 by default)"),
});

export const ListQuerySchema = z.object({
  limit: z.coerce
    .number({ error: "must be an integer" })
    .int("must be an integer")
    .min(1, "must be at least 1")
    .max(100, "must be at most 100")
    .default(20),
  cursor: z.string().max(100).optional().describe("nextCursor of the previous page"),
});

export const JobErrorSchema = z.object({ code: z.string(), message: z.string() });

export const LinksSchema = z.object({ self: z.string(), deliveries: z.string() });

export const JobViewSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  strategy: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  attempts: z.number().int().describe("times a worker started the job; above 1 after a worker died"),
  result: ResponseSchema.optional().describe("the spec §9 response, when completed"),
  error: JobErrorSchema.optional(),
  links: LinksSchema,
});
export type JobView = z.infer<typeof JobViewSchema>;

export const AcceptedSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  links: LinksSchema,
});

export const JobSummarySchema = JobViewSchema.omit({ result: true });
export const JobListSchema = z.object({
  items: z.array(JobSummarySchema),
  nextCursor: z.string().optional().describe("pass as ?cursor= for the next (older) page; absent on the last page"),
});

export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

export const ProblemSchema = z.object({
  path: z.string().describe('JSON path of the invalid value, e.g. sessions[1].maxChargeKw, or "(root)"'),
  message: z.string(),
});

export const ErrorBodySchema = z.object({
  statusCode: z.int().min(400).max(599).describe("the HTTP status"),
  code: z.enum(ERROR_CODES).describe("stable error code (docs/errors.md)"),
  message: z.string().describe("for people; may be reworded"),
  details: z
    .unknown()
    .optional()
    .meta({
      description: "ERR_INVALID_REQUEST: { problems: Problem[] }, every invalid value with its JSON path",
      examples: [{ problems: [{ path: "sessions[1].maxChargeKw", message: "must be > 0" }] }],
    }),
});

/** Error responses (the Error component) for these statuses. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBodySchema])) as Record<S, typeof ErrorBodySchema>;
}

/** What every authenticated route may answer besides its own errors: invalid input, no key, rate limit, internal, Redis away. */
export const COMMON_ERRORS = [400, 401, 429, 500, 503] as const;

export const DeliveriesSchema = z.object({ items: z.array(DeliverySchema) });
