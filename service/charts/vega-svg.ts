/**
 * Render a Vega-Lite spec to an SVG string synchronously. Vega's own
 * `view.toSVG()` is async only because it awaits data loading; charts here
 * carry their data inline, so the dataflow runs to completion inside
 * `view.run()` and the headless SVG renderer can be driven directly. That
 * keeps chart functions pure and synchronous (the CLI commands are).
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Fonts present on most machines, DejaVu first so PNGs from resvg match the SVG. */
export const CHART_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

interface HeadlessSvgRenderer {
  initialize(el: null, width: number, height: number, origin: readonly number[], scaleFactor: number): HeadlessSvgRenderer;
  background(color: unknown): HeadlessSvgRenderer;
  render(scene: unknown): HeadlessSvgRenderer;
  svg(): string | null;
}

type SvgRendererClass = new (loader: unknown) => HeadlessSvgRenderer;

/** The fields of vega-view that its own headless renderer reads (not in the typings). */
interface ViewInternals {
  _viewWidth: number;
  _viewHeight: number;
}

/** Vega-Lite warns on stderr about spec details it resolves itself; a library must not print. */
const QUIET_LOGGER = {
  level(): number {
    return 0;
  },
  error(...args: readonly unknown[]): never {
    throw new Error(args.map(String).join(" "));
  },
  warn() {
    return QUIET_LOGGER;
  },
  info() {
    return QUIET_LOGGER;
  },
  debug() {
    return QUIET_LOGGER;
  },
};

export function renderVegaLiteSvg(spec: TopLevelSpec): string {
  const compiled = compile(spec, { logger: QUIET_LOGGER }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  view.run();
  const padding = view.padding() as { left: number; right: number; top: number; bottom: number };
  const internals = view as unknown as ViewInternals;
  const width = Math.max(0, internals._viewWidth + padding.left + padding.right);
  const height = Math.max(0, internals._viewHeight + padding.top + padding.bottom);
  const origin = view.origin();
  const Renderer = (vega as unknown as { SVGStringRenderer: SvgRendererClass }).SVGStringRenderer;
  const svg = new Renderer(view.loader())
    .initialize(null, width, height, [padding.left + origin[0], padding.top + origin[1]], 1)
    .background(view.background())
    .render((view.scenegraph() as unknown as { root: unknown }).root)
    .svg();
  view.finalize();
  if (!svg) throw new Error("vega produced no SVG (the chart needs inline data only)");
  return svg;
}
