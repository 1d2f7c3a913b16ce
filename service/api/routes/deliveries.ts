/** Webhook deliveries of a job: list them, send one again. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as z from "zod";
import { WattplanError } from "../../../engine/errors.js";
import { tenantOf } from "../auth.js";
import { ownedJob } from "../owned-job.js";
import type { ApiContext } from "../context.js";
import { DeliverySchema } from "../../webhooks/index.js";
import { COMMON_ERRORS, DeliveriesSchema, errorResponses, JobIdParamsSchema } from "../schemas.js";

export const deliveryRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/:id/deliveries",
    {
      schema: {
        operationId: "listDeliveries",
        summary: "List the webhook deliveries of an optimization, with every attempt",
        tags: ["webhooks"],
        params: JobIdParamsSchema,
        response: { 200: DeliveriesSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      await ownedJob(ctx, tenant.id, request.params.id);
      return { items: await ctx.notifier.listDeliveries(tenant.id, request.params.id) };
    },
  );

  app.post(
    "/:id/deliveries/:deliveryId/redeliver",
    {
      schema: {
        operationId: "redeliverDelivery",
        summary: "Send a finished webhook delivery again (same webhook-id)",
        tags: ["webhooks"],
        params: JobIdParamsSchema.extend({ deliveryId: z.string().max(100) }),
        response: { 202: DeliverySchema, ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const { id, deliveryId } = request.params;
      await ownedJob(ctx, tenant.id, id);
      const deliveries = await ctx.notifier.listDeliveries(tenant.id, id);
      const missing = () => new WattplanError("ERR_NOT_FOUND", `no delivery ${deliveryId} for optimization ${id}`);
      if (!deliveries.some((d) => d.id === deliveryId)) throw missing();
      const delivery = await ctx.notifier.redeliver(tenant.id, deliveryId);
      if (!delivery) throw missing();
      return reply.code(202).send(delivery);
    },
  );
};
