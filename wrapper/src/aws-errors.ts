import { ConfigError, CredentialsError } from "./errors.js";

/** The error's name (`ThrottlingException`, `TimeoutError`, …), or "UnknownError" for non-errors. */
export function readErrorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return "UnknownError";
}

const CREDENTIALS_FIX =
  "Fix: run with an IAM role (ECS task role, EKS Pod Identity/IRSA, EC2 instance profile), or locally set " +
  "AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass `credentials` " +
  "to createChargebackClient.";

function isCredentialsFailure(error: Error): boolean {
  return (
    error.name === "CredentialsProviderError" ||
    /could not load credentials|resolved credential object is not valid|credential is missing/i.test(
      error.message,
    )
  );
}

/**
 * Turns SDK set-up failures into the wrapper's typed errors: a failing credential provider becomes a
 * `CredentialsError` with the fix, a missing region a `ConfigError`. Service errors pass through unchanged.
 *
 * @example
 * try { await client.send(command); } catch (error) { throw mapSetupError(error); }
 */
export function mapSetupError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (isCredentialsFailure(error)) {
    return new CredentialsError(`AWS credentials could not be loaded (${error.name}). ${CREDENTIALS_FIX}`, {
      cause: error,
    });
  }
  if (/region is missing/i.test(error.message)) {
    return new ConfigError(
      "AWS region is missing: pass { region } to createChargebackClient or set AWS_REGION",
      ["region"],
      { cause: error },
    );
  }
  return error;
}

/** True for aborts and call timeouts, which must not trigger fallbacks. */
export function isAbortError(error: unknown): boolean {
  const name = readErrorName(error);
  return name === "AbortError" || name === "TimeoutError";
}
