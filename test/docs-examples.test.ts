/**
 * Every example in README.md and docs/*.md runs as printed (issue 15 part 4).
 *
 * A fenced block is an example when the line before it (blank lines aside)
 * is a marker:
 * - `<!-- example: cli -->`: each line a `wattplan` command (`npx wattplan`,
 *   `wattplan` and `node bin/wattplan.js` alike), run in the repository;
 *   exit 0. Text after ` # ` is a comment.
 * - `<!-- example: server -->`: a shell script run with bash against a real
 *   service on 127.0.0.1 (port 0): `http://localhost:8080` and
 *   `http://127.0.0.1:8080` become its URL, `$KEY` a tenant's API key; exit 0.
 * - `<!-- example: json COMPONENT -->`: valid against that schema of
 *   openapi.json (`request`: a valid model request; `fragment`: the
 *   members of an object, e.g. `"horizon": {…}`, which must parse; `parse`:
 *   JSON that must parse, for formats without a schema here).
 * - `<!-- example: node FILE [stdin=INPUT] -->`, `<!-- example: python FILE
 *   [stdin=INPUT] -->`: the block written to FILE and run, INPUT (one of
 *   {@link INPUTS}) on stdin.
 * - `<!-- example: skip REASON -->`: shown, not run (a long-running server,
 *   data that CI does not have); REASON is required.
 * An `<!-- example-output -->` block after an example is its exact stdout.
 * Every sh, json, js and python block must carry a marker.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRequest } from "../engine/model/validate.js";
import { solve } from "../engine/scheduler/solve.js";
import { OPENAPI_FILE } from "../service/api/openapi-file.js";
import { buildEventPayload } from "../service/webhooks/payload.js";
import { startTestService, type TestService } from "./service-helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FILES = ["README.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
const MARKED_LANGUAGES = new Set(["sh", "bash", "json", "js", "python"]);

interface Block {
  file: string;
  line: number;
  language: string;
  text: string;
  marker?: { kind: string; args: string[] };
  output?: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const blocks: Block[] = [];
  let marker: Block["marker"] | "output" | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- example(-output)?(?::\s*(\S+)(.*?))?\s*-->$/.exec(lines[i].trim());
    if (m) {
      marker = m[1] ? "output" : { kind: m[2] ?? "", args: (m[3] ?? "").trim().split(/\s+/).filter(Boolean) };
      continue;
    }
    const fence = /^```(\w*)/.exec(lines[i]);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) body.push(lines[i]);
      const text = body.join("\n") + "\n";
      if (marker === "output") blocks[blocks.length - 1].output = text;
      else blocks.push({ file, line: start + 1, language: fence[1], text, marker });
      marker = undefined;
    } else if (lines[i].trim() !== "") marker = undefined;
  }
  return blocks;
}

const BLOCKS = FILES.flatMap(blocksOf);
const EXAMPLES = BLOCKS.filter((b) => b.marker && b.marker.kind !== "skip");

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false }));
ajv.addSchema(JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as object, "openapi.json");

/** Inputs an example may read on stdin. */
const INPUTS: Record<string, () => string> = {
  // The completed event of examples/workplace.json, its result gzipped (the 16 KiB limit forces it).
  "workplace-event-gzip": () => {
    const v = validateRequest(JSON.parse(readFileSync(join(ROOT, "examples/workplace.json"), "utf8")));
    if (!v.ok) throw new Error("examples/workplace.json is invalid");
    const response = solve(v.request);
    const payload = buildEventPayload({
      type: "optimization.completed",
      optimizationId: "opt_7f3k2",
      links: { self: "/v1/optimizations/opt_7f3k2" },
      response,
      includeResult: true,
      maxPayloadBytes: 16 * 1024,
    });
    return JSON.stringify(payload);
  },
};

const where = (b: Block) => `${b.file}:${b.line}`;

function wattplanLine(line: string): string | undefined {
  const command = line.replace(/\s+#\s.*$/, "").trim();
  if (command === "" || command.startsWith("#")) return undefined;
  const m = /^(?:npx wattplan|wattplan|node bin\/wattplan\.js)\s(.*)$/.exec(command);
  if (!m) throw new Error(`not a wattplan command: ${command}`);
  return m[1];
}

let dir: string;
let t: TestService | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wattplan-docs-"));
  if (EXAMPLES.some((b) => b.marker!.kind === "server")) t = await startTestService("docs");
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("docs examples", () => {
  it("marks every runnable block, and gives a reason for the skipped ones", () => {
    const unmarked = BLOCKS.filter((b) => MARKED_LANGUAGES.has(b.language) && !b.marker).map(where);
    expect(unmarked).toEqual([]);
    const bad = BLOCKS.filter((b) => b.marker && (b.marker.kind === "skip" ? b.marker.args.length === 0 : !RUNNERS[b.marker.kind]));
    expect(bad.map(where)).toEqual([]);
    expect(EXAMPLES.length).toBeGreaterThan(10);
  });

  const RUNNERS: Record<string, (b: Block) => Promise<void> | void> = {
    json(b) {
      const [component] = b.marker!.args;
      if (component === "fragment" || component === "parse") {
        JSON.parse(component === "fragment" ? `{${b.text}}` : b.text);
        return;
      }
      const value = JSON.parse(b.text) as unknown;
      if (component === "request") {
        const v = validateRequest(value);
        expect(v.ok, JSON.stringify(v)).toBe(true);
        return;
      }
      const validate = ajv.getSchema(`openapi.json#/components/schemas/${component}`);
      if (!validate) throw new Error(`no component ${component}`);
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    },
    cli(b) {
      let stdout = "";
      for (const line of b.text.split("\n")) {
        const args = wattplanLine(line);
        if (args === undefined) continue;
        const r = spawnSync("bash", ["-c", `node bin/wattplan.js ${args}`], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        expect(r.status, `${line}\n${r.stderr}`).toBe(0);
        stdout += r.stdout;
      }
      if (b.output !== undefined) expect(stdout).toBe(b.output);
    },
    async server(b) {
      const script = b.text.replace(/http:\/\/(?:localhost|127\.0\.0\.1):8080/g, t!.url);
      // Asynchronously: the service runs in this process.
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          "bash",
          ["-euo", "pipefail", "-c", script],
          { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, KEY: t!.acme.key } },
          (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
        );
      });
      expect(r.status, `${script}\n${r.stderr}`).toBe(0);
      if (b.output !== undefined) expect(r.stdout).toBe(b.output);
    },
    node: (b) => runFile(b, process.execPath),
    python: (b) => runFile(b, "python3"),
  };

  function runFile(b: Block, interpreter: string) {
    const [name, ...options] = b.marker!.args;
    const file = join(dir, name);
    writeFileSync(file, b.text);
    const input = options.find((o) => o.startsWith("stdin="))?.slice(6);
    if (input !== undefined && !INPUTS[input]) throw new Error(`no input ${input}`);
    // Run from the repository so that node finds its packages (standardwebhooks).
    const r = spawnSync(interpreter, [file], { cwd: ROOT, input: input && INPUTS[input](), encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    if (b.output !== undefined) expect(r.stdout).toBe(b.output);
  }

  for (const b of EXAMPLES) {
    it(`${where(b)}: ${b.marker!.kind} ${b.marker!.args.join(" ")}`, async () => {
      const run = RUNNERS[b.marker!.kind];
      if (!run) throw new Error(`unknown example kind ${b.marker!.kind}`);
      await run(b);
    });
  }
});
