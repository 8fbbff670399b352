/**
 * Least privilege for the collector: exactly the actions its code calls (collector/src/sources,
 * ingest, metrics), each scoped to the log group, the log prefix, the workgroup, the Glue table,
 * the results prefix and the metric namespace. `alarms apply` is an operator task with its own
 * policy, never attached to the collector role (a compromised collector cannot mute alarms).
 */
import { Aws, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { InfraSettings } from "../settings";

export type CollectorAccessStackProps = StackProps & {
  settings: InfraSettings;
  namespace: string;
  alarmPrefix: string;
  logBucket: s3.IBucket;
  logKey: kms.IKey | undefined;
  logObjectsPrefix: string;
  logGroupName: string;
  resultsBucket: s3.IBucket;
  resultsPrefix: string;
};

export class CollectorAccessStack extends Stack {
  readonly collectorPolicy: iam.ManagedPolicy;
  readonly alarmsManagerPolicy: iam.ManagedPolicy;
  readonly collectorRole: iam.Role | undefined;

  constructor(scope: Construct, id: string, props: CollectorAccessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const statement = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, unknown>,
    ) => new iam.PolicyStatement({ sid, actions, resources, conditions });

    const statements = [
      // Logs Insights: StartQuery is scoped to the log group; results and stop take only "*".
      statement(
        "LogsInsightsStart",
        ["logs:StartQuery"],
        [arn("logs", `log-group:${settings.logGroupName}:*`)],
      ),
      statement("LogsInsightsResults", ["logs:GetQueryResults", "logs:StopQuery"], ["*"]),
      // `chargeback doctor` checks the log group exists.
      statement("LogsDescribe", ["logs:DescribeLogGroups"], [arn("logs", "log-group:*")]),
      statement(
        "AthenaQueries",
        ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"],
        [arn("athena", `workgroup/${settings.athenaWorkgroup}`)],
      ),
      statement(
        "AthenaTableMetadata",
        ["athena:GetTableMetadata"],
        [arn("athena", "datacatalog/AwsDataCatalog")],
      ),
      // What Athena needs from Glue for a projected table (no GetPartitions: projection skips it).
      statement(
        "GlueTable",
        ["glue:GetDatabase", "glue:GetTable"],
        [
          arn("glue", "catalog"),
          arn("glue", `database/${settings.glueDatabase}`),
          arn("glue", `table/${settings.glueDatabase}/${settings.glueTable}`),
        ],
      ),
      statement("LogObjectsList", ["s3:ListBucket"], [props.logBucket.bucketArn], {
        StringLike: { "s3:prefix": [`${props.logObjectsPrefix}*`] },
      }),
      statement(
        "LogObjectsRead",
        ["s3:GetObject"],
        [props.logBucket.arnForObjects(`${props.logObjectsPrefix}*`)],
      ),
      statement(
        "BucketLocation",
        ["s3:GetBucketLocation"],
        [props.logBucket.bucketArn, props.resultsBucket.bucketArn],
      ),
      statement("AthenaResultsList", ["s3:ListBucket"], [props.resultsBucket.bucketArn], {
        StringLike: { "s3:prefix": [`${props.resultsPrefix}*`] },
      }),
      statement(
        "AthenaResultsReadWrite",
        ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        [props.resultsBucket.arnForObjects(`${props.resultsPrefix}*`)],
      ),
      statement(
        "BedrockProfiles",
        ["bedrock:GetInferenceProfile"],
        [
          `arn:${Aws.PARTITION}:bedrock:*:${Aws.ACCOUNT_ID}:application-inference-profile/*`,
          `arn:${Aws.PARTITION}:bedrock:*:${Aws.ACCOUNT_ID}:inference-profile/*`,
        ],
      ),
      statement("BedrockLoggingConfig", ["bedrock:GetModelInvocationLoggingConfiguration"], ["*"]),
      // `chargeback prices sync`: the public AWS Price List (docs/billing-facts.md §1.1); no resource ARNs.
      statement("PriceList", ["pricing:GetProducts"], ["*"]),
      // `chargeback reconcile --cost-explorer`: the month's Bedrock bill (docs/billing-facts.md §3);
      // Cost Explorer has no resource ARNs, and every request costs $0.01.
      statement("CostExplorer", ["ce:GetCostAndUsage", "ce:GetDimensionValues"], ["*"]),
      statement("PutMetrics", ["cloudwatch:PutMetricData"], ["*"], {
        StringEquals: { "cloudwatch:namespace": props.namespace },
      }),
    ];
    if (props.logKey) {
      statements.push(
        statement("LogObjectsDecrypt", ["kms:Decrypt"], [props.logKey.keyArn], {
          StringEquals: { "kms:ViaService": `s3.${Aws.REGION}.amazonaws.com` },
        }),
      );
    }
    this.collectorPolicy = new iam.ManagedPolicy(this, "CollectorPolicy", {
      description: "Bedrock Chargeback collector: read invocation logs, query them, publish metrics",
      statements,
    });

    this.alarmsManagerPolicy = new iam.ManagedPolicy(this, "AlarmsManagerPolicy", {
      description: "`chargeback alarms plan/apply`: manage only the alarms under the owned prefix",
      statements: [
        statement("DescribeAlarms", ["cloudwatch:DescribeAlarms"], ["*"]),
        statement(
          "ManageOwnedAlarms",
          [
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:ListTagsForResource",
            "cloudwatch:TagResource",
          ],
          [arn("cloudwatch", `alarm:${props.alarmPrefix}*`)],
        ),
      ],
    });

    const trust = settings.collectorTrust;
    if (trust) {
      this.collectorRole = new iam.Role(this, "CollectorRole", {
        description: "Runs the Bedrock Chargeback collector",
        assumedBy:
          "servicePrincipal" in trust
            ? new iam.ServicePrincipal(trust.servicePrincipal)
            : new iam.AccountPrincipal(trust.accountId),
        managedPolicies: [this.collectorPolicy],
      });
      new CfnOutput(this, "CollectorRoleArn", { value: this.collectorRole.roleArn });
    }
    new CfnOutput(this, "CollectorPolicyArn", { value: this.collectorPolicy.managedPolicyArn });
    new CfnOutput(this, "AlarmsManagerPolicyArn", { value: this.alarmsManagerPolicy.managedPolicyArn });
  }
}
