/**
 * The `solve` command's OCPP flags: `--ocpp VERSION [--unit W|A]
 * [--max-periods N] [--ocpp-fallback]`. Kept here so main.ts only spreads
 * the flag table in and calls two functions. The messages themselves are
 * built by ocpp-output.ts, imported only when `--ocpp` is given.
 */
import type { OcppOptionsInput } from "../ocpp/options.js";
import { CHARGING_RATE_UNITS, OCPP_VERSIONS } from "../ocpp/versions.js";
import { UsageError } from "./io.js";

export const OCPP_CLI_OPTIONS = {
  ocpp: { type: "string" },
  unit: { type: "string" },
  "max-periods": { type: "string" },
  "ocpp-fallback": { type: "boolean" },
} as const;

export const OCPP_CLI_USAGE = "[--ocpp 1.6|2.0.1|2.1 [--unit W|A] [--max-periods N] [--ocpp-fallback]]";

interface OcppFlags {
  ocpp?: string | boolean;
  unit?: string | boolean;
  "max-periods"?: string | boolean;
  "ocpp-fallback"?: string | boolean;
}

/** The flags as library options; undefined without `--ocpp`. Throws UsageError (exit 2) on bad values. */
export function ocppOptionsFromFlags(flags: OcppFlags): OcppOptionsInput | undefined {
  const { ocpp: version, unit, "max-periods": maxPeriods, "ocpp-fallback": fallback } = flags;
  if (version === undefined) {
    const stray = [
      unit !== undefined && "--unit",
      maxPeriods !== undefined && "--max-periods",
      fallback !== undefined && "--ocpp-fallback",
    ].filter(Boolean);
    if (stray.length > 0) throw new UsageError(`${stray.join(", ")}: only valid with --ocpp VERSION`);
    return undefined;
  }
  if (typeof version !== "string" || !(OCPP_VERSIONS as readonly string[]).includes(version)) {
    throw new UsageError(`--ocpp: unknown version "${String(version)}" (one of ${OCPP_VERSIONS.join(", ")})`);
  }
  if (unit !== undefined && (typeof unit !== "string" || !(CHARGING_RATE_UNITS as readonly string[]).includes(unit))) {
    throw new UsageError(`--unit: must be W or A, got "${String(unit)}"`);
  }
  let periods: number | undefined;
  if (maxPeriods !== undefined) {
    periods = typeof maxPeriods === "string" && /^\d+$/.test(maxPeriods) ? Number(maxPeriods) : Number.NaN;
    if (!(periods >= 1 && periods <= 100_000))
      throw new UsageError(`--max-periods: must be an integer from 1 to 100000, got "${String(maxPeriods)}"`);
  }
  return {
    version: version as OcppOptionsInput["version"],
    ...(unit !== undefined && { unit: unit as "W" | "A" }),
    ...(periods !== undefined && { maxPeriods: periods }),
    ...(fallback === true && { fallback: true }),
  };
}
