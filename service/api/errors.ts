/**
 * One error shape for every response: `{ statusCode, code, message, details? }`
 * with a stable code from engine/errors.ts. Fastify's own errors (bad JSON,
 * body too large, wrong content type, ...) are mapped to codes here, so bad
 * input never becomes a 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from "fastify";
import { safeParse, type $ZodType } from "zod/v4/core";
import type { ZodError } from "zod";
import { ERRORS, WattplanError, type ErrorCode } from "../../engine/errors.js";
import { problemsOf } from "../../engine/model/validate.js";

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "ERR_INVALID_JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "ERR_INVALID_JSON",
  FST_ERR_CTP_BODY_TOO_LARGE: "ERR_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "ERR_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "ERR_BAD_REQUEST",
  FST_ERR_CTP_INVALID_TYPE: "ERR_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_VALIDATION: "ERR_INVALID_REQUEST",
  FST_ERR_BAD_URL: "ERR_BAD_REQUEST",
  FST_ERR_ASYNC_CONSTRAINT: "ERR_BAD_REQUEST",
};

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return "ERR_UNAUTHORIZED";
    case 404:
      return "ERR_ROUTE_NOT_FOUND";
    case 413:
      return "ERR_BODY_TOO_LARGE";
    case 415:
      return "ERR_UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return "ERR_RATE_LIMITED";
    case 503:
      return "ERR_UNAVAILABLE";
    default:
      return status < 500 ? "ERR_BAD_REQUEST" : "ERR_INTERNAL";
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: unknown): ErrorBody {
  return { statusCode: ERRORS[code].status, code, message: message ?? ERRORS[code].message, ...(details !== undefined && { details }) };
}

const REDIS_DOWN =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|max retries per request|MaxRetriesPerRequest/i;

/** Map any error to the shared shape. Unknown errors are 500s with a generic message (the log has the rest). */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof WattplanError) {
    return {
      statusCode: error.statusCode,
      code: error.code,
      message: error.message,
      ...(error.details !== undefined && { details: error.details }),
    };
  }
  const e = error as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string }[] };
  // Redis away (a restart, a network blip): the client may retry; it is not our bug.
  if (error instanceof Error && (error.name === "MaxRetriesPerRequestError" || REDIS_DOWN.test(error.message))) {
    return errorBody("ERR_UNAVAILABLE", `the queue is unreachable: ${error.message}`);
  }
  const status = typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (e.code && FASTIFY_CODES[e.code]) {
    const code = FASTIFY_CODES[e.code];
    if (code === "ERR_INVALID_REQUEST" && Array.isArray(e.validation)) {
      const problems = e.validation.map((v) => ({ path: v.instancePath || "(root)", message: v.message ?? "invalid" }));
      return errorBody(code, ERRORS[code].message, { problems });
    }
    return errorBody(code, status < 500 && e.message ? e.message : undefined);
  }
  if (status < 500) return errorBody(codeForStatus(status), e.message || undefined);
  return errorBody("ERR_INTERNAL");
}

export function sendError(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.code(body.statusCode).type("application/json; charset=utf-8").send(body);
}

export function errorHandler(this: unknown, error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = toErrorBody(error);
  if (body.statusCode >= 500) request.log.error({ err: error }, "request failed");
  return sendError(reply, body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, errorBody("ERR_ROUTE_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
}

/**
 * Validates body, query, params and headers with their zod schemas and
 * reports every problem with its JSON path, in validate.ts's format.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<$ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = safeParse(schema, data);
    if (result.success) return { value: result.data };
    const where =
      httpPart === "body" ? "body" : httpPart === "querystring" ? "query string" : httpPart === "params" ? "URL" : String(httpPart);
    const problems = problemsOf(result.error as unknown as ZodError);
    return {
      error: new WattplanError(
        "ERR_INVALID_REQUEST",
        `the ${where} is invalid: ${problems
          .slice(0, 3)
          .map((p) => `${p.path}: ${p.message}`)
          .join("; ")}${problems.length > 3 ? "; …" : ""}`,
        { problems },
      ),
    };
  };
