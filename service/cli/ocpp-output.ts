/** The `solve --ocpp` output; main.ts imports it only when the flag is given. */
import type { Request, Response } from "../../engine/model/schema.js";
import { ocppMessages, type OcppMessage, type OcppOptionsInput } from "../ocpp/index.js";

/** The response with `ocpp: [{ sessionId, evseId, action, payload, energy }]`, OCPP warnings appended to `warnings`. */
export function withOcpp(request: Request, response: Response, options: OcppOptionsInput): Response & { ocpp: OcppMessage[] } {
  const result = ocppMessages(request, response, options);
  return { ...response, warnings: [...response.warnings, ...result.warnings.map((w) => `ocpp: ${w}`)], ocpp: result.messages };
}
