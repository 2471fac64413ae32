import { ERROR_STATUS, type ErrorCode } from "@/lib/contracts/errors";

/** The process's stack trace limit, put back once the Error constructor has run. */
let savedLimit = Error.stackTraceLimit;

/** `message`, with stack capture off for a client's fault until the constructor restores it. */
function withoutStackFor(code: ErrorCode, message: string): string {
  savedLimit = Error.stackTraceLimit;
  if (ERROR_STATUS[code] < 500) Error.stackTraceLimit = 0;
  return message;
}

/**
 * An error a handler throws on purpose (`not_found`, `conflict`, …). Its message and details are
 * meant for the caller and are sent as they are, whatever the status. A 4xx carries no stack
 * trace: it is the caller's fault, answered and never logged as a failure, and capturing a stack
 * is most of what throwing costs (a flood of bad requests at the gateway pays it on each one).
 */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(withoutStackFor(code, message));
    Error.stackTraceLimit = savedLimit;
    this.status = ERROR_STATUS[code];
  }
}
