/**
 * CDK assertions on every stack, plus a full synth into a temp dir with the built-in CloudFormation
 * validation turned strict. One app, synthesized once (Template.fromStack reuses the assembly).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAlarmsConfig } from "./alarms/config";
import { buildAlarmDefinitions } from "./alarms/definitions";
import { type ChargebackApp, createChargebackApp, INFRA_DIR, loadCdkJsonContext } from "./app";
import { GLUE_COLUMNS } from "./glue-columns";
import { parseInfraSettings } from "./settings";
import { LoggingStack } from "./stacks/logging-stack";

const settings = {
  budgets: [{ name: "Acme", scope: "tenant", scopeValue: "acme", amountUsd: "500", thresholds: [80, 100] }],
  alarmEmails: ["finops@example.com"],
  collectorTrust: { servicePrincipal: "ecs-tasks.amazonaws.com" },
};

let built: ChargebackApp;

beforeAll(() => {
  // Assertions use an app without the (slow, WASM) validation; the synth test below runs it.
  const app = new App({ builtinCloudFormationValidation: false, context: { chargeback: settings } });
  built = createChargebackApp({ app });
}, 120_000);

type Statement = {
  Effect: string;
  Action: string | string[];
  Condition?: unknown;
  Resource?: unknown;
  Sid?: string;
};
const actionsOf = (statements: Statement[]) =>
  [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

describe("cdk synth", () => {
  let outdir: string | undefined;
  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it("synthesizes cdk.json's app with the service: five templates, and the strict built-in validation finds nothing", () => {
    outdir = mkdtempSync(join(tmpdir(), "chargeback-cdk-"));
    const started = Date.now();
    const cdkJson = loadCdkJsonContext();
    expect(cdkJson["@aws-cdk/core:validateAgainstDefaultRules"]).toBe(true);
    // The service stack's artifact: a stand-in file (service-stack.test.ts covers what it becomes).
    const artifactPath = join(outdir, "cli-package.tgz");
    writeFileSync(artifactPath, "stand-in");
    const service = {
      artifactPath,
      ingress: {
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
        allowedCidrs: ["203.0.113.0/24"],
      },
    };
    const chargeback = { ...Object(cdkJson.chargeback), ...settings, service };
    const { app } = createChargebackApp({ outdir, context: { ...cdkJson, chargeback } });
    const assembly = app.synth();
    const elapsed = Date.now() - started;
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      "BedrockChargeback-Analytics",
      "BedrockChargeback-CollectorAccess",
      "BedrockChargeback-Logging",
      "BedrockChargeback-Monitoring",
      "BedrockChargeback-Service",
    ]);
    for (const stack of assembly.stacks) {
      const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), "utf8")) as {
        Resources: object;
      };
      expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    }
    const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8")) as {
      pluginReports: { violations: { ruleName: string; description: string }[] }[];
    };
    expect(report.pluginReports.flatMap((p) => p.violations)).toEqual([]);
    expect(elapsed).toBeLessThan(110_000);
  });
});

describe("logging stack", () => {
  const template = () => Template.fromStack(built.logging);

  it("blocks public access, enforces bucket ownership and TLS", () => {
    template().hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    });
    template().hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("lets only Bedrock, from this account, put objects under the AWSLogs prefix", () => {
    template().hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: "AllowBedrockLogDelivery",
            Effect: "Allow",
            Principal: { Service: "bedrock.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: {
              "Fn::Join": [
                "",
                [
                  { "Fn::GetAtt": [Match.stringLikeRegexp("^LogBucket"), "Arn"] },
                  "/bedrock/AWSLogs/",
                  { Ref: "AWS::AccountId" },
                  "/BedrockModelInvocationLogs/*",
                ],
              ],
            },
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: {
                "aws:SourceArn": {
                  "Fn::Join": [
                    "",
                    [
                      "arn:",
                      { Ref: "AWS::Partition" },
                      ":bedrock:",
                      { Ref: "AWS::Region" },
                      ":",
                      { Ref: "AWS::AccountId" },
                      ":*",
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
  });

  it("has a delivery role trusted by Bedrock with source conditions, writing only the Bedrock stream", () => {
    template().hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: "sts:AssumeRole",
            Effect: "Allow",
            Principal: { Service: "bedrock.amazonaws.com" },
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: { "aws:SourceArn": Match.anyValue() },
            },
          },
        ],
      },
    });
    template().hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          {
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Effect: "Allow",
            Resource: {
              "Fn::Join": [
                "",
                [
                  "arn:",
                  { Ref: "AWS::Partition" },
                  ":logs:",
                  { Ref: "AWS::Region" },
                  ":",
                  { Ref: "AWS::AccountId" },
                  ":log-group:/bedrock/model-invocations:log-stream:aws/bedrock/modelinvocations",
                ],
              ],
            },
          },
        ],
      },
    });
    template().hasResourceProperties("AWS::Logs::LogGroup", {
      LogGroupName: "/bedrock/model-invocations",
      RetentionInDays: 90,
    });
  });

  it("turns logging on through an AwsCustomResource (put on create/update, delete on delete)", () => {
    const resources = template().findResources("Custom::BedrockInvocationLogging");
    const [logging] = Object.values(resources);
    const text = JSON.stringify(logging?.Properties);
    expect(text).toContain(
      '\\"service\\":\\"Bedrock\\",\\"action\\":\\"PutModelInvocationLoggingConfiguration\\"',
    );
    expect(JSON.stringify(logging?.Properties.Update)).toContain("PutModelInvocationLoggingConfiguration");
    expect(logging?.Properties.Delete).toBe(
      '{"service":"Bedrock","action":"DeleteModelInvocationLoggingConfiguration","parameters":{}}',
    );
    expect(text).toContain('\\"textDataDeliveryEnabled\\":false');
    template().hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          {
            Action: [
              "bedrock:PutModelInvocationLoggingConfiguration",
              "bedrock:DeleteModelInvocationLoggingConfiguration",
            ],
            Effect: "Allow",
            Resource: "*",
          },
          {
            Action: "iam:PassRole",
            Effect: "Allow",
            Condition: { StringEquals: { "iam:PassedToService": "bedrock.amazonaws.com" } },
            Resource: { "Fn::GetAtt": [Match.stringLikeRegexp("^DeliveryRole"), "Arn"] },
          },
        ],
      },
    });
    // Put only after the bucket policy exists: Bedrock checks its access on put.
    const [entry] = Object.entries(template().findResources("Custom::BedrockInvocationLogging"));
    expect(entry?.[1].DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^LogBucketPolicy/),
        expect.stringMatching(/^DeliveryRole/),
      ]),
    );
  });

  it("with useKms: a rotating key whose policy lets Bedrock GenerateDataKey, and SSE-KMS on the bucket", () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new LoggingStack(app, "Kms", {
      settings: parseInfraSettings({ useKms: true, enableInvocationLogging: false }),
    });
    const kms = Template.fromStack(stack);
    kms.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: "AllowBedrockLogDeliveryEncryption",
            Principal: { Service: "bedrock.amazonaws.com" },
            Action: "kms:GenerateDataKey",
            Condition: Match.objectLike({ StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } }),
          }),
        ]),
      },
    });
    kms.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: "aws:kms" }) }),
        ],
      },
    });
    kms.resourceCountIs("Custom::BedrockInvocationLogging", 0);
  });
});

describe("analytics stack", () => {
  const template = () => Template.fromStack(built.analytics);

  it("defines the Glue table from the DDL columns with partition projection", () => {
    template().hasResourceProperties("AWS::Glue::Table", {
      DatabaseName: "bedrock_logs",
      TableInput: {
        Name: "bedrock_invocation_logs",
        TableType: "EXTERNAL_TABLE",
        PartitionKeys: [{ Name: "datehour", Type: "string" }],
        Parameters: Match.objectLike({
          "projection.enabled": "true",
          "projection.datehour.type": "date",
          "projection.datehour.format": "yyyy/MM/dd/HH",
          "projection.datehour.range": "2025/01/01/00,NOW",
          "projection.datehour.interval": "1",
          "projection.datehour.interval.unit": "HOURS",
        }),
        StorageDescriptor: Match.objectLike({
          Columns: GLUE_COLUMNS.map((c) => ({ Name: c.name, Type: c.type })),
          SerdeInfo: {
            SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            Parameters: { "ignore.malformed.json": "true" },
          },
          InputFormat: "org.apache.hadoop.mapred.TextInputFormat",
        }),
      },
    });
    const [table] = Object.values(template().findResources("AWS::Glue::Table"));
    expect(JSON.stringify(table?.Properties.TableInput.Parameters["storage.location.template"])).toContain(
      "/bedrock/AWSLogs/",
    );
    expect(JSON.stringify(table?.Properties.TableInput.Parameters["storage.location.template"])).toContain(
      `/${"$"}{datehour}/`,
    );
  });

  it("caps bytes scanned and enforces the workgroup's result location", () => {
    template().hasResourceProperties("AWS::Athena::WorkGroup", {
      Name: "bedrock-chargeback",
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10_240 * 1024 * 1024,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          OutputLocation: {
            "Fn::Join": [
              "",
              ["s3://", { Ref: Match.stringLikeRegexp("^ResultsBucket") }, "/athena-results/"],
            ],
          },
          EncryptionConfiguration: { EncryptionOption: "SSE_S3" },
        },
      },
    });
  });

  it("expires query results and blocks public access on the results bucket", () => {
    template().hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Id: "expire-athena-results",
            Prefix: "athena-results/",
            ExpirationInDays: 7,
            Status: "Enabled",
          }),
        ],
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      }),
    });
  });
});

describe("collector access stack", () => {
  const template = () => Template.fromStack(built.collectorAccess);
  const managed = () =>
    Object.values(template().findResources("AWS::IAM::ManagedPolicy")).map((r) => ({
      description: String(r.Properties.Description),
      statements: r.Properties.PolicyDocument.Statement as Statement[],
    }));

  it("grants the collector exactly the actions it calls", () => {
    const collector = managed().find((p) => p.description.startsWith("Bedrock Chargeback collector"));
    expect(actionsOf(collector?.statements ?? [])).toEqual([
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetTableMetadata",
      "athena:StartQueryExecution",
      "bedrock:GetInferenceProfile",
      "bedrock:GetModelInvocationLoggingConfiguration",
      "ce:GetCostAndUsage",
      "ce:GetDimensionValues",
      "cloudwatch:PutMetricData",
      "glue:GetDatabase",
      "glue:GetTable",
      "logs:DescribeLogGroups",
      "logs:GetQueryResults",
      "logs:StartQuery",
      "logs:StopQuery",
      "pricing:GetProducts",
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
    expect(collector?.statements.every((s) => s.Effect === "Allow")).toBe(true);
  });

  it("scopes metrics to the namespace, listing to the log prefix, queries to the log group and workgroup", () => {
    const statements =
      managed().find((p) => p.description.startsWith("Bedrock Chargeback collector"))?.statements ?? [];
    const sid = (id: string) => statements.find((s) => s.Sid === id);
    expect(sid("PutMetrics")).toMatchObject({
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "BedrockChargeback" } },
    });
    expect(JSON.stringify(sid("LogObjectsList")?.Condition)).toContain("/BedrockModelInvocationLogs/*");
    expect(JSON.stringify(sid("LogObjectsList")?.Condition)).toMatch(/"StringLike":\{"s3:prefix":\[/);
    expect(JSON.stringify(sid("LogsInsightsStart")?.Resource)).toContain(
      ":log-group:/bedrock/model-invocations:*",
    );
    expect(JSON.stringify(sid("AthenaQueries")?.Resource)).toContain(":workgroup/bedrock-chargeback");
    expect(JSON.stringify(sid("GlueTable")?.Resource)).toContain(
      ":table/bedrock_logs/bedrock_invocation_logs",
    );
    expect(JSON.stringify(sid("AthenaResultsReadWrite")?.Resource)).toContain("/athena-results/*");
  });

  it("keeps alarm management in its own policy, limited to the owned prefix", () => {
    const manager = managed().find((p) => p.description.includes("alarms plan/apply"));
    expect(actionsOf(manager?.statements ?? [])).toEqual([
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
    ]);
    expect(
      JSON.stringify(manager?.statements.find((s) => s.Sid === "ManageOwnedAlarms")?.Resource),
    ).toContain(":alarm:bedrock-chargeback:*");
    template().hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: "ecs-tasks.amazonaws.com" } })],
      },
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp("^CollectorPolicy") }],
    });
  });
});

describe("monitoring stack", () => {
  const template = () => Template.fromStack(built.monitoring);

  it("deploys exactly the alarm definitions, each wired to the topic", () => {
    const expected = buildAlarmDefinitions(loadAlarmsConfig(join(INFRA_DIR, "alarms.config.json")), [
      {
        name: "Acme",
        scope: "tenant",
        scopeValue: "acme",
        amountMicros: 500_000_000n,
        thresholds: [80, 100],
      },
    ]);
    const alarms = Object.values(template().findResources("AWS::CloudWatch::Alarm"));
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(expected.map((d) => d.AlarmName));
    const topic = Object.keys(template().findResources("AWS::SNS::Topic"));
    expect(topic).toHaveLength(1);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic[0] }]);
    template().hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "bedrock-chargeback:budget:tenant:acme:80pct",
      MetricName: "MonthToDateCostUSD",
      Namespace: "BedrockChargeback",
      Dimensions: [{ Name: "Tenant", Value: "acme" }],
      Threshold: 400,
      Tags: [{ Key: "managed-by", Value: "bedrock-chargeback-cloudformation" }],
    });
    template().hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "bedrock-chargeback:anomaly:CostUSD:total",
      ThresholdMetricId: "ad1",
      Metrics: Match.arrayWith([
        Match.objectLike({ Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)" }),
      ]),
    });
    template().hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "finops@example.com",
    });
  });

  it("has a dashboard with totals, per-application, trend, per-cost-center and recent-requests widgets", () => {
    const [dashboard] = Object.values(template().findResources("AWS::CloudWatch::Dashboard"));
    const parts = dashboard?.Properties.DashboardBody["Fn::Join"][1] as unknown[];
    const body = JSON.parse(parts.map((p) => (typeof p === "string" ? p : "us-east-1")).join("")) as {
      widgets: { type: string; properties: { title: string; query?: string; metrics?: unknown[] } }[];
    };
    const byTitle = new Map(body.widgets.map((w) => [w.properties.title, w]));
    expect([...byTitle.keys()]).toEqual([
      "Month-to-date cost (USD)",
      "Total tokens per hour (all four buckets)",
      "Cost per hour (USD) — trend",
      "Tokens per hour by application",
      "Cost per hour by cost center (USD)",
      "Cost per hour by tenant (top N + other)",
      "Log delivery failures and collector lag",
      "Recent requests",
    ]);
    expect(byTitle.get("Tokens per hour by application")?.properties.metrics).toEqual([
      [
        {
          expression: `SEARCH('{BedrockChargeback,Application} MetricName="Tokens"', 'Maximum', 3600)`,
          period: 3600,
        },
      ],
    ]);
    expect(byTitle.get("Cost per hour by cost center (USD)")?.properties.metrics).toEqual([
      [
        {
          expression: `SEARCH('{BedrockChargeback,CostCenter} MetricName="CostUSD"', 'Maximum', 3600)`,
          period: 3600,
        },
      ],
    ]);
    const recent = byTitle.get("Recent requests");
    expect(recent?.type).toBe("log");
    expect(recent?.properties.query?.split("\n| ")).toEqual([
      "SOURCE '/bedrock/model-invocations' | fields @timestamp, requestMetadata.tenant_id as tenant, requestMetadata.application_name as application, requestMetadata.cost_center as cost_center, modelId, input.inputTokenCount as input_tokens, output.outputTokenCount as output_tokens, input.cacheReadInputTokenCount as cache_read, input.cacheWriteInputTokenCount as cache_write, errorCode",
      'filter schemaType = "ModelInvocationLog"',
      "sort @timestamp desc",
      "limit 50",
    ]);
  });
});
