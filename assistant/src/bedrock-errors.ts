/**
 * Why Bedrock could not answer, and what to do about it: the cases after which a question is
 * answered by the template matcher instead (docs/aws-facts.md §3 lists the exceptions).
 */
import { ConfigError, CredentialsError } from "@bedrock-chargeback/wrapper";

export type BedrockUnavailable = { code: string; message: string };

const GUIDE: Record<string, string> = {
  AccessDeniedException:
    "Bedrock refused the call (AccessDeniedException). Fix: allow bedrock:InvokeModel on the model (and its inference profile) for this role, and enable access to the model in the Bedrock console for this region.",
  UnrecognizedClientException:
    "AWS did not recognise the credentials (UnrecognizedClientException). Fix: refresh them (`aws sso login`) or check the access key.",
  ExpiredTokenException: "The AWS session expired (ExpiredTokenException). Fix: refresh the credentials.",
  ThrottlingException:
    "Bedrock throttled the call (ThrottlingException) after the SDK's retries. Fix: ask again shortly, or raise the model's tokens-per-minute quota.",
  ServiceQuotaExceededException:
    "The Bedrock quota is used up (ServiceQuotaExceededException). Fix: request a higher quota for the model.",
  ServiceUnavailableException:
    "Bedrock is unavailable right now (ServiceUnavailableException). Fix: ask again later.",
  InternalServerException: "Bedrock failed internally (InternalServerException). Fix: ask again later.",
  ModelNotReadyException: "The model is not ready (ModelNotReadyException). Fix: ask again in a minute.",
  ModelTimeoutException:
    "The model timed out (ModelTimeoutException). Fix: ask again, or set CHARGEBACK_ASK_MODEL_ID to a faster model.",
  ResourceNotFoundException:
    "The model was not found in this region (ResourceNotFoundException). Fix: set CHARGEBACK_ASK_REGION to a region that serves CHARGEBACK_ASK_MODEL_ID, or choose a model available here.",
  ValidationException:
    "Bedrock rejected the request (ValidationException), often a model id this region does not serve or one that needs an inference profile. Fix: check CHARGEBACK_ASK_MODEL_ID and CHARGEBACK_ASK_REGION.",
  TimeoutError:
    "Bedrock did not answer in time. Fix: check the network path to Bedrock, or raise CHARGEBACK_ASK_CALL_TIMEOUT_MS.",
};

/** The error's name (`ThrottlingException`, …) or its Node network code (`ENOTFOUND`, …). */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return "UnknownError";
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  return error.name === "Error" && code ? code : error.name;
}

/**
 * Explains a failed Bedrock call for the user, with the fix. Never echoes credentials: only the
 * error's name, and the wrapper's own messages (which name settings, not values).
 * @example explainBedrockFailure(new CredentialsError("…")).code // "credentials_unavailable"
 */
export function explainBedrockFailure(error: unknown): BedrockUnavailable {
  if (error instanceof CredentialsError) return { code: "credentials_unavailable", message: error.message };
  if (error instanceof ConfigError)
    return {
      code: "config_invalid",
      message: `${error.message}. Fix: set CHARGEBACK_ASK_REGION (or AWS_REGION) to a region where Bedrock serves the model.`,
    };
  const name = errorName(error);
  const known = GUIDE[name];
  if (known) return { code: name, message: known };
  if (/^(ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ETIMEDOUT)$/.test(name))
    return {
      code: name,
      message: `Bedrock could not be reached (${name}). Fix: check the region (CHARGEBACK_ASK_REGION), CHARGEBACK_ASK_ENDPOINT and the network path (proxy, VPC endpoint).`,
    };
  return { code: name, message: `Bedrock failed (${name}).` };
}
