/** The one error envelope: `{ error: { code, message, requestId } }`, status from the code. */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "./types";

export const ERROR_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
};

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const forbidden = (message: string) => new ApiError("forbidden", message);
export const badRequest = (message: string) => new ApiError("bad_request", message);
