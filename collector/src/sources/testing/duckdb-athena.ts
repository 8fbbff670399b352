/**
 * Test-only Athena: runs the exact SQL text queries/ builds on DuckDB, over the simulator's gzip
 * JSON-line objects exposed as a table shaped by the Athena DDL (buildAthenaDdl's column list,
 * Hive types mapped to DuckDB types, `datehour` taken from the delivery folder as partition
 * projection would). Trino and DuckDB differ in a few functions and one piece of syntax; each
 * difference the rollup queries touch is one entry of TRANSLATIONS below, with why it is
 * equivalent. Any other function call in the SQL throws, so a new Trino function in a query
 * cannot pass unnoticed through a guessed DuckDB meaning.
 */

import { buildAthenaDdl } from "@bedrock-chargeback/queries";
import { DuckDBInstance } from "@duckdb/node-api";

/** One rewrite of Trino text into DuckDB text. */
export type Translation = { trino: string; pattern: RegExp; replace: string; why: string };

/**
 * Trino → DuckDB, applied in order to the query text. Macros (athena_*) are created on the
 * connection by `createDuckAthena`.
 */
export const TRANSLATIONS: readonly Translation[] = [
  {
    trino: "from_iso8601_timestamp(s)",
    pattern: /\bfrom_iso8601_timestamp\(/g,
    replace: "athena_from_iso8601_timestamp(",
    why:
      "Trino parses ISO 8601 into timestamp(3) with time zone; DuckDB's CAST(s AS TIMESTAMPTZ) parses " +
      "the same text (Z or an offset) to the same instant. Only instants are compared or truncated.",
  },
  {
    trino: "element_at(map, key)",
    pattern: /\belement_at\(/g,
    replace: "athena_element_at(",
    why:
      "Trino's element_at on a map returns the value or NULL for a missing key; DuckDB's element_at " +
      "returns a list, but map[key] returns the value or NULL, which is Trino's meaning.",
  },
  {
    trino: "date_format(ts, '%Y-%m-%d…')",
    pattern: /\bdate_format\(/g,
    replace: "athena_date_format(",
    why:
      "Trino's MySQL-style date_format and DuckDB's strftime agree on %Y %m %d %H (and only those are " +
      "allowed: checkFormats refuses the others, e.g. %i, which strftime reads differently).",
  },
  {
    trino: "to_iso8601(ts)",
    pattern: /\bto_iso8601\(/g,
    replace: "athena_to_iso8601(",
    why:
      "Trino renders a timestamp(3) with time zone as ISO 8601 with milliseconds; DuckDB's strftime with " +
      "%g (milliseconds) writes the same digits for a UTC instant (the session time zone is UTC). Tests " +
      "compare the instant, not the zone suffix, which Trino takes from the record's own offset.",
  },
];

/**
 * Calls that mean the same in Trino and DuckDB for the argument types the queries pass
 * (`ts AT TIME ZONE 'UTC'` needs no entry: Trino keeps the instant in UTC, DuckDB yields the UTC
 * wall clock; date_trunc('hour', …) and the formats above read the same fields from both).
 */
const SAME_IN_BOTH = new Set([
  "row_number",
  "coalesce",
  "count_if",
  "count",
  "sum",
  "if",
  "date_trunc",
  ...TRANSLATIONS.map((t) => `athena_${/^(\w+)/.exec(t.trino)?.[1] ?? ""}`),
]);

const MACROS = [
  "CREATE MACRO athena_from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
  "CREATE MACRO athena_element_at(m, k) AS m[k]",
  "CREATE MACRO athena_date_format(t, f) AS strftime(t, f)",
  "CREATE MACRO athena_to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')",
];

/**
 * Connection settings that give DuckDB Trino's meaning. integer_division: Trino's `/` on two
 * integers truncates (bigint / integer → bigint); DuckDB's `/` divides in floating point unless
 * this is set (output-size-distribution's buckets depend on it).
 */
const SETTINGS = ["SET TimeZone = 'UTC'", "SET integer_division = true"];

/** date_format patterns may use only the specifiers both engines read alike. */
function checkFormats(sql: string): void {
  for (const m of sql.matchAll(/date_format\([^']*'([^']*)'\)/g)) {
    const bad = (m[1] ?? "").match(/%[^YmdH]/g);
    if (bad) throw new Error(`date_format specifier ${bad.join(" ")} has no checked DuckDB translation`);
  }
}

/** Trino SQL → DuckDB SQL; throws on any function call without a translation. */
export function translateTrino(sql: string): string {
  checkFormats(sql);
  let out = sql;
  for (const t of TRANSLATIONS) out = out.replace(t.pattern, t.replace);
  const withoutStrings = out.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  for (const m of withoutStrings.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\(/g)) {
    // Lower-case unnest( is the UNNEST translation's output; an untranslated UNNEST( stays upper case.
    if (m[1] === "unnest") continue;
    if (!SAME_IN_BOTH.has((m[1] ?? "").toLowerCase()))
      throw new Error(`Trino ${m[1]}(…) has no DuckDB translation here`);
  }
  return out;
}

/** Hive column type (as the DDL writes it) → DuckDB type. */
export function hiveToDuckType(hive: string): string {
  const t = hive.trim();
  if (t === "string") return "VARCHAR";
  if (t === "bigint") return "BIGINT";
  const map = /^map<(\w+),\s*(\w+)>$/s.exec(t);
  if (map) return `MAP(${hiveToDuckType(map[1] ?? "")}, ${hiveToDuckType(map[2] ?? "")})`;
  const struct = /^struct<(.*)>$/s.exec(t);
  if (struct) {
    const fields = (struct[1] ?? "").split(",").map((f) => {
      const [name = "", type = ""] = f.trim().split(":");
      return `"${name}" ${hiveToDuckType(type)}`;
    });
    return `STRUCT(${fields.join(", ")})`;
  }
  throw new Error(`Hive type ${t} has no DuckDB mapping here`);
}

/** The DDL's columns, in order, as [name, DuckDB type]. */
export function ddlColumns(ddl: string): [string, string][] {
  const body = /\(\n([\s\S]*?)\n\)\nPARTITIONED BY/.exec(ddl)?.[1];
  if (!body) throw new Error("DDL column list not found");
  // Split on commas at angle-bracket depth 0 (struct<…> holds commas).
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "<") depth++;
    if (ch === ">") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => {
    const m = /^\s*`?(\w+)`?\s+([\s\S]+)$/.exec(p);
    if (!m) throw new Error(`DDL column not understood: ${p.trim()}`);
    return [m[1] ?? "", hiveToDuckType((m[2] ?? "").replace(/\s+/g, " "))];
  });
}

/** A GetQueryResults-ready answer: the header row then data rows, every cell text or NULL. */
export type AthenaResultRows = (string | null)[][];

export type DuckAthena = {
  /** Runs Trino `sql` (translated) and returns the header row and the rows as Athena renders them. */
  run: (sql: string) => Promise<AthenaResultRows>;
  close: () => void;
};

function cellText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  throw new Error(`result cell of an unexpected type: ${String(v)}`);
}

/**
 * An Athena stand-in over `files` (gzip JSON-line log objects, each under its `YYYY/MM/DD/HH/`
 * delivery folder), registered as `database`.`table` with the DDL's columns.
 */
export async function createDuckAthena(
  files: readonly string[],
  options: { database?: string; table?: string } = {},
): Promise<DuckAthena> {
  const database = options.database ?? "bedrock_logs";
  const table = options.table ?? "bedrock_invocation_logs";
  if (files.length === 0) throw new Error("createDuckAthena: no log objects");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const setting of SETTINGS) await connection.run(setting);
  for (const macro of MACROS) await connection.run(macro);
  const ddl = buildAthenaDdl({
    database,
    table,
    bucket: "corpus",
    accountId: "000000000000",
    region: "us-east-1",
  });
  const columns = ddlColumns(ddl);
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const columnSpec = columns.map(([name, type]) => `${lit(name)}: ${lit(type)}`).join(", ");
  const names = columns.map(([name]) => `"${name}"`).join(", ");
  await connection.run(`CREATE SCHEMA "${database}"`);
  // ignore_errors: the SerDe's 'ignore.malformed.json'. datehour: the projected partition, which is
  // the object's delivery folder (storage.location.template = …/${datehour}/).
  await connection.run(`CREATE VIEW "${database}"."${table}" AS
    SELECT ${names}, regexp_extract(filename, '(\\d{4}/\\d{2}/\\d{2}/\\d{2})/[^/]+$', 1) AS datehour
    FROM read_json([${files.map(lit).join(", ")}], format = 'newline_delimited', compression = 'gzip',
      columns = {${columnSpec}}, filename = true, ignore_errors = true)`);
  return {
    run: async (sql) => {
      const reader = await connection.runAndReadAll(translateTrino(sql));
      const header = reader.columnNames();
      return [header, ...reader.getRows().map((row) => row.map(cellText))];
    },
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Rows → one GetQueryResults page (`MaxResults` rows from `offset`; the header is row 0 of page 1). */
export function athenaPage(rows: readonly (string | null)[][], offset: number, maxResults: number) {
  const slice = rows.slice(offset, offset + maxResults);
  const next = offset + maxResults < rows.length ? String(offset + maxResults) : undefined;
  return {
    ResultSet: { Rows: slice.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })) },
    ...(next ? { NextToken: next } : {}),
  };
}
