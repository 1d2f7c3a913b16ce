/**
 * Tenants and their API keys. Keys are stored only as SHA-256 hashes and
 * compared in constant time; a tenant's webhook secrets sign its webhooks.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as z from "zod";

export const TenantSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "tenant ids are 1-64 letters, digits, _ or -"),
  apiKeys: z.array(z.string().regex(/^[0-9a-f]{64}$/, "must be the SHA-256 hex of a key (64 lowercase hex digits)")),
  webhookSecrets: z.array(z.string().startsWith("whsec_", "must start with whsec_")).min(1, "each tenant needs a webhook secret"),
});
export type Tenant = z.infer<typeof TenantSchema>;
const TenantsFileSchema = z.array(TenantSchema);

export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new API key: `wp_` and 32 random bytes, base64url. */
export function newApiKey(): string {
  return `wp_${randomBytes(32).toString("base64url")}`;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes, base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export class TenantStore {
  private readonly byId = new Map<string, Tenant>();
  private readonly hashes: { hash: Buffer; tenant: Tenant }[] = [];

  constructor(tenants: readonly Tenant[]) {
    for (const tenant of tenants) {
      if (this.byId.has(tenant.id)) throw new Error(`duplicate tenant id "${tenant.id}"`);
      this.byId.set(tenant.id, tenant);
      for (const h of tenant.apiKeys) this.hashes.push({ hash: Buffer.from(h, "hex"), tenant });
    }
  }

  /** The tenant owning an API key. Every stored hash is compared, in constant time, so timing tells nothing. */
  authenticate(key: string): Tenant | undefined {
    const presented = createHash("sha256").update(key, "utf8").digest();
    let found: Tenant | undefined;
    for (const { hash, tenant } of this.hashes) {
      if (timingSafeEqual(presented, hash) && found === undefined) found = tenant;
    }
    return found;
  }

  get(id: string): Tenant | undefined {
    return this.byId.get(id);
  }

  webhookSecrets(id: string): string[] {
    return this.byId.get(id)?.webhookSecrets ?? [];
  }

  list(): Tenant[] {
    return [...this.byId.values()];
  }
}

export function readTenantsFile(path: string): Tenant[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the tenants file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the tenants file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = TenantsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `the tenants file ${path} is invalid:\n${parsed.error.issues.map((i) => `  [${i.path.join(".")}] ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

export function loadTenants(path: string): TenantStore {
  return new TenantStore(readTenantsFile(path));
}

/**
 * Create a key for a tenant in the tenants file (creating the file, and the
 * tenant with a fresh webhook secret, when missing). Returns the key: the
 * file keeps only its hash, so this is the one time it can be shown.
 */
export function addKeyToFile(path: string, tenantId: string): { key: string; createdTenant: boolean; webhookSecret?: string } {
  const tenants = existsSync(path) ? readTenantsFile(path) : [];
  const key = newApiKey();
  let tenant = tenants.find((t) => t.id === tenantId);
  const createdTenant = tenant === undefined;
  if (!tenant) {
    tenant = TenantSchema.parse({ id: tenantId, apiKeys: [], webhookSecrets: [newWebhookSecret()] });
    tenants.push(tenant);
  }
  tenant.apiKeys.push(hashKey(key));
  // Write then rename, so a running service never reads half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(tenants, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
  return { key, createdTenant, ...(createdTenant && { webhookSecret: tenant.webhookSecrets[0] }) };
}

/** An in-memory development tenant with a fresh key (when no tenants file is configured). */
export function devTenant(): { tenant: Tenant; key: string } {
  const key = newApiKey();
  return { key, tenant: { id: "dev", apiKeys: [hashKey(key)], webhookSecrets: [newWebhookSecret()] } };
}
