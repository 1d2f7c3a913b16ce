/**
 * `wattplan replay`: drive a live site through the HTTP API with real
 * sessions as events (service/sites/replay.ts), and report what `simulate`
 * reports; `--compare` also runs `simulate` on the same sessions in this
 * process and prints the difference. Without `--url` it starts the service
 * in this process on its own PostgreSQL schema, dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { InputError } from "../simulate/csv.js";
import { computeMetrics, type StrategyMetrics } from "../simulate/metrics.js";
import { markdownTable, prepareReplay } from "../simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, OFFLINE, OPTIMAL_FORECAST, simulate, type SimulationOptions } from "../simulate/simulator.js";
import type { StrategyName } from "../../engine/model/schema.js";
import { loadConfig } from "../config.js";
import { startService, type RunningService } from "../runtime.js";
import { dropSchema, pingDatabase } from "../sites/db.js";
import { driveSite, ReplayError, type ApiTarget } from "../sites/replay.js";
import { devTenant, TenantStore } from "../tenants.js";
import { EXIT, UsageError } from "./io.js";
import { simulateConfig } from "./simulate-command.js";

export const REPLAY_USAGE = `Usage: wattplan replay [simulate options] [--url URL --key KEY] [--compare] [--meter-caps]

Drives a live site through the HTTP API (PUT /v1/sites, POST events, GET plan)
with real sessions as events, on the events' clock, and reports what
simulate reports. Takes simulate's options for the sessions, dates, capacity
(one), slots, horizon and strategies (online ones; no tariff, prices, loads or
V2G: the site is replayed at a flat price).

  --url URL      a running service (default: start one in this process, on
                 DATABASE_URL's PostgreSQL in a schema of its own, dropped after)
  --key KEY      its API key (or WATTPLAN_API_KEY)
  --compare      also run simulate on the same sessions and print the difference
  --meter-caps   let the site cap cars that take less than offered (off by
                 default); --compare then runs simulate --meter-caps`;

const UNSUPPORTED = ["--tariff", "--prices", "--base-load", "--pv", "--v2g-share", "--forecast", "--forecast-level", "--storage"];

export async function replayCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(REPLAY_USAGE + "\n");
    return EXIT.ok;
  }
  let own;
  try {
    own = parseArgs({
      args,
      strict: false,
      allowPositionals: true,
      options: { url: { type: "string" }, key: { type: "string" }, compare: { type: "boolean" }, "meter-caps": { type: "boolean" } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--compare") continue;
    if (a === "--url" || a === "--key") {
      i++;
      continue;
    }
    if (a.startsWith("--url=") || a.startsWith("--key=")) continue;
    if (UNSUPPORTED.some((u) => a === u || a.startsWith(`${u}=`)))
      throw new UsageError(`${a.split("=")[0]}: not supported by replay (see --help)`);
    rest.push(a);
  }
  let config;
  let prepared;
  try {
    config = simulateConfig(rest);
    if (config.capacitiesKw.length !== 1) throw new UsageError("--capacity-kw: replay takes one capacity");
    if (config.strategies.includes(OFFLINE) && rest.some((a) => a.startsWith("--strategies")))
      throw new UsageError("--strategies: offline is not an online strategy; replay drives the online ones");
    prepared = prepareReplay(config);
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message);
    throw error;
  }
  const strategies = config.strategies.filter((s): s is StrategyName => s !== OFFLINE && s !== OPTIMAL_FORECAST);
  const simulation: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    ...config.options,
    capacityKw: config.capacitiesKw[0],
    horizonSlots: prepared.horizonSlots,
  };
  const log = (line: string) => process.stderr.write(`replay: ${line}\n`);

  let target: ApiTarget;
  let service: RunningService | undefined;
  let schema: string | undefined;
  const url = typeof own.values.url === "string" ? own.values.url : undefined;
  if (url !== undefined) {
    const key = (typeof own.values.key === "string" ? own.values.key : undefined) ?? process.env.WATTPLAN_API_KEY;
    if (key === undefined) throw new UsageError("--url needs --key (or WATTPLAN_API_KEY)");
    target = { baseUrl: url.replace(/\/+$/, ""), apiKey: key };
  } else {
    schema = `replay_${process.pid}_${randomBytes(3).toString("hex")}`;
    const serviceConfig = loadConfig(
      {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        WATTPLAN_QUEUE_PREFIX: `wattplan-${schema}`,
        WATTPLAN_SITES: "on",
        WATTPLAN_DB_SCHEMA: schema,
        WATTPLAN_RATE_LIMIT_MAX: "1000000",
      },
      {},
    );
    if (!(await pingDatabase(serviceConfig.databaseUrl)))
      throw new UsageError(`no PostgreSQL at DATABASE_URL (${serviceConfig.databaseUrl}); give --url of a running service instead`);
    const dev = devTenant();
    service = await startService({ config: serviceConfig, tenants: new TenantStore([dev.tenant]), log: () => {} });
    target = { baseUrl: service.url!, apiKey: dev.key };
    log(`service up at ${service.url} (in this process, PostgreSQL schema ${schema})`);
  }

  try {
    log(
      `${prepared.replay.length} sessions, ${prepared.grid.slots} slots of ${prepared.grid.slotMinutes} min, ${config.capacitiesKw[0]} kW`,
    );
    const rows: StrategyMetrics[] = [];
    let worst = 0;
    for (const strategy of strategies) {
      const driven = await driveSite(target, prepared.sessions, prepared.grid, {
        siteId: `replay-${strategy}-${randomBytes(3).toString("hex")}`,
        strategy,
        horizonHours: config.horizonHours,
        simulation,
        meterCaps: simulation.meterCaps === true,
      });
      rows.push(driven.metrics);
      const m = driven.metrics;
      let line = `${strategy.padEnd(13)} delivered ${(100 * m.energyDeliveredShare).toFixed(2).padStart(6)}%  served ${(100 * m.sessionsFullyServedShare).toFixed(1).padStart(5)}%  short ${m.earlyLeaverShortfallKwh.toFixed(1)} kWh of ${m.earlyLeavers} early leavers  peak ${m.peakImportKw.toFixed(1)} kW  ${driven.eventsSent} events, ${driven.plans} plans, ${driven.sessionsEnded} of ${driven.sessionsStarted} sessions ended, ${(driven.run.runMs / 1000).toFixed(1)} s`;
      if (own.values.compare === true) {
        const sim = computeMetrics(simulate(strategy, prepared.sessions, prepared.grid, simulation), prepared.sessions, prepared.grid);
        const delta = 100 * (m.energyDeliveredShare - sim.energyDeliveredShare);
        worst = Math.max(worst, Math.abs(delta));
        line += `  | simulate ${(100 * sim.energyDeliveredShare).toFixed(2)}%  Δ ${delta >= 0 ? "+" : ""}${delta.toFixed(2)} pp`;
      }
      process.stdout.write(line + "\n");
    }
    process.stdout.write(`\n${markdownTable(rows)}\n`);
    if (own.values.compare === true) process.stdout.write(`\nlargest difference to simulate: ${worst.toFixed(2)} pp of energy delivered\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ReplayError) {
      process.stderr.write(`wattplan replay: ${error.message}\n`);
      return EXIT.failure;
    }
    throw error;
  } finally {
    await service?.close();
    if (schema !== undefined && service !== undefined) await dropSchema(service.config.databaseUrl, schema).catch(() => {});
  }
}
