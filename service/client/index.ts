/**
 * The typed Wattplan client: openapi-fetch over the types openapi-typescript
 * generates from openapi.json (`npm run openapi` writes openapi-types.ts).
 * Every path, parameter, body and response, errors included, is typed from
 * the contract:
 *
 *   const wp = wattplanClient({ baseUrl: "http://localhost:8080", apiKey });
 *   const { data, error, response } = await wp.POST("/v1/optimizations", { body, params: { query: { wait: 20 } } });
 *
 * `data` is the 2xx body, `error` the Error component (docs/errors.md).
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, operations, paths, webhooks } from "./openapi-types.js";

export type { components, operations, paths, webhooks };
/** The named schemas of the document: `Schemas["Optimization"]`, `Schemas["SitePlan"]`, ... */
export type Schemas = components["schemas"];
export type WattplanClient = Client<paths>;

export interface WattplanClientOptions {
  /** The service, e.g. `http://localhost:8080` (no trailing slash). */
  baseUrl: string;
  /** A tenant's API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** @defaultValue globalThis.fetch */
  fetch?: (input: Request) => Promise<Response>;
}

export function wattplanClient(options: WattplanClientOptions): WattplanClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { ...(options.apiKey !== undefined && { authorization: `Bearer ${options.apiKey}` }), ...options.headers },
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  });
}
