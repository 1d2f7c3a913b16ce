/**
 * `wattplan solve` loads only what solving needs (issue 15 part 5): the
 * esbuild bundle of the engine path (service/cli/bundle-file.ts), and the
 * service, the simulator, charts and OCPP only in the commands and flags
 * that use them. A module hook lists every module the CLI process loads;
 * bench/startup.ts measures the time this saves.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "wattplan.js");

// Registered with --import: reports each loaded module's URL on stderr, those imported (the loader
// hook) and those required (bin/wattplan.js is CommonJS and requires ES modules, past the hook).
const HOOK = `data:text/javascript,${encodeURIComponent(
  `import Module, { register } from "node:module";
register("data:text/javascript," + encodeURIComponent("export async function load(url, context, next) { process.stderr.write('loaded ' + url + '\\\\n'); return next(url, context); }"));
const load = Module.prototype.load;
Module.prototype.load = function (file) { process.stderr.write("loaded file://" + file + "\\n"); return load.call(this, file); };`,
)}`;

/** The modules a CLI run loaded: package names, and this repo's files relative to dist/. */
function loadedBy(args: string[], bin = BIN, status = 0) {
  const r = spawnSync(process.execPath, ["--import", HOOK, bin, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(status);
  const urls = r.stderr.split("\n").flatMap((line) => (line.startsWith("loaded ") ? [line.slice(7)] : []));
  const packages = new Set(urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []));
  const own = urls.flatMap((u) => /\/dist\/(.*)$/.exec(u)?.[1] ?? []);
  return { packages: [...packages].sort(), own, stdout: r.stdout, stderr: r.stderr };
}

/** tsc's modules a bundled run loads: the loader, and those the bundle requires rather than copies (bundle-loader.ts). */
const BESIDE_BUNDLE = ["service/cli/bundle-loader.js", "engine/errors.js", "service/cli/io.js", "service/cli/lazy.js"];
const outsideBundle = (own: string[]) => own.filter((f) => !BESIDE_BUNDLE.includes(f));

/** The code cache's state when `dir`'s bundle loads in a plain node process. */
function cacheStateIn(dir: string): string {
  const loader = join(dir, "dist/service/cli/bundle-loader.js");
  const r = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", `const m = await import(${JSON.stringify(loader)}); process.stdout.write(m.loadCliBundle().cacheState);`],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** A copy of the built package, so that changing its bundle cannot disturb the other tests. */
function withPackageCopy(test: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "wattplan-copy-"));
  try {
    for (const part of ["bin", "dist", "build", "examples", "package.json"])
      cpSync(join(ROOT, part), join(dir, part), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("wattplan solve start-up", () => {
  it("loads the bundle only: no package from node_modules, no other module of tsc's", () => {
    const run = loadedBy(["solve", "examples/workplace.json", "--compact"]);
    expect((JSON.parse(run.stdout) as { strategy: string }).strategy).toBe("optimal");
    expect(run.packages).toEqual([]);
    expect(run.own).toContain("service/cli/bundle-loader.js");
    expect(outsideBundle(run.own)).toEqual([]);
  });

  it("runs the bundle from the code cache that the build wrote", () => {
    expect(cacheStateIn(ROOT)).toBe("accepted");
  });

  it("compiles the bundle from source when V8 rejects the cache, with the same answer", () => {
    const expected = loadedBy(["solve", "examples/workplace.json", "--compact"]).stdout;
    withPackageCopy((dir) => {
      // What a cache written by another V8 version looks like to this one: bytes it cannot check.
      writeFileSync(join(dir, "dist/service/cli/bundle/main.cjs.cache"), Buffer.alloc(4096, 7));
      expect(cacheStateIn(dir)).toBe("rejected");
      const run = loadedBy(["solve", "examples/workplace.json", "--compact"], join(dir, "bin/wattplan.js"));
      const strip = (text: string) => text.replace(/"solveMs":[0-9.e+-]+/, "");
      expect(strip(run.stdout)).toBe(strip(expected));
      expect(outsideBundle(run.own)).toEqual([]);
    });
  });

  it("runs --ocpp from the bundle, and still loads no package", () => {
    const run = loadedBy(["solve", "examples/workplace.json", "--compact", "--ocpp", "2.0.1"]);
    expect((JSON.parse(run.stdout) as { ocpp: unknown[] }).ocpp.length).toBeGreaterThan(0);
    expect(outsideBundle(run.own)).toEqual([]);
    expect(run.packages).toEqual([]);
  });

  it("prints the service commands' help without loading the service", () => {
    const help = loadedBy(["help"]);
    expect(help.stdout).toMatch(/keys create --tenant NAME/);
    expect(help.packages).toEqual([]);
  });

  it("runs the other commands from tsc's modules, with one error class on both sides (exit 2, not 1)", () => {
    const run = loadedBy(["simulate", "--no-such-flag"], BIN, 2);
    expect(run.own).toContain("service/cli/simulate-command.js");
    expect(run.stderr).toMatch(/^wattplan simulate: .*no-such-flag/m);
    expect(run.stderr).not.toMatch(/internal error/);
  });

  it("never runs a bundle older than tsc's output", () => {
    withPackageCopy((dir) => {
      const aged = new Date(Date.now() - 3_600_000);
      utimesSync(join(dir, "dist/service/cli/bundle/main.cjs"), aged, aged);
      const run = loadedBy(["solve", "examples/workplace.json", "--compact"], join(dir, "bin/wattplan.js"));
      expect((JSON.parse(run.stdout) as { strategy: string }).strategy).toBe("optimal");
      expect(run.own).toContain("service/cli/main.js");
      expect(run.own).not.toContain("service/cli/bundle-loader.js");
      expect(run.packages).toEqual(["zod"]);
    });
  });
});
