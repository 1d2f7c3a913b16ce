/**
 * Runs the CLI's CommonJS bundle (service/cli/bundle-file.ts writes it) with
 * V8's code cache: the bytecode of the bundle's functions as a first run
 * compiled them, written once by `npm run bundle`. Parsing and compiling
 * the bundle's ~330 KB of JavaScript (zod is most of it) was the largest
 * part of a small solve's process time after Node's own start
 * (bench/RESULTS.md §9). Node 20 has no code cache for ES modules
 * (`module.enableCompileCache` is Node 22), only for `vm.Script`, hence a
 * CommonJS bundle run as a script.
 *
 * The cache is an optimisation, never a dependency: V8 rejects a cache
 * written by another V8 version or with other flags, and then compiles the
 * source as usual. `cacheState` says which happened.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const BUNDLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "bundle");
export const BUNDLE_FILE = join(BUNDLE_DIR, "main.cjs");
export const CODE_CACHE_FILE = join(BUNDLE_DIR, "main.cjs.cache");

/**
 * tsc's modules that the bundle requires instead of copying, relative to
 * dist/: the error classes that decide exit codes (one class on both sides
 * of the bundle) and the lazily loaded modules (service/cli/lazy.ts).
 */
export const SHARED_MODULES = ["engine/errors.js", "service/cli/io.js", "service/cli/lazy.js"] as const;

export type CacheState = "accepted" | "rejected" | "absent";

export interface CliBundle {
  main: (argv: string[]) => number | Promise<number>;
  cacheState: CacheState;
  /** The code cache of everything compiled so far (for `writeCodeCache`). */
  createCachedData: () => Buffer;
}

const DIST_DIR = resolve(BUNDLE_DIR, "..", "..", "..");

/**
 * Loads the bundle, synchronously; `useCache: false` compiles it from
 * source (to write a fresh cache). bin/wattplan.js is CommonJS and
 * `require`s this module: Node's ES-module entry and loader cost ~10 ms of a
 * ~170 ms solve (bench/RESULTS.md §9), so the solve path loads no ES module
 * through it. The shared modules are ES modules too, loaded the same way
 * (`require` of an ES module, Node ≥ 20.19).
 */
export function loadCliBundle(useCache = true): CliBundle {
  const shared = new Map<string, unknown>();
  const moduleRequire = createRequire(import.meta.url);
  for (const file of SHARED_MODULES) {
    const path = join(DIST_DIR, file);
    shared.set(path, moduleRequire(path));
  }
  const nodeRequire = createRequire(BUNDLE_FILE);
  const bundleRequire = (specifier: string): unknown => {
    if (!specifier.startsWith(".")) return nodeRequire(specifier);
    const path = resolve(BUNDLE_DIR, specifier);
    if (!shared.has(path)) throw new Error(`the CLI bundle requires ${specifier}, which is not one of SHARED_MODULES`);
    return shared.get(path);
  };

  const cachedData = useCache && existsSync(CODE_CACHE_FILE) ? readFileSync(CODE_CACHE_FILE) : undefined;
  // The same wrapper as Node's own CommonJS loader, so the bundle sees the usual free variables.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE_FILE, "utf8")}\n})`;
  const script = new vm.Script(source, { filename: BUNDLE_FILE, cachedData });
  const module = { exports: {} as { main?: CliBundle["main"] } };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, bundleRequire, module, BUNDLE_FILE, BUNDLE_DIR);
  const main = module.exports.main;
  if (typeof main !== "function") throw new Error(`${BUNDLE_FILE} does not export main`);
  return {
    main,
    cacheState: cachedData === undefined ? "absent" : script.cachedDataRejected === true ? "rejected" : "accepted",
    createCachedData: () => script.createCachedData(),
  };
}

/**
 * Writes the code cache after a representative run, so that it holds the
 * functions a solve compiles and not only the top level: V8 compiles
 * functions lazily, on their first call. Run in a plain `node` process
 * (bundle-file.ts spawns it), with the flags the CLI runs with; stdout
 * (the warm-up's response) is the caller's to discard.
 */
export async function writeCodeCache(warmUpRequest: string): Promise<void> {
  const bundle = loadCliBundle(false);
  const code = await bundle.main(["solve", warmUpRequest, "--compact"]);
  if (code !== 0) throw new Error(`the warm-up solve of ${warmUpRequest} exited ${code}`);
  writeFileSync(CODE_CACHE_FILE, bundle.createCachedData());
}

if (
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === resolve(process.argv[1]) &&
  process.argv[2] === "--write-code-cache"
) {
  const request = process.argv[3];
  if (request === undefined) throw new Error("usage: bundle-loader.js --write-code-cache REQUEST.json");
  // No top-level await: bin/wattplan.js `require`s this module, and require cannot load one that awaits.
  writeCodeCache(request).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
