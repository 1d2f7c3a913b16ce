/**
 * The OpenAPI 3.1 document of the API (GET /docs/json, checked in as
 * openapi.json by `npm run openapi`). Every request, response, event and
 * error is a named component: the schemas are registered here with an id
 * (the OCPP payloads in service/ocpp/body-schema.ts), and a request body's
 * component is `<id>Input` when defaults make it differ from the output.
 */
import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from "fastify-type-provider-zod";
import * as z from "zod";
import {
  CircuitSchema,
  CostSchema,
  HorizonSchema,
  RequestSchema,
  ResponseSchema,
  SessionResultSchema,
  SessionSchema,
  SiteSchema,
  SolverOptionsSchema,
  StrategyNameSchema,
  TariffSchema,
} from "../../engine/model/schema.js";
import { DOC_REF } from "../openapi-meta.js";
import { ClearChargingProfilePayloadSchema } from "../ocpp/clear.js";
import {
  EventBatchSchema,
  EventsOutcomeSchema,
  EvseAvailabilitySchema,
  EvseSchema,
  ForecastSettingsSchema,
  ForecastUpdatedSchema,
  ForecastViewSchema,
  LimitChangedSchema,
  OcppEntrySchema,
  OcppProfilesSchema,
  PlanningSchema,
  PlanSchema,
  SessionDefaultsSchema,
  SessionEndedSchema,
  SessionListSchema,
  SessionStartedSchema,
  SessionUpdatedSchema,
  SessionViewSchema,
  SiteBodySchema,
  SiteEventSchema,
  SiteViewSchema,
  TrainQueuedSchema,
} from "../sites/schema.js";
import {
  DeliveryAttemptSchema,
  DeliverySchema,
  OptimizationCompletedEventSchema,
  OptimizationFailedEventSchema,
  SitePlanUpdatedEventSchema,
} from "../webhooks/schema.js";
import {
  AcceptedSchema,
  DeliveriesSchema,
  ErrorBodySchema,
  JobErrorSchema,
  JobListSchema,
  JobSummarySchema,
  JobViewSchema,
  LinksSchema,
  ProblemSchema,
  SubmitBodySchema,
  WebhookSchema,
} from "./schemas.js";

/** Name a schema in the document (keeps the description it has). */
function named(schema: z.ZodType, id: string, description?: string): void {
  const meta = z.globalRegistry.get(schema);
  if (meta?.id === id) return;
  z.globalRegistry.add(schema, { ...meta, id, ...(description !== undefined && { description }) });
}

const COMPONENTS: [z.ZodType, string, string?][] = [
  // The model (docs/model.md).
  [RequestSchema, "OptimizationRequest", "a scheduling request (docs/model.md)"],
  [HorizonSchema, "Horizon", "the planning horizon: `slots` slots of `slotMinutes` from `start`"],
  [SiteSchema, "ModelSite", "the grid connection: limits, base load and PV (kW), one value or one per slot"],
  [CircuitSchema, "Circuit", "a circuit of the site's tree (parentId), with its own limit"],
  [TariffSchema, "Tariff", "prices per kWh (one value or one per slot) and the demand charge"],
  [SessionSchema, "Session", "one EV session to schedule"],
  [StrategyNameSchema, "StrategyName", "the scheduling strategy"],
  [SolverOptionsSchema, "SolverOptions", "limits and the tie-break of the optimal strategy"],
  [ResponseSchema, "OptimizationResult", "the schedule and its costs (spec §9)"],
  [CostSchema, "Cost", "the cost terms of spec §7"],
  [SessionResultSchema, "SessionResult", "one session's schedule"],
  // Optimization jobs.
  [SubmitBodySchema, "OptimizationSubmission", "a scheduling request plus an optional webhook and metadata"],
  [WebhookSchema, "WebhookSubscription", "where to send optimization.completed / optimization.failed"],
  [JobViewSchema, "Optimization", "an optimization job, with its result once completed"],
  [JobSummarySchema, "OptimizationSummary", "an optimization job without its result"],
  [JobListSchema, "OptimizationList", "a page of optimizations, newest first"],
  [AcceptedSchema, "OptimizationAccepted", "the job was queued"],
  [JobErrorSchema, "OptimizationError", "why a job failed"],
  [LinksSchema, "OptimizationLinks"],
  [ErrorBodySchema, "Error", "the one error shape of every response (docs/errors.md)"],
  [ProblemSchema, "Problem", "one invalid value"],
  [DeliveriesSchema, "DeliveryList", "webhook deliveries with every attempt"],
  [DeliverySchema, "Delivery", "one event sent to one endpoint"],
  [DeliveryAttemptSchema, "DeliveryAttempt", "one HTTP attempt of a delivery"],
  // Live sites (docs/sites.md).
  [SiteBodySchema, "SiteBody", "a live site: limits, tariff and forecasts as time series, EVSEs, planning, webhook, OCPP policy"],
  [EvseSchema, "Evse", "an EVSE (connector) of a charging station"],
  [PlanningSchema, "Planning", "how and when the site is planned"],
  [SessionDefaultsSchema, "SessionDefaults", "what a session that announces nothing is assumed to want"],
  [OcppProfilesSchema, "OcppProfilePolicy", "chargingProfileIds, stack levels and fallback profiles of the site's messages"],
  [SiteViewSchema, "SiteView", "a live site, its state and links"],
  [EventBatchSchema, "EventBatch", "site events, applied all or nothing"],
  [SiteEventSchema, "SiteEvent", "one site event, told apart by `type`"],
  [SessionStartedSchema, "SessionStartedEvent", "a car plugged in"],
  [SessionUpdatedSchema, "SessionUpdatedEvent", "a meter value, or a new departure or target"],
  [SessionEndedSchema, "SessionEndedEvent", "the car left"],
  [EvseAvailabilitySchema, "EvseAvailabilityEvent", "an EVSE went out of service or came back"],
  [LimitChangedSchema, "LimitChangedEvent", "a temporary import limit (a DSO or OpenADR signal)"],
  [ForecastUpdatedSchema, "ForecastUpdatedEvent", "new price, base load or PV forecasts"],
  [EventsOutcomeSchema, "EventsOutcome", "what a batch of events did"],
  [PlanSchema, "SitePlan", "a site's current plan: the model request and response, and the OCPP messages"],
  [OcppEntrySchema, "SiteOcppMessage", "one SetChargingProfile or ClearChargingProfile call to a charging station"],
  [ClearChargingProfilePayloadSchema, "ClearChargingProfilePayload"],
  [SessionViewSchema, "SiteSession", "a session of a live site"],
  [SessionListSchema, "SiteSessionList"],
  [ForecastSettingsSchema, "SiteForecastSettings", "plan with forecasts learned from the site's ended sessions"],
  [ForecastViewSchema, "SiteForecast", "a site's forecast model, each active session's quantiles and the arrivals still to come"],
  [TrainQueuedSchema, "SiteForecastTrainingQueued", "a retraining was queued"],
  // Webhooks (docs/webhooks.md).
  [OptimizationCompletedEventSchema, "OptimizationCompletedEvent", "an optimization completed"],
  [OptimizationFailedEventSchema, "OptimizationFailedEvent", "an optimization failed"],
  [SitePlanUpdatedEventSchema, "SitePlanUpdatedEvent", "a live site published a new plan"],
];
for (const [schema, id, description] of COMPONENTS) named(schema, id, description);

const SCHEMAS = "#/components/schemas/";
type Json = Record<string, unknown>;

/** zod → JSON Schema: drop empty union branches (as the library does) and resolve `documentedAs`. */
const zodToJsonConfig = {
  override: (ctx: { zodSchema: unknown; jsonSchema: Json }) => {
    const js = ctx.jsonSchema;
    if (Array.isArray(js.anyOf)) js.anyOf = (js.anyOf as Json[]).filter((s) => Object.keys(s).length > 0);
    const ref = js[DOC_REF];
    if (typeof ref === "string") {
      const description = js.description;
      for (const key of Object.keys(js)) delete js[key];
      js.$ref = `${SCHEMAS}${ref}`;
      if (description !== undefined) js.description = description;
    }
  },
};

/** What each error status means, for every operation that declares it. */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  400: "The request is invalid (ERR_INVALID_REQUEST lists every problem with its JSON path in details.problems) or malformed",
  401: "Missing or unknown API key (ERR_UNAUTHORIZED)",
  404: "No such resource for this tenant",
  409: "The resource is not in a state that allows this",
  413: "The body or the problem is too large",
  415: "The body is not application/json",
  429: "Rate limited (ERR_RATE_LIMITED); retry after the retry-after header",
  500: "Internal error (ERR_INTERNAL)",
  503: "A backing store (Redis, PostgreSQL) is unreachable; retry later",
};

const header = (description: string, type = "string") => ({ description, schema: { type } });
const LOCATION = header("the resource's URL");
/** Response headers worth a client's attention, by operation and status. */
const RESPONSE_HEADERS: Record<string, Record<string, Json>> = {
  submitOptimization: {
    200: { location: LOCATION, "idempotent-replayed": header("true when an Idempotency-Key returned an earlier job") },
    202: { location: LOCATION, "idempotent-replayed": header("true when an Idempotency-Key returned an earlier job") },
  },
  putSite: { 200: { location: LOCATION }, 201: { location: LOCATION } },
};
const RETRY_AFTER = { "retry-after": header("seconds to wait before retrying", "integer") };

const jsonTransform = createJsonSchemaTransform({ zodToJsonConfig });
type TransformArgs = Parameters<typeof jsonTransform>[0];

/** Per route: zod → JSON Schema. */
function transform(args: TransformArgs): ReturnType<typeof jsonTransform> {
  const result = jsonTransform(args);
  // A prefix's "/" route answers with and without the slash; the document names the one without.
  return { ...result, url: result.url.replace(/(.)\/$/, "$1") };
}

/** Every `$ref` to a component schema in `value`. */
function refsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value !== null && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string" && v.startsWith(SCHEMAS)) into.add(v.slice(SCHEMAS.length));
      else refsIn(v, into);
    }
  }
  return into;
}

function renameRefs(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, names));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (key === "$ref" && typeof v === "string" && v.startsWith(SCHEMAS)) {
        const to = names.get(v.slice(SCHEMAS.length));
        return [key, to === undefined ? v : `${SCHEMAS}${to}`];
      }
      return [key, renameRefs(v, names)];
    }),
  );
}

/**
 * Tidy the components: `XInput` becomes `X` where the two are the same,
 * components nothing refers to are dropped, and names are sorted (so the
 * document is the same on every run).
 */
function tidyComponents(doc: Json): Json {
  const components = doc.components as Json & { schemas: Record<string, Json> };
  let schemas = components.schemas;
  let rest: Json = { ...doc, components: { ...components, schemas: {} } };
  const names = new Map<string, string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const name of Object.keys(schemas)) {
      const output = name.endsWith("Input") ? name.slice(0, -"Input".length) : undefined;
      if (output === undefined || names.has(name) || schemas[output] === undefined) continue;
      const same = JSON.stringify(renameRefs(schemas[name], names)) === JSON.stringify(renameRefs(schemas[output], names));
      if (same) {
        names.set(name, output);
        changed = true;
      }
    }
  }
  schemas = Object.fromEntries(
    Object.entries(schemas)
      .filter(([name]) => !names.has(name))
      .map(([name, s]) => [name, renameRefs(s, names) as Json]),
  );
  rest = renameRefs(rest, names) as Json;
  // Keep what the paths and webhooks use, and what that uses.
  const used = refsIn(rest, new Set());
  for (const pending = [...used]; pending.length > 0;) {
    for (const name of refsIn(schemas[pending.pop()!], new Set())) {
      if (!used.has(name)) {
        used.add(name);
        pending.push(name);
      }
    }
  }
  const kept = Object.fromEntries([...used].sort().map((name) => [name, schemas[name]]));
  // An error response says what its status means; another without a description of its own takes its component's.
  for (const item of Object.values((rest.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Json>)) {
        const media = Object.values((response.content ?? {}) as Record<string, { schema?: Json }>)[0];
        const ref = media?.schema?.$ref;
        const headers = status === "429" ? RETRY_AFTER : RESPONSE_HEADERS[String(operation.operationId)]?.[status];
        if (headers !== undefined) response.headers = headers;
        if (ref === `${SCHEMAS}Error` && ERROR_DESCRIPTIONS[status] !== undefined) response.description = ERROR_DESCRIPTIONS[status];
        else if (response.description === "Default Response" && typeof ref === "string") {
          const description = kept[ref.slice(SCHEMAS.length)]?.description;
          if (typeof description === "string") response.description = description;
        }
      }
    }
  }
  return { ...rest, components: { ...(rest.components as Json), schemas: kept } };
}

const jsonTransformObject = createJsonSchemaTransformObject({ zodToJsonConfig });
type TransformObjectArgs = Parameters<typeof jsonTransformObject>[0];

function transformObject(args: TransformObjectArgs): Json {
  return tidyComponents(jsonTransformObject(args) as unknown as Json);
}

const SIGNATURE_HEADERS = [
  { name: "webhook-id", description: "the delivery id: the same on every attempt and redelivery (deduplicate on it)" },
  { name: "webhook-timestamp", description: "Unix seconds when this attempt was signed" },
  {
    name: "webhook-signature",
    description: "v1,<base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${raw body}`> (Standard Webhooks)",
  },
].map((h) => ({ in: "header", required: true, schema: { type: "string" }, ...h }));

function webhook(operationId: string, summary: string, component: string): Json {
  return {
    post: {
      operationId,
      summary,
      description:
        "Sent to the webhook URL, signed with the tenant's secret (Standard Webhooks; docs/webhooks.md). " +
        "Verify the signature on the raw body. Any 2xx acknowledges; other answers and timeouts are retried with backoff.",
      tags: ["webhooks"],
      security: [],
      parameters: SIGNATURE_HEADERS,
      requestBody: { required: true, content: { "application/json": { schema: { $ref: `${SCHEMAS}${component}` } } } },
      responses: {
        "2XX": { description: "Received; not sent again" },
        "410": { description: "Gone: the endpoint is disabled and receives nothing more until re-enabled" },
      },
    },
  };
}

/** The @fastify/swagger options of the API. */
export function swaggerOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Wattplan",
        version: "1.0.0",
        description:
          "EV smart-charging optimization: optimization jobs with signed webhooks, their schedules as OCPP SetChargingProfile " +
          "messages, and live sites planned from CSMS events. Every error has the shape of the Error component, with a stable " +
          "code (docs/errors.md).",
        license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      },
      servers: [
        {
          url: "{scheme}://{host}",
          description: "a Wattplan service (`wattplan serve`)",
          variables: {
            scheme: { default: "http", enum: ["http", "https"] },
            host: { default: "localhost:8080", description: "host and port" },
          },
        },
      ],
      tags: [
        { name: "optimizations", description: "Submit scheduling requests and read their results, charts and OCPP profiles" },
        { name: "webhooks", description: "Webhook deliveries of optimizations, and the events Wattplan sends" },
        { name: "sites", description: "Live sites: put a site, post CSMS events, read its plan (docs/sites.md)" },
        { name: "health", description: "Liveness, readiness and metrics (no authentication)" },
      ],
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "a tenant's API key" } } },
      security: [{ apiKey: [] }],
      webhooks: {
        "optimization.completed": webhook("optimizationCompleted", "An optimization completed", "OptimizationCompletedEvent"),
        "optimization.failed": webhook("optimizationFailed", "An optimization failed", "OptimizationFailedEvent"),
        "site.plan.updated": webhook("sitePlanUpdated", "A live site published a new plan", "SitePlanUpdatedEvent"),
      },
    },
    transform,
    transformObject: transformObject as FastifyDynamicSwaggerOptions["transformObject"],
  };
}
