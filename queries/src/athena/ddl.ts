/**
 * The Athena table over the S3 invocation logs: OpenX JSON SerDe, requestMetadata as
 * map<string,string>, partition projection on the `YYYY/MM/DD/HH` delivery folders (docs/aws-facts.md §5).
 * Bodies are left out on purpose (cost and PII).
 */
import { z } from "zod";

/** Glue database / table names: lowercase letters, digits, underscore. */
export const glueNameSchema = z.string().regex(/^[a-z0-9_]{1,255}$/, "lowercase letters, digits and _ only");

export const athenaDdlParamsSchema = z.object({
  database: glueNameSchema.default("bedrock_logs"),
  table: glueNameSchema.default("bedrock_invocation_logs"),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not an S3 bucket name"),
  /** The logging configuration's keyPrefix, without slashes at either end; "" for none. */
  keyPrefix: z
    .string()
    .regex(
      /^([A-Za-z0-9!_.*()=-]+(\/[A-Za-z0-9!_.*()=-]+)*)?$/,
      "letters, digits, !_.*()=- and / between segments",
    )
    .default(""),
  accountId: z.string().regex(/^\d{12}$/, "a 12-digit account id"),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1"),
  /** First hour the projection enumerates, `yyyy/MM/dd/HH`. */
  projectionStart: z
    .string()
    .regex(/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/, "expected yyyy/MM/dd/HH")
    .default("2025/01/01/00"),
});
export type AthenaDdlParams = z.input<typeof athenaDdlParamsSchema>;

/** `s3://bucket/prefix/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/` */
export function logsLocation(p: z.output<typeof athenaDdlParamsSchema>): string {
  const prefix = p.keyPrefix === "" ? "" : `${p.keyPrefix}/`;
  return `s3://${p.bucket}/${prefix}AWSLogs/${p.accountId}/BedrockModelInvocationLogs/${p.region}/`;
}

/**
 * CREATE EXTERNAL TABLE for the invocation logs. All values are schema-validated to a charset
 * that needs no escaping in Hive DDL (which, unlike Trino, has backslash escapes).
 * @example buildAthenaDdl({ bucket: "logs", accountId: "123456789012", region: "us-east-1" })
 */
export function buildAthenaDdl(input: AthenaDdlParams): string {
  const p = athenaDdlParamsSchema.parse(input);
  const location = logsLocation(p);
  return `CREATE EXTERNAL TABLE IF NOT EXISTS \`${p.database}\`.\`${p.table}\` (
  schemaType string,
  schemaVersion string,
  \`timestamp\` string,
  accountId string,
  region string,
  requestId string,
  operation string,
  modelId string,
  inferenceRegion string,
  errorCode string,
  identity struct<arn:string>,
  requestMetadata map<string,string>,
  input struct<inputContentType:string, inputBodyS3Path:string, inputTokenCount:bigint,
               cacheReadInputTokenCount:bigint, cacheWriteInputTokenCount:bigint>,
  output struct<outputContentType:string, outputBodyS3Path:string, outputTokenCount:bigint>
)
PARTITIONED BY (datehour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.datehour.type' = 'date',
  'projection.datehour.format' = 'yyyy/MM/dd/HH',
  'projection.datehour.range' = '${p.projectionStart},NOW',
  'projection.datehour.interval' = '1',
  'projection.datehour.interval.unit' = 'HOURS',
  'storage.location.template' = '${location}\${datehour}/'
)`;
}
