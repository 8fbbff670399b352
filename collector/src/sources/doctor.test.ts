import { AthenaClient, GetTableMetadataCommand } from "@aws-sdk/client-athena";
import { BedrockClient, GetModelInvocationLoggingConfigurationCommand } from "@aws-sdk/client-bedrock";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createAwsClients, doctorApis } from "./aws";
import { formatChecklist, runDoctor } from "./doctor";

const bedrock = mockClient(BedrockClient);
const logs = mockClient(CloudWatchLogsClient);
const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
const awsError = (name: string, httpStatusCode = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

const apis = () =>
  doctorApis(
    createAwsClients({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDDOCTOR", secretAccessKey: "s" },
    }),
  );
const athenaConfig = {
  catalog: "AwsDataCatalog",
  database: "bedrock_logs",
  table: "bedrock_invocation_logs",
};

function healthy() {
  bedrock.on(GetModelInvocationLoggingConfigurationCommand).resolves({
    loggingConfig: {
      cloudWatchConfig: { logGroupName: "/bedrock/invocations", roleArn: "arn:aws:iam::1:role/x" },
      s3Config: { bucketName: "acme-logs", keyPrefix: "bedrock" },
    },
  });
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: "/bedrock/invocations" }] });
  s3.on(HeadBucketCommand).resolves({});
  athena.on(GetTableMetadataCommand).resolves({
    TableMetadata: {
      Name: "bedrock_invocation_logs",
      Columns: [
        { Name: "requestmetadata", Type: "map<string,string>" },
        { Name: "modelid", Type: "string" },
      ],
    },
  });
}

beforeEach(() => {
  bedrock.reset();
  logs.reset();
  s3.reset();
  athena.reset();
});

describe("doctor", () => {
  it("passes every check on a ready account and says where logs go", async () => {
    healthy();
    const checks = await runDoctor(apis(), { athena: athenaConfig });
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ["credentials", "ok"],
      ["region", "ok"],
      ["invocation logging", "ok"],
      ["log group", "ok"],
      ["bucket", "ok"],
      ["athena table", "ok"],
      ["permissions", "ok"],
      ["metadata values", "ok"],
    ]);
    expect(checks[0]?.detail).toBe("resolved by the credential provider chain (access key AKID…)");
    expect(checks[2]?.detail).toBe(
      "on in eu-west-1; delivers to CloudWatch Logs group /bedrock/invocations and s3://acme-logs/bedrock/AWSLogs/…",
    );
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, {
      logGroupNamePrefix: "/bedrock/invocations",
    });
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: "acme-logs" });
    expect(athena).toHaveReceivedCommandWith(GetTableMetadataCommand, {
      CatalogName: "AwsDataCatalog",
      DatabaseName: "bedrock_logs",
      TableName: "bedrock_invocation_logs",
    });
    expect(formatChecklist(checks).endsWith("all checks passed\n")).toBe(true);
  });

  it("fails with the fix when invocation logging is off (logs not appearing)", async () => {
    healthy();
    bedrock.on(GetModelInvocationLoggingConfigurationCommand).resolves({});
    const checks = await runDoctor(apis(), {});
    const logging = checks.find((c) => c.name === "invocation logging");
    expect(logging).toMatchObject({
      status: "fail",
      detail: "model invocation logging is OFF in eu-west-1: no logs, and requestMetadata tags are lost",
    });
    expect(logging?.fix).toContain("PutModelInvocationLoggingConfiguration");
    expect(checks.find((c) => c.name === "log group")?.status).toBe("skip");
    expect(formatChecklist(checks)).toContain("[FAIL] invocation logging");
  });

  it("names the missing permission on AccessDenied", async () => {
    healthy();
    logs.on(DescribeLogGroupsCommand).rejects(awsError("AccessDeniedException"));
    athena.on(GetTableMetadataCommand).rejects(awsError("AccessDeniedException"));
    const checks = await runDoctor(apis(), { athena: athenaConfig });
    expect(checks.find((c) => c.name === "log group")).toMatchObject({
      status: "fail",
      detail: "DescribeLogGroups: AccessDeniedException",
    });
    expect(checks.find((c) => c.name === "log group")?.fix).toMatch(
      /^grant logs:DescribeLogGroups to this principal/,
    );
    expect(checks.find((c) => c.name === "permissions")).toMatchObject({
      status: "fail",
      detail: "access denied on: log group, athena table",
    });
  });

  it("spots a log group or bucket in the wrong region", async () => {
    healthy();
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: "/bedrock/invocations-old" }] });
    s3.on(HeadBucketCommand).rejects(awsError("PermanentRedirect", 301));
    const checks = await runDoctor(apis(), {});
    expect(checks.find((c) => c.name === "log group")).toMatchObject({
      status: "fail",
      detail: "/bedrock/invocations not found in eu-west-1",
    });
    expect(checks.find((c) => c.name === "bucket")).toMatchObject({
      status: "fail",
      detail: "HeadBucket acme-logs: PermanentRedirect (HTTP 301)",
      fix: "the bucket is in another region: logging requires a bucket in eu-west-1",
    });
  });

  it("reads a 403 on HeadBucket as an existing bucket the least-privilege policy will not list unprefixed", async () => {
    healthy();
    s3.on(HeadBucketCommand).rejects(awsError("Forbidden", 403));
    const checks = await runDoctor(apis(), {});
    expect(checks.find((c) => c.name === "bucket")).toMatchObject({
      status: "warn",
      detail:
        "HeadBucket acme-logs: Forbidden (HTTP 403): the bucket exists; listing it without a prefix is denied",
    });
    s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
    const missing = await runDoctor(apis(), {});
    expect(missing.find((c) => c.name === "bucket")).toMatchObject({
      status: "fail",
      fix: "create the bucket or fix its name",
    });
  });

  it("warns when the configured log group is not where logging delivers", async () => {
    healthy();
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: "/other" }] });
    const checks = await runDoctor(apis(), { logGroupName: "/other" });
    expect(checks.find((c) => c.name === "log group")).toMatchObject({
      status: "warn",
      fix: "collect from --log-group /bedrock/invocations",
    });
  });

  it("fails an Athena table whose requestMetadata is not map<string,string>, and a missing table", async () => {
    healthy();
    athena.on(GetTableMetadataCommand).resolves({
      TableMetadata: { Name: "t", Columns: [{ Name: "requestmetadata", Type: "struct<tenant_id:int>" }] },
    });
    let checks = await runDoctor(apis(), { athena: athenaConfig });
    expect(checks.find((c) => c.name === "athena table")).toMatchObject({
      status: "fail",
      detail: "bedrock_logs.bedrock_invocation_logs.requestMetadata is struct<tenant_id:int>",
    });
    athena.on(GetTableMetadataCommand).rejects(awsError("MetadataException"));
    checks = await runDoctor(apis(), { athena: athenaConfig });
    expect(checks.find((c) => c.name === "athena table")?.fix).toContain("athena-ddl");
  });

  it("stops early without credentials or region", async () => {
    const base = apis();
    let checks = await runDoctor(
      {
        ...base,
        credentials: () => Promise.reject(new Error("Could not load credentials from any providers")),
      },
      {},
    );
    expect(checks).toEqual([
      expect.objectContaining({
        name: "credentials",
        status: "fail",
        detail: "no credentials: Could not load credentials from any providers",
      }),
    ]);
    checks = await runDoctor({ ...base, region: async () => undefined }, {});
    expect(checks.map((c) => `${c.name}:${c.status}`)).toEqual(["credentials:ok", "region:fail"]);
  });

  it("never calls permissions ok when no probe reached AWS, and names the network error", async () => {
    const refused = () =>
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    bedrock.on(GetModelInvocationLoggingConfigurationCommand).rejects(refused());
    logs.on(DescribeLogGroupsCommand).rejects(refused());
    s3.on(HeadBucketCommand).rejects(refused());
    athena.on(GetTableMetadataCommand).rejects(refused());
    const checks = await runDoctor(apis(), { logGroupName: "/g", bucket: "b", athena: athenaConfig });
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get("invocation logging")?.detail).toBe(
      "GetModelInvocationLoggingConfiguration: connect ECONNREFUSED 127.0.0.1:9",
    );
    expect(byName.get("bucket")?.detail).toBe("HeadBucket b: connect ECONNREFUSED 127.0.0.1:9");
    expect(byName.get("permissions")).toMatchObject({
      status: "warn",
      detail:
        "unknown: 4 probe(s) never reached AWS (invocation logging, log group, bucket, athena table; first: connect ECONNREFUSED 127.0.0.1:9)",
    });
    expect(formatChecklist(checks)).not.toMatch(/: Error\b|every probe was allowed/);
  });
});
