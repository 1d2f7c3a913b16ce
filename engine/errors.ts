/**
 * Every error Wattplan reports, with a stable code. Codes never change
 * meaning; messages may be reworded. docs/errors.md documents each code
 * (a test keeps the two in step).
 */
export const ERRORS = {
  ERR_INVALID_REQUEST: { status: 400, message: "The request does not match the model" },
  ERR_INVALID_JSON: { status: 400, message: "The body is not valid JSON" },
  ERR_PROBLEM_TOO_LARGE: { status: 413, message: "The problem needs more memory than the scheduler may use" },
  ERR_SCHEDULER_FAILED: { status: 500, message: "The scheduler failed on a valid request" },
  // Job service (API, queue, workers).
  ERR_BAD_REQUEST: { status: 400, message: "The HTTP request is malformed" },
  ERR_UNAUTHORIZED: { status: 401, message: "Missing or unknown API key (send Authorization: Bearer <key>)" },
  ERR_NOT_FOUND: { status: 404, message: "No such optimization" },
  ERR_ROUTE_NOT_FOUND: { status: 404, message: "No such route" },
  ERR_NOT_CANCELABLE: { status: 409, message: "Only a queued optimization can be canceled" },
  ERR_NOT_COMPLETED: { status: 409, message: "The optimization has no result (it has not completed)" },
  ERR_IDEMPOTENCY_CONFLICT: { status: 409, message: "This Idempotency-Key was already used with a different body" },
  ERR_BODY_TOO_LARGE: { status: 413, message: "The request body is larger than the service accepts" },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send the body as application/json" },
  ERR_RATE_LIMITED: { status: 429, message: "Too many requests for this tenant; retry after the time in the retry-after header" },
  ERR_UNAVAILABLE: { status: 503, message: "The service cannot reach its queue (Redis); retry later" },
  ERR_INTERNAL: { status: 500, message: "Internal error" },
  ERR_JOB_TIMEOUT: { status: 504, message: "The optimization ran longer than the job timeout" },
  ERR_WORKER_CRASHED: { status: 500, message: "The worker running the optimization stopped too many times" },
  ERR_JOB_EXPIRED: { status: 410, message: "The optimization's stored request expired before a worker took it" },
  ERR_WEBHOOK_URL_REFUSED: { status: 400, message: "The webhook URL is not allowed" },
  ERR_WEBHOOK_PAYLOAD_TOO_LARGE: { status: 500, message: "The webhook payload is above the size limit" },
  ERR_WEBHOOK_DELIVERY_PENDING: { status: 409, message: "The delivery is still in progress; redeliver it once it has finished" },
  ERR_WEBHOOK_ENDPOINT_DISABLED: { status: 409, message: "The endpoint was disabled by a 410 answer; re-enable it first" },
  // Live sites.
  ERR_SITE_NOT_FOUND: { status: 404, message: "No such site" },
  ERR_PLAN_PENDING: { status: 409, message: "The site has no plan yet; retry shortly" },
  ERR_SITE_CONFLICT: { status: 409, message: "The change conflicts with the site's active sessions" },
  ERR_FORECAST_UNAVAILABLE: { status: 409, message: "The site has no forecast setting, or too few ended sessions to learn from yet" },
  ERR_SITES_UNAVAILABLE: { status: 503, message: "Live sites need PostgreSQL, which this service does not reach; retry later" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class WattplanError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message);
    this.name = "WattplanError";
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = details;
  }
}
