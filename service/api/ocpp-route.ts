/**
 * `GET /v1/optimizations/:id/ocpp?version=2.0.1&unit=A&maxPeriods=24&fallback=true`:
 * a finished optimization's schedule as OCPP SetChargingProfile messages
 * (docs/ocpp.md). Self-contained: the service hands in how to load a stored
 * optimization, so this plugin knows nothing of queues or storage.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import * as z from "zod";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Request, Response } from "../../engine/model/schema.js";
import { OcppBodySchema, OcppQuerySchema, ocppMessages, optionsFromQuery, type OcppBody } from "../ocpp/index.js";

/** Relative to the optimizations prefix the plugin is registered under (`/v1/optimizations`). */
export const OCPP_ROUTE_PATH = "/:id/ocpp";

/** A finished optimization: the validated request and its solve response. */
export interface StoredOptimization {
  request: Request;
  response: Response;
}

export interface OcppRouteOptions {
  /**
   * The finished optimization with this id. Throw the service's own error
   * (with a `statusCode`, e.g. 404 unknown id, 409 not finished) otherwise;
   * it reaches the client unchanged. The HTTP request is passed so the
   * service can scope the look-up to the caller's tenant.
   */
  loadOptimization: (id: string, request: FastifyRequest) => Promise<StoredOptimization> | StoredOptimization;
  /**
   * Response schemas of the error statuses, when the app's error handler
   * gives its errors one shape (the service's Error). @defaultValue none
   */
  errorResponses?: Record<number, z.ZodType>;
}

export const ocppRoute: FastifyPluginAsync<OcppRouteOptions> = async (app, options) => {
  // Zod compilers in this plugin's scope only (see NOTES: other routes may carry JSON schemas).
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.withTypeProvider<ZodTypeProvider>().get(
    OCPP_ROUTE_PATH,
    {
      schema: {
        operationId: "getOcppProfiles",
        summary: "The schedule as OCPP SetChargingProfile messages",
        description: [
          "One TxProfile per session (Absolute, starting at the horizon start, covering the horizon) in OCPP 1.6J, 2.0.1 or 2.1,",
          "plus with fallback=true one TxDefaultProfile per EVSE at stack level 0 capping it at a safe share of its circuits.",
          "Limits are rounded down to one decimal, never between 0 and 6 A, so a profile never exceeds the scheduled power",
          "and keeps every site and circuit limit. In 1.6 and 2.0.1 V2G discharge cannot be expressed and is sent as 0;",
          "2.1 sends it as CentralSetpoint with a negative setpoint. See docs/ocpp.md.",
        ].join(" "),
        tags: ["optimizations"],
        params: z.object({ id: z.string().min(1).describe("optimization id") }),
        querystring: OcppQuerySchema,
        response: { 200: OcppBodySchema, ...options.errorResponses },
      },
    },
    async (req): Promise<OcppBody> => {
      const { request, response } = await options.loadOptimization(req.params.id, req);
      const result = ocppMessages(request, response, optionsFromQuery(req.query));
      return { version: result.version, unit: result.unit, ocpp: result.messages, warnings: result.warnings };
    },
  );
};

export default ocppRoute;
