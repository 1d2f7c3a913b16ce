/**
 * The replay driver against a real service: real Caltech sessions as events
 * through the HTTP API give what `simulate` gives, every plan passes the
 * independent checker, and no session is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Request, Response } from "../engine/model/schema.js";
import { validateRequest } from "../engine/model/validate.js";
import { simulateConfig } from "../service/cli/simulate-command.js";
import { dataFile } from "../service/simulate/data-dir.js";
import { computeMetrics } from "../service/simulate/metrics.js";
import { prepareReplay } from "../service/simulate/run.js";
import { DEFAULT_SIMULATION_OPTIONS, simulate, type SimulationOptions } from "../service/simulate/simulator.js";
import { driveSite } from "../service/sites/replay.js";
import { checkSchedule } from "../testkit/checker/checker.js";
import { startSitesService, type SitesService } from "./sites-helpers.js";

let svc: SitesService;
beforeAll(async () => {
  svc = await startSitesService("replay");
});
afterAll(async () => {
  await svc?.close();
});

describe("wattplan replay's driver", () => {
  it("matches simulate on a real day, with every plan feasible and every session ended once", async () => {
    const config = simulateConfig([
      "--sessions",
      dataFile("sessions", "acn-caltech-2020-12_2021-09.csv"),
      "--from",
      "2021-06-08",
      "--to",
      "2021-06-09",
      "--capacity-kw",
      "25",
      "--slot-minutes",
      "15",
      "--horizon-hours",
      "8",
    ]);
    const prepared = prepareReplay(config);
    const simulation: SimulationOptions = {
      ...DEFAULT_SIMULATION_OPTIONS,
      ...config.options,
      capacityKw: 25,
      horizonSlots: prepared.horizonSlots,
    };
    for (const strategy of ["llf", "optimal"] as const) {
      let checked = 0;
      const violations: string[] = [];
      const driven = await driveSite({ baseUrl: svc.url, apiKey: svc.acme.key }, prepared.sessions, prepared.grid, {
        siteId: `day-${strategy}`,
        strategy,
        horizonHours: 8,
        simulation,
        onPlan: (plan) => {
          const valid = validateRequest(plan.request);
          if (!valid.ok) throw new Error("a published plan's request is not a valid model request");
          const check = checkSchedule(valid.request as Request, plan.response as Response);
          violations.push(...check.violations.map((v) => v.message));
          checked++;
        },
      });
      expect(checked).toBe(driven.plans);
      expect(checked).toBeGreaterThan(20);
      expect(violations).toEqual([]);
      expect(driven.sessionsStarted).toBeGreaterThan(5);
      expect(driven.sessionsEnded).toBe(driven.sessionsStarted);
      const simulated = computeMetrics(simulate(strategy, prepared.sessions, prepared.grid, simulation), prepared.sessions, prepared.grid);
      expect(Math.abs(driven.metrics.energyDeliveredShare - simulated.energyDeliveredShare)).toBeLessThanOrEqual(0.005);
    }
  });
});
