/**
 * Where Bedrock puts things in the bucket (docs/aws-facts.md §1.2): hour folders by delivery time,
 * `<YYYYMMDDTHHmmssSSSZ>_<16 hex>.json.gz` objects, `data/` sidecars and the marker.
 */

/** The zero-byte object Bedrock writes under the configured prefix when logging is set up. */
export const PERMISSION_CHECK_MARKER = "amazon-bedrock-logs-permission-check";

/** Matches the key of every log object the simulator writes (relative to `--out`). */
export const LOG_OBJECT_KEY =
  /^AWSLogs\/(\d{12})\/BedrockModelInvocationLogs\/([a-z]{2}(?:-[a-z]+)+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{8}T\d{9}Z)_([0-9a-f]{16})\.json\.gz$/;

/** Matches the key of every sidecar body object. */
export const SIDECAR_KEY =
  /^AWSLogs\/(\d{12})\/BedrockModelInvocationLogs\/([a-z]{2}(?:-[a-z]+)+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/data\/[0-9a-f-]{36}_(input|output)\.json\.gz$/;

/**
 * The hour folder a delivery lands in.
 * @example hourPrefix("111122223333", "us-east-1", Date.UTC(2025, 2, 11, 7))
 * // "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/03/11/07"
 */
export function hourPrefix(account: string, region: string, hourMs: number): string {
  const iso = new Date(hourMs).toISOString();
  return `AWSLogs/${account}/BedrockModelInvocationLogs/${region}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`;
}

/**
 * A log object's file name from its delivery time.
 * @example objectFileName(Date.UTC(2025, 2, 11, 7, 4, 5, 6), "0123456789abcdef")
 * // "20250311T070405006Z_0123456789abcdef.json.gz"
 */
export function objectFileName(deliveryMs: number, hex16: string): string {
  const compact = new Date(deliveryMs).toISOString().replace(/[-:.]/g, "");
  return `${compact}_${hex16}.json.gz`;
}
