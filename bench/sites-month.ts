/**
 * bench:sites-month — a replayed month of one Caltech site through a live
 * site (service in this process, PostgreSQL schema of its own): every plan
 * the driver applied is checked with the independent checker against the
 * request it was computed from, every started session must end exactly
 * once, no event may be applied twice (the site's event count equals the
 * events sent), and energy delivered is compared with `simulate`.
 *
 *   npm run bench:sites-month -- [--sessions FILE] [--from 2019-03-01] [--to 2019-04-01] [--capacity-kw 50] [--strategy optimal]
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Request, Response, StrategyName } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { simulateConfig } from "../service/cli/simulate-command.js";
import { loadConfig } from "../service/config.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { computeMetrics } from "../service/simulate/metrics.js";
import { prepareReplay } from "../service/simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, simulate, type SimulationOptions } from "../service/simulate/simulator.js";
import { startService } from "../service/runtime.js";
import { dropSchema } from "../service/sites/db.js";
import { driveSite } from "../service/sites/replay.js";
import { devTenant, TenantStore } from "../service/tenants.js";
import { checkSchedule } from "../testkit/checker/checker.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string", default: dataFile("sessions", "acn-caltech-2019-03.csv") },
      from: { type: "string", default: "2019-03-01" },
      to: { type: "string", default: "2019-04-01" },
      "capacity-kw": { type: "string", default: "50" },
      "slot-minutes": { type: "string", default: "15" },
      strategy: { type: "string", default: "optimal" },
    },
  });
  const config = simulateConfig([
    "--sessions",
    values.sessions!,
    "--from",
    values.from!,
    "--to",
    values.to!,
    "--capacity-kw",
    values["capacity-kw"]!,
    "--slot-minutes",
    values["slot-minutes"]!,
  ]);
  const prepared = prepareReplay(config);
  const simulation: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    ...config.options,
    capacityKw: config.capacitiesKw[0],
    horizonSlots: prepared.horizonSlots,
  };
  const schema = `bench_month_${randomBytes(3).toString("hex")}`;
  const serviceConfig = loadConfig(process.env, {
    port: 0,
    host: "127.0.0.1",
    queuePrefix: `wattplan-${schema}`,
    sites: "on",
    databaseSchema: schema,
    rateLimitMax: 10_000_000,
  });
  const dev = devTenant();
  const service = await startService({ config: serviceConfig, tenants: new TenantStore([dev.tenant]), log: () => {} });
  const strategy = values.strategy as StrategyName;
  const siteId = `month-${strategy}`;
  let plans = 0;
  let violations = 0;
  const firstViolations: string[] = [];
  try {
    console.log(
      `${prepared.replay.length} sessions, ${prepared.grid.slots} slots of ${prepared.grid.slotMinutes} min, ${simulation.capacityKw} kW, ${strategy}`,
    );
    const driven = await driveSite({ baseUrl: service.url!, apiKey: dev.key }, prepared.sessions, prepared.grid, {
      siteId,
      strategy,
      horizonHours: config.horizonHours,
      simulation,
      onPlan: (plan) => {
        const valid = validateRequest(plan.request);
        if (!valid.ok) throw new Error("a published plan's request is not a valid model request");
        const check = checkSchedule(valid.request as Request, plan.response as Response);
        plans++;
        violations += check.violations.length;
        if (firstViolations.length < 5) firstViolations.push(...check.violations.map((v) => v.message));
      },
    });
    const client = new pg.Client({ connectionString: serviceConfig.databaseUrl });
    await client.connect();
    const stored = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.site_events e JOIN ${schema}.sites s ON s.pk = e.site_pk WHERE s.site_id = $1`,
      [siteId],
    );
    await client.end();
    const sim = computeMetrics(simulate(strategy, prepared.sessions, prepared.grid, simulation), prepared.sessions, prepared.grid);
    const m = driven.metrics;
    console.log(
      `events sent ${driven.eventsSent}, events stored ${stored.rows[0].n} (applied once each: ${Number(stored.rows[0].n) === driven.eventsSent})`,
    );
    console.log(`sessions started ${driven.sessionsStarted}, ended ${driven.sessionsEnded}`);
    console.log(
      `plans applied ${driven.plans}, checked ${plans}, checker violations ${violations}${firstViolations.length > 0 ? `: ${firstViolations.join("; ")}` : ""}`,
    );
    console.log(
      `energy delivered: replay ${(100 * m.energyDeliveredShare).toFixed(2)} %, simulate ${(100 * sim.energyDeliveredShare).toFixed(2)} % (Δ ${(100 * (m.energyDeliveredShare - sim.energyDeliveredShare)).toFixed(2)} pp); replay wall ${(driven.run.runMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await service.close();
    await dropSchema(serviceConfig.databaseUrl, schema).catch(() => {});
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
