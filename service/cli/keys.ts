/**
 * `wattplan keys create --tenant NAME [--file PATH]`: a new API key, printed
 * once (and a new tenant's webhook secret, on stderr);
 * `wattplan keys secret --tenant NAME [--file PATH]`: the tenant's active
 * webhook secrets, one a line.
 */
import { parseArgs } from "node:util";
import { addKeyToFile, readTenantsFile } from "../tenants.js";
import { EXIT, UsageError } from "./io.js";

export function keysCommand(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { tenant: { type: "string", short: "t" }, file: { type: "string", short: "f" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [action] = parsed.positionals;
  if ((action !== "create" && action !== "secret") || parsed.positionals.length !== 1)
    throw new UsageError("usage: wattplan keys create|secret --tenant NAME [--file PATH]");
  const tenant = parsed.values.tenant;
  if (!tenant || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) throw new UsageError("--tenant: 1-64 letters, digits, _ or -");
  const file = parsed.values.file ?? process.env.WATTPLAN_TENANTS_FILE;
  if (!file) throw new UsageError("set WATTPLAN_TENANTS_FILE or pass --file PATH");
  if (action === "secret") return printSecrets(file, tenant);
  let created: ReturnType<typeof addKeyToFile>;
  try {
    created = addKeyToFile(file, tenant);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  process.stderr.write(
    `${created.createdTenant ? `created tenant "${tenant}" (with a new webhook secret) and ` : ""}added a key to ${file}.\n` +
      "The key is shown only this once; the file keeps only its SHA-256 hash:\n",
  );
  process.stdout.write(`${created.key}\n`);
  if (created.webhookSecret !== undefined)
    process.stderr.write(
      `Webhook secret of "${tenant}" (verify webhooks with it; \`wattplan keys secret --tenant ${tenant}\` shows it again):\n${created.webhookSecret}\n`,
    );
  return EXIT.ok;
}

function printSecrets(file: string, tenant: string): number {
  let found;
  try {
    found = readTenantsFile(file).find((t) => t.id === tenant);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!found) throw new UsageError(`no tenant "${tenant}" in ${file}`);
  for (const secret of found.webhookSecrets) process.stdout.write(`${secret}\n`);
  return EXIT.ok;
}
