/**
 * The service: one EC2 instance (an Auto Scaling group of exactly one) running `chargeback serve`
 * (API + dashboard) and `chargeback collect --watch` over one SQLite store on its encrypted EBS
 * root volume, backed up to a versioned S3 bucket and restored from it when a new instance starts.
 * Why one instance and not Lambda, Fargate or EFS: docs/adr/0008-deployment.md.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3assets from "aws-cdk-lib/aws-s3-assets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { backupStatements } from "../backup-access";
import { type InfraSettings, InfraSettingsError, type ServiceSettings } from "../settings";

/** Where backups go in the backup bucket (`serve --backup-to s3://<bucket>/chargeback/`). */
export const BACKUP_PREFIX = "chargeback/";
/** The port `chargeback serve` listens on (the API's default). */
export const API_PORT = 8787;
/** The files under infra/service/ that the instance runs, written into the user data. */
export const SERVICE_FILES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "service");

export type ServiceStackProps = StackProps & {
  settings: InfraSettings;
  service: ServiceSettings;
  /** infra/: the artifact path resolves against it. */
  baseDir: string;
  /** The CollectorAccess stack's policy, attached as it is (one list of collector actions). */
  collectorPolicy: iam.IManagedPolicy;
  /** The Monitoring stack's topic and alarm naming, for the service's own alarms. */
  alarmTopic: sns.ITopic;
  alarmPrefix: string;
  namespace: string;
  logGroupName: string;
};

export class ServiceStack extends Stack {
  readonly backupBucket: s3.Bucket;
  readonly adminKeySecret: secretsmanager.Secret;
  readonly role: iam.Role;
  readonly group: autoscaling.AutoScalingGroup;
  readonly logGroups: { api: logs.LogGroup; collector: logs.LogGroup; boot: logs.LogGroup };
  readonly loadBalancer: elbv2.ApplicationLoadBalancer | undefined;
  /** The CLI package tarball, uploaded as a file asset. */
  readonly cliPackage: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { settings, service } = props;
    const artifactPath = resolve(props.baseDir, service.artifactPath);
    if (!existsSync(artifactPath) || !statSync(artifactPath).isFile())
      throw new InfraSettingsError(
        `context "chargeback": service.artifactPath: ${artifactPath}: no such file; build the CLI package ` +
          "first (`pnpm --filter @bedrock-chargeback/cli pack`) and give its path relative to infra/",
      );

    this.backupBucket = new s3.Bucket(this, "BackupBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // Versioned: a pruned or overwritten backup stays recoverable for backupNoncurrentDays.
      versioned: true,
      // The backups are the billing history: kept when the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: "expire-old-backup-versions",
          noncurrentVersionExpiration: Duration.days(service.backupNoncurrentDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.adminKeySecret = new secretsmanager.Secret(this, "AdminKey", {
      description:
        "Bedrock Chargeback: the first admin API key, written by the instance when it creates the store",
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logGroup = (name: string, what: string) =>
      new logs.LogGroup(this, `${what}LogGroup`, {
        logGroupName: `/${settings.stackPrefix}/service/${name}`,
        retention: service.logRetentionDays,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.logGroups = {
      api: logGroup("api", "Api"),
      collector: logGroup("collector", "Collector"),
      boot: logGroup("boot", "Boot"),
    };

    const artifact = new s3assets.Asset(this, "CliPackage", { path: artifactPath });
    this.cliPackage = artifact;

    this.role = new iam.Role(this, "InstanceRole", {
      description: "Bedrock Chargeback service instance: collector, API, backups",
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      managedPolicies: [
        props.collectorPolicy,
        // Session Manager: shell and port forwarding without SSH or an open port.
        iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore"),
      ],
    });
    const servicePolicy = new iam.Policy(this, "ServicePolicy", {
      statements: [
        ...backupStatements(this.backupBucket, BACKUP_PREFIX),
        new iam.PolicyStatement({
          sid: "AdminKeyBootstrap",
          actions: ["secretsmanager:PutSecretValue"],
          resources: [this.adminKeySecret.secretArn],
        }),
        // What the CloudWatch agent calls for the files it ships (the groups exist already).
        new iam.PolicyStatement({
          sid: "ServiceLogs",
          actions: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          resources: Object.values(this.logGroups).map((g) => g.logGroupArn),
        }),
        new iam.PolicyStatement({
          sid: "CliPackage",
          actions: ["s3:GetObject"],
          resources: [artifact.bucket.arnForObjects(artifact.s3ObjectKey)],
        }),
      ],
    });
    this.role.attachInlinePolicy(servicePolicy);

    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      // No NAT gateway: the instance sits in a public subnet with a public address for egress
      // (npm, AWS APIs); its security group admits nothing from the internet.
      natGateways: 0,
      subnetConfiguration: [{ name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    const instanceSecurityGroup = new ec2.SecurityGroup(this, "InstanceSecurityGroup", {
      vpc,
      description: "Bedrock Chargeback instance: no inbound except the load balancer, if any",
      allowAllOutbound: true,
    });

    const serveArgs = [
      `--db /var/lib/chargeback/chargeback.db`,
      `--host ${service.ingress ? "0.0.0.0" : "127.0.0.1"}`,
      `--port ${API_PORT}`,
      `--backup-to s3://${this.backupBucket.bucketName}/${BACKUP_PREFIX}`,
      `--backup-every ${service.backupEvery}`,
      `--backup-keep ${service.backupKeep}`,
    ].join(" ");
    const env: Record<string, string> = {
      PATH: "/opt/chargeback/bin:/usr/local/bin:/usr/bin:/bin",
      AWS_REGION: Aws.REGION,
      AWS_DEFAULT_REGION: Aws.REGION,
      CHARGEBACK_DB: "/var/lib/chargeback/chargeback.db",
      // S3 backups are staged in the temporary folder: keep it on the store's volume, not in RAM.
      TMPDIR: "/var/lib/chargeback/tmp",
      CHARGEBACK_BACKUP_BUCKET: this.backupBucket.bucketName,
      CHARGEBACK_BACKUP_PREFIX: BACKUP_PREFIX,
      CHARGEBACK_ADMIN_SECRET_ID: this.adminKeySecret.secretArn,
      CHARGEBACK_SERVE_ARGS: serveArgs,
      CHARGEBACK_COLLECT_ARGS: collectArgs(settings, service, props.namespace, props.logGroupName),
    };
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...bootScript({
        env,
        nodeMajor: service.nodeMajor,
        artifactUrl: artifact.s3ObjectUrl,
        region: Aws.REGION,
        logGroups: {
          api: this.logGroups.api.logGroupName,
          collector: this.logGroups.collector.logGroupName,
          boot: this.logGroups.boot.logGroupName,
        },
      }),
    );

    const launchTemplate = new ec2.LaunchTemplate(this, "LaunchTemplate", {
      instanceType: new ec2.InstanceType(service.instanceType),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({
        cpuType:
          service.architecture === "arm64" ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
      }),
      role: this.role,
      userData,
      securityGroup: instanceSecurityGroup,
      associatePublicIpAddress: true,
      requireImdsv2: true,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: ec2.BlockDeviceVolume.ebs(service.volumeGb, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    // One instance in service, ever: min = max = 1, and replacements (health checks, instance
    // refresh) may not exceed 100 % of it (maintenance policy 0–100 %): the old instance is
    // terminated as the new one launches, never kept beside it (docs/adr/0008-deployment.md).
    this.group = new autoscaling.AutoScalingGroup(this, "Group", {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      launchTemplate,
      minCapacity: 1,
      maxCapacity: 1,
      desiredCapacity: 1,
      minHealthyPercentage: 0,
      maxHealthyPercentage: 100,
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: 0,
        maxHealthyPercentage: 100,
      }),
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(15) }),
    });

    const alarmAction = new cloudwatchActions.SnsAction(props.alarmTopic);
    const backupFailures = new logs.MetricFilter(this, "BackupFailuresFilter", {
      logGroup: this.logGroups.api,
      // `serve` reports a failed periodic backup as "backup: failed: …" (cli/src/backups.ts).
      filterPattern: logs.FilterPattern.literal('"backup: failed"'),
      metricNamespace: props.namespace,
      metricName: "BackupFailures",
      metricValue: "1",
      defaultValue: 0,
    });
    const backupAlarm = new cloudwatch.Alarm(this, "BackupFailuresAlarm", {
      alarmName: `${props.alarmPrefix}service:backup-failures`,
      alarmDescription: "A periodic backup of the store failed (see the API log group)",
      metric: backupFailures.metric({ statistic: "Sum", period: Duration.hours(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    backupAlarm.addAlarmAction(alarmAction);

    if (service.ingress) {
      const lbSecurityGroup = new ec2.SecurityGroup(this, "LoadBalancerSecurityGroup", {
        vpc,
        description: "Bedrock Chargeback API load balancer: HTTPS from the allowed ranges",
        allowAllOutbound: false,
      });
      for (const cidr of service.ingress.allowedCidrs)
        lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "HTTPS to the API");
      this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", {
        vpc,
        internetFacing: true,
        securityGroup: lbSecurityGroup,
        dropInvalidHeaderFields: true,
      });
      const listener = this.loadBalancer.addListener("Https", {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        certificates: [elbv2.ListenerCertificate.fromArn(service.ingress.certificateArn)],
        open: false,
      });
      const target = listener.addTargets("Api", {
        port: API_PORT,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targets: [this.group],
        healthCheck: { path: "/healthz", healthyHttpCodes: "200" },
        deregistrationDelay: Duration.seconds(30),
      });
      lbSecurityGroup.addEgressRule(instanceSecurityGroup, ec2.Port.tcp(API_PORT), "to the API");
      instanceSecurityGroup.addIngressRule(lbSecurityGroup, ec2.Port.tcp(API_PORT), "from the load balancer");
      const unhealthy = new cloudwatch.Alarm(this, "ApiUnhealthyAlarm", {
        alarmName: `${props.alarmPrefix}service:api-unhealthy`,
        alarmDescription: "The load balancer has no healthy API target (/healthz)",
        metric: target.metrics.healthyHostCount({ statistic: "Minimum", period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      unhealthy.addAlarmAction(alarmAction);
      new CfnOutput(this, "ApiUrl", { value: `https://${this.loadBalancer.loadBalancerDnsName}/` });
    }

    new CfnOutput(this, "BackupBucketName", { value: this.backupBucket.bucketName });
    new CfnOutput(this, "AdminKeySecretArn", { value: this.adminKeySecret.secretArn });
    new CfnOutput(this, "AutoScalingGroupName", { value: this.group.autoScalingGroupName });
    new CfnOutput(this, "ApiLogGroupName", { value: this.logGroups.api.logGroupName });
    new CfnOutput(this, "CollectorLogGroupName", { value: this.logGroups.collector.logGroupName });
  }
}

/** `chargeback collect` arguments: the configured source, `--watch`, and the metrics the alarms read. */
export function collectArgs(
  settings: InfraSettings,
  service: ServiceSettings,
  namespace: string,
  logGroupName: string,
): string {
  const source =
    service.collectSource === "athena"
      ? `--source athena --workgroup ${settings.athenaWorkgroup} --database ${settings.glueDatabase} --table ${settings.glueTable}`
      : `--source logs-insights --log-group ${logGroupName}`;
  return [
    source,
    "--db /var/lib/chargeback/chargeback.db",
    "--watch",
    `--interval ${service.collectIntervalSeconds}`,
    `--lookback-hours ${service.lookbackHours}`,
    "--publish-metrics",
    `--metrics-namespace ${namespace}`,
  ].join(" ");
}

/** A file under infra/service/, as the instance gets it. */
function serviceFile(name: string): string {
  return readFileSync(join(SERVICE_FILES_DIR, name), "utf8");
}

/** `cat > path <<'MARK'` with a quoted marker: the shell expands nothing inside. */
function writeFile(path: string, text: string, mode: string): string[] {
  const marker = "CHARGEBACK_FILE_END";
  if (text.split("\n").includes(marker)) throw new Error(`${path}: contains the heredoc marker`);
  return [
    `cat > ${path} <<'${marker}'`,
    ...text.replace(/\n$/, "").split("\n"),
    marker,
    `chmod ${mode} ${path}`,
  ];
}

/**
 * The first-boot script (cloud-init runs it once, as root): Node.js and the CloudWatch agent from
 * the Amazon Linux 2023 repositories, the CLI package from the asset bucket, the service user,
 * the environment file, the prepare/backup scripts and the systemd units from infra/service/.
 * No secret is in it: the admin key is created on the instance and written to Secrets Manager.
 */
export function bootScript(options: {
  env: Record<string, string>;
  nodeMajor: number;
  artifactUrl: string;
  region: string;
  logGroups: { api: string; collector: string; boot: string };
}): string[] {
  // Double-quoted: systemd keeps the spaces inside (the argument lists) and strips the quotes.
  const envFile = Object.entries(options.env)
    .map(([k, v]) => {
      if (/["\\\n]/.test(v))
        throw new Error(`${k}: a quote, backslash or newline cannot go in the environment file`);
      return `${k}="${v}"`;
    })
    .join("\n");
  const agentConfig = JSON.stringify(
    {
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              { file_path: "/var/log/chargeback/api.log", log_group_name: options.logGroups.api },
              { file_path: "/var/log/chargeback/prepare.log", log_group_name: options.logGroups.boot },
              { file_path: "/var/log/chargeback/collector.log", log_group_name: options.logGroups.collector },
              { file_path: "/var/log/cloud-init-output.log", log_group_name: options.logGroups.boot },
            ].map((f) => ({ ...f, log_stream_name: "{instance_id}" })),
          },
        },
      },
    },
    null,
    2,
  );
  const units = [
    "chargeback-prepare.service",
    "chargeback-final-backup.service",
    "chargeback-api.service",
    "chargeback-collect.service",
  ];
  const node = options.nodeMajor;
  return [
    "set -euo pipefail",
    `dnf install -y nodejs${node} nodejs${node}-npm amazon-cloudwatch-agent logrotate gcc-c++ make python3`,
    "useradd --system --home-dir /var/lib/chargeback --create-home --shell /sbin/nologin chargeback",
    "install -d -o chargeback -g chargeback -m 0750 /var/log/chargeback",
    "install -d -o chargeback -g chargeback -m 0700 /var/lib/chargeback/tmp",
    "install -d -m 0755 /opt/chargeback /etc/chargeback",
    `aws s3 cp --region ${options.region} ${options.artifactUrl} /opt/chargeback/chargeback-cli.tgz`,
    `npm-${node} install --global --prefix /opt/chargeback /opt/chargeback/chargeback-cli.tgz`,
    ...writeFile("/etc/chargeback/env", envFile, "0644"),
    ...writeFile("/opt/chargeback/chargeback-prepare.sh", serviceFile("chargeback-prepare.sh"), "0755"),
    ...writeFile(
      "/opt/chargeback/chargeback-final-backup.sh",
      serviceFile("chargeback-final-backup.sh"),
      "0755",
    ),
    ...units.flatMap((unit) => writeFile(`/etc/systemd/system/${unit}`, serviceFile(unit), "0644")),
    ...writeFile("/etc/logrotate.d/chargeback", serviceFile("chargeback.logrotate"), "0644"),
    ...writeFile("/opt/chargeback/cloudwatch-agent.json", agentConfig, "0644"),
    "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/chargeback/cloudwatch-agent.json -s",
    "systemctl daemon-reload",
    `systemctl enable --now logrotate.timer ${units.join(" ")}`,
  ];
}
