/** Builders for invocation-log records and objects in tests. Each test owns its folder. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

export type RecordOverrides = {
  requestId: string;
  timestamp?: string;
  modelId?: string;
  metadata?: Record<string, unknown> | null;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  errorCode?: string;
  accountId?: string;
  region?: string;
  identityArn?: string;
  operation?: string;
};

/** A Bedrock ModelInvocationLog record (docs/aws-facts.md §1.3), with token counts at the top level. */
export function invocationRecord(o: RecordOverrides): Record<string, unknown> {
  return {
    schemaType: "ModelInvocationLog",
    schemaVersion: "1.0",
    timestamp: o.timestamp ?? "2026-10-05T10:15:00.000Z",
    accountId: o.accountId ?? "111122223333",
    identity: { arn: o.identityArn ?? "arn:aws:sts::111122223333:assumed-role/app/session" },
    region: o.region ?? "us-east-1",
    requestId: o.requestId,
    operation: o.operation ?? "Converse",
    modelId: o.modelId ?? "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ...(o.metadata === null
      ? {}
      : {
          requestMetadata: o.metadata ?? {
            tenant_id: "acme",
            application_name: "support-assistant",
            cost_center: "CC-1001",
            environment: "production",
            team: "cx-platform",
            user_id: "u-1",
          },
        }),
    ...(o.errorCode
      ? { errorCode: o.errorCode, input: {}, output: {} }
      : {
          input: o.input ?? {
            inputContentType: "application/json",
            inputTokenCount: 100,
            cacheReadInputTokenCount: 0,
            cacheWriteInputTokenCount: 0,
          },
          output: o.output ?? { outputContentType: "application/json", outputTokenCount: 50 },
        }),
  };
}

export function tempDir(prefix = "cb-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function logKey(
  hourIso: string,
  name: string,
  account = "111122223333",
  region = "us-east-1",
): string {
  const [y, m, d, h] = [
    hourIso.slice(0, 4),
    hourIso.slice(5, 7),
    hourIso.slice(8, 10),
    hourIso.slice(11, 13),
  ];
  return `AWSLogs/${account}/BedrockModelInvocationLogs/${region}/${y}/${m}/${d}/${h}/${name}.json.gz`;
}

/** Writes `lines` (objects are JSON-encoded, strings written as they are) gzip'd at `root/key`. */
export function writeObject(
  root: string,
  key: string,
  lines: readonly (string | Record<string, unknown>)[],
): string {
  const path = join(root, key);
  mkdirSync(dirname(path), { recursive: true });
  const text = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
  writeFileSync(path, gzipSync(`${text}\n`));
  return path;
}

export function writeRaw(root: string, key: string, bytes: Buffer | string): string {
  const path = join(root, key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}
