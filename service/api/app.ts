/**
 * The HTTP API: a fastify app whose route groups are plugins (one file each
 * under routes/). A new route group is one file and one `register` line.
 */
import Fastify, { type FastifyInstance } from "fastify";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { serializerCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { WattplanError } from "../../engine/errors.js";
import { authenticate, tenantOf } from "./auth.js";
import { ocppRoute } from "./ocpp-route.js";
import { completedOptimization } from "./owned-job.js";
import { API_PREFIX, type ApiContext } from "./context.js";
import { errorHandler, notFoundHandler, zodValidatorCompiler } from "./errors.js";
import { swaggerOptions } from "./openapi.js";
import { COMMON_ERRORS, errorResponses } from "./schemas.js";
import { cancelRoutes } from "./routes/cancel.js";
import { chartRoutes } from "./routes/chart.js";
import { deliveryRoutes } from "./routes/deliveries.js";
import { healthRoutes } from "./routes/health.js";
import { readRoutes } from "./routes/read.js";
import { SITES_PREFIX, siteRoutes } from "./routes/sites.js";
import { submitRoutes } from "./routes/submit.js";

export interface ApiOptions {
  /** Log requests with pino. @defaultValue false */
  logger?: boolean;
}

export async function buildApi(ctx: ApiContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.config.bodyLimitBytes,
    // A ?wait= request may take waitCapSeconds; keep idle sockets from piling up meanwhile.
    requestTimeout: (ctx.config.waitCapSeconds + 30) * 1000,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // JSON only: without this, a text/plain body would reach validation and get a 400 instead of a 415.
  app.removeContentTypeParser("text/plain");

  await app.register(swagger, swaggerOptions());
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await app.register(healthRoutes, ctx);
  const rateLimited = async (v1: FastifyInstance) => {
    v1.addHook("onRequest", authenticate(ctx.tenants));
    await v1.register(rateLimit, {
      max: ctx.config.rateLimitMax,
      timeWindow: ctx.config.rateLimitWindowMs,
      keyGenerator: (request) => `tenant:${request.tenant?.id ?? request.ip}`,
      // Counted in Redis, so the limit holds across any number of API processes; if Redis is away, let requests through.
      redis: ctx.producer.redis,
      nameSpace: `${ctx.config.queuePrefix}:wp:rate:`,
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new WattplanError(
          "ERR_RATE_LIMITED",
          `rate limit of ${context.max} requests per ${context.after} exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    });
  };
  await app.register(
    async (v1) => {
      await rateLimited(v1);
      await v1.register(submitRoutes, ctx);
      await v1.register(readRoutes, ctx);
      await v1.register(cancelRoutes, ctx);
      await v1.register(deliveryRoutes, ctx);
      await v1.register(chartRoutes, ctx);
      await v1.register(ocppRoute, {
        loadOptimization: (id, request) => completedOptimization(ctx, tenantOf(request).id, id),
        errorResponses: errorResponses(...COMMON_ERRORS, 404, 409),
      });
    },
    { prefix: API_PREFIX },
  );
  await app.register(
    async (v1) => {
      await rateLimited(v1);
      await v1.register(siteRoutes, ctx);
    },
    { prefix: SITES_PREFIX },
  );
  return app;
}
