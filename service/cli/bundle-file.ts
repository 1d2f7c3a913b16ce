/**
 * `npm run bundle` (part of `npm run build`): bundles the CLI's engine path
 * into dist/service/cli/bundle/ with esbuild, so that `wattplan solve`
 * reads a few files instead of ~130 ES modules (zod alone is 95). Loading
 * modules was most of a small solve's process time (bench/RESULTS.md §9).
 *
 * - `solve`, `validate`, `strategies` and zod are in the entry file; the
 *   `--ocpp` and `--chart` paths are split into chunks loaded on use, so
 *   they share its zod.
 * - The other commands (serve, worker, keys, demo, simulate, replay) stay
 *   the modules tsc writes, imported by path from the bundle: they start
 *   services that run for minutes, where loading time does not matter.
 * - Modules whose identity matters across that boundary (the error classes
 *   that main's `instanceof` sorts into exit codes) are never copied into
 *   the bundle: both sides import tsc's one file.
 * - Packages other than zod stay in node_modules (vega and resvg, native,
 *   are only reached through `--chart`).
 * - zod's `z.locales` (error messages in 40 languages, 45 % of the bundle)
 *   is left out: nothing here calls `z.config(z.locales.xx())`, and the
 *   English messages it always uses are imported by zod apart from it.
 *
 * bin/wattplan.js runs the bundle when it is newer than tsc's main.js, and
 * tsc's output otherwise (a stale bundle is never run).
 */
import { build, type Plugin } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BUNDLE_DIR = join(ROOT, "dist", "service", "cli", "bundle");

/** Modules with identity: imported from tsc's output, never copied. */
const SHARED = new Set(["engine/errors.ts", "service/cli/io.ts"]);
/** Lazily loaded modules that belong to the engine path and go into chunks. */
const CHUNKED = new Set(["service/cli/ocpp-output.ts", "service/charts/chart-file.ts"]);
/** The only package copied into the bundle. */
const BUNDLED_PACKAGES = new Set(["zod"]);

/** `dist/…/x.js`, the file tsc writes for source file `x.ts`, as an import specifier relative to the bundle. */
function compiledSpecifier(source: string): string {
  const compiled = join(ROOT, "dist", source.replace(/\.ts$/, ".js"));
  return relative(BUNDLE_DIR, compiled).split(sep).join("/");
}

const boundary: Plugin = {
  name: "wattplan-cli-boundary",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      if (!args.path.startsWith(".")) {
        const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
        return BUNDLED_PACKAGES.has(name) ? undefined : { path: args.path, external: true };
      }
      const source = relative(ROOT, join(dirname(args.importer), args.path.replace(/\.js$/, ".ts")))
        .split(sep)
        .join("/");
      if (SHARED.has(source)) return { path: compiledSpecifier(source), external: true };
      if (args.kind === "dynamic-import" && !CHUNKED.has(source)) return { path: compiledSpecifier(source), external: true };
      return undefined;
    });
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export {};", loader: "js" }));
  },
};

export async function bundleCli(): Promise<void> {
  // Chunk names carry a content hash: clear the old ones.
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { main: "service/cli/main.ts" },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Whitespace and syntax only: names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [boundary],
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await bundleCli();
