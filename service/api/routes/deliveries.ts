/** GET /v1/optimizations/:id/deliveries: webhook delivery attempts of a job. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { WattplanError } from "../../errors.js";
import { isJobId } from "../../queue/keys.js";
import { tenantOf } from "../auth.js";
import type { ApiContext } from "../context.js";
import { DeliveriesSchema, ErrorBodySchema, JobIdParamsSchema } from "../schemas.js";

export const deliveryRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get("/:id/deliveries", {
    schema: {
      summary: "List the webhook deliveries of an optimization",
      tags: ["webhooks"],
      params: JobIdParamsSchema,
      response: { 200: DeliveriesSchema, 401: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (request) => {
    const tenant = tenantOf(request);
    const id = request.params.id;
    const record = isJobId(id) ? await ctx.producer.store.get(id, tenant.id) : undefined;
    if (!record) throw new WattplanError("ERR_NOT_FOUND", `no optimization ${id}`);
    return { items: await ctx.notifier.listDeliveries(tenant.id, id) };
  });
};
