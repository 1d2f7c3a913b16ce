import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { schemaValidator } from "./ocpp-helpers.js";

// The built CLI (npm test builds first), as a user runs it.
const BIN = fileURLToPath(new URL("../bin/wattplan.js", import.meta.url));
const DEPOT = fileURLToPath(new URL("../examples/depot-v2g.json", import.meta.url));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("wattplan solve --ocpp", () => {
  it("adds ocpp: [{ sessionId, evseId, action, payload }] valid against the official schema", () => {
    const r = run(
      "solve",
      DEPOT,
      "--strategy",
      "edf",
      "--ocpp",
      "2.0.1",
      "--unit",
      "A",
      "--max-periods",
      "4",
      "--ocpp-fallback",
      "--compact",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ocpp: Array<{ sessionId: string | null; evseId: string | null; action: string; payload: unknown }>;
      warnings: string[];
      sessions: unknown[];
    };
    expect(out.sessions).toHaveLength(12);
    expect(out.ocpp).toHaveLength(24);
    expect(out.ocpp[0].sessionId).toBe("van-1");
    expect(out.ocpp[0].evseId).toBe("DEPOT-1");
    const validate = schemaValidator("2.0.1");
    for (const m of out.ocpp) {
      expect(m.action).toBe("SetChargingProfile");
      expect(validate(m.payload)).toBe(true);
    }
    expect(out.warnings.some((w) => w.startsWith("ocpp: "))).toBe(true);
  });

  it("without --ocpp the response has no ocpp field", () => {
    const r = run("solve", DEPOT, "--strategy", "edf", "--compact");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).not.toHaveProperty("ocpp");
  });

  it("exits 2 with a message on invalid values, and prints nothing on stdout", () => {
    const cases: Array<[string[], string]> = [
      [["--ocpp", "1.5"], "--ocpp: unknown version"],
      [["--ocpp", "2.1", "--unit", "kW"], "--unit: must be W or A"],
      [["--ocpp", "2.1", "--max-periods", "0"], "--max-periods"],
      [["--ocpp", "2.1", "--max-periods", "ten"], "--max-periods"],
      [["--unit", "A"], "only valid with --ocpp"],
    ];
    for (const [args, message] of cases) {
      const r = run("solve", DEPOT, "--strategy", "edf", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
    }
  });
});
