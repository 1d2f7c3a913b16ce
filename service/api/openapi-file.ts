/**
 * `npm run openapi`: writes the API's OpenAPI document to openapi.json (the
 * checked-in contract; a test asserts that the served /docs/json equals it).
 * The document does not depend on configuration, so the API is built here
 * on stand-ins that no request reaches.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../config.js";
import { buildApi } from "./app.js";
import type { ApiContext } from "./context.js";

export const OPENAPI_FILE = fileURLToPath(new URL("../../openapi.json", import.meta.url));

/** The document as served, from an API that never starts listening. */
export async function openapiDocument(): Promise<unknown> {
  const unused = (what: string) => () => {
    throw new Error(`openapiDocument: ${what} is not available`);
  };
  const ctx = {
    config: loadConfig({}),
    // No Redis: the rate limiter counts in memory, and no request is made.
    producer: { redis: undefined },
    notifier: {},
    metrics: {},
    tenants: unused("tenants"),
    shutdown: new AbortController().signal,
  } as unknown as ApiContext;
  const app = await buildApi(ctx);
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
  }
}

/** The file's text: 2-space JSON and a final newline. */
export function openapiText(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = openapiText(await openapiDocument());
  writeFileSync(OPENAPI_FILE, text);
  console.log(`wrote ${OPENAPI_FILE} (${text.length} bytes)`);
}
