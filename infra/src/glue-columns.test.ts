import { buildAthenaDdl } from "@bedrock-chargeback/queries";
import { describe, expect, it } from "vitest";
import { GLUE_COLUMNS, GLUE_PARTITION_KEYS, projectionParameters } from "./glue-columns";

/** Column name → type from the DDL text (Glue lower-cases names; whitespace in types is not kept). */
function ddlColumns(ddl: string): { name: string; type: string }[] {
  const body = ddl.slice(ddl.indexOf("(") + 1, ddl.indexOf("\n)\nPARTITIONED BY"));
  const columns: { name: string; type: string }[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "<") depth++;
    if (ch === ">") depth--;
    if (ch === "," && depth === 0) {
      columns.push(split(current));
      current = "";
    } else current += ch;
  }
  if (current.trim()) columns.push(split(current));
  return columns;
}

function split(column: string) {
  const trimmed = column.trim().replace(/\s+/g, " ");
  const space = trimmed.indexOf(" ");
  return {
    name: trimmed.slice(0, space).replaceAll("`", "").toLowerCase(),
    type: trimmed.slice(space + 1).replace(/\s+/g, ""),
  };
}

describe("Glue columns", () => {
  it("match the Athena DDL from @bedrock-chargeback/queries column by column", () => {
    const ddl = buildAthenaDdl({ bucket: "logs-bucket", accountId: "111122223333", region: "us-east-1" });
    expect(GLUE_COLUMNS).toEqual(ddlColumns(ddl));
    expect(ddl).toContain(
      `PARTITIONED BY (${GLUE_PARTITION_KEYS.map((k) => `${k.name} ${k.type}`).join(", ")})`,
    );
  });

  it("use the DDL's projection properties", () => {
    const ddl = buildAthenaDdl({ bucket: "logs-bucket", accountId: "111122223333", region: "us-east-1" });
    const location = "s3://logs-bucket/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/";
    for (const [key, value] of Object.entries(
      projectionParameters("2025/01/01/00", `${location}\${datehour}/`),
    )) {
      expect(ddl).toContain(`'${key}' = '${value}'`);
    }
  });
});
