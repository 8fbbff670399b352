/**
 * Typed errors thrown by the wrapper. Every error has a stable `code` and says whether retrying the same
 * call could succeed (`retryable`). Messages name the offending key or field and why it is wrong, but
 * never echo a metadata value, a user id or a secret.
 *
 * Errors returned by Bedrock itself (ThrottlingException, ValidationException, …) are re-thrown unchanged,
 * so existing `instanceof` checks against `@aws-sdk/client-bedrock-runtime` keep working.
 */

/** Stable machine-readable error codes. */
export type ChargebackErrorCode =
  | "config_invalid"
  | "credentials_unavailable"
  | "metadata_policy_violation"
  | "conversation_invalid"
  | "model_id_invalid";

/**
 * Base class of every error the wrapper throws itself.
 *
 * @example
 * try { await bedrock.converse(input, { metadata }); }
 * catch (error) { if (error instanceof ChargebackError && !error.retryable) report(error.code); }
 */
export class ChargebackError extends Error {
  readonly code: ChargebackErrorCode;
  readonly retryable: boolean;

  constructor(
    code: ChargebackErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The wrapper's configuration is missing or invalid (for example no AWS region). Thrown by
 * `createChargebackClient` before any call is made.
 *
 * @example
 * new ConfigError("region is missing: pass { region } or set AWS_REGION", ["region"]);
 */
export class ConfigError extends ChargebackError {
  /** Config paths that are wrong, e.g. `["policy", "userIdHmacKey"]`. */
  readonly paths: readonly string[];

  constructor(message: string, paths: readonly string[] = [], options: { cause?: unknown } = {}) {
    super("config_invalid", message, { retryable: false, cause: options.cause });
    this.paths = paths;
  }
}

/**
 * The AWS SDK credential chain could not produce credentials. The message says how to fix it.
 *
 * @example
 * if (error instanceof CredentialsError) console.error(error.message); // "…set AWS_PROFILE or …"
 */
export class CredentialsError extends ChargebackError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("credentials_unavailable", message, { retryable: false, cause: options.cause });
  }
}

/** Why a metadata entry was flagged. */
export type MetadataIssueReason =
  | "missing_required_key"
  | "too_many_entries"
  | "key_empty"
  | "key_too_long"
  | "key_invalid_characters"
  | "key_not_lowercase"
  | "key_duplicate_after_lowercasing"
  | "value_too_long"
  | "value_invalid_characters"
  | "value_not_string"
  | "value_unconvertible"
  | "sensitive_email"
  | "sensitive_aws_access_key"
  | "sensitive_aws_secret_key"
  | "sensitive_card_number"
  | "sensitive_bearer_token"
  | "sensitive_jwt"
  | "sensitive_custom_pattern"
  | "hash_key_missing"
  | "metadata_not_json";

/** What the policy did about an issue. */
export type MetadataIssueAction = "rejected" | "dropped" | "repaired" | "reported";

/**
 * One problem found in request metadata. `key` is the (lowercased) key name, or a placeholder such as
 * `<key #3>` when the key itself is unsafe to print. Values are never included.
 */
export interface MetadataIssue {
  readonly key: string;
  readonly reason: MetadataIssueReason;
  readonly message: string;
  readonly action: MetadataIssueAction;
}

/**
 * Request metadata broke the policy in `enforce` mode. Thrown before AWS is called.
 *
 * @example
 * catch (e) { if (e instanceof MetadataPolicyError) for (const i of e.issues) log(i.key, i.reason); }
 */
export class MetadataPolicyError extends ChargebackError {
  readonly issues: readonly MetadataIssue[];

  constructor(issues: readonly MetadataIssue[]) {
    const lines = issues.map((issue) => `- ${issue.message}`).join("\n");
    super("metadata_policy_violation", `request metadata rejected (${issues.length} issue(s)):\n${lines}`);
    this.issues = issues;
  }
}

/** Why a conversation was rejected. */
export type ConversationIssueReason =
  | "no_messages"
  | "system_role_message"
  | "first_message_not_user"
  | "roles_not_alternating"
  | "empty_content"
  | "unknown_role";

/** One problem in a Converse `messages` array; `index` is the message position. */
export interface ConversationIssue {
  readonly index: number;
  readonly reason: ConversationIssueReason;
  readonly message: string;
}

/**
 * The Converse request would be rejected by Bedrock (or silently mis-billed); thrown before AWS is called.
 *
 * @example
 * catch (e) { if (e instanceof ConversationError) console.error(e.issues[0]?.message); }
 */
export class ConversationError extends ChargebackError {
  readonly issues: readonly ConversationIssue[];

  constructor(issues: readonly ConversationIssue[]) {
    const lines = issues.map((issue) => `- ${issue.message}`).join("\n");
    super("conversation_invalid", `conversation rejected before calling Bedrock:\n${lines}`);
    this.issues = issues;
  }
}

/**
 * The model id does not have the shape of a Bedrock model id, inference profile id or ARN.
 * `suggestions` holds close known model ids ("did you mean").
 *
 * @example
 * catch (e) { if (e instanceof ModelIdError) console.error(e.suggestions.join(", ")); }
 */
export class ModelIdError extends ChargebackError {
  readonly modelId: string;
  readonly suggestions: readonly string[];

  constructor(modelId: string, reason: string, suggestions: readonly string[]) {
    const hint =
      suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : "";
    super("model_id_invalid", `model id "${modelId}" ${reason}.${hint}`);
    this.modelId = modelId;
    this.suggestions = suggestions;
  }
}
