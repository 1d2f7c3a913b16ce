/**
 * `npm run bundle` (part of `npm run build`): bundles the CLI's engine path
 * into one CommonJS file, dist/service/cli/bundle/main.cjs, with esbuild,
 * and writes V8's code cache for it (service/cli/bundle-loader.ts runs it).
 * `wattplan solve` then reads two files instead of ~130 ES modules (zod
 * alone is 95) and compiles almost nothing: loading and compiling modules
 * was most of a small solve's process time (bench/RESULTS.md §9).
 *
 * - `solve`, `validate`, `strategies`, the `--ocpp` output and zod are in
 *   the bundle.
 * - The other commands (serve, worker, keys, demo, simulate, replay) and
 *   `--chart` (vega and resvg, native) stay the modules tsc writes, loaded
 *   through service/cli/lazy.ts: they start services that run for minutes,
 *   or render an image, where loading time does not matter.
 * - Modules whose identity matters across that boundary (the error classes
 *   that main's `instanceof` sorts into exit codes) and lazy.ts are never
 *   copied into the bundle: the bundle requires tsc's one file, which the
 *   loader has imported (`SHARED_MODULES`).
 * - Packages other than zod stay in node_modules.
 * - zod's `z.locales` (error messages in 40 languages, 45 % of zod) is left
 *   out: nothing here calls `z.config(z.locales.xx())`, and the English
 *   messages it always uses are imported by zod apart from it.
 * - Every module imports zod as `import * as z from "zod"` (a lint rule
 *   says so): the `{ z }` export is zod's namespace object, which makes
 *   esbuild keep and initialise all of zod; through the namespace import it
 *   keeps what the engine path uses (the bundle went from 362 to 219 KB).
 *
 * bin/wattplan.js runs the bundle when it is newer than tsc's main.js, and
 * tsc's output otherwise (a stale bundle is never run).
 */
import { build, type Plugin } from "esbuild";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SHARED_MODULES } from "./bundle-loader.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLE_DIR = join(ROOT, "dist", "service", "cli", "bundle");
/** Where service/cli/bundle-loader.ts (from dist/) looks for it. */
const BUNDLE_FILE = join(BUNDLE_DIR, "main.cjs");
/** The request whose solve the code cache is written after (what a first solve compiles). */
const WARM_UP_REQUEST = join(ROOT, "examples", "workplace.json");

/** Sources (relative to the root) of the modules the bundle requires from tsc's output. */
const SHARED = new Set(SHARED_MODULES.map((file) => file.replace(/\.js$/, ".ts")));
/** The only package copied into the bundle. */
const BUNDLED_PACKAGES = new Set(["zod"]);

/** `dist/…/x.js`, the file tsc writes for source file `x.ts`, as a require specifier relative to the bundle. */
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
        if (BUNDLED_PACKAGES.has(name)) return undefined;
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        // A package the bundle would `require`: an ES-only one fails on Node 20, and it would load at start.
        return { errors: [{ text: `${args.path}: load packages other than zod through service/cli/lazy.ts` }] };
      }
      const source = relative(ROOT, join(dirname(args.importer), args.path.replace(/\.js$/, ".ts")))
        .split(sep)
        .join("/");
      if (SHARED.has(source)) return { path: compiledSpecifier(source), external: true };
      return undefined;
    });
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export {};", loader: "js" }));
  },
};

export async function bundleCli(): Promise<void> {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: ["service/cli/main.ts"],
    outfile: BUNDLE_FILE,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // Whitespace and syntax only: names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [boundary],
    // engine/paths.ts finds the package root from its own URL; in the bundle that is the bundle's.
    define: { "import.meta.url": "__bundleUrl" },
    banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  // In a plain `node` process, as the CLI runs: V8 rejects a cache written under other flags.
  const loader = join(ROOT, "dist", "service", "cli", "bundle-loader.js");
  const run = spawnSync(process.execPath, [loader, "--write-code-cache", WARM_UP_REQUEST], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (run.status !== 0) throw new Error(`writing the CLI bundle's code cache failed (exit ${run.status ?? run.signal})`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await bundleCli();
