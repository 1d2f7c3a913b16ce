// The WASM boundary: one module instance reused across solves, views
// re-made after memory growth, nothing trapping on large problems.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import type { Request, RequestInput } from "../engine/model/schema.js";
import { solve } from "../engine/scheduler/solve.js";
import { Scheduler } from "../engine/scheduler/wasm.js";

function request(input: RequestInput | unknown): Request {
  const result = validateRequest(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}

const example = (name: string) => request(JSON.parse(readFileSync(new URL(`../examples/${name}.json`, import.meta.url), "utf8")));

function fleet(sessions: number, slots: number): Request {
  return request({
    horizon: { start: "2026-11-24T00:00:00Z", slotMinutes: 15, slots },
    site: { importLimitKw: sessions * 4 },
    tariff: { importPrice: 0.2 },
    sessions: Array.from({ length: sessions }, (_, i) => ({
      id: `s${i}`,
      departure: new Date(Date.parse("2026-11-24T00:00:00Z") + slots * 15 * 60_000).toISOString(),
      targetEnergyKwh: 20 + (i % 7),
      maxChargeKw: 11,
    })),
  });
}

describe("scheduler boundary", () => {
  it("gives identical results when one instance is reused, and does not grow memory", () => {
    const scheduler = new Scheduler();
    const depot = example("depot-v2g");
    const first = solve(depot, { strategy: "edf", scheduler });
    const bytes = scheduler.memoryBytes;
    for (let i = 0; i < 200; i++) solve(example(i % 2 ? "workplace" : "pv-export-limit"), { strategy: "equalShare", scheduler });
    const again = solve(depot, { strategy: "edf", scheduler });
    expect(again.cost).toEqual(first.cost);
    expect(again.sessions.map((s) => s.powerKw)).toEqual(first.sessions.map((s) => s.powerKw));
    expect(scheduler.memoryBytes).toBe(bytes);
  });

  it("re-makes its views after the module's memory grows", () => {
    const scheduler = new Scheduler();
    const small = solve(fleet(3, 8), { strategy: "llf", scheduler });
    const before = scheduler.memoryBytes;
    const big = solve(fleet(2000, 672), { strategy: "llf", scheduler });
    expect(scheduler.memoryBytes).toBeGreaterThan(before);
    expect(big.sessions).toHaveLength(2000);
    expect(big.sessions.every((s) => s.shortfallKwh === 0)).toBe(true);
    expect(solve(fleet(3, 8), { strategy: "llf", scheduler }).cost).toEqual(small.cost);
  });

  it("solves the longest horizon with many sessions without trapping", () => {
    const response = solve(fleet(500, 2016), { strategy: "uncontrolled" });
    expect(response.status).toBe("feasible");
    expect(response.site.netImportKw).toHaveLength(2016);
    expect(response.sessions.every((s) => s.powerKw.every(Number.isFinite))).toBe(true);
  });

  it("keeps a debug build of the module that behaves like the release build", () => {
    const depot = example("depot-v2g");
    const debug = solve(depot, { strategy: "llf", scheduler: new Scheduler({ debug: true }) });
    const release = solve(depot, { strategy: "llf", scheduler: new Scheduler() });
    expect(debug.cost).toEqual(release.cost);
    expect(readFileSync(new URL("../build/wattplan.debug.wasm", import.meta.url)).byteLength).toBeGreaterThan(0);
  });
});
