/**
 * The `wattplan` command line, driven as a user would: `node bin/wattplan.js`
 * in a child process (after `npm run build`). Exit 0 with JSON on stdout;
 * exit 2 with the reason on stderr and nothing on stdout for bad input.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseSchema } from "../engine/model/schema.js";
import { checkSchedule, describeCheck } from "../testkit/checker/checker.js";
import { valid } from "../testkit/checker/harness.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "wattplan.js");
const WORKPLACE = join(ROOT, "examples", "workplace.json");
const PV = join(ROOT, "examples", "pv-export-limit.json");

let dir: string;

function wattplan(args: string[], stdin?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input: stdin, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The response on stdout parses, matches the schema and passes the checker against the request. */
function expectCheckedResponse(stdout: string, requestFile: string) {
  const response = ResponseSchema.parse(JSON.parse(stdout));
  const check = checkSchedule(valid(JSON.parse(readFileSync(requestFile, "utf8"))), response);
  expect(check.ok, describeCheck(check)).toBe(true);
  return response;
}

function expectNoStackTrace(text: string) {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "service", "cli", "main.js")))
    throw new Error("CLI not built: run `npm run build` first (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "wattplan-cli-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("wattplan solve", () => {
  it("prints a response that passes the checker, exit 0", () => {
    const r = wattplan(["solve", WORKPLACE, "--strategy", "edf"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const response = expectCheckedResponse(r.stdout, WORKPLACE);
    expect(response.strategy).toBe("edf");
    expect(response.sessions).toHaveLength(20);
  });

  it.each(["uncontrolled", "equalShare", "edf", "llf"])("--strategy %s runs that strategy", (strategy) => {
    const r = wattplan(["solve", PV, "--strategy", strategy, "--compact"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(expectCheckedResponse(r.stdout, PV).strategy).toBe(strategy);
  });

  it("takes -s as --strategy and the request's own strategy when none is given", () => {
    const short = wattplan(["solve", PV, "-s", "llf"]);
    expect(JSON.parse(short.stdout).strategy).toBe("llf");
    const request = { ...JSON.parse(readFileSync(PV, "utf8")), strategy: "equalShare" };
    const own = wattplan(["solve", file("own.json", JSON.stringify(request))]);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout).strategy).toBe("equalShare");
  });

  it("reads the request from stdin with -", () => {
    const r = wattplan(["solve", "-", "--strategy", "uncontrolled"], readFileSync(WORKPLACE, "utf8"));
    expect(r.code).toBe(0);
    expectCheckedResponse(r.stdout, WORKPLACE);
  });

  it("--strategy optimal solves with a proven bound", () => {
    const r = wattplan(["solve", PV, "--strategy", "optimal"]);
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(0);
    const response = expectCheckedResponse(r.stdout, PV);
    expect(response.strategy).toBe("optimal");
    expect(response.status).toBe("optimal");
    expect(response.solver.bound).toBeLessThanOrEqual(response.cost.total);
  });

  it("an unknown strategy exits 2 naming the known ones", () => {
    const r = wattplan(["solve", PV, "--strategy", "greedy"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/unknown strategy "greedy".*uncontrolled/);
  });

  it("an invalid request exits 2 with every problem on stderr and nothing on stdout", () => {
    const request = JSON.parse(readFileSync(PV, "utf8"));
    request.horizon.slots = 5000;
    request.sessions[1].chargeEfficiency = 1.5;
    const r = wattplan(["solve", file("invalid.json", JSON.stringify(request)), "--strategy", "edf"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/horizon\.slots: horizon too long/);
    expect(r.stderr).toMatch(/sessions\[1\]\.chargeEfficiency: must be in \(0, 1\]/);
    expectNoStackTrace(r.stderr);
  });

  it("a number too large for a double (1e999) is reported, not solved", () => {
    const text = readFileSync(PV, "utf8").replace('"importLimitKw": 80', '"importLimitKw": 1e999');
    expect(text).toContain("1e999");
    const r = wattplan(["solve", "-", "--strategy", "edf"], text);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/site\.importLimitKw: must be a finite number/);
  });

  it("invalid JSON exits 2", () => {
    const r = wattplan(["solve", file("broken.json", '{"horizon": {'), "--strategy", "edf"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/invalid JSON/);
    expectNoStackTrace(r.stderr);
  });

  it("a missing file exits 2", () => {
    const r = wattplan(["solve", join(dir, "nope.json")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/nope\.json: no such file/);
  });

  it("no input, or two, is a usage error", () => {
    for (const args of [["solve"], ["solve", PV, WORKPLACE]]) {
      const r = wattplan(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/one input/);
    }
  });

  it("an unknown option is a usage error", () => {
    const r = wattplan(["solve", PV, "--fast"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/--fast/);
  });
});

describe("wattplan validate", () => {
  it("exits 0 on a valid request", () => {
    const r = wattplan(["validate", WORKPLACE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid: 20 sessions, 48 slots of 15 min, 3 circuits/);
  });

  it("exits 2 with the problems on stderr, from a file or stdin", () => {
    const r = wattplan(["validate", "-"], JSON.stringify({ horizon: { start: "now", slotMinutes: 15, slots: 4 } }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/horizon\.start: must be an RFC 3339 timestamp/);
    expect(r.stderr).toMatch(/site: required/);
    expect(r.stderr).toMatch(/sessions: required/);
  });
});

describe("wattplan, other commands", () => {
  it("strategies lists every strategy", () => {
    const r = wattplan(["strategies"]);
    expect(r.code).toBe(0);
    for (const s of ["optimal", "uncontrolled", "equalShare", "edf", "llf"]) expect(r.stdout).toMatch(new RegExp(`^${s}\\b`, "m"));
  });

  it("no command prints the usage and exits 2; --help exits 0", () => {
    const none = wattplan([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toMatch(/Usage: wattplan/);
    const help = wattplan(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: wattplan/);
  });

  it("an unknown command exits 2", () => {
    const r = wattplan(["optimise", PV]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/unknown command "optimise"/);
  });
});
