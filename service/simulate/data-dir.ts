import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { packagePath } from "../../engine/paths.js";
import { InputError } from "./csv.js";

/** The environment variable naming the folder of real data sets (sessions/, tariffs/, prices/, load/, pv/, ev/). */
export const DATA_DIR_ENV = "WATTPLAN_DATA_DIR";

/**
 * The real data's folder: `WATTPLAN_DATA_DIR`, or `../shared/data` beside the
 * package (never relative to the working directory). The simulator's
 * defaults, the bench and the data-driven tests all find the data here.
 */
export function dataDir(): string {
  const fromEnv = process.env[DATA_DIR_ENV];
  return fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : packagePath("..", "shared", "data");
}

/** A file of the real data, e.g. `dataFile("sessions", "acn-caltech-2019-03.csv")`; an InputError naming the setting when absent. */
export function dataFile(...parts: string[]): string {
  const file = join(dataDir(), ...parts);
  if (!existsSync(file)) {
    throw new InputError(
      `${file}: not found; set ${DATA_DIR_ENV} to the folder that holds the real data sets (default ../shared/data beside the package)`,
    );
  }
  return file;
}

/** The real data's file path without checking that it exists (for help texts and defaults resolved later). */
export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}
