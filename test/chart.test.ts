import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderScheduleChart, scheduleChartSpec } from "../service/charts/schedule-chart.js";
import { runCli } from "./cli-capture.js";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import type { Request } from "../engine/model/schema.js";
import { expectValidSvg } from "./fixtures/svg-check.js";

const tmp = mkdtempSync(join(tmpdir(), "wattplan-chart-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function example(name: string): Request {
  const result = validateRequest(JSON.parse(readFileSync(`examples/${name}.json`, "utf8")));
  if (!result.ok) throw new Error(`examples/${name}.json is invalid`);
  return result.request;
}

describe("renderScheduleChart", () => {
  it("draws one result as a valid SVG with the site's series, limits and price", () => {
    const request = example("workplace");
    const response = solve(request, { strategy: "edf" });
    const svg = renderScheduleChart(request, response);
    expectValidSvg(svg);
    for (const label of ["Schedule: strategy edf", "net site import", "import limit", "import price", "EV charging", "base load"]) {
      expect(svg, label).toContain(label);
    }
    expect(renderScheduleChart(request, response)).toBe(svg);
  });

  it("puts every slot of the schedule in the chart's data, with charging and discharging apart", () => {
    const request = example("depot-v2g");
    const response = solve(request, { strategy: "llf" });
    const spec = scheduleChartSpec(request, response) as unknown as {
      layer: { layer?: { data: { values: { part?: string; kW: number; series?: string }[] } }[] }[];
    };
    const stack = spec.layer[0].layer![0].data.values;
    const charging = stack.filter((r) => r.part === "EV charging");
    expect(charging).toHaveLength(request.horizon.slots + 1);
    const total = response.sessions.reduce((s, x) => s + Math.max(0, x.powerKw[3]), 0);
    expect(charging[3].kW).toBeCloseTo(total, 9);
    const site = spec.layer[0].layer![1].data.values.filter((r) => r.series === "net site import");
    expect(site.slice(0, -1).map((r) => r.kW)).toEqual(response.site.netImportKw);
  });
});

describe("wattplan solve --chart", () => {
  it("writes the chart beside the JSON response", async () => {
    const file = join(tmp, "workplace.svg");
    const run = await runCli(["solve", "examples/workplace.json", "--strategy", "equalShare", "--compact", "--chart", file]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { strategy: string }).strategy).toBe("equalShare");
    expectValidSvg(readFileSync(file, "utf8"));
  });

  it("refuses a chart file that is not .svg (exit 2) and writes nothing", async () => {
    const file = join(tmp, "chart.png");
    const run = await runCli(["solve", "examples/workplace.json", "--strategy", "edf", "--chart", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/--chart: .* must name an \.svg file/);
    expect(existsSync(file)).toBe(false);
  });
});
