/**
 * The replay's plots, as Vega-Lite specs rendered to SVG (and PNG through
 * resvg): the site's load over one day per strategy with the price, energy
 * delivered against site capacity, and solver time per step.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import type { TopLevelSpec } from "vega-lite";
import { CHART_FONT, renderVegaLiteSvg } from "../charts/vega-svg.js";
import type { StrategyMetrics } from "./metrics.js";
import type { RunResult, SiteGrid } from "./simulator.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, localParts, zonedTime } from "./time.js";

const CONFIG = {
  font: CHART_FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const },
};

/** Strategy colours, the same in every plot. */
const STRATEGY_ORDER = ["uncontrolled", "equalShare", "edf", "llf", "optimal", "offline", "optimal+forecast"];
const STRATEGY_COLORS = ["#8c8c8c", "#e6a117", "#1f77b4", "#2ca02c", "#d62728", "#6a3d9a", "#ff7f0e"];

function strategyColor(strategies: string[]) {
  const domain = [...strategies].sort((a, b) => STRATEGY_ORDER.indexOf(a) - STRATEGY_ORDER.indexOf(b));
  const range = domain.map((s) => STRATEGY_COLORS[STRATEGY_ORDER.indexOf(s)] ?? "#17becf");
  return { domain, range };
}

/** Label of a strategy in plots and tables: the online optimum is MPC. */
export function strategyLabel(strategy: string): string {
  return strategy === "optimal"
    ? "optimal (MPC)"
    : strategy === "offline"
      ? "offline (bound)"
      : strategy === "optimal+forecast"
        ? "optimal + forecast (MPC)"
        : strategy;
}

export interface PlotFiles {
  svg: string;
  png?: string;
}

export function writePlot(dir: string, name: string, spec: TopLevelSpec, png = true): PlotFiles {
  const svg = renderVegaLiteSvg(spec);
  const svgPath = join(dir, `${name}.svg`);
  writeFileSync(svgPath, svg);
  if (!png) return { svg: svgPath };
  const image = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
  const pngPath = join(dir, `${name}.png`);
  writeFileSync(pngPath, image);
  return { svg: svgPath, png: pngPath };
}

/** The local day (start slot) with the most energy asked for by EVs arriving that day. */
export function busiestDay(grid: SiteGrid, arrivals: { arrivalMs: number; requestedKwh: number }[]): string {
  const byDay = new Map<string, number>();
  for (const s of arrivals) {
    if (s.arrivalMs < grid.startMs) continue;
    const p = localParts(s.arrivalMs, grid.timeZone);
    const key = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
    byDay.set(key, (byDay.get(key) ?? 0) + s.requestedKwh);
  }
  let best = "";
  let most = -1;
  for (const [day, kwh] of byDay)
    if (kwh > most) {
      best = day;
      most = kwh;
    }
  return best;
}

/** Slots [first, end) of a local calendar day within the grid. */
export function daySlots(grid: SiteGrid, day: string): [number, number] {
  const [y, m, d] = day.split("-").map(Number);
  const slotMs = grid.slotMinutes * MINUTE_MS;
  const from = zonedTime(y, m, d, 0, 0, grid.timeZone);
  const next = new Date(Date.UTC(y, m - 1, d) + DAY_MS);
  const to = zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, grid.timeZone);
  const first = Math.max(0, Math.round((from - grid.startMs) / slotMs));
  const end = Math.min(grid.slots, Math.round((to - grid.startMs) / slotMs));
  return [first, Math.max(first, end)];
}

/** Site load over one day, one panel per strategy: stacked sources and uses, net import, capacity, price. */
export function siteLoadDaySpec(grid: SiteGrid, runs: RunResult[], day: string, capacityKw: number, currency = "$"): TopLevelSpec {
  const [first, end] = daySlots(grid, day);
  const slotMs = grid.slotMinutes * MINUTE_MS;
  const dayStart = grid.startMs + first * slotMs;
  const hourOf = (k: number) => (grid.startMs + k * slotMs - dayStart) / HOUR_MS;
  const allParts = ["base load", "EV charging", "site battery charging", "PV", "EV discharging (V2G)", "site battery discharging"];
  const allColors = ["#b0b0b0", "#1f77b4", "#9467bd", "#f2c21b", "#2ca02c", "#c5b0d5"];
  let lo = 0;
  let hi = capacityKw;
  const panels = runs.map((run) => {
    const stack: { hour: number; part: string; kW: number; order: number }[] = [];
    const lines: { hour: number; kW: number }[] = [];
    const prices: { hour: number; price: number }[] = [];
    for (let k = first; k < end; k++) {
      const h = hourOf(k);
      const pvUsed = grid.pvKw[k] - run.curtailedPvKw[k];
      stack.push({ hour: h, part: "base load", kW: grid.baseLoadKw[k], order: 0 });
      stack.push({ hour: h, part: "EV charging", kW: run.evChargeKw[k], order: 1 });
      const battery = run.storagePowerKw[k];
      stack.push({ hour: h, part: "site battery charging", kW: Math.max(0, battery), order: 2 });
      stack.push({ hour: h, part: "PV", kW: -pvUsed, order: 3 });
      stack.push({ hour: h, part: "EV discharging (V2G)", kW: -run.evDischargeKw[k], order: 4 });
      stack.push({ hour: h, part: "site battery discharging", kW: Math.min(0, battery), order: 5 });
      lines.push({ hour: h, kW: run.netImportKw[k] });
      prices.push({ hour: h, price: grid.importPrice[k] });
      hi = Math.max(hi, grid.baseLoadKw[k] + run.evChargeKw[k] + Math.max(0, battery), run.netImportKw[k]);
      lo = Math.min(lo, -pvUsed - run.evDischargeKw[k] + Math.min(0, battery), run.netImportKw[k]);
    }
    return { run, stack, lines, prices };
  });
  // Only the parts that occur: a legend of empty series reads as missing data.
  const used = allParts.map((part) => panels.some((p) => p.stack.some((r) => r.part === part && Math.abs(r.kW) > 1e-9)));
  const parts = allParts.filter((_, i) => used[i]);
  const colors = allColors.filter((_, i) => used[i]);
  for (const p of panels) p.stack = p.stack.filter((r) => parts.includes(r.part));
  const hours = ((end - first) * grid.slotMinutes) / 60;
  const x = {
    field: "hour",
    type: "quantitative" as const,
    title: `hour of ${day} (${grid.timeZone})`,
    scale: { domain: [0, hours], nice: false },
    axis: { tickCount: 12 },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Site load on ${day}, by strategy (capacity ${capacityKw} kW)`,
      subtitle: [
        "stacked: what the site draws (+) and its own sources (−)",
        "black: net import · red dashed: capacity · orange dotted: import price (right axis)",
      ],
    },
    config: CONFIG,
    vconcat: panels.map(({ run, stack, lines, prices }) => ({
      title: { text: strategyLabel(run.strategy), fontSize: 12 },
      width: 640,
      height: 130,
      layer: [
        {
          layer: [
            {
              data: { values: stack },
              mark: { type: "area", interpolate: "step-after", opacity: 0.85 },
              encoding: {
                x,
                y: {
                  field: "kW",
                  type: "quantitative",
                  stack: "zero",
                  title: "kW",
                  scale: { domain: [Math.floor(lo), Math.ceil(hi * 1.05)] },
                },
                color: {
                  field: "part",
                  type: "nominal",
                  title: null,
                  scale: { domain: parts, range: colors },
                  legend: { orient: "bottom", labelLimit: 300 },
                },
                order: { field: "order", type: "quantitative" },
              },
            },
            {
              data: { values: lines },
              mark: { type: "line", interpolate: "step-after", color: "black", strokeWidth: 1.2 },
              encoding: { x, y: { field: "kW", type: "quantitative" } },
            },
            {
              data: { values: [{ kW: capacityKw }] },
              mark: { type: "rule", color: "#d62728", strokeDash: [5, 4] },
              encoding: { y: { field: "kW", type: "quantitative" } },
            },
          ],
        },
        {
          data: { values: prices },
          mark: { type: "line", interpolate: "step-after", color: "#ff7f0e", strokeWidth: 1.5, strokeDash: [2, 2] },
          encoding: {
            x,
            y: {
              field: "price",
              type: "quantitative",
              title: `price (${currency}/kWh)`,
              axis: { orient: "right", titleColor: "#ff7f0e" },
              scale: { zero: false },
            },
          },
        },
      ],
      resolve: { scale: { y: "independent" } },
    })),
  } as TopLevelSpec;
}

/** Share of requested energy delivered against the site's capacity, one line per strategy. */
export function energyVsCapacitySpec(entries: StrategyMetrics[]): TopLevelSpec {
  const values = entries.map((m) => ({
    strategy: strategyLabel(m.strategy),
    key: m.strategy,
    capacityKw: m.capacityKw,
    delivered: 100 * m.energyDeliveredShare,
  }));
  const strategies = [...new Set(entries.map((m) => m.strategy))];
  const { domain, range } = strategyColor(strategies);
  const color = { field: "strategy", type: "nominal" as const, title: "strategy", scale: { domain: domain.map(strategyLabel), range } };
  // Dashes tell apart lines that coincide (uncontrolled and equalShare often do).
  const dash = {
    field: "strategy",
    type: "nominal" as const,
    title: "strategy",
    scale: { domain: domain.map(strategyLabel), range: domain.map((_, i) => (i % 3 === 0 ? [1, 0] : i % 3 === 1 ? [6, 3] : [2, 2])) },
  };
  const capacities = new Set(entries.map((m) => m.capacityKw));
  if (capacities.size <= 1) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Energy delivered, by strategy", subtitle: `share of the energy requested, capacity ${[...capacities][0]} kW` },
      config: CONFIG,
      width: 520,
      height: 28 * strategies.length,
      data: { values },
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            y: { field: "strategy", type: "nominal", sort: domain.map(strategyLabel), title: null },
            x: { field: "delivered", type: "quantitative", title: "energy delivered (% of requested)", scale: { zero: false } },
            color: { ...color, legend: null },
          },
        },
        {
          mark: { type: "text", align: "left", dx: 3 },
          encoding: {
            y: { field: "strategy", type: "nominal", sort: domain.map(strategyLabel) },
            x: { field: "delivered", type: "quantitative" },
            text: { field: "delivered", type: "quantitative", format: ".2f" },
          },
        },
      ],
    } as TopLevelSpec;
  }
  const x = { field: "capacityKw", type: "quantitative" as const, title: "site (transformer) capacity, kW" };
  const all = {
    title: { text: "all capacities", fontSize: 12 },
    width: 420,
    height: 320,
    data: { values },
    layer: [
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x,
          y: { field: "delivered", type: "quantitative", title: "energy delivered (% of requested)", scale: { zero: false } },
          color,
          strokeDash: dash,
        },
      },
      {
        mark: { type: "point", filled: true, size: 30 },
        encoding: {
          x,
          y: { field: "delivered", type: "quantitative" },
          color,
          tooltip: [{ field: "strategy" }, { field: "capacityKw" }, { field: "delivered", format: ".2f" }],
        },
      },
    ],
  };
  // Beside it, what each strategy leaves on the table against the best (the offline bound when run), where it differs.
  const best = new Map<number, number>();
  for (const v of values) best.set(v.capacityKw, Math.max(best.get(v.capacityKw) ?? 0, v.delivered));
  const gaps = values.map((v) => ({ ...v, gap: best.get(v.capacityKw)! - v.delivered }));
  const differing = gaps.filter((g) => g.gap > 0.005).map((g) => g.capacityKw);
  const upTo = differing.length > 0 ? Math.max(...differing) : Math.max(...values.map((v) => v.capacityKw));
  const gapPanel = {
    title: { text: `short of the best strategy, up to ${upTo} kW`, fontSize: 12 },
    width: 360,
    height: 320,
    data: { values: gaps.filter((g) => g.capacityKw <= upTo) },
    layer: [
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y: { field: "gap", type: "quantitative", title: "percentage points below the best" }, color, strokeDash: dash },
      },
      { mark: { type: "point", filled: true, size: 30 }, encoding: { x, y: { field: "gap", type: "quantitative" }, color } },
    ],
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Energy delivered vs site capacity",
      subtitle: "share of the energy requested that each strategy delivered, replaying every session at each capacity",
    },
    config: CONFIG,
    hconcat: [all, gapPanel],
  } as TopLevelSpec;
}

/** Solver wall time per step: hourly median over the replay, and against the number of EVs plugged in. */
export function solveTimeSpec(grid: SiteGrid, runs: RunResult[]): TopLevelSpec {
  const slotMs = grid.slotMinutes * MINUTE_MS;
  const perHour: { strategy: string; time: number; ms: number }[] = [];
  const perCount: { strategy: string; evs: number; ms: number }[] = [];
  for (const run of runs) {
    const hours = new Map<number, number[]>();
    const counts = new Map<number, number[]>();
    for (let k = 0; k < grid.slots; k++) {
      const ms = run.solveMs[k];
      if (!Number.isFinite(ms)) continue;
      const t = grid.startMs + k * slotMs;
      const p = localParts(t, grid.timeZone);
      // Wall-clock time written as UTC, so the axis shows local hours whatever the machine's zone.
      const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour);
      (hours.get(wall) ?? hours.set(wall, []).get(wall)!).push(ms);
      // Offline solves whole blocks: the EVs plugged in at the block's first slot say nothing of its size.
      if (run.strategy === "offline") continue;
      const n = run.pluggedIn[k];
      (counts.get(n) ?? counts.set(n, []).get(n)!).push(ms);
    }
    const median = (xs: number[]) => {
      xs.sort((a, b) => a - b);
      return xs[xs.length >> 1];
    };
    for (const [time, xs] of hours) perHour.push({ strategy: strategyLabel(run.strategy), time, ms: Math.max(1e-4, median(xs)) });
    for (const [evs, xs] of counts) perCount.push({ strategy: strategyLabel(run.strategy), evs, ms: Math.max(1e-4, median(xs)) });
  }
  const { domain, range } = strategyColor(runs.map((r) => r.strategy));
  const color = { field: "strategy", type: "nominal" as const, title: "strategy", scale: { domain: domain.map(strategyLabel), range } };
  const y = { field: "ms", type: "quantitative" as const, scale: { type: "log" as const }, title: "solve time, ms (median)" };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Solve time per step",
      subtitle: "one solve per re-planning step (online: every slot with an EV plugged in; offline: one per block)",
    },
    config: CONFIG,
    vconcat: [
      {
        width: 640,
        height: 200,
        title: { text: "over the replay (hourly median)", fontSize: 12 },
        data: { values: perHour },
        mark: { type: "line", strokeWidth: 1, point: { size: 8 } },
        encoding: { x: { field: "time", type: "temporal", scale: { type: "utc" }, title: `local time (${grid.timeZone})` }, y, color },
      },
      {
        width: 640,
        height: 200,
        title: { text: "against the EVs plugged in (median per count)", fontSize: 12 },
        data: { values: perCount },
        mark: { type: "line", strokeWidth: 1.5, point: { size: 12 } },
        encoding: { x: { field: "evs", type: "quantitative", title: "EVs plugged in" }, y, color },
      },
    ],
  } as TopLevelSpec;
}
