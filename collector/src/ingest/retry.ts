/**
 * Retrying reads that may succeed a moment later (throttling, 5xx, a reset connection, a body cut
 * short), with capped exponential backoff and full jitter. A read that failed is not a read
 * (docs/adr/0003-exactly-once.md): what is still failing after the last attempt is reported and
 * left for the next run, never recorded as bad content.
 */

export type RetryPolicy = {
  /** Tries in all, the first included. */
  attempts: number;
  /** The n-th retry waits a random time up to `min(maxDelayMs, baseDelayMs * 2^(n-1))`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injectable for tests (no real sleeps). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

/** 4 tries, waits up to 0.25 s, 0.5 s, 1 s: about 2 s at worst per object or listing page. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

export type RetryHooks = {
  /** Whether a failure is worth another try; default `isTransientError`. */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
};

/** Thrown when the last try failed: says how many were made; `cause` is the last failure. */
export class RetriesExhausted extends Error {
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(describeFailure(cause), { cause });
    this.name = "RetriesExhausted";
  }
}

/**
 * Calls `attempt(n)` (n from 1) until it resolves, a failure is not retryable, or the policy's
 * attempts are used up; then throws `RetriesExhausted`.
 * @example await withRetry(() => s3.send(new ListObjectsV2Command(input)), DEFAULT_RETRY)
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const retryable = hooks.retryable ?? isTransientError;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const tries = Math.max(1, Math.floor(policy.attempts));
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= tries || !retryable(error)) throw new RetriesExhausted(n, error);
      const delay = backoffDelay(n, policy);
      hooks.onRetry?.(error, n, delay);
      await sleep(delay);
    }
  }
}

/** The wait before retry `n` (1-based): full jitter under a capped exponential. */
export function backoffDelay(n: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  return Math.round((policy.random ?? Math.random)() * ceiling);
}

/** HTTP statuses, AWS error codes and Node error codes that say "try again later". */
const TRANSIENT_AWS_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "BandwidthLimitExceeded",
  "ProvisionedThroughputExceededException",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "TimeoutError",
]);
const TRANSIENT_NODE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EMFILE",
  "ENFILE",
  "EAGAIN",
  "EBUSY",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "INCOMPLETE_BODY",
]);

/**
 * Whether a failure is likely to pass: AWS SDK error metadata (`$retryable`, a 429 or 5xx status,
 * a throttling or timeout code) or a Node network/resource error code, here or in any `cause`.
 * Permission errors, missing objects and bad requests are not.
 */
export function isTransientError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; isRecord(e) && depth < 8; e = e.cause, depth++) {
    if (isRecord(e.$retryable) || e.$retryable === true) return true;
    const meta = e.$metadata;
    const status = isRecord(meta) ? meta.httpStatusCode : undefined;
    if (typeof status === "number" && (status === 429 || status >= 500)) return true;
    if (typeof e.name === "string" && TRANSIENT_AWS_CODES.has(e.name)) return true;
    if (typeof e.Code === "string" && TRANSIENT_AWS_CODES.has(e.Code)) return true;
    if (typeof e.code === "string" && TRANSIENT_NODE_CODES.has(e.code)) return true;
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A failure in one line: name, message, HTTP status and Node code where they add something. */
export function describeFailure(error: unknown): string {
  if (error instanceof RetriesExhausted) return describeFailure(error.cause);
  if (!(error instanceof Error)) return String(error);
  const named =
    error.name !== "Error" && !error.message.includes(error.name)
      ? `${error.name}: ${error.message}`
      : error.message;
  const meta = "$metadata" in error && isRecord(error.$metadata) ? error.$metadata : {};
  const status = typeof meta.httpStatusCode === "number" ? ` (HTTP ${meta.httpStatusCode})` : "";
  const code = "code" in error && typeof error.code === "string" ? error.code : "";
  return `${named || "no message"}${status}${code && !named.includes(code) ? ` [${code}]` : ""}`;
}
