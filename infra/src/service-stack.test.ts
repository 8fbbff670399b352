/**
 * The Service stack (docs/adr/0008-deployment.md), synthesized offline: the instance role and its
 * exact actions, the store's volume and the one-instance group, the collector and API processes
 * and their arguments, the backup bucket, the log groups and the alarms.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChargebackApp, createChargebackApp } from "./app";
import { BACKUP_ACTIONS } from "./backup-access";
import { InfraSettingsError } from "./settings";
import { SERVICE_FILES_DIR } from "./stacks/service-stack";

const CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
let dir: string;
let artifactPath: string;

function build(service: Record<string, unknown> | undefined): ChargebackApp {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { chargeback: service ? { service } : {} },
  });
  return createChargebackApp({ app });
}

let plain: ChargebackApp;
let withIngress: ChargebackApp;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chargeback-service-"));
  artifactPath = join(dir, "bedrock-chargeback-cli-0.1.0.tgz");
  writeFileSync(artifactPath, "stand-in for the packed CLI");
  plain = build({ artifactPath });
  withIngress = build({
    artifactPath,
    collectSource: "athena",
    backupEvery: "6h",
    backupKeep: 28,
    ingress: { certificateArn: CERTIFICATE, allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"] },
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const template = (built: ChargebackApp) => {
  if (!built.service) throw new Error("no service stack");
  return Template.fromStack(built.service);
};
const resources = (built: ChargebackApp, type: string): Resource[] =>
  Object.values(template(built).findResources(type)) as Resource[];
const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

/**
 * The user data as the instance receives it, with every CloudFormation token replaced by a
 * stand-in at least as long as the value it resolves to (an ARN, a bucket name).
 */
function userDataText(built: ChargebackApp): string {
  const [launchTemplate] = resources(built, "AWS::EC2::LaunchTemplate");
  if (!launchTemplate) throw new Error("no launch template");
  const data = (launchTemplate.Properties.LaunchTemplateData as { UserData: unknown }).UserData;
  const render = (value: unknown): string => {
    if (typeof value === "string") return value;
    if (typeof value !== "object" || value === null) throw new Error(`unexpected ${String(value)}`);
    if ("Fn::Base64" in value) return render(value["Fn::Base64"]);
    if ("Fn::Join" in value) {
      const [sep, parts] = value["Fn::Join"] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if ("Fn::Sub" in value && typeof value["Fn::Sub"] === "string")
      return value["Fn::Sub"].replace(/\$\{[^}]+\}/g, `{${"x".repeat(63)}}`);
    if ("Ref" in value && value.Ref === "AWS::Region") return "ap-southeast-4";
    return `{${"x".repeat(200)}}`;
  };
  return render(data);
}

describe("registration", () => {
  it("adds <prefix>-Service only when the settings have `service`", () => {
    expect(build(undefined).service).toBeUndefined();
    expect(plain.service?.stackName).toBe("BedrockChargeback-Service");
    expect(plain.app.node.children.map((c) => c.node.id).sort()).toEqual([
      "BedrockChargeback-Analytics",
      "BedrockChargeback-CollectorAccess",
      "BedrockChargeback-Logging",
      "BedrockChargeback-Monitoring",
      "BedrockChargeback-Service",
    ]);
  });

  it("refuses a missing artifact, saying how to build it", () => {
    const missing = join(dir, "nope.tgz");
    expect(() => build({ artifactPath: missing })).toThrow(InfraSettingsError);
    expect(() => build({ artifactPath: missing })).toThrow(
      `service.artifactPath: ${missing}: no such file; build the CLI package first (\`pnpm --filter @bedrock-chargeback/cli pack\`)`,
    );
    expect(() => build({ artifactPath: dir })).toThrow("no such file");
  });

  it("refuses bad service settings by name", () => {
    expect(() => build({ artifactPath, backupKeep: 401 })).toThrow(/service\.backupKeep/);
    expect(() => build({ artifactPath, backupEvery: "1 hour" })).toThrow(/service\.backupEvery/);
    expect(() =>
      build({ artifactPath, ingress: { certificateArn: CERTIFICATE, allowedCidrs: ["0.0.0.0"] } }),
    ).toThrow(/service\.ingress\.allowedCidrs\.0/);
    expect(() => build({ artifactPath, nodeMajor: 18 })).toThrow(/service\.nodeMajor/);
  });
});

describe("instance role", () => {
  it("attaches the CollectorAccess stack's collector policy as is, and Session Manager", () => {
    const [role] = resources(plain, "AWS::IAM::Role");
    // The very policy object of the CollectorAccess stack (its logical id), imported, not a copy.
    const policyRef = plain.collectorAccess.resolve(
      plain.collectorAccess.collectorPolicy.managedPolicyArn,
    ) as {
      Ref: string;
    };
    expect(policyRef.Ref).toMatch(/^CollectorPolicy/);
    expect(role?.Properties.ManagedPolicyArns).toEqual([
      {
        "Fn::ImportValue": expect.stringMatching(
          new RegExp(`^BedrockChargeback-CollectorAccess:ExportsOutputRef${policyRef.Ref}[0-9A-F]{8}$`),
        ),
      },
      {
        "Fn::Join": [
          "",
          ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/AmazonSSMManagedInstanceCore"],
        ],
      },
    ]);
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" } }],
      Version: "2012-10-17",
    });
  });

  it("adds exactly the backup actions, the admin key write, log shipping and the package read", () => {
    const policies = resources(plain, "AWS::IAM::Policy");
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    if (!policy) throw new Error("no policy");
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(actionsOf(statements)).toEqual([
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
      "secretsmanager:PutSecretValue",
    ]);
    const sid = (id: string) => statements.find((s) => s.Sid === id);
    expect(actionsOf([sid("BackupList"), sid("BackupObjects")].filter((s) => s !== undefined))).toEqual([
      ...BACKUP_ACTIONS,
    ]);
    expect(sid("BackupList")).toMatchObject({
      Resource: { "Fn::GetAtt": [expect.stringMatching(/^BackupBucket/), "Arn"] },
      Condition: { StringLike: { "s3:prefix": ["chargeback/*"] } },
    });
    expect(JSON.stringify(sid("BackupObjects")?.Resource)).toMatch(/BackupBucket.*"\/chargeback\/\*"/);
    expect(sid("AdminKeyBootstrap")?.Resource).toEqual({ Ref: expect.stringMatching(/^AdminKey/) });
    expect(JSON.stringify(sid("ServiceLogs")?.Resource)).toMatch(
      /ApiLogGroup.*CollectorLogGroup.*BootLogGroup/,
    );
    // The package: the one asset object, not the whole asset bucket.
    expect(JSON.stringify(sid("CliPackage")?.Resource)).toMatch(
      /cdk-[a-z0-9]+-assets-.*\/[0-9a-f]{64}\.tgz"/,
    );
  });
});

describe("storage and compute", () => {
  it("runs exactly one instance; a replacement never keeps the old one in service beside the new", () => {
    const [group] = resources(plain, "AWS::AutoScaling::AutoScalingGroup");
    expect(group?.Properties).toMatchObject({
      MinSize: "1",
      MaxSize: "1",
      DesiredCapacity: "1",
      HealthCheckType: "EC2",
      InstanceMaintenancePolicy: { MinHealthyPercentage: 0, MaxHealthyPercentage: 100 },
    });
    template(plain).hasResource("AWS::AutoScaling::AutoScalingGroup", {
      UpdatePolicy: {
        AutoScalingInstanceRefresh: {
          Strategy: "Rolling",
          Preferences: { MinHealthyPercentage: 0, MaxHealthyPercentage: 100 },
        },
      },
    });
  });

  it("keeps the store on an encrypted gp3 root volume; IMDSv2 only; Graviton Amazon Linux 2023", () => {
    const [launchTemplate] = resources(plain, "AWS::EC2::LaunchTemplate");
    expect(launchTemplate?.Properties.LaunchTemplateData).toMatchObject({
      InstanceType: "t4g.small",
      BlockDeviceMappings: [
        {
          DeviceName: "/dev/xvda",
          Ebs: { VolumeSize: 20, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
        },
      ],
      MetadataOptions: { HttpTokens: "required" },
    });
    const parameters = template(plain).toJSON().Parameters as Record<string, { Default?: string }>;
    expect(Object.values(parameters).map((p) => p.Default)).toContain(
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
    );
  });

  it("admits nothing from outside without ingress: the API listens on 127.0.0.1", () => {
    expect(resources(plain, "AWS::ElasticLoadBalancingV2::LoadBalancer")).toHaveLength(0);
    expect(resources(plain, "AWS::EC2::SecurityGroupIngress")).toHaveLength(0);
    for (const group of resources(plain, "AWS::EC2::SecurityGroup"))
      expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(userDataText(plain)).toContain("--host 127.0.0.1 --port 8787");
  });

  it("with ingress: HTTPS on the load balancer from the allowed ranges only, the instance from the load balancer only", () => {
    template(withIngress).hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: CERTIFICATE }],
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    template(withIngress).hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: 8787,
      Protocol: "HTTP",
      HealthCheckPath: "/healthz",
      Matcher: { HttpCode: "200" },
    });
    const groups = resources(withIngress, "AWS::EC2::SecurityGroup");
    const lb = groups.find((g) => String(g.Properties.GroupDescription).includes("HTTPS from"));
    expect(lb?.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: "203.0.113.0/24", FromPort: 443, ToPort: 443, IpProtocol: "tcp" }),
      expect.objectContaining({ CidrIp: "198.51.100.7/32", FromPort: 443, ToPort: 443, IpProtocol: "tcp" }),
    ]);
    const ingress = resources(withIngress, "AWS::EC2::SecurityGroupIngress");
    expect(ingress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        FromPort: 8787,
        ToPort: 8787,
        SourceSecurityGroupId: {
          "Fn::GetAtt": [expect.stringMatching(/^LoadBalancerSecurityGroup/), "GroupId"],
        },
      }),
    ]);
    expect(userDataText(withIngress)).toContain("--host 0.0.0.0 --port 8787");
  });
});

describe("the processes", () => {
  it("runs collect --watch on the Logging stack's log group, publishing the metrics the alarms read", () => {
    const text = userDataText(plain);
    expect(text).toContain(
      'CHARGEBACK_COLLECT_ARGS="--source logs-insights --log-group /bedrock/model-invocations ' +
        "--db /var/lib/chargeback/chargeback.db --watch --interval 900 --lookback-hours 2 " +
        '--publish-metrics --metrics-namespace BedrockChargeback"\n',
    );
    expect(text).toMatch(
      /\nCHARGEBACK_SERVE_ARGS="--db \/var\/lib\/chargeback\/chargeback\.db --host 127\.0\.0\.1 --port 8787 --backup-to s3:\/\/\{x+\}\/chargeback\/ --backup-every 1h --backup-keep 72"\n/,
    );
  });

  it("with collectSource athena, queries the Analytics stack's workgroup and table", () => {
    const text = userDataText(withIngress);
    expect(text).toContain(
      'CHARGEBACK_COLLECT_ARGS="--source athena --workgroup bedrock-chargeback --database bedrock_logs ' +
        "--table bedrock_invocation_logs --db /var/lib/chargeback/chargeback.db --watch --interval 900",
    );
    expect(text).toContain('--backup-every 6h --backup-keep 28"\n');
  });

  it("writes every file of infra/service/ verbatim and enables the units", () => {
    const text = userDataText(plain);
    const files = readdirSync(SERVICE_FILES_DIR).sort();
    expect(files).toEqual([
      "chargeback-api.service",
      "chargeback-collect.service",
      "chargeback-final-backup.service",
      "chargeback-final-backup.sh",
      "chargeback-prepare.service",
      "chargeback-prepare.sh",
      "chargeback.logrotate",
    ]);
    for (const name of files) {
      const file = readFileSync(join(SERVICE_FILES_DIR, name), "utf8");
      expect(text, name).toContain(`<<'CHARGEBACK_FILE_END'\n${file}CHARGEBACK_FILE_END\n`);
    }
    expect(text).toContain(
      "systemctl enable --now logrotate.timer chargeback-prepare.service chargeback-final-backup.service chargeback-api.service chargeback-collect.service",
    );
    expect(text).toContain("dnf install -y nodejs22 nodejs22-npm amazon-cloudwatch-agent logrotate");
    // Backups are staged in TMPDIR: on the store's volume, created for the service user.
    expect(text).toContain('\nTMPDIR="/var/lib/chargeback/tmp"\n');
    expect(text).toContain("\ninstall -d -o chargeback -g chargeback -m 0700 /var/lib/chargeback/tmp\n");
    expect(text).toMatch(
      new RegExp(
        `\naws s3 cp --region ap-southeast-4 s3://cdk-[a-z0-9]+-assets-\\{x+\\}-\\{x+\\}/${plain.service?.cliPackage.assetHash}\\.tgz /opt/chargeback/chargeback-cli\\.tgz\n`,
      ),
    );
  });

  it("keeps the user data under EC2's 16 KB and free of secrets", () => {
    const text = userDataText(withIngress);
    expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024);
    expect(text).not.toMatch(/cb_[A-Za-z0-9_-]{20}/);
    expect(text).toContain('CHARGEBACK_ADMIN_SECRET_ID="{');
  });
});

describe("backups", () => {
  it("go to a versioned, encrypted, private, TLS-only bucket kept on delete, old versions expiring", () => {
    const [bucket] = resources(plain, "AWS::S3::Bucket");
    expect(bucket?.DeletionPolicy).toBe("Retain");
    expect(bucket?.Properties).toMatchObject({
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: "expire-old-backup-versions",
            Status: "Enabled",
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    });
    template(plain).hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("the admin key lives in a retained Secrets Manager secret", () => {
    const [secret] = resources(plain, "AWS::SecretsManager::Secret");
    expect(secret?.DeletionPolicy).toBe("Retain");
    expect(resources(plain, "AWS::SSM::Parameter")).toHaveLength(0);
  });
});

describe("logs and alarms", () => {
  it("ships the API, collector and boot logs to their own log groups", () => {
    const groups = resources(plain, "AWS::Logs::LogGroup").map((g) => g.Properties);
    expect(groups).toEqual([
      { LogGroupName: "/BedrockChargeback/service/api", RetentionInDays: 90 },
      { LogGroupName: "/BedrockChargeback/service/collector", RetentionInDays: 90 },
      { LogGroupName: "/BedrockChargeback/service/boot", RetentionInDays: 90 },
    ]);
    const text = userDataText(plain);
    const config = JSON.parse(
      text
        .split("cat > /opt/chargeback/cloudwatch-agent.json <<'CHARGEBACK_FILE_END'\n")[1]
        ?.split("\nCHARGEBACK_FILE_END")[0] ?? "{}",
    ) as {
      logs: { logs_collected: { files: { collect_list: { file_path: string; log_group_name: string }[] } } };
    };
    expect(
      config.logs.logs_collected.files.collect_list.map((f) => [f.file_path, f.log_group_name.slice(0, 1)]),
    ).toEqual([
      ["/var/log/chargeback/api.log", "{"],
      ["/var/log/chargeback/prepare.log", "{"],
      ["/var/log/chargeback/collector.log", "{"],
      ["/var/log/cloud-init-output.log", "{"],
    ]);
  });

  it("alarms on a failed backup and an unhealthy API, to the Monitoring stack's topic", () => {
    template(plain).hasResourceProperties("AWS::Logs::MetricFilter", {
      FilterPattern: '"backup: failed"',
      LogGroupName: { Ref: Match.stringLikeRegexp("^ApiLogGroup") },
      MetricTransformations: [
        {
          MetricNamespace: "BedrockChargeback",
          MetricName: "BackupFailures",
          MetricValue: "1",
          DefaultValue: 0,
        },
      ],
    });
    const topic = {
      "Fn::ImportValue": Match.stringLikeRegexp("^BedrockChargeback-Monitoring:ExportsOutputRefAlarmTopic"),
    };
    template(plain).hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "bedrock-chargeback:service:backup-failures",
      MetricName: "BackupFailures",
      Namespace: "BedrockChargeback",
      Statistic: "Sum",
      Period: 3600,
      Threshold: 1,
      AlarmActions: [topic],
    });
    expect(resources(plain, "AWS::CloudWatch::Alarm")).toHaveLength(1);
    template(withIngress).hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "bedrock-chargeback:service:api-unhealthy",
      MetricName: "HealthyHostCount",
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
      AlarmActions: [topic],
    });
  });

  it("the collector's lag and failure alarms read the namespace the service's collector publishes to", () => {
    const monitoring = Template.fromStack(plain.monitoring);
    for (const name of ["bedrock-chargeback:collector:lag", "bedrock-chargeback:collector:failures"])
      monitoring.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmName: name,
        Namespace: "BedrockChargeback",
      });
    expect(userDataText(plain)).toContain('--publish-metrics --metrics-namespace BedrockChargeback"\n');
  });
});
