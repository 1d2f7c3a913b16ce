/** GET /v1/optimizations/:id/chart.svg — one finished result drawn: site import, load, PV, EVs, price, limits. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as z from "zod";
import { renderScheduleChart } from "../../charts/schedule-chart.js";
import { tenantOf } from "../auth.js";
import { completedOptimization } from "../owned-job.js";
import type { ApiContext } from "../context.js";
import { COMMON_ERRORS, errorResponses, JobIdParamsSchema } from "../schemas.js";

export const chartRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/:id/chart.svg",
    {
      schema: {
        operationId: "getOptimizationChart",
        summary: "Chart of a completed optimization (SVG)",
        description: "Site import, base load, PV, EV charging and discharging, price and the import limit over the horizon.",
        tags: ["optimizations"],
        params: JobIdParamsSchema,
        // An SVG body is sent as is (fastify serializes JSON only); errors take the shared shape (docs/errors.md).
        response: {
          200: { description: "The chart", content: { "image/svg+xml": { schema: z.string().describe("an SVG document") } } },
          ...errorResponses(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { request: model, response } = await completedOptimization(ctx, tenantOf(request).id, request.params.id);
      return reply.type("image/svg+xml; charset=utf-8").send(renderScheduleChart(model, response));
    },
  );
};
