/** GET /v1/optimizations/:id/chart.svg — one finished result drawn: site import, load, PV, EVs, price, limits. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { renderScheduleChart } from "../../charts/schedule-chart.js";
import { tenantOf } from "../auth.js";
import { completedOptimization } from "../owned-job.js";
import type { ApiContext } from "../context.js";
import { JobIdParamsSchema } from "../schemas.js";

export const chartRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/:id/chart.svg",
    {
      schema: {
        summary: "Chart of a completed optimization (SVG)",
        description: "Site import, base load, PV, EV charging and discharging, price and the import limit over the horizon.",
        tags: ["optimizations"],
        params: JobIdParamsSchema,
        // No response schemas: the body is SVG, not JSON; errors take the shared shape (docs/errors.md).
        produces: ["image/svg+xml"],
      },
    },
    async (request, reply) => {
      const { request: model, response } = await completedOptimization(ctx, tenantOf(request).id, request.params.id);
      return reply.type("image/svg+xml; charset=utf-8").send(renderScheduleChart(model, response));
    },
  );
};
