/** Liveness, readiness and Prometheus metrics (no authentication). */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiContext } from "../context.js";

const ReadySchema = z.object({
  status: z.enum(["ready", "not ready"]),
  redis: z.boolean(),
  workers: z.number().int().describe("worker connections BullMQ sees on the queue"),
});

export const healthRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/health/live",
    {
      schema: { summary: "The process is up", tags: ["health"], response: { 200: z.object({ status: z.literal("live") }) } },
    },
    async () => ({ status: "live" as const }),
  );

  app.get(
    "/health/ready",
    {
      schema: {
        summary: "Redis answers and at least one worker is connected",
        tags: ["health"],
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_request, reply) => {
      const redis = await ctx.producer.ping();
      const workers = redis ? await ctx.producer.workerCount().catch(() => 0) : 0;
      const ready = redis && workers > 0;
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", redis, workers });
    },
  );

  app.get("/metrics", { schema: { summary: "Prometheus metrics", tags: ["health"] } }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
};
