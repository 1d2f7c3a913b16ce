import { gzipSync } from "node:zlib";
import type { Response } from "../../engine/model/schema.js";

/** The events Wattplan sends. */
export const EVENT_TYPES = ["optimization.completed", "optimization.failed", "site.plan.updated"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type OptimizationEventType = Exclude<EventType, "site.plan.updated">;

/** Largest webhook body, in UTF-8 bytes, unless configured otherwise. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * How `data.result*` carries the result of an `includeResult` job:
 * - `json`: `data.result` is the §9 response itself.
 * - `gzip+base64`: `data.resultEncoded` is the base64 of the gzip (RFC 1952)
 *   of the response's UTF-8 JSON text; `JSON.parse(gunzip(base64decode(…)))`.
 */
export const RESULT_ENCODINGS = ["json", "gzip+base64"] as const;
export type ResultEncoding = (typeof RESULT_ENCODINGS)[number];

/**
 * The step, in kW and kWh, the per-slot series are rounded to when the
 * exact result does not fit even compressed (`data.resultRoundedTo`). One
 * watt: far below what a charger or OCPP (limits in 0.1 W or 0.1 A) can
 * act on, above the solver's own noise.
 */
const ROUNDING_STEPS = 1000;
export const RESULT_ROUNDING = 1 / ROUNDING_STEPS;

/** The cost terms of spec §7, as in the response. */
export type CostSummary = Response["cost"];

/** The body of every Wattplan webhook (Standard Webhooks `{ type, timestamp, data }`). */
export interface WebhookPayload {
  /** The event type, also the reason the webhook was sent. */
  type: OptimizationEventType;
  /** When the event happened (ISO 8601); the same on every attempt and redelivery. */
  timestamp: string;
  data: {
    /** The optimization id. */
    id: string;
    /** The job's final state. */
    status: "completed" | "failed";
    /** The solve status of spec §9 (completed only). */
    solveStatus?: Response["status"];
    /** The strategy that produced the schedule (completed only). */
    strategy?: Response["strategy"];
    /** Cost terms of spec §7 (completed only). */
    cost?: CostSummary;
    /** Highest net import, kW (completed only). */
    peakImportKw?: number;
    /** Why the job failed (failed only): a stable error code and a message. */
    error?: { code: string; message: string };
    /** Where to fetch the job and its full result. */
    links: Record<string, string>;
    /** How the result is carried, when the job asked for it and it fits the size limit in one of the ways. */
    resultEncoding?: ResultEncoding;
    /** The full §9 response (`resultEncoding` `json`). */
    result?: Response;
    /** The full §9 response, gzipped JSON in base64 (`resultEncoding` `gzip+base64`). */
    resultEncoded?: string;
    /** Set when the per-slot series of the encoded result were rounded to this step (kW, kWh) to fit; absent when exact. */
    resultRoundedTo?: number;
    /** Set when the job asked for the result but it was left out because it is too large even so: GET `links.self`. */
    resultOmitted?: "too_large";
  };
}

/** What {@link buildEventPayload} needs to know about a finished job. */
export interface EventPayloadInput {
  type: OptimizationEventType;
  optimizationId: string;
  /** Links for the receiver, e.g. `{ self: ".../optimizations/opt_1", result: ".../result" }`. */
  links: Record<string, string>;
  /** The §9 response (required for `optimization.completed`). */
  response?: Response;
  /** The failure (required for `optimization.failed`). */
  error?: { code: string; message: string };
  /**
   * Whether to embed the full response.
   * @defaultValue false
   */
  includeResult?: boolean;
  /**
   * Size limit of the whole body; the result is left out above it.
   * @defaultValue {@link DEFAULT_MAX_PAYLOAD_BYTES}
   */
  maxPayloadBytes?: number;
  /**
   * When the event happened.
   * @defaultValue now
   */
  timestamp?: Date;
}

/** One OCPP message of a live site's plan (service/sites/schema.ts describes it for the API). */
export interface SiteOcppEntry {
  /** null for an EVSE's fallback profile and a station-max profile */
  sessionId: string | null;
  /** null for a station-max profile */
  evseId: string | null;
  stationId: string;
  action: "SetChargingProfile" | "ClearChargingProfile";
  payload: unknown;
}

/**
 * The body of `site.plan.updated` (docs/sites.md): a live site published a
 * new plan. `ocpp` holds the messages of the sessions whose profile changed
 * only; when they would not fit the size limit they are left out
 * (`ocppOmitted`) and `changedSessions` says which to fetch from the plan.
 */
export interface SitePlanWebhookPayload {
  type: "site.plan.updated";
  timestamp: string;
  data: {
    siteId: string;
    version: number;
    stateVersion: number;
    horizonStart: string;
    changedSessions: string[];
    /** EVSEs whose fallback profile (sessionId null in `ocpp`) changed. */
    changedFallbacks: string[];
    /** Stations whose station-max profile (evseId null in `ocpp`) changed. */
    changedStations: string[];
    ocpp?: SiteOcppEntry[];
    ocppOmitted?: "too_large";
    links: Record<string, string>;
  };
}

/** Size of a payload's JSON body in bytes. */
export function payloadBytes(payload: WebhookPayload | SitePlanWebhookPayload): number {
  return Buffer.byteLength(JSON.stringify(payload));
}

/** Round a number to {@link RESULT_ROUNDING} (no `-0`). */
function rounded(x: number): number {
  const r = Math.round(x * ROUNDING_STEPS) / ROUNDING_STEPS;
  return r === 0 ? 0 : r;
}

/** The response with its per-slot series rounded to {@link RESULT_ROUNDING}; scalars (costs, delivered energy) stay exact. */
export function roundedResponse(response: Response): Response {
  const series = (values: number[]) => values.map(rounded);
  return {
    ...response,
    sessions: response.sessions.map((s) => ({ ...s, powerKw: series(s.powerKw), energyKwh: series(s.energyKwh) })),
    ...(response.storage && {
      storage: response.storage.map((b) => ({ ...b, powerKw: series(b.powerKw), energyKwh: series(b.energyKwh) })),
    }),
    site: { ...response.site, netImportKw: series(response.site.netImportKw), curtailedPvKw: series(response.site.curtailedPvKw) },
  };
}

/** `resultEncoded` of a response: the base64 of the gzip of its JSON. */
export function encodeResult(response: Response): string {
  return gzipSync(JSON.stringify(response), { level: 9 }).toString("base64");
}

/**
 * The webhook body for a finished optimization: a small summary (status,
 * costs, links), plus the full result when `includeResult` is set, in the
 * first of these ways that keeps the body within `maxPayloadBytes`: as JSON
 * (`resultEncoding` `json`); gzipped in base64 (`gzip+base64`); gzipped
 * with its per-slot series rounded to {@link RESULT_ROUNDING}
 * (`resultRoundedTo`). Otherwise the result is left out (`resultOmitted`).
 */
export function buildEventPayload(input: EventPayloadInput): WebhookPayload {
  const timestamp = (input.timestamp ?? new Date()).toISOString();
  if (input.type === "optimization.failed") {
    if (!input.error) throw new TypeError("buildEventPayload: optimization.failed needs `error`");
    return {
      type: input.type,
      timestamp,
      data: {
        id: input.optimizationId,
        status: "failed",
        error: { code: input.error.code, message: input.error.message },
        links: { ...input.links },
      },
    };
  }
  const response = input.response;
  if (!response) throw new TypeError("buildEventPayload: optimization.completed needs `response`");
  const summary: WebhookPayload = {
    type: input.type,
    timestamp,
    data: {
      id: input.optimizationId,
      status: "completed",
      solveStatus: response.status,
      strategy: response.strategy,
      cost: { ...response.cost },
      peakImportKw: response.peakImportKw,
      links: { ...input.links },
    },
  };
  if (!input.includeResult) return summary;
  const limit = input.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const ways: (() => Partial<WebhookPayload["data"]>)[] = [
    () => ({ resultEncoding: "json", result: response }),
    () => ({ resultEncoding: "gzip+base64", resultEncoded: encodeResult(response) }),
    () => ({ resultEncoding: "gzip+base64", resultEncoded: encodeResult(roundedResponse(response)), resultRoundedTo: RESULT_ROUNDING }),
  ];
  for (const way of ways) {
    const candidate: WebhookPayload = { ...summary, data: { ...summary.data, ...way() } };
    if (payloadBytes(candidate) <= limit) return candidate;
  }
  return { ...summary, data: { ...summary.data, resultOmitted: "too_large" } };
}
