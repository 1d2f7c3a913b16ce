/**
 * The chart of one optimization result (`GET /v1/optimizations/:id/chart.svg`,
 * `wattplan solve --chart FILE`): what the site draws and where it comes
 * from, slot by slot, against its limits and the price.
 */
import type { TopLevelSpec } from "vega-lite";
import { perSlotArray } from "../../engine/model/compile.js";
import type { Request, Response } from "../../engine/model/schema.js";
import { CHART_FONT, renderVegaLiteSvg } from "./vega-svg.js";

/** Chart size in CSS pixels (the plot area; axes and legend come on top). */
export const SCHEDULE_CHART_WIDTH = 720;
export const SCHEDULE_CHART_HEIGHT = 260;

const PARTS = ["base load", "EV charging", "PV", "EV discharging"] as const;
const PART_COLORS = ["#b0b0b0", "#1f77b4", "#f2c21b", "#2ca02c"];

/** The Vega-Lite spec of the chart (exported for tests and for clients that render themselves). */
export function scheduleChartSpec(request: Request, response: Response): TopLevelSpec {
  const T = request.horizon.slots;
  const slotMs = request.horizon.slotMinutes * 60_000;
  const start = Date.parse(request.horizon.start);
  const base = perSlotArray(request.site.baseLoadKw, T);
  const pv = perSlotArray(request.site.pvKw, T);
  const importLimit = perSlotArray(request.site.importLimitKw, T);
  const exportLimit = perSlotArray(request.site.exportLimitKw, T);
  const importPrice = perSlotArray(request.tariff.importPrice, T);
  const exportPrice = perSlotArray(request.tariff.exportPrice, T);
  const charge = new Float64Array(T);
  const discharge = new Float64Array(T);
  for (const s of response.sessions) {
    for (let t = 0; t < T; t++) {
      const p = s.powerKw[t] ?? 0;
      if (p > 0) charge[t] += p;
      else discharge[t] -= p;
    }
  }

  const stack: { time: number; part: string; kW: number; order: number }[] = [];
  const site: { time: number; series: string; kW: number }[] = [];
  const prices: { time: number; series: string; price: number }[] = [];
  const hasExport = exportLimit.some((x) => x > 0);
  const hasExportPrice = exportPrice.some((x) => x !== 0);
  // One extra point at the horizon's end so that step lines draw the last slot.
  for (let t = 0; t <= T; t++) {
    const k = Math.min(t, T - 1);
    const time = start + t * slotMs;
    const pvUsed = pv[k] - (response.site.curtailedPvKw[k] ?? 0);
    stack.push({ time, part: "base load", kW: base[k], order: 0 });
    stack.push({ time, part: "EV charging", kW: charge[k], order: 1 });
    stack.push({ time, part: "PV", kW: -pvUsed, order: 2 });
    stack.push({ time, part: "EV discharging", kW: -discharge[k], order: 3 });
    site.push({ time, series: "net site import", kW: response.site.netImportKw[k] ?? 0 });
    site.push({ time, series: "import limit", kW: importLimit[k] });
    if (hasExport) site.push({ time, series: "export limit", kW: -exportLimit[k] });
    prices.push({ time, series: "import price", price: importPrice[k] });
    if (hasExportPrice) prices.push({ time, series: "export price", price: exportPrice[k] });
  }

  const x = {
    field: "time",
    type: "temporal" as const,
    scale: { type: "utc" as const },
    title: `time (UTC), ${request.horizon.slotMinutes}-min slots`,
  };
  const siteSeries = ["net site import", "import limit", ...(hasExport ? ["export limit"] : [])];
  const priceSeries = ["import price", ...(hasExportPrice ? ["export price"] : [])];
  const cost = response.cost;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Schedule: strategy ${response.strategy}, status ${response.status}`,
      subtitle: `${response.sessions.length} sessions · total cost ${cost.total.toFixed(2)} (energy ${cost.energy.toFixed(2)}, demand ${cost.demand.toFixed(2)}, degradation ${cost.degradation.toFixed(2)}, shortfall ${cost.shortfall.toFixed(2)}) · peak import ${response.peakImportKw.toFixed(1)} kW`,
    },
    config: { font: CHART_FONT, view: { stroke: null }, axis: { gridColor: "#e6e6e6" }, title: { anchor: "start" } },
    width: SCHEDULE_CHART_WIDTH,
    height: SCHEDULE_CHART_HEIGHT,
    layer: [
      {
        layer: [
          {
            data: { values: stack },
            mark: { type: "area", interpolate: "step-after", opacity: 0.85 },
            encoding: {
              x,
              y: { field: "kW", type: "quantitative", stack: "zero", title: "kW (+ drawn, − supplied on site)" },
              color: {
                field: "part",
                type: "nominal",
                title: "power",
                scale: { domain: [...PARTS], range: PART_COLORS },
                legend: { orient: "right" },
              },
              order: { field: "order", type: "quantitative" },
            },
          },
          {
            data: { values: site },
            mark: { type: "line", interpolate: "step-after" },
            encoding: {
              x,
              y: { field: "kW", type: "quantitative" },
              stroke: {
                field: "series",
                type: "nominal",
                title: "site",
                scale: { domain: siteSeries, range: ["#000000", "#d62728", "#9467bd"] },
                legend: { orient: "right" },
              },
              strokeDash: {
                field: "series",
                type: "nominal",
                title: "site",
                scale: {
                  domain: siteSeries,
                  range: [
                    [1, 0],
                    [6, 4],
                    [2, 3],
                  ],
                },
              },
              strokeWidth: { value: 1.5 },
            },
          },
        ],
      },
      {
        data: { values: prices },
        mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
        encoding: {
          x,
          y: {
            field: "price",
            type: "quantitative",
            title: "price per kWh",
            axis: { orient: "right", titleColor: "#ff7f0e" },
            scale: { zero: false },
          },
          color: {
            field: "series",
            type: "nominal",
            title: "price",
            scale: { domain: priceSeries, range: ["#ff7f0e", "#8c564b"] },
            legend: { orient: "right" },
          },
          strokeDash: { value: [2, 2] },
        },
      },
    ],
    resolve: { scale: { y: "independent", color: "independent" } },
  } as TopLevelSpec;
}

/**
 * Render one result as an SVG document: stacked base load, EV charging, PV
 * and V2G discharging; the net site import against its limits; the price on
 * a second axis. Pure: same inputs, same SVG.
 */
export function renderScheduleChart(request: Request, response: Response): string {
  return renderVegaLiteSvg(scheduleChartSpec(request, response));
}
