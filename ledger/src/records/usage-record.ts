/** One Bedrock invocation, normalized from a ModelInvocationLog record. */
export type UsageRecord = {
  requestId: string;
  /** The record's own timestamp; it decides the hour and month (docs/rules.md rule 7). */
  timestamp: string;
  /** UTC hour start `YYYY-MM-DDTHH:00:00Z`. */
  hour: string;
  /** UTC day `YYYY-MM-DD`. */
  day: string;
  accountId: string | null;
  region: string | null;
  operation: string | null;
  modelId: string;
  identityArn: string | null;
  metadata: Record<string, string>;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Present on failed calls: counted as an error, carries no tokens (docs/rules.md rule 8). */
  errorCode: string | null;
  /** The logged response's `metrics.latencyMs` (Converse bodies, when logged; docs/aws-facts.md). */
  latencyMs?: number | null;
};
