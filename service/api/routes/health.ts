/** Liveness, readiness and Prometheus metrics (no authentication). */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as z from "zod";
import type { ApiContext } from "../context.js";
import { errorResponses } from "../schemas.js";

const ReadySchema = z
  .object({
    status: z.enum(["ready", "not ready"]),
    redis: z.boolean(),
    workers: z.number().int().describe("worker connections BullMQ sees on the queue"),
  })
  .meta({ id: "Readiness", description: "ready when Redis answers and a worker is connected (else 503)" });

export const healthRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/health/live",
    {
      schema: {
        operationId: "getLiveness",
        summary: "The process is up",
        tags: ["health"],
        security: [],
        response: { 200: z.object({ status: z.literal("live") }).meta({ id: "Liveness" }), ...errorResponses(400, 500) },
      },
    },
    async () => ({ status: "live" as const }),
  );

  app.get(
    "/health/ready",
    {
      schema: {
        operationId: "getReadiness",
        summary: "Redis answers and at least one worker is connected",
        tags: ["health"],
        security: [],
        response: { 200: ReadySchema, 503: ReadySchema, ...errorResponses(400, 500) },
      },
    },
    async (_request, reply) => {
      const redis = await ctx.producer.ping();
      const workers = redis ? await ctx.producer.workerCount().catch(() => 0) : 0;
      const ready = redis && workers > 0;
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", redis, workers });
    },
  );

  const metricsSchema = {
    operationId: "getMetrics",
    summary: "Prometheus metrics",
    tags: ["health"],
    security: [],
    response: {
      200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: z.string() } } },
      ...errorResponses(400, 500),
    },
  };
  app.get("/metrics", { schema: metricsSchema }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
};
