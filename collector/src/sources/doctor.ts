/**
 * `chargeback doctor`: is this account and region ready for collection? Each check reports ok /
 * fail / warn / skip with what it found and, on failure, the fix. Any failure → exit 1.
 */
import { z } from "zod";
import type { DoctorApis } from "./aws";
import { awsErrorName } from "./errors";

export type CheckStatus = "ok" | "fail" | "warn" | "skip";
export type Check = { name: string; status: CheckStatus; detail: string; fix?: string };

export type DoctorConfig = {
  /** The log group the collector queries (default: the one logging delivers to). */
  logGroupName?: string;
  /** The bucket holding the S3 delivery (default: the one logging delivers to). */
  bucket?: string;
  athena?: { catalog: string; database: string; table: string };
};

/** The IAM actions the collectors and doctor call. */
export const REQUIRED_PERMISSIONS = [
  "logs:StartQuery",
  "logs:GetQueryResults",
  "logs:StopQuery",
  "logs:DescribeLogGroups",
  "athena:StartQueryExecution",
  "athena:GetQueryExecution",
  "athena:GetQueryResults",
  "athena:GetTableMetadata",
  "glue:GetTable",
  "glue:GetDatabase",
  "s3:GetObject",
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:PutObject (Athena results location)",
  "bedrock:GetInferenceProfile",
  "bedrock:GetModelInvocationLoggingConfiguration",
];

const loggingSchema = z.object({
  loggingConfig: z
    .object({
      cloudWatchConfig: z
        .object({ logGroupName: z.string().optional(), roleArn: z.string().optional() })
        .optional(),
      s3Config: z.object({ bucketName: z.string().optional(), keyPrefix: z.string().optional() }).optional(),
      textDataDeliveryEnabled: z.boolean().optional(),
    })
    .optional(),
});

const logGroupsSchema = z.object({
  logGroups: z.array(z.object({ logGroupName: z.string().optional() })).optional(),
});

function denied(error: unknown): boolean {
  const name = awsErrorName(error);
  return (
    name === "AccessDeniedException" ||
    name === "AccessDenied" ||
    name === "Forbidden" ||
    name === "UnauthorizedOperation"
  );
}

function statusCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("$metadata" in error)) return undefined;
  const parsed = z.object({ httpStatusCode: z.number().optional() }).safeParse(error.$metadata);
  return parsed.success ? parsed.data.httpStatusCode : undefined;
}

/**
 * What went wrong, by name: the AWS error name, or for a request that never got an answer
 * (no HTTP status) the network code and message, since a bare "Error" tells nobody anything.
 */
export function describeProbeError(error: unknown): string {
  const name = awsErrorName(error);
  if (statusCode(error) !== undefined || (name !== "Error" && name !== "TypeError")) return name;
  const code =
    typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
      ? error.code
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message || name;
}

/** A probe that got no HTTP answer at all (refused, DNS, timeout): it says nothing of permissions. */
function unanswered(error: unknown): boolean {
  return statusCode(error) === undefined && !denied(error);
}

function accessFix(action: string): string {
  return `grant ${action} to this principal (IAM policy); the collector needs: ${REQUIRED_PERMISSIONS.join(", ")}`;
}

export async function runDoctor(apis: DoctorApis, config: DoctorConfig): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  /** Checks whose AWS probe never got an answer, with the first reason. */
  const unreached: { check: string; reason: string }[] = [];
  const probeFailed = (check: string, error: unknown) => {
    if (unanswered(error)) unreached.push({ check, reason: describeProbeError(error) });
    return describeProbeError(error);
  };

  try {
    const creds = await apis.credentials();
    add({
      name: "credentials",
      status: "ok",
      detail: `resolved by the credential provider chain (access key ${creds.accessKeyId.slice(0, 4)}…)`,
    });
  } catch (error) {
    add({
      name: "credentials",
      status: "fail",
      detail: `no credentials: ${error instanceof Error ? error.message : String(error)}`,
      fix: "set AWS_PROFILE (with `aws sso login`), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an instance/task role",
    });
    return checks;
  }

  const region = await apis.region();
  if (!region) {
    add({
      name: "region",
      status: "fail",
      detail: "no region configured",
      fix: "set AWS_REGION to the region your applications call Bedrock in",
    });
    return checks;
  }
  add({ name: "region", status: "ok", detail: region });

  let deliveredGroup: string | undefined;
  let deliveredBucket: string | undefined;
  try {
    const parsed = loggingSchema.safeParse(await apis.bedrock.getLoggingConfiguration());
    const cfg = parsed.success ? parsed.data.loggingConfig : undefined;
    deliveredGroup = cfg?.cloudWatchConfig?.logGroupName;
    deliveredBucket = cfg?.s3Config?.bucketName;
    if (!cfg || (!deliveredGroup && !deliveredBucket)) {
      add({
        name: "invocation logging",
        status: "fail",
        detail: `model invocation logging is OFF in ${region}: no logs, and requestMetadata tags are lost`,
        fix:
          "enable it per region (Bedrock console → Settings → Model invocation logging, or PutModelInvocationLoggingConfiguration) " +
          "with a CloudWatch log group and/or S3 bucket in this account and region. Logs not appearing? Check the region your apps call, " +
          "and the role's logs:CreateLogStream/PutLogEvents on the group",
      });
    } else {
      const where = [
        deliveredGroup ? `CloudWatch Logs group ${deliveredGroup}` : undefined,
        deliveredBucket
          ? `s3://${deliveredBucket}/${cfg.s3Config?.keyPrefix ? `${cfg.s3Config.keyPrefix}/` : ""}AWSLogs/…`
          : undefined,
      ].filter(Boolean);
      add({
        name: "invocation logging",
        status: "ok",
        detail: `on in ${region}; delivers to ${where.join(" and ")}`,
      });
    }
  } catch (error) {
    add({
      name: "invocation logging",
      status: "fail",
      detail: `GetModelInvocationLoggingConfiguration: ${probeFailed("invocation logging", error)}`,
      fix: denied(error)
        ? accessFix("bedrock:GetModelInvocationLoggingConfiguration")
        : "check the region and the Bedrock endpoint",
    });
  }

  const group = config.logGroupName ?? deliveredGroup;
  if (!group) add({ name: "log group", status: "skip", detail: "no log group configured or delivered to" });
  else {
    try {
      const parsed = logGroupsSchema.safeParse(await apis.describeLogGroups(group));
      const found = parsed.success && (parsed.data.logGroups ?? []).some((g) => g.logGroupName === group);
      if (found) {
        const mismatch = deliveredGroup && config.logGroupName && deliveredGroup !== config.logGroupName;
        add({
          name: "log group",
          status: mismatch ? "warn" : "ok",
          detail: mismatch ? `${group} exists, but logging delivers to ${deliveredGroup}` : `${group} exists`,
          ...(mismatch ? { fix: `collect from --log-group ${deliveredGroup}` } : {}),
        });
      } else {
        add({
          name: "log group",
          status: "fail",
          detail: `${group} not found in ${region}`,
          fix: "create the log group in the same region as logging (wrong region is the usual cause) or pass the right --log-group",
        });
      }
    } catch (error) {
      add({
        name: "log group",
        status: "fail",
        detail: `DescribeLogGroups: ${probeFailed("log group", error)}`,
        fix: denied(error) ? accessFix("logs:DescribeLogGroups") : "check the region",
      });
    }
  }

  const bucket = config.bucket ?? deliveredBucket;
  if (!bucket) add({ name: "bucket", status: "skip", detail: "no S3 bucket configured or delivered to" });
  else {
    try {
      await apis.headBucket(bucket);
      add({ name: "bucket", status: "ok", detail: `${bucket} is reachable` });
    } catch (error) {
      const code = statusCode(error);
      const name = probeFailed("bucket", error);
      if (code === 403 || denied(error)) {
        // S3 answers 404 for a missing bucket; 403 means it exists but HeadBucket (an unprefixed
        // ListBucket) is denied, which is what infra/'s least-privilege collector policy does.
        add({
          name: "bucket",
          status: "warn",
          detail: `HeadBucket ${bucket}: ${name} (HTTP 403): the bucket exists; listing it without a prefix is denied`,
          fix: "fine if the collector may list the log prefix (infra/ CollectorPolicy grants exactly that); otherwise grant s3:ListBucket on the log prefix and check the bucket policy",
        });
      } else
        add({
          name: "bucket",
          status: "fail",
          detail: `HeadBucket ${bucket}: ${name}${code ? ` (HTTP ${code})` : ""}`,
          fix:
            code === 301 || name === "PermanentRedirect"
              ? `the bucket is in another region: logging requires a bucket in ${region}`
              : "create the bucket or fix its name",
        });
    }
  }

  if (!config.athena)
    add({ name: "athena table", status: "skip", detail: "no Athena table configured (--database/--table)" });
  else {
    const { catalog, database, table } = config.athena;
    try {
      const meta = z
        .object({
          TableMetadata: z
            .object({
              Columns: z.array(z.object({ Name: z.string(), Type: z.string().optional() })).optional(),
            })
            .optional(),
        })
        .safeParse(
          await apis.athena.getTableMetadata({
            CatalogName: catalog,
            DatabaseName: database,
            TableName: table,
          }),
        );
      const columns = meta.success ? (meta.data.TableMetadata?.Columns ?? []) : [];
      const rm = columns.find((c) => c.Name.toLowerCase() === "requestmetadata");
      if (rm?.Type && rm.Type.replace(/\s/g, "").toLowerCase() !== "map<string,string>") {
        add({
          name: "athena table",
          status: "fail",
          detail: `${database}.${table}.requestMetadata is ${rm.Type}`,
          fix: "recreate the table with requestMetadata map<string,string> (`chargeback query --print athena-ddl`); metadata values must be strings",
        });
      } else
        add({
          name: "athena table",
          status: "ok",
          detail: `${database}.${table} exists (${columns.length} columns)`,
        });
    } catch (error) {
      add({
        name: "athena table",
        status: "fail",
        detail: `GetTableMetadata ${database}.${table}: ${probeFailed("athena table", error)}`,
        fix: denied(error)
          ? accessFix("athena:GetTableMetadata and glue:GetTable")
          : "create it with the DDL from `chargeback query athena-ddl --print`",
      });
    }
  }

  add(permissionsCheck(checks, unreached));
  add({
    name: "metadata values",
    status: "ok",
    detail:
      "requestMetadata must be string → string (1–16 entries, keys and values from [A-Za-z0-9 _.:/=+@-]); the wrapper enforces it",
  });
  return checks;
}

/**
 * Permissions are known only from probes AWS answered: denied ones fail; probes that never reached
 * AWS leave them unknown (a warning, never "every probe was allowed").
 */
function permissionsCheck(
  checks: readonly Check[],
  unreached: readonly { check: string; reason: string }[],
): Check {
  const deniedChecks = checks.filter((c) => c.status === "fail" && c.fix?.startsWith("grant"));
  if (deniedChecks.length > 0) {
    return {
      name: "permissions",
      status: "fail",
      detail: `access denied on: ${deniedChecks.map((c) => c.name).join(", ")}`,
      fix: accessFix("the actions above"),
    };
  }
  if (unreached.length > 0) {
    return {
      name: "permissions",
      status: "warn",
      detail: `unknown: ${unreached.length} probe(s) never reached AWS (${unreached.map((u) => u.check).join(", ")}; first: ${unreached[0]?.reason})`,
      fix: "check the network path to the AWS endpoints (proxy, VPC endpoints, --endpoint / CHARGEBACK_AWS_ENDPOINT), then run doctor again",
    };
  }
  return { name: "permissions", status: "ok", detail: "every probe was allowed" };
}

const MARK: Record<CheckStatus, string> = { ok: "[ok]  ", fail: "[FAIL]", warn: "[warn]", skip: "[skip]" };

/** The checklist as text. */
export function formatChecklist(checks: readonly Check[]): string {
  const lines = checks.flatMap((c) => [
    `${MARK[c.status]} ${c.name}: ${c.detail}`,
    ...(c.fix ? [`       fix: ${c.fix}`] : []),
  ]);
  const failed = checks.filter((c) => c.status === "fail").length;
  lines.push("", failed ? `${failed} check(s) failed` : "all checks passed");
  return `${lines.join("\n")}\n`;
}
