import type { z } from "zod";
import { RequestSchema, type Request } from "./schema.js";

/** One reason a request is invalid, at a JSON path like `sessions[3].departure`. */
export interface Problem {
  path: string;
  message: string;
}

export type Validation = { ok: true; request: Request } | { ok: false; problems: Problem[] };

/** `["sessions", 3, "departure"]` → `sessions[3].departure`; the root is `(root)`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path), message: describe(issue) }));
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return issue.message;
}

/**
 * Check a request against the model. Shape errors (types, ranges, missing
 * fields) are reported first; cross-field rules (array lengths, circuit
 * references and cycles, energies) once the shape is right.
 */
export function validateRequest(input: unknown): Validation {
  const parsed = RequestSchema.safeParse(input);
  if (parsed.success) return { ok: true, request: parsed.data };
  return { ok: false, problems: problemsOf(parsed.error) };
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}
