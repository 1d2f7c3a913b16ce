import type * as z from "zod";
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

/**
 * The problems of a failed parse, one per issue. Pass the parsed input too:
 * it lets a per-slot value (number or array) be reported by the branch of its
 * own kind, with that branch's precise message and path, and a missing field
 * be reported as "required".
 */
export function problemsOf(error: z.ZodError, input?: unknown): Problem[] {
  return error.issues.flatMap((issue) => flatten(issue, [], input));
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

function flatten(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[], input: unknown): Problem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && input !== undefined) {
    const kind = kindOf(valueAt(input, path));
    // The branch whose type matches the value (a number that is not finite still matches "number").
    const branch = issue.errors.find((issues) =>
      issues.every((i) => !(i.code === "invalid_type" && i.path.length === 0) || i.expected === kind),
    );
    if (branch !== undefined && branch.length > 0) return branch.flatMap((i) => flatten(i, path, input));
  }
  const missing =
    input !== undefined && (issue.code === "invalid_type" || issue.code === "invalid_union") && valueAt(input, path) === undefined;
  return [{ path: jsonPath(path), message: missing ? "required" : describe(issue) }];
}

const ARTICLE: Record<string, string> = { array: "an array", object: "an object", integer: "an integer" };

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  // zod's stock wording ("Invalid input: expected array, received object") said plainly.
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input"))
    return `must be ${ARTICLE[issue.expected] ?? `a ${issue.expected}`}`;
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
  return { ok: false, problems: problemsOf(parsed.error, input) };
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}
