/**
 * GetQueryResults rows are arrays of `{field, value}` with string values; a field a row lacks
 * is absent. This turns them into plain records (`null` for absent) after validating the shape.
 */
import { z } from "zod";

const resultFieldSchema = z.object({ field: z.string().optional(), value: z.string().optional() });
export const insightsResultsSchema = z.array(z.array(resultFieldSchema));

/**
 * @param fields the fields the query returns; each appears in every record (null when absent).
 * @example toInsightsRecords([[{field:"n",value:"3"}]], ["n","m"]) // [{n:"3", m:null}]
 */
export function toInsightsRecords(
  results: unknown,
  fields: readonly string[],
): Record<string, string | null>[] {
  const parsed = insightsResultsSchema.safeParse(results);
  if (!parsed.success) {
    throw new Error(
      `GetQueryResults.results: unexpected shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  return parsed.data.map((row) => {
    const record: Record<string, string | null> = {};
    for (const f of fields) record[f] = null;
    for (const cell of row) {
      // @ptr links back to the event; not a query field.
      if (cell.field === undefined || cell.field === "@ptr") continue;
      record[cell.field] = cell.value ?? null;
    }
    return record;
  });
}
