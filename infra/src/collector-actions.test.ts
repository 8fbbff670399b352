/**
 * Policy drift guard: every AWS SDK command the collector's code sends must map to an action in
 * the collector policy, and every action there must be needed (directly or by Athena).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createChargebackApp, INFRA_DIR } from "./app";
import { BACKUP_ACTIONS } from "./backup-access";

const COLLECTOR_SRC = join(INFRA_DIR, "..", "collector", "src");
/** The ledger runs in the same process as the collector (`chargeback collect`), so its calls count too. */
const LEDGER_SRC = join(INFRA_DIR, "..", "ledger", "src");

/** SDK command (as imported) → IAM action. Unknown commands fail the test: add them here and to the policy. */
const COMMAND_ACTIONS: Record<string, string[]> = {
  StartQueryCommand: ["logs:StartQuery"],
  GetQueryResultsCommand: ["logs:GetQueryResults"],
  StopQueryCommand: ["logs:StopQuery"],
  DescribeLogGroupsCommand: ["logs:DescribeLogGroups"],
  StartQueryExecutionCommand: ["athena:StartQueryExecution"],
  GetQueryExecutionCommand: ["athena:GetQueryExecution"],
  AthenaGetQueryResultsCommand: ["athena:GetQueryResults"],
  StopQueryExecutionCommand: ["athena:StopQueryExecution"],
  GetTableMetadataCommand: ["athena:GetTableMetadata"],
  GetInferenceProfileCommand: ["bedrock:GetInferenceProfile"],
  GetModelInvocationLoggingConfigurationCommand: ["bedrock:GetModelInvocationLoggingConfiguration"],
  GetObjectCommand: ["s3:GetObject"],
  HeadBucketCommand: ["s3:ListBucket"],
  paginateListObjectsV2: ["s3:ListBucket"],
  ListObjectsV2Command: ["s3:ListBucket"],
  PutMetricDataCommand: ["cloudwatch:PutMetricData"],
  GetProductsCommand: ["pricing:GetProducts"],
  GetCostAndUsageCommand: ["ce:GetCostAndUsage"],
  GetDimensionValuesCommand: ["ce:GetDimensionValues"],
};

/** What Athena does with the caller's credentials: Glue lookups and the results prefix. */
const ATHENA_IMPLIED = [
  "glue:GetDatabase",
  "glue:GetTable",
  "s3:GetBucketLocation",
  "s3:GetObject",
  "s3:PutObject",
  "s3:AbortMultipartUpload",
  "s3:ListBucket",
];

/**
 * Backups write, list and delete in the backup location the operator chooses, which the read-only
 * collector policy must never grant on the log bucket. What they need (BACKUP_ACTIONS, which the
 * service stack grants on its backup bucket) is stated in the README ("Backups"); this list is
 * checked against the backup code below.
 */
const BACKUP_FILE = join(LEDGER_SRC, "store", "backup.ts");
const BACKUP_COMMAND_ACTIONS: Record<string, string> = {
  PutObjectCommand: "s3:PutObject",
  GetObjectCommand: "s3:GetObject",
  ListObjectsV2Command: "s3:ListBucket",
  DeleteObjectCommand: "s3:DeleteObject",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // testing/ folders hold test support (seeding the loopback S3, the test engines), not the collector.
    if (entry.isDirectory()) return entry.name === "testing" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && path !== BACKUP_FILE
      ? [path]
      : [];
  });
}

function commandsIn(text: string): Set<string> {
  const used = new Set<string>();
  for (const m of text.matchAll(/new ([A-Z][A-Za-z0-9]+Command)\(|\b(paginate[A-Z][A-Za-z0-9]+)\(/g)) {
    const name = m[1] ?? m[2];
    if (name) used.add(name);
  }
  return used;
}

describe("collector policy vs collector code", () => {
  it("covers every command the collector sends, and nothing more", () => {
    const used = new Set<string>();
    for (const file of [...sourceFiles(COLLECTOR_SRC), ...sourceFiles(LEDGER_SRC)])
      for (const c of commandsIn(readFileSync(file, "utf8"))) used.add(c);
    const unknown = [...used].filter((c) => !(c in COMMAND_ACTIONS));
    expect(unknown, "commands without a known IAM action: map them and update the policy").toEqual([]);
    const needed = new Set([...[...used].flatMap((c) => COMMAND_ACTIONS[c] ?? []), ...ATHENA_IMPLIED]);

    const app = new App({ builtinCloudFormationValidation: false });
    const { collectorAccess } = createChargebackApp({ app });
    const policies = Template.fromStack(collectorAccess).findResources("AWS::IAM::ManagedPolicy");
    const collector = Object.values(policies).find((p) =>
      String(p.Properties.Description).startsWith("Bedrock Chargeback collector"),
    );
    const statements: { Action: string | string[] }[] = collector?.Properties.PolicyDocument.Statement ?? [];
    const granted = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    expect([...granted].sort()).toEqual([...needed].sort());
  });

  it("backups need exactly the actions the README states, on the backup location only", () => {
    const used = [...commandsIn(readFileSync(BACKUP_FILE, "utf8"))];
    expect(used.filter((c) => !(c in BACKUP_COMMAND_ACTIONS))).toEqual([]);
    expect([...new Set(used.map((c) => BACKUP_COMMAND_ACTIONS[c]))].sort()).toEqual([...BACKUP_ACTIONS]);
    const readme = readFileSync(join(INFRA_DIR, "..", "README.md"), "utf8");
    for (const action of BACKUP_ACTIONS) expect(readme).toContain(`\`${action}\``);
  });
});
