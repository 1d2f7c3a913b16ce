/** POST /v1/optimizations: accept a job; with ?wait=, answer with its result when it finishes in time. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { WattplanError } from "../../../engine/errors.js";
import { canonicalHash } from "../../queue/canonical.js";
import { tenantOf } from "../auth.js";
import { API_PREFIX, linksOf, viewJson, type ApiContext } from "../context.js";
import { type JobView, AcceptedSchema, errorResponses, JobViewSchema, SubmitBodySchema, SubmitQuerySchema } from "../schemas.js";
import * as z from "zod";

const IDEMPOTENCY_KEY_MAX = 200;

export const submitRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.post(
    "/",
    {
      schema: {
        operationId: "submitOptimization",
        summary: "Submit an optimization",
        description:
          "Queues a scheduling request (the model of docs/model.md) plus an optional webhook and metadata. " +
          "The same Idempotency-Key with the same body returns the same job; with a different body, 409 ERR_IDEMPOTENCY_CONFLICT. " +
          "With ?wait=S the answer is 200 with the finished job when it finishes within S seconds, else 202.",
        tags: ["optimizations"],
        body: SubmitBodySchema,
        querystring: SubmitQuerySchema,
        // Loose: the validated value replaces request.headers, and the other headers must survive.
        headers: z.looseObject({
          "idempotency-key": z
            .string()
            .min(1)
            .max(IDEMPOTENCY_KEY_MAX)
            .optional()
            .describe("makes the submission repeatable: the same key and body return the same job; another body is a 409"),
        }),
        response: {
          200: JobViewSchema,
          202: AcceptedSchema,
          ...errorResponses(400, 401, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const { webhook, metadata, ...problem } = request.body;
      const cells = problem.sessions.length * problem.horizon.slots;
      if (cells > ctx.config.maxProblemCells) {
        throw new WattplanError(
          "ERR_PROBLEM_TOO_LARGE",
          `sessions × slots = ${cells} exceeds this service's limit of ${ctx.config.maxProblemCells}`,
        );
      }
      if (webhook) ctx.notifier.checkUrl(webhook.url);
      const { record, existing } = await ctx.producer.submit({
        tenant: tenant.id,
        strategy: problem.strategy,
        request: problem,
        metadata,
        webhook,
        idempotencyKey: request.headers["idempotency-key"],
        bodyHash: canonicalHash(request.body),
      });
      if (!existing) ctx.metrics.submitted.inc({ strategy: record.strategy });
      reply.header("location", `${API_PREFIX}/${record.id}`);
      if (existing) reply.header("idempotent-replayed", "true");

      const waitSeconds = Math.min(request.query.wait ?? 0, ctx.config.waitCapSeconds);
      if (waitSeconds > 0) {
        // The job is accepted: if Redis hiccups while we wait, answer 202 rather than an error the client might retry.
        const latest = await ctx.producer.waitFor(record.id, waitSeconds * 1000, ctx.shutdown).catch(() => undefined);
        if (latest && (latest.status === "completed" || latest.status === "failed" || latest.status === "canceled")) {
          const result = latest.status === "completed" ? await ctx.producer.store.getResultText(latest.id) : undefined;
          return reply
            .code(200)
            .type("application/json; charset=utf-8")
            .send(viewJson(latest, result) as unknown as JobView);
        }
        if (latest) return reply.code(202).send({ id: latest.id, status: latest.status, links: linksOf(latest.id) });
      }
      return reply.code(202).send({ id: record.id, status: record.status, links: linksOf(record.id) });
    },
  );
};
