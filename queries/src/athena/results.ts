/**
 * Athena GetQueryResults pages: `ResultSet.Rows[].Data[].VarCharValue` (absent = NULL), with the
 * column names as the first row of the first page only. The header is checked, never assumed.
 */
import { z } from "zod";
import { parseRows, QueryRowError } from "../common";

const pageSchema = z.object({
  ResultSet: z
    .object({
      Rows: z
        .array(z.object({ Data: z.array(z.object({ VarCharValue: z.string().optional() })).optional() }))
        .optional(),
      ResultSetMetadata: z
        .object({ ColumnInfo: z.array(z.object({ Name: z.string() })).optional() })
        .optional(),
    })
    .optional(),
});

/** One page → rows of cells (`null` for NULL). */
export function athenaPageCells(page: unknown): (string | null)[][] {
  const parsed = pageSchema.safeParse(page);
  if (!parsed.success) {
    throw new QueryRowError(
      `GetQueryResults: unexpected shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      -1,
    );
  }
  return (parsed.data.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? null));
}

/**
 * Pages → records keyed by `columns`, after checking the header row matches them.
 * @param columns the SELECT's column names in order (Athena lower-cases them).
 */
export function athenaRecords(
  pages: readonly unknown[],
  columns: readonly string[],
): Record<string, string | null>[] {
  const rows = pages.flatMap((page) => athenaPageCells(page));
  const [header, ...data] = rows;
  if (!header) return [];
  const got = header.map((h) => (h ?? "").toLowerCase());
  if (got.length !== columns.length || got.some((h, i) => h !== columns[i]?.toLowerCase())) {
    throw new QueryRowError(`header row [${got.join(", ")}] does not match [${columns.join(", ")}]`, 0);
  }
  return data.map((cells, i) => {
    if (cells.length !== columns.length) {
      throw new QueryRowError(`row ${i}: ${cells.length} cells, expected ${columns.length}`, i);
    }
    const record: Record<string, string | null> = {};
    columns.forEach((c, j) => {
      record[c] = cells[j] ?? null;
    });
    return record;
  });
}

/** Pages → validated rows. */
export function parseAthenaRows<S extends z.ZodType>(
  pages: readonly unknown[],
  columns: readonly string[],
  schema: S,
) {
  return parseRows(athenaRecords(pages, columns), schema);
}
