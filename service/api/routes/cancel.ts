/** DELETE /v1/optimizations/:id: cancel a job no worker has started. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { WattplanError } from "../../../engine/errors.js";
import { isJobId } from "../../queue/keys.js";
import { tenantOf } from "../auth.js";
import { viewOf, type ApiContext } from "../context.js";
import { COMMON_ERRORS, errorResponses, JobIdParamsSchema, JobViewSchema } from "../schemas.js";

export const cancelRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.delete(
    "/:id",
    {
      schema: {
        operationId: "cancelOptimization",
        summary: "Cancel a queued optimization",
        description: "409 ERR_NOT_CANCELABLE once a worker has started it or it has finished.",
        tags: ["optimizations"],
        params: JobIdParamsSchema,
        response: { 200: JobViewSchema, ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const id = request.params.id;
      if (!isJobId(id)) throw new WattplanError("ERR_NOT_FOUND", `no optimization ${id}`);
      return viewOf(await ctx.producer.cancel(id, tenant.id));
    },
  );
};
