import { ERROR_STATUS, type ErrorCode } from "@/lib/contracts/errors";

/**
 * An error a handler throws on purpose (`not_found`, `conflict`, …). Its message and details are
 * meant for the caller and are sent as they are, whatever the status.
 */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
