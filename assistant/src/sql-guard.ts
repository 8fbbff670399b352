/**
 * The first safety layer (docs/adr/0009-ask-safety.md): model-written SQL is parsed and checked
 * before anything runs it. Exactly one SELECT, reading only the documented views (or its own
 * non-recursive CTEs), calling only allow-listed functions. The query worker checks again, on
 * its own, against an image that holds nothing else (run-query.ts).
 */
import nodeSqlParser from "node-sql-parser";
import { SEMANTIC_VIEW_NAMES } from "./semantic-layer";

const parser = new nodeSqlParser.Parser();
const DIALECT = { database: "sqlite" } as const;

/** Longest SQL accepted from the model. */
export const MAX_SQL_CHARS = 8_000;

/** Functions a question may need; anything else (load_extension, zeroblob, …) is refused. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  "sum",
  "total",
  "count",
  "avg",
  "min",
  "max",
  "group_concat",
  "strftime",
  "date",
  "datetime",
  "julianday",
  "substr",
  "substring",
  "upper",
  "lower",
  "length",
  "coalesce",
  "ifnull",
  "nullif",
  "iif",
  "round",
  "abs",
  "replace",
  "trim",
  "ltrim",
  "rtrim",
  "instr",
]);

export type SqlCheck = { ok: true; views: string[] } | { ok: false; reason: string };

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null;
}

/** Every object in the AST, depth first (arrays included), without revisiting shared nodes. */
function* walk(root: unknown): Generator<Node> {
  const stack: unknown[] = [root];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isNode(node) || seen.has(node)) continue;
    seen.add(node);
    if (!Array.isArray(node)) yield node;
    for (const child of Object.values(node)) if (isNode(child)) stack.push(child);
  }
}

function functionName(node: Node): string | undefined {
  if (node.type === "aggr_func" && typeof node.name === "string") return node.name.toLowerCase();
  if (node.type !== "function" || !isNode(node.name)) return undefined;
  const parts = node.name.name;
  if (!Array.isArray(parts)) return undefined;
  return parts
    .map((p) => (isNode(p) && typeof p.value === "string" ? p.value : "?"))
    .join(".")
    .toLowerCase();
}

function cteName(entry: unknown): string | undefined {
  if (!isNode(entry)) return undefined;
  const name = entry.name;
  if (typeof name === "string") return name.toLowerCase();
  if (isNode(name) && typeof name.value === "string") return name.value.toLowerCase();
  return undefined;
}

/**
 * Checks one model-written query. `views` are the documented views it reads (what the image must
 * hold). The reason is written for the model's repair round and for the user.
 * @example checkSql("SELECT SUM(cost_pico) AS cost_pico FROM usage_by_month") // { ok: true, views: ["usage_by_month"] }
 */
export function checkSql(sql: string): SqlCheck {
  if (sql.length > MAX_SQL_CHARS)
    return { ok: false, reason: `the query is longer than ${MAX_SQL_CHARS} characters` };
  if (/\bRECURSIVE\b/i.test(sql)) return { ok: false, reason: "recursive queries are not allowed" };
  let ast: unknown;
  let tables: string[];
  try {
    ast = parser.astify(sql, DIALECT);
    tables = parser.tableList(sql, DIALECT);
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
    return {
      ok: false,
      reason: `the query could not be parsed as one SQLite SELECT: ${first.slice(0, 200)}`,
    };
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) return { ok: false, reason: "exactly one statement is allowed" };
  const statement = statements[0];
  if (!isNode(statement) || statement.type !== "select")
    return {
      ok: false,
      reason: `only a SELECT is allowed (got ${String(isNode(statement) ? statement.type : "?")})`,
    };

  const ctes = new Set<string>();
  for (const node of walk(statement)) {
    if (Array.isArray(node.with))
      for (const entry of node.with) {
        const name = cteName(entry);
        if (name === undefined) return { ok: false, reason: "a WITH clause could not be read" };
        const inner = isNode(entry) && isNode(entry.stmt) ? entry.stmt.tableList : undefined;
        if (Array.isArray(inner) && inner.some((t) => String(t).toLowerCase().endsWith(`::${name}`)))
          return { ok: false, reason: "recursive queries are not allowed" };
        ctes.add(name);
      }
  }
  const views = new Set<string>();
  for (const entry of tables) {
    const [kind, db, name = ""] = entry.split("::");
    const table = name.toLowerCase();
    if (kind !== "select") return { ok: false, reason: `only reading is allowed (${kind} on ${name})` };
    if (db !== "null")
      return { ok: false, reason: `tables may not be qualified with a schema (${db}.${name})` };
    if (SEMANTIC_VIEW_NAMES.has(table)) views.add(table);
    else if (!ctes.has(table))
      return {
        ok: false,
        reason: `unknown table ${name}: only ${[...SEMANTIC_VIEW_NAMES].join(", ")} may be read`,
      };
  }
  for (const node of walk(statement)) {
    const fn = functionName(node);
    if (fn !== undefined && !ALLOWED_FUNCTIONS.has(fn))
      return { ok: false, reason: `function ${fn}() is not allowed` };
  }
  if (views.size === 0) return { ok: false, reason: "the query reads none of the documented views" };
  return { ok: true, views: [...views].sort() };
}
