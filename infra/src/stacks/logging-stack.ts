/**
 * Where Bedrock writes invocation logs (docs/aws-facts.md §1.1): a log group plus the role Bedrock assumes
 * to write into it, an S3 bucket with the Bedrock delivery policy, optionally a KMS key, and the
 * account/Region-wide logging configuration itself through a custom resource (there is no native
 * CloudFormation resource, docs/aws-facts.md §9).
 */
import { ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as cr from "aws-cdk-lib/custom-resources";
import type { Construct } from "constructs";
import type { InfraSettings } from "../settings";

/** The stream Bedrock writes to; its name is fixed by the service. */
export const BEDROCK_LOG_STREAM = "aws/bedrock/modelinvocations";
const BEDROCK_PRINCIPAL = "bedrock.amazonaws.com";

export type LoggingStackProps = StackProps & { settings: InfraSettings };

/** `prefix/` or "" — S3 key prefixes are joined without a leading slash. */
export function keyPrefixPath(prefix: string): string {
  return prefix === "" ? "" : `${prefix}/`;
}

export class LoggingStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly logGroup: logs.LogGroup;
  readonly deliveryRole: iam.Role;
  readonly key: kms.Key | undefined;
  /** `<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/` */
  readonly logObjectsPrefix: string;

  constructor(scope: Construct, id: string, props: LoggingStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const sourceConditions = {
      StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
      ArnLike: { "aws:SourceArn": `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    };
    this.logObjectsPrefix = `${keyPrefixPath(settings.logKeyPrefix)}AWSLogs/${Aws.ACCOUNT_ID}/BedrockModelInvocationLogs/`;

    if (settings.useKms) {
      this.key = new kms.Key(this, "LogKey", {
        description: "Bedrock model invocation logs (S3)",
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: "AllowBedrockLogDeliveryEncryption",
          principals: [new iam.ServicePrincipal(BEDROCK_PRINCIPAL)],
          actions: ["kms:GenerateDataKey"],
          resources: ["*"],
          conditions: sourceConditions,
        }),
      );
    }

    this.bucket = new s3.Bucket(this, "LogBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // ACLs disabled: required by Bedrock's S3 delivery.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      encryption: this.key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      bucketKeyEnabled: this.key ? true : undefined,
      versioned: false,
      // The logs are the billing evidence: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules:
        settings.logExpirationDays > 0
          ? [{ id: "expire-invocation-logs", expiration: Duration.days(settings.logExpirationDays) }]
          : [],
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowBedrockLogDelivery",
        principals: [new iam.ServicePrincipal(BEDROCK_PRINCIPAL)],
        actions: ["s3:PutObject"],
        resources: [this.bucket.arnForObjects(`${this.logObjectsPrefix}*`)],
        conditions: sourceConditions,
      }),
    );

    this.logGroup = new logs.LogGroup(this, "InvocationLogGroup", {
      logGroupName: settings.logGroupName,
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deliveryRole = new iam.Role(this, "DeliveryRole", {
      description: "Assumed by Bedrock to write model invocation logs to CloudWatch Logs",
      assumedBy: new iam.ServicePrincipal(BEDROCK_PRINCIPAL).withConditions(sourceConditions),
    });
    this.deliveryRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [
          this.formatArn({
            service: "logs",
            resource: "log-group",
            resourceName: `${settings.logGroupName}:log-stream:${BEDROCK_LOG_STREAM}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    if (settings.enableInvocationLogging) this.enableInvocationLogging(settings);

    new CfnOutput(this, "LogBucketName", { value: this.bucket.bucketName });
    new CfnOutput(this, "LogGroupName", { value: this.logGroup.logGroupName });
    new CfnOutput(this, "LogObjectsPrefix", { value: this.logObjectsPrefix });
  }

  private enableInvocationLogging(settings: InfraSettings): void {
    const prefix = settings.logKeyPrefix;
    const loggingConfig = {
      cloudWatchConfig: {
        logGroupName: this.logGroup.logGroupName,
        roleArn: this.deliveryRole.roleArn,
        // Same prefix as s3Config: sidecars land under `…/HH/data/`, inside the bucket policy's grant.
        largeDataDeliveryS3Config: { bucketName: this.bucket.bucketName, keyPrefix: prefix },
      },
      s3Config: { bucketName: this.bucket.bucketName, keyPrefix: prefix },
      textDataDeliveryEnabled: settings.textDataDelivery,
      imageDataDeliveryEnabled: false,
      embeddingDataDeliveryEnabled: false,
    };
    // One configuration per account and Region: the physical id says so.
    const physicalResourceId = cr.PhysicalResourceId.of(
      `bedrock-invocation-logging-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
    );
    const put: cr.AwsSdkCall = {
      service: "Bedrock",
      action: "PutModelInvocationLoggingConfiguration",
      parameters: { loggingConfig },
      physicalResourceId,
    };
    const logging = new cr.AwsCustomResource(this, "InvocationLogging", {
      resourceType: "Custom::BedrockInvocationLogging",
      onCreate: put,
      onUpdate: put,
      onDelete: { service: "Bedrock", action: "DeleteModelInvocationLoggingConfiguration", parameters: {} },
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: [
            "bedrock:PutModelInvocationLoggingConfiguration",
            "bedrock:DeleteModelInvocationLoggingConfiguration",
          ],
          resources: ["*"],
        }),
        new iam.PolicyStatement({
          actions: ["iam:PassRole"],
          resources: [this.deliveryRole.roleArn],
          conditions: { StringEquals: { "iam:PassedToService": BEDROCK_PRINCIPAL } },
        }),
      ]),
    });
    // Bedrock checks its access (writes a permission-check object) when the configuration is put.
    const bucketPolicy = this.bucket.policy;
    if (bucketPolicy) logging.node.addDependency(bucketPolicy);
    logging.node.addDependency(this.deliveryRole);
    logging.node.addDependency(this.logGroup);
  }
}
