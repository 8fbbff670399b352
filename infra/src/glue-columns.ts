/**
 * The Glue table's columns: the same list as the Athena DDL in @bedrock-chargeback/queries
 * (buildAthenaDdl), which only exports DDL text; a test checks the two agree column by column.
 */

export type GlueColumn = { name: string; type: string };

export const GLUE_COLUMNS: readonly GlueColumn[] = [
  { name: "schematype", type: "string" },
  { name: "schemaversion", type: "string" },
  { name: "timestamp", type: "string" },
  { name: "accountid", type: "string" },
  { name: "region", type: "string" },
  { name: "requestid", type: "string" },
  { name: "operation", type: "string" },
  { name: "modelid", type: "string" },
  { name: "inferenceregion", type: "string" },
  { name: "errorcode", type: "string" },
  { name: "identity", type: "struct<arn:string>" },
  { name: "requestmetadata", type: "map<string,string>" },
  {
    name: "input",
    type: "struct<inputContentType:string,inputBodyS3Path:string,inputTokenCount:bigint,cacheReadInputTokenCount:bigint,cacheWriteInputTokenCount:bigint>",
  },
  {
    name: "output",
    type: "struct<outputContentType:string,outputBodyS3Path:string,outputTokenCount:bigint>",
  },
];

export const GLUE_PARTITION_KEYS: readonly GlueColumn[] = [{ name: "datehour", type: "string" }];

/** Partition projection over the `YYYY/MM/DD/HH` delivery folders (docs/aws-facts.md §5). */
export function projectionParameters(
  projectionStart: string,
  locationTemplate: string,
): Record<string, string> {
  return {
    "projection.enabled": "true",
    "projection.datehour.type": "date",
    "projection.datehour.format": "yyyy/MM/dd/HH",
    "projection.datehour.range": `${projectionStart},NOW`,
    "projection.datehour.interval": "1",
    "projection.datehour.interval.unit": "HOURS",
    "storage.location.template": locationTemplate,
  };
}
