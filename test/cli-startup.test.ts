/**
 * `wattplan solve` loads only what solving needs (issue 15 part 5): the
 * service, the simulator, charts and OCPP are imported by the commands and
 * flags that use them. A module hook lists every module the CLI process
 * loads; bench/startup.ts measures the time this saves.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "wattplan.js");

// Registered with --import: reports each loaded module's URL on stderr.
const HOOK = `data:text/javascript,${encodeURIComponent(
  `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent("export async function load(url, context, next) { process.stderr.write('loaded ' + url + '\\\\n'); return next(url, context); }"));`,
)}`;

/** The modules a CLI run loaded: package names, and this repo's files relative to dist/. */
function loadedBy(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", HOOK, BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const urls = r.stderr.split("\n").flatMap((line) => (line.startsWith("loaded ") ? [line.slice(7)] : []));
  const packages = new Set(urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []));
  const own = urls.flatMap((u) => /\/dist\/(.*)$/.exec(u)?.[1] ?? []);
  return { packages: [...packages].sort(), own, stdout: r.stdout };
}

describe("wattplan solve start-up", () => {
  it("loads the engine and zod only", () => {
    const run = loadedBy(["solve", "examples/workplace.json", "--compact"]);
    expect((JSON.parse(run.stdout) as { strategy: string }).strategy).toBe("optimal");
    expect(run.packages).toEqual(["zod"]);
    expect(run.own.filter((f) => f.startsWith("service/") && !f.startsWith("service/cli/"))).toEqual(["service/ocpp/options.js"]);
    expect(run.own).toContain("engine/scheduler/solve.js");
  });

  it("loads OCPP with --ocpp, and still no service", () => {
    const run = loadedBy(["solve", "examples/workplace.json", "--compact", "--ocpp", "2.0.1"]);
    expect((JSON.parse(run.stdout) as { ocpp: unknown[] }).ocpp.length).toBeGreaterThan(0);
    expect(run.own).toContain("service/ocpp/index.js");
    expect(run.packages).toEqual(["zod"]);
  });

  it("prints the service commands' help without loading the service", () => {
    const help = loadedBy(["help"]);
    expect(help.stdout).toMatch(/keys create --tenant NAME/);
    expect(help.packages).toEqual(["zod"]);
  });
});
