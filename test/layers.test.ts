/**
 * The layer rule of eslint.config.js (engine → product → tools): a lower
 * layer importing a higher one is an error, the allowed direction is not.
 */
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

async function layerErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result.messages
    .filter((m) => m.ruleId === "import-x/no-restricted-paths" || m.ruleId === "no-restricted-imports")
    .map((m) => m.message);
}

describe("layers", () => {
  it("refuses the engine importing the product, and the product importing tools", async () => {
    expect(await layerErrors("engine/model/probe.ts", 'export { runCli } from "../../service/cli/main.js";\n')).toEqual([
      expect.stringMatching(/the engine .* imports nothing above it/),
    ]);
    expect(await layerErrors("service/api/probe.ts", 'export { GENERATORS } from "../../testkit/generators/index.js";\n')).toEqual([
      expect.stringMatching(/the product never imports tools/),
    ]);
    expect(await layerErrors("service/api/probe.ts", 'export { solve } from "../../assembly/optimal/solve";\n')).toEqual([
      expect.stringMatching(/only assembly\/layout\.ts is shared/),
    ]);
  });

  it("refuses I/O in the engine", async () => {
    expect(await layerErrors("engine/model/probe.ts", 'export { readFileSync } from "node:fs";\n')).toEqual([
      expect.stringMatching(/no I\/O/),
    ]);
  });

  it("lets higher layers import lower ones", async () => {
    expect(await layerErrors("service/api/probe.ts", 'export { solve } from "../../engine/scheduler/solve.js";\n')).toEqual([]);
    expect(await layerErrors("bench/probe.ts", 'export { GENERATORS } from "../testkit/generators/index.js";\n')).toEqual([]);
    expect(await layerErrors("testkit/probe.ts", 'export { Field } from "../assembly/layout.js";\n')).toEqual([]);
  });
});
