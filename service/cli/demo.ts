/**
 * `wattplan demo`: start the service in this process (with a private Redis
 * when none answers), submit examples/depot-v2g.json with a webhook to a
 * receiver on 127.0.0.1, verify the webhook's signature the way a customer
 * would (standardwebhooks) and print a summary. It calls the API through
 * the typed client (service/client), as a customer's code would.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import { deleteKeysWithPrefix } from "../redis.js";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";
import { loadConfig } from "../config.js";
import { packagePath } from "../../engine/paths.js";
import { startService } from "../runtime.js";
import { devTenant, TenantStore } from "../tenants.js";
import { ensureRedis } from "./serve.js";
import { EXIT, UsageError } from "./io.js";
import { wattplanClient, type Schemas } from "../client/index.js";

const WEBHOOK_WAIT_MS = 20_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

function receiver(): Promise<{ url: string; next: () => Promise<Received>; close: () => Promise<void> }> {
  const inbox: Received[] = [];
  const waiting: ((r: Received) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      res.writeHead(204).end();
      const w = waiting.shift();
      if (w) w(r);
      else inbox.push(r);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/wattplan-webhook`,
        next: () => {
          const r = inbox.shift();
          if (r) return Promise.resolve(r);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no webhook within ${WEBHOOK_WAIT_MS / 1000} s`)), WEBHOOK_WAIT_MS);
            waiting.push((x) => {
              clearTimeout(timer);
              res(x);
            });
          });
        },
        close: () => new Promise((res) => server.close(() => res())),
      });
    });
  });
}

export async function demoCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { strategy: { type: "string", short: "s" }, example: { type: "string" } }, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const examplePath = parsed.values.example ?? packagePath("examples", "depot-v2g.json");
  const example = JSON.parse(readFileSync(examplePath, "utf8")) as Record<string, unknown>;
  const t0 = performance.now();

  const config = loadConfig({
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    WATTPLAN_QUEUE_PREFIX: `wattplan-demo-${randomBytes(4).toString("hex")}`,
    WATTPLAN_RETENTION_SECONDS: "600",
    WATTPLAN_WEBHOOK_ALLOWLIST: [process.env.WATTPLAN_WEBHOOK_ALLOWLIST, "127.0.0.1/32"].filter(Boolean).join(","),
  });
  const local = await ensureRedis(config, true);
  const dev = devTenant();
  const hooks = await receiver();
  const service = await startService({ config, tenants: new TenantStore([dev.tenant]), log: () => {} });
  try {
    const wp = wattplanClient({ baseUrl: service.url!, apiKey: dev.key });
    console.log(`service up at ${service.url} (in this process; Redis ${config.redisUrl})`);
    const submit = async (strategy: string | undefined): Promise<Schemas["Optimization"] | Schemas["OptimizationAccepted"]> => {
      // The example is the model's JSON; the service validates it (an invalid one is a 400 with every problem).
      const body = {
        ...(example as Schemas["OptimizationSubmissionInput"]),
        ...(strategy && { strategy: strategy as Schemas["StrategyName"] }),
        webhook: { url: hooks.url },
        metadata: { demo: true, example: examplePath.split("/").pop() },
      };
      const { data, error, response } = await wp.POST("/v1/optimizations", { body, params: { query: { wait: 20 } } });
      if (data === undefined) throw new Error(`submit failed: HTTP ${response.status} ${error?.code}: ${error?.message}`);
      console.log(
        `submitted ${data.id} (strategy ${strategy ?? String(example.strategy ?? "optimal")}): HTTP ${response.status}, ${data.status}`,
      );
      return data;
    };
    const job = await submit(parsed.values.strategy);
    const webhook = await hooks.next();
    // The customer's side: verify the signature over the raw body.
    const verified = new Webhook(dev.tenant.webhookSecrets[0]).verify(webhook.body, webhook.headers as Record<string, string>) as {
      type: string;
      data: { id: string };
    };
    const listed = await wp.GET("/v1/optimizations/{id}/deliveries", { params: { path: { id: job.id } } });
    const deliveries = listed.data ?? { items: [] };
    const attempts = deliveries.items.reduce((n, d) => n + d.attempts.length, 0);
    const r = "result" in job ? job.result : undefined;
    const jobError = "error" in job ? job.error : undefined;
    console.log("");
    console.log(`job            ${job.id}: ${job.status}${jobError ? ` (${jobError.code})` : ""}`);
    if (r) {
      console.log(`schedule       ${r.status} by ${r.strategy}`);
      console.log(`total cost     ${r.cost.total.toFixed(2)}`);
      console.log(`peak import    ${r.peakImportKw.toFixed(1)} kW`);
      console.log(`solve time     ${r.solver.solveMs.toFixed(1)} ms`);
    }
    console.log(
      `webhook        ${verified.type} for ${verified.data.id}, signature verified (webhook-id ${String(webhook.headers["webhook-id"])})`,
    );
    console.log(`deliveries     ${deliveries.items.length} (${attempts} attempt${attempts === 1 ? "" : "s"})`);
    console.log(`demo took      ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return job.status === "completed" ? EXIT.ok : EXIT.failure;
  } finally {
    await service.close();
    await hooks.close();
    await cleanup(config.redisUrl, config.queuePrefix);
    await local?.stop();
  }
}

async function cleanup(url: string, prefix: string): Promise<void> {
  await deleteKeysWithPrefix(url, prefix);
}
