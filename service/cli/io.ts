import { readFileSync } from "node:fs";

/** Exit codes of the `wattplan` CLI. */
export const EXIT = { ok: 0, failure: 1, invalid: 2 } as const;

/** A problem with what the user gave us: exit code 2, message on stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Read and parse JSON from a file path, or stdin for "-". */
export function readJsonInput(source: string): unknown {
  let text: string;
  try {
    text = readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `${source}: no such file` : `${source}: cannot read (${code ?? String(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${source === "-" ? "stdin" : source}: invalid JSON: ${(error as Error).message}`);
  }
}
