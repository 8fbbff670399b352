/**
 * History at scale (docs/aws-facts.md §5): a Glue table over the S3 logs with partition projection, an
 * Athena workgroup that enforces its result location and a per-query scan cap, and the results
 * bucket, whose objects expire.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as athena from "aws-cdk-lib/aws-athena";
import * as glue from "aws-cdk-lib/aws-glue";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { GLUE_COLUMNS, GLUE_PARTITION_KEYS, projectionParameters } from "../glue-columns";
import type { InfraSettings } from "../settings";

export const ATHENA_RESULTS_PREFIX = "athena-results/";

export type AnalyticsStackProps = StackProps & {
  settings: InfraSettings;
  logBucket: s3.IBucket;
  logKey: kms.IKey | undefined;
  /** `<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/` */
  logObjectsPrefix: string;
};

export class AnalyticsStack extends Stack {
  readonly resultsBucket: s3.Bucket;
  readonly workGroup: athena.CfnWorkGroup;
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.resultsBucket = new s3.Bucket(this, "ResultsBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // Query results are disposable; emptied and removed with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      lifecycleRules: [
        {
          id: "expire-athena-results",
          prefix: ATHENA_RESULTS_PREFIX,
          expiration: Duration.days(settings.resultsExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.database = new glue.CfnDatabase(this, "Database", {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: settings.glueDatabase, description: "Bedrock model invocation logs" },
    });

    const location = `s3://${props.logBucket.bucketName}/${props.logObjectsPrefix}${Aws.REGION}/`;
    this.table = new glue.CfnTable(this, "InvocationLogsTable", {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: settings.glueDatabase,
      tableInput: {
        name: settings.glueTable,
        description: "Bedrock model invocation logs (OpenX JSON, partition projection on datehour)",
        tableType: "EXTERNAL_TABLE",
        parameters: {
          classification: "json",
          EXTERNAL: "TRUE",
          ...projectionParameters(settings.projectionStart, `${location}\${datehour}/`),
        },
        partitionKeys: [...GLUE_PARTITION_KEYS],
        storageDescriptor: {
          columns: [...GLUE_COLUMNS],
          location,
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serdeInfo: {
            serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            parameters: { "ignore.malformed.json": "true" },
          },
        },
      },
    });
    this.table.addResourceDependency(this.database);

    this.workGroup = new athena.CfnWorkGroup(this, "WorkGroup", {
      name: settings.athenaWorkgroup,
      description: "Bedrock Chargeback collector queries",
      state: "ENABLED",
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: settings.bytesScannedCutoffMb * 1024 * 1024,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      },
    });

    new CfnOutput(this, "WorkGroupName", { value: settings.athenaWorkgroup });
    new CfnOutput(this, "ResultsBucketName", { value: this.resultsBucket.bucketName });
    new CfnOutput(this, "TableLocation", { value: location });
  }
}
