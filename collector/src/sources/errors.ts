/** Errors of the Logs Insights / Athena collectors: data, with whether a retry can help. */

export type SourceErrorCode =
  | "query_failed"
  | "window_limit"
  | "access_denied"
  | "malformed_query"
  | "not_found"
  | "throttled"
  | "bad_response"
  | "aws_error";

export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "SourceError";
  }
}

/** The `name` of an AWS SDK error (or any Error), without trusting its shape. */
export function awsErrorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  if (typeof error === "object" && error !== null && "name" in error && typeof error.name === "string")
    return error.name;
  return "Error";
}

const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "LimitExceededException",
  "ServiceUnavailableException",
  "InternalServerException",
  "InternalServerError",
  "RequestTimeout",
  "TimeoutError",
]);

/** Maps an SDK error to a SourceError; the message keeps the AWS name and text. */
export function toSourceError(error: unknown, what: string): SourceError {
  if (error instanceof SourceError) return error;
  const name = awsErrorName(error);
  const text = `${what}: ${name}: ${error instanceof Error ? error.message : String(error)}`;
  if (THROTTLED.has(name)) return new SourceError("throttled", text, true);
  if (name === "AccessDeniedException" || name === "AccessDenied" || name === "UnauthorizedOperation") {
    return new SourceError("access_denied", text, false);
  }
  if (
    name === "MalformedQueryException" ||
    name === "InvalidRequestException" ||
    name === "InvalidParameterException"
  ) {
    return new SourceError("malformed_query", text, false);
  }
  if (name === "ResourceNotFoundException" || name === "MetadataException")
    return new SourceError("not_found", text, false);
  return new SourceError("aws_error", text, false);
}
