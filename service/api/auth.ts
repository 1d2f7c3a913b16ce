/** Bearer API keys → tenants. Every /v1 route runs behind this hook. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { WattplanError } from "../../engine/errors.js";
import type { Tenant, TenantStore } from "../tenants.js";

declare module "fastify" {
  interface FastifyRequest {
    tenant?: Tenant;
  }
}

const BEARER = /^Bearer +(\S+) *$/i;

export function authenticate(tenants: () => TenantStore) {
  return async function onRequest(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = typeof header === "string" ? BEARER.exec(header) : null;
    if (!match) throw new WattplanError("ERR_UNAUTHORIZED", "send the API key as Authorization: Bearer <key>");
    const tenant = tenants().authenticate(match[1]);
    if (!tenant) throw new WattplanError("ERR_UNAUTHORIZED", "unknown API key");
    request.tenant = tenant;
  };
}

/** The authenticated tenant (the hook guarantees one on /v1 routes). */
export function tenantOf(request: FastifyRequest): Tenant {
  if (!request.tenant) throw new WattplanError("ERR_UNAUTHORIZED");
  return request.tenant;
}
