import { writeFileSync } from "node:fs";
import { renderScheduleChart } from "./schedule-chart.js";
import type { Request, Response } from "../../engine/model/schema.js";
import { UsageError } from "../cli/io.js";

/** `solve --chart FILE`: the result's chart as SVG. */
export function writeScheduleChart(file: string, request: Request, response: Response): void {
  if (!file.toLowerCase().endsWith(".svg")) throw new UsageError(`--chart: "${file}" must name an .svg file`);
  try {
    writeFileSync(file, renderScheduleChart(request, response));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--chart: cannot write ${file} (${code ?? (error as Error).message})`);
  }
}
