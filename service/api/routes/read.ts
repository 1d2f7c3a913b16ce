/** GET /v1/optimizations/:id and GET /v1/optimizations (the tenant's jobs, newest first). */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { WattplanError } from "../../../engine/errors.js";
import { isJobId } from "../../queue/keys.js";
import { tenantOf } from "../auth.js";
import { ownedJob } from "../owned-job.js";
import { viewJson, viewOf, type ApiContext } from "../context.js";
import {
  type JobView,
  COMMON_ERRORS,
  errorResponses,
  JobIdParamsSchema,
  JobListSchema,
  JobViewSchema,
  ListQuerySchema,
} from "../schemas.js";

export const readRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/:id",
    {
      schema: {
        operationId: "getOptimization",
        summary: "Get an optimization (with its result once completed)",
        tags: ["optimizations"],
        params: JobIdParamsSchema,
        response: { 200: JobViewSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const id = request.params.id;
      const record = await ownedJob(ctx, tenant.id, id);
      const result = record.status === "completed" ? await ctx.producer.store.getResultText(id) : undefined;
      return reply.type("application/json; charset=utf-8").send(viewJson(record, result) as unknown as JobView);
    },
  );

  app.get(
    "/",
    {
      schema: {
        operationId: "listOptimizations",
        summary: "List the tenant's optimizations, newest first",
        tags: ["optimizations"],
        querystring: ListQuerySchema,
        response: { 200: JobListSchema, ...errorResponses(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const { limit, cursor } = request.query;
      if (cursor !== undefined && !isJobId(cursor))
        throw new WattplanError("ERR_INVALID_REQUEST", "cursor: not a cursor this service issued", {
          problems: [{ path: "cursor", message: "not a cursor this service issued" }],
        });
      const page = await ctx.producer.store.list(tenant.id, limit, cursor);
      return { items: page.items.map(viewOf), ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) };
    },
  );
};
