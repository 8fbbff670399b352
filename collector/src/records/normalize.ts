/**
 * Raw ModelInvocationLog JSON → UsageRecord, or the reason it cannot be one. Token counts come
 * only from the top-level counters, never from bodies (docs/rules.md rule 1). Hand-written checks
 * rather than a schema library: this runs once per record on the ingest hot path.
 */
import type { UsageRecord } from "@bedrock-chargeback/ledger";

export type NormalizeResult =
  | { kind: "record"; record: UsageRecord }
  | { kind: "skip"; reason: string }
  | { kind: "reject"; reason: string };

/** Bedrock's own limits on requestMetadata (docs/aws-facts.md §2); a record outside them is not genuine. */
const MAX_METADATA_ENTRIES = 16;
const MAX_METADATA_KEY = 256;
const MAX_METADATA_VALUE = 256;
const MAX_MODEL_ID = 2048;
const MAX_REQUEST_ID = 256;

/** U+0000 and U+0001: outside Bedrock's metadata pattern; the rollup uses them as separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these two characters are exactly what is rejected.
const CONTROL_SEPARATORS = /[\u0000\u0001]/;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === "number" ? `number ${value}` : typeof value;
}

function optionalString(obj: Record<string, unknown>, field: string, path: string): string | null | Error {
  const value = obj[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return new Error(`${path}: expected a string, got ${describe(value)}`);
  return value;
}

function tokenCount(section: unknown, field: string, path: string): number | Error {
  if (!isObject(section)) return 0;
  const value = section[field];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    return new Error(`${path}.${field}: expected a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** `2025-03-11T00:38:02.123Z` → hour and day in UTC; offsets are converted. */
export function utcHourOf(timestamp: string): { hour: string; day: string } | undefined {
  if (!ISO_TIMESTAMP.test(timestamp)) return undefined;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls impossible dates over (02-30 → 03-02); the written date must exist.
  const [y, m, d] = [
    Number(timestamp.slice(0, 4)),
    Number(timestamp.slice(5, 7)),
    Number(timestamp.slice(8, 10)),
  ];
  if (m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) return undefined;
  if (Number(timestamp.slice(11, 13)) > 23 || Number(timestamp.slice(14, 16)) > 59) return undefined;
  const iso = timestamp.endsWith("Z") ? timestamp : new Date(ms).toISOString();
  return { hour: `${iso.slice(0, 13)}:00:00Z`, day: iso.slice(0, 10) };
}

export function normalizeRecord(raw: unknown): NormalizeResult {
  if (!isObject(raw))
    return { kind: "reject", reason: `record: expected a JSON object, got ${describe(raw)}` };
  if (raw.schemaType !== "ModelInvocationLog") {
    return { kind: "skip", reason: `schemaType ${describe(raw.schemaType)} is not ModelInvocationLog` };
  }
  const requestId = raw.requestId;
  if (typeof requestId !== "string" || requestId.length === 0 || requestId.length > MAX_REQUEST_ID) {
    return { kind: "reject", reason: `requestId: expected a non-empty string, got ${describe(requestId)}` };
  }
  const timestamp = raw.timestamp;
  const when = typeof timestamp === "string" ? utcHourOf(timestamp) : undefined;
  if (typeof timestamp !== "string" || !when) {
    return { kind: "reject", reason: `timestamp: expected an ISO 8601 time, got ${describe(timestamp)}` };
  }
  const modelId = raw.modelId;
  if (
    typeof modelId !== "string" ||
    modelId.length === 0 ||
    modelId.length > MAX_MODEL_ID ||
    CONTROL_SEPARATORS.test(modelId)
  ) {
    return { kind: "reject", reason: `modelId: expected a non-empty string, got ${describe(modelId)}` };
  }
  const accountId = optionalString(raw, "accountId", "accountId");
  if (accountId instanceof Error) return { kind: "reject", reason: accountId.message };
  const region = optionalString(raw, "region", "region");
  if (region instanceof Error) return { kind: "reject", reason: region.message };
  if (CONTROL_SEPARATORS.test(accountId ?? "") || CONTROL_SEPARATORS.test(region ?? "")) {
    return { kind: "reject", reason: "accountId/region: contains a control character" };
  }
  const operation = optionalString(raw, "operation", "operation");
  if (operation instanceof Error) return { kind: "reject", reason: operation.message };
  const errorCode = optionalString(raw, "errorCode", "errorCode");
  if (errorCode instanceof Error) return { kind: "reject", reason: errorCode.message };

  let identityArn: string | null = null;
  if (raw.identity !== undefined && raw.identity !== null) {
    if (!isObject(raw.identity))
      return { kind: "reject", reason: `identity: expected an object, got ${describe(raw.identity)}` };
    const arn = optionalString(raw.identity, "arn", "identity.arn");
    if (arn instanceof Error) return { kind: "reject", reason: arn.message };
    identityArn = arn;
  }

  const metadata: Record<string, string> = {};
  const rawMetadata = raw.requestMetadata;
  if (rawMetadata !== undefined && rawMetadata !== null) {
    if (!isObject(rawMetadata)) {
      return { kind: "reject", reason: `requestMetadata: expected an object, got ${describe(rawMetadata)}` };
    }
    const keys = Object.keys(rawMetadata);
    if (keys.length > MAX_METADATA_ENTRIES) {
      return { kind: "reject", reason: `requestMetadata: ${keys.length} entries; Bedrock allows at most 16` };
    }
    for (const key of keys) {
      const value = rawMetadata[key];
      const shownKey = key.length > 40 ? `${key.slice(0, 40)}…` : key;
      if (key.length === 0 || key.length > MAX_METADATA_KEY) {
        return {
          kind: "reject",
          reason: `requestMetadata: key of ${key.length} characters; Bedrock allows 1–256`,
        };
      }
      if (typeof value !== "string") {
        return {
          kind: "reject",
          reason: `requestMetadata.${shownKey}: expected a string, got ${describe(value)}`,
        };
      }
      if (value.length > MAX_METADATA_VALUE) {
        return {
          kind: "reject",
          reason: `requestMetadata.${shownKey}: value of ${value.length} characters; Bedrock allows at most 256`,
        };
      }
      if (CONTROL_SEPARATORS.test(value) || CONTROL_SEPARATORS.test(key)) {
        return {
          kind: "reject",
          reason: `requestMetadata.${shownKey}: contains a control character Bedrock does not allow`,
        };
      }
      metadata[key] = value;
    }
  }

  for (const section of ["input", "output"] as const) {
    const value = raw[section];
    if (value !== undefined && value !== null && !isObject(value)) {
      return { kind: "reject", reason: `${section}: expected an object, got ${describe(value)}` };
    }
  }
  const inputTokens = tokenCount(raw.input, "inputTokenCount", "input");
  if (inputTokens instanceof Error) return { kind: "reject", reason: inputTokens.message };
  const cacheReadTokens = tokenCount(raw.input, "cacheReadInputTokenCount", "input");
  if (cacheReadTokens instanceof Error) return { kind: "reject", reason: cacheReadTokens.message };
  const cacheWriteTokens = tokenCount(raw.input, "cacheWriteInputTokenCount", "input");
  if (cacheWriteTokens instanceof Error) return { kind: "reject", reason: cacheWriteTokens.message };
  // Embeddings have no outputTokenCount: 0.
  const outputTokens = tokenCount(raw.output, "outputTokenCount", "output");
  if (outputTokens instanceof Error) return { kind: "reject", reason: outputTokens.message };

  const failed = errorCode !== null && errorCode.length > 0;
  return {
    kind: "record",
    record: {
      requestId,
      timestamp,
      hour: when.hour,
      day: when.day,
      accountId,
      region,
      operation,
      modelId,
      identityArn,
      metadata,
      inputTokens: failed ? 0 : inputTokens,
      outputTokens: failed ? 0 : outputTokens,
      cacheReadTokens: failed ? 0 : cacheReadTokens,
      cacheWriteTokens: failed ? 0 : cacheWriteTokens,
      errorCode: failed ? errorCode : null,
      latencyMs: failed ? null : loggedLatencyMs(raw.output),
    },
  };
}

/**
 * `output.outputBodyJson.metrics.latencyMs`: records carry no latency field, but a logged Converse
 * response body does (docs/aws-facts.md). Null when bodies are not logged or it is not a count.
 */
function loggedLatencyMs(output: unknown): number | null {
  if (!isObject(output) || !isObject(output.outputBodyJson)) return null;
  const metrics = output.outputBodyJson.metrics;
  if (!isObject(metrics)) return null;
  const ms = metrics.latencyMs;
  return typeof ms === "number" && Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}
