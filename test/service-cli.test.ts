/** `wattplan keys create`: a key printed once, only its hash stored, usable at once. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashKey, loadTenants } from "../service/tenants.js";
import { startService } from "../service/runtime.js";
import { api, deletePrefix, eventually, testConfig, uniquePrefix } from "./service-helpers.js";

const BIN = new URL("../bin/wattplan.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "wattplan-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keys(...args: string[]) {
  return spawnSync(process.execPath, [BIN, "keys", ...args], { encoding: "utf8", env: { ...process.env, WATTPLAN_TENANTS_FILE: "" } });
}

describe("wattplan keys create", () => {
  it("creates the file and the tenant, stores only the hash, and adds keys to an existing tenant", () => {
    const file = join(dir, "tenants.json");
    const first = keys("create", "--tenant", "acme", "--file", file);
    expect(first.status).toBe(0);
    const key1 = first.stdout.trim();
    expect(key1).toMatch(/^wp_/);
    expect(first.stderr).toMatch(/created tenant "acme"/);
    expect(readFileSync(file, "utf8")).not.toContain(key1);
    expect(statSync(file).mode & 0o077).toBe(0);

    const second = keys("create", "--tenant", "acme", "--file", file);
    const key2 = second.stdout.trim();
    const tenants = JSON.parse(readFileSync(file, "utf8")) as { id: string; apiKeys: string[]; webhookSecrets: string[] }[];
    expect(tenants).toHaveLength(1);
    expect(tenants[0].apiKeys).toEqual([hashKey(key1), hashKey(key2)]);
    expect(tenants[0].webhookSecrets[0]).toMatch(/^whsec_/);
    // The new tenant's webhook secret is shown at creation (stderr, stdout stays the key) and on demand.
    expect(first.stderr).toContain(`\n${tenants[0].webhookSecrets[0]}\n`);
    expect(second.stderr).not.toContain("whsec_");
    const secret = keys("secret", "--tenant", "acme", "--file", file);
    expect(secret.status).toBe(0);
    expect(secret.stdout).toBe(`${tenants[0].webhookSecrets[0]}\n`);
    expect(keys("secret", "--tenant", "globex", "--file", file).status).toBe(2);
    const store = loadTenants(file);
    expect(store.authenticate(key1)?.id).toBe("acme");
    expect(store.authenticate(key2)?.id).toBe("acme");
    expect(store.authenticate("wp_other")).toBeUndefined();
  });

  it("exits 2 on bad usage", () => {
    expect(keys("create", "--tenant", "bad name!", "--file", join(dir, "x.json")).status).toBe(2);
    expect(keys("delete", "--tenant", "acme", "--file", join(dir, "x.json")).status).toBe(2);
    expect(keys("create", "--tenant", "acme").status).toBe(2);
  });
});

describe("a running service", () => {
  it("accepts a key created after it started (the tenants file is reloaded)", async () => {
    const file = join(dir, "live.json");
    const before = keys("create", "--tenant", "acme", "--file", file).stdout.trim();
    const prefix = uniquePrefix("reload");
    const service = await startService({ config: testConfig(prefix, { tenantsFile: file }), worker: false });
    try {
      expect((await api(service.url!, "GET", "/v1/optimizations", { key: before })).status).toBe(200);
      const after = keys("create", "--tenant", "globex", "--file", file).stdout.trim();
      const res = await eventually(
        () => api(service.url!, "GET", "/v1/optimizations", { key: after }),
        (r) => r.status !== 401,
        15_000,
      );
      expect(res.status).toBe(200);
    } finally {
      await service.close();
      await deletePrefix(prefix);
    }
  });
});
