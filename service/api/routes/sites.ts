/**
 * Live sites (docs/sites.md): PUT/GET/DELETE /v1/sites/:siteId, events,
 * the current plan, and the sessions. State lives in PostgreSQL; every
 * change asks the plan queue for a re-plan.
 */
import type { FastifyBaseLogger } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as z from "zod";
import { jsonPath } from "../../../engine/model/validate.js";
import { WattplanError } from "../../../engine/errors.js";
import { SiteBodySchema, siteBodyIssues } from "../../sites/schema.js";
import {
  DeleteQuerySchema,
  EventBatchSchema,
  EventsOutcomeSchema,
  EventsQuerySchema,
  ForecastViewSchema,
  PlanSchema,
  TrainQueuedSchema,
  SessionListSchema,
  SiteIdParamsSchema,
  SitesQuerySchema,
  SiteViewSchema,
} from "../../sites/schema.js";
import type { OcppEntry } from "../../sites/schema.js";
import type { SiteRecord } from "../../sites/state.js";
import { slotStart } from "../../sites/compile.js";
import { forecastView } from "../../sites/forecast.js";
import { tenantOf } from "../auth.js";
import type { ApiContext } from "../context.js";
import { errorHandler } from "../errors.js";
import { errorResponses } from "../schemas.js";

export const SITES_PREFIX = "/v1/sites";

const siteLinks = (siteId: string) => {
  const self = `${SITES_PREFIX}/${encodeURIComponent(siteId)}`;
  return { self, events: `${self}/events`, plan: `${self}/plan`, sessions: `${self}/sessions`, forecast: `${self}/forecast` };
};

function viewOf(site: SiteRecord) {
  return {
    siteId: site.siteId,
    stateVersion: site.stateVersion,
    createdAt: site.createdAt,
    updatedAt: site.updatedAt,
    ...(site.clock !== undefined && { clock: site.clock }),
    body: site.body as unknown as Record<string, unknown>,
    state: {
      unavailableEvses: site.state.unavailableEvses,
      limits: site.state.limits as unknown as Record<string, unknown>[],
      forecastUpdates: site.state.forecasts.length,
    },
    links: siteLinks(site.siteId),
  };
}

const errors = errorResponses(400, 401, 404, 409, 429, 500, 503);
/** Routes with a body may also answer these. */
const bodyErrors = errorResponses(413, 415);

const SiteDeletedSchema = z
  .object({ siteId: z.string(), deleted: z.literal(true), purged: z.boolean() })
  .meta({ id: "SiteDeleted", description: "the site is gone (with purged: its sessions, events and plans too)" });

/** PostgreSQL unreachable or restarting (connection errors, class 08 and 57P0x): a 503 the client retries, not a 500. */
function databaseDown(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string")
    return error instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
  return code.startsWith("08") || code.startsWith("57P0") || code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT";
}

export const siteRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.setErrorHandler(function (error, request, reply) {
    const mapped = databaseDown(error)
      ? new WattplanError(
          "ERR_SITES_UNAVAILABLE",
          `PostgreSQL is unreachable: ${(error as Error).message}; nothing was applied, retry later`,
        )
      : error;
    return errorHandler.call(this, mapped, request, reply);
  });
  const sites = () => {
    if (ctx.sites === undefined)
      throw new WattplanError(
        "ERR_SITES_UNAVAILABLE",
        "live sites are off: this service has no PostgreSQL (set DATABASE_URL, see docs/sites.md)",
      );
    return ctx.sites;
  };
  const siteOrThrow = async (tenantId: string, siteId: string) => {
    const site = await sites().store.getSite(tenantId, siteId);
    if (site === undefined) throw new WattplanError("ERR_SITE_NOT_FOUND", `no site "${siteId}"`);
    return site;
  };

  /**
   * The change is committed before this: if the queue is away, the request
   * is dropped rather than failing the call (a retried call would only find
   * duplicates), and the slot clock re-plans the site once Redis is back.
   */
  const requestPlan = async (pk: number, delayMs: number, log: FastifyBaseLogger) => {
    try {
      await sites().plans.request(pk, delayMs);
    } catch (error) {
      log.warn({ err: error, site: pk }, "re-plan request not queued; the slot clock will re-plan");
    }
  };

  app.put(
    "/:siteId",
    {
      schema: {
        operationId: "putSite",
        summary: "Create or replace a live site",
        description:
          "Limits, circuits, tariff and forecasts as time series; EVSEs; planning settings; webhook; OCPP profile policy (docs/sites.md).",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        body: SiteBodySchema,
        response: { 200: SiteViewSchema, 201: SiteViewSchema, ...errors, ...bodyErrors },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const issues = siteBodyIssues(request.body);
      if (issues.length > 0) {
        const problems = issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
        throw new WattplanError(
          "ERR_INVALID_REQUEST",
          `the site is invalid:\n${problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`,
          { problems },
        );
      }
      if (request.body.webhook) ctx.notifier.checkUrl(request.body.webhook.url);
      const { site, created } = await sites().store.putSite(tenant.id, request.params.siteId, request.body);
      await requestPlan(site.pk, 0, request.log);
      reply.header("location", siteLinks(site.siteId).self);
      return reply.code(created ? 201 : 200).send(viewOf(site));
    },
  );

  app.get(
    "/:siteId",
    {
      schema: {
        operationId: "getSite",
        summary: "Get a live site",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        response: { 200: SiteViewSchema, ...errors },
      },
    },
    async (request) => viewOf(await siteOrThrow(tenantOf(request).id, request.params.siteId)),
  );

  app.delete(
    "/:siteId",
    {
      schema: {
        operationId: "deleteSite",
        summary: "Delete a live site",
        description:
          "Without purge the site leaves the API but its sessions, events and plans are kept (a PUT brings it back); ?purge=true deletes them.",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        querystring: DeleteQuerySchema,
        response: { 200: SiteDeletedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const deleted = await sites().store.deleteSite(tenantOf(request).id, request.params.siteId, request.query.purge);
      if (!deleted) throw new WattplanError("ERR_SITE_NOT_FOUND", `no site "${request.params.siteId}"`);
      return reply.code(200).send({ siteId: request.params.siteId, deleted: true as const, purged: request.query.purge });
    },
  );

  app.post(
    "/:siteId/events",
    {
      schema: {
        operationId: "postSiteEvents",
        summary: "Post a batch of site events",
        description:
          "All or nothing: a batch with one invalid event changes nothing (400 with each problem's path). An eventId applied before is " +
          "reported in `duplicates` and not applied again. ?wait=S waits up to S seconds for the plan that includes the batch: " +
          "200 with `plan` when it came in time, else 202.",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        querystring: EventsQuerySchema,
        body: EventBatchSchema,
        response: { 200: EventsOutcomeSchema, 202: EventsOutcomeSchema, ...errors, ...bodyErrors },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const s = sites();
      const { sitePk, debounceMs, ...outcome } = await s.store.applyEvents(tenant.id, request.params.siteId, request.body.events);
      // Also for a batch of duplicates: its first delivery may have been applied without reaching the queue.
      // The request is deduplicated per site, so asking again costs nothing.
      await requestPlan(sitePk, outcome.applied.length > 0 ? debounceMs : 0, request.log);
      const wait = request.query.wait ?? 0;
      if (wait > 0) {
        const deadline = Date.now() + wait * 1000;
        while (Date.now() < deadline && !ctx.shutdown.aborted) {
          const plan = await s.store.latestPlanHead(sitePk);
          if (plan !== undefined && plan.stateVersion >= outcome.stateVersion)
            return reply.code(200).send({ ...outcome, plan: { version: plan.version, stateVersion: plan.stateVersion } });
          await new Promise((r) => setTimeout(r, 15));
        }
      }
      return reply.code(202).send(outcome);
    },
  );

  app.get(
    "/:siteId/plan",
    {
      schema: {
        operationId: "getSitePlan",
        summary: "The site's current plan",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        response: { 200: PlanSchema, ...errors },
      },
    },
    async (request) => {
      const site = await siteOrThrow(tenantOf(request).id, request.params.siteId);
      const plan = await sites().store.latestPlan(site.pk);
      if (plan === undefined) throw new WattplanError("ERR_PLAN_PENDING", `site "${site.siteId}" has no plan yet; retry shortly`);
      const body = plan.body;
      return {
        siteId: site.siteId,
        version: plan.version,
        stateVersion: plan.stateVersion,
        computedAt: body.computedAt,
        request: body.request as Record<string, unknown>,
        response: body.response as Record<string, unknown>,
        ocpp: body.ocpp as OcppEntry[],
        changedSessions: body.changedSessions,
        changedFallbacks: body.changedFallbacks ?? [],
        changedStations: body.changedStations ?? [],
        warnings: body.warnings,
        ...(body.warmStart !== undefined && { warmStart: body.warmStart }),
        ...(body.forecast !== undefined && { forecast: body.forecast }),
      };
    },
  );

  app.get(
    "/:siteId/sessions",
    {
      schema: {
        operationId: "listSiteSessions",
        summary: "The site's sessions, with the energy each received",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        querystring: SitesQuerySchema,
        response: { 200: SessionListSchema, ...errors },
      },
    },
    async (request) => {
      const site = await siteOrThrow(tenantOf(request).id, request.params.siteId);
      const sessions = await sites().store.sessions(site.pk, request.query.state);
      return {
        sessions: sessions.map((s) => ({
          sessionId: s.sessionId,
          evseId: s.evseId,
          state: s.state,
          startedAt: s.startedAt,
          ...(s.endedAt !== undefined && { endedAt: s.endedAt }),
          announced: s.announced as unknown as Record<string, unknown>,
          deliveredKwh: s.deliveredKwh,
          ...(s.meteredAt !== undefined && { meteredAt: s.meteredAt }),
          ...(s.learnedMaxKw !== undefined && { learnedMaxKw: s.learnedMaxKw }),
          chargingProfileId: s.profileId,
          ...(s.transactionId !== undefined && { transactionId: s.transactionId }),
        })),
      };
    },
  );

  const forecastSettings = (site: SiteRecord) => {
    const settings = site.body.forecast;
    if (settings === undefined)
      throw new WattplanError(
        "ERR_FORECAST_UNAVAILABLE",
        `site "${site.siteId}" has no forecast setting (put one: docs/sites.md, "Forecasts")`,
      );
    return settings;
  };

  app.get(
    "/:siteId/forecast",
    {
      schema: {
        operationId: "getSiteForecast",
        summary: "The site's forecast: its model, each active session's predictions, the arrivals still to come",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        response: { 200: ForecastViewSchema, ...errors },
      },
    },
    async (request) => {
      const site = await siteOrThrow(tenantOf(request).id, request.params.siteId);
      const settings = forecastSettings(site);
      const forecast = await sites().store.forecast(site.pk);
      if (forecast === undefined) {
        const ended = await sites().store.endedSessionCount(site.pk);
        throw new WattplanError(
          "ERR_FORECAST_UNAVAILABLE",
          `site "${site.siteId}" has no trained forecast yet: ${ended} of minSessions ${settings.minSessions} sessions have ended`,
        );
      }
      const { slotMinutes, horizonHours, clock } = site.body.planning;
      const nowMs = clock === "events" && site.clock !== undefined ? Date.parse(site.clock) : Date.now();
      const active = await sites().store.sessions(site.pk, "active");
      const view = forecastView(
        forecast,
        settings,
        active,
        slotStart(nowMs, slotMinutes),
        Math.round((horizonHours * 60) / slotMinutes),
        slotMinutes,
      );
      return { siteId: site.siteId, ...view, settings: settings as unknown as Record<string, unknown> };
    },
  );

  app.post(
    "/:siteId/forecast/train",
    {
      schema: {
        operationId: "trainSiteForecast",
        summary: "Retrain the site's forecast now (a queue job); the site is re-planned with the new model",
        tags: ["sites"],
        params: SiteIdParamsSchema,
        response: { 202: TrainQueuedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const site = await siteOrThrow(tenantOf(request).id, request.params.siteId);
      const settings = forecastSettings(site);
      const ended = await sites().store.endedSessionCount(site.pk);
      if (ended < settings.minSessions)
        throw new WattplanError(
          "ERR_FORECAST_UNAVAILABLE",
          `site "${site.siteId}" has ${ended} ended sessions; it learns from minSessions ${settings.minSessions}`,
        );
      await sites().plans.train(site.pk);
      return reply.code(202).send({ siteId: site.siteId, queued: true as const, endedSessions: ended });
    },
  );
};
