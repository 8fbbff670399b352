/**
 * The one place where a user value becomes query text. Every builder in this package puts
 * strings into Logs Insights QL and Athena (Trino) SQL through `quote`; nothing else concatenates
 * user input. Property-tested in escape.test.ts against a model of each language's lexer.
 */

/** Where the value goes: a string literal or a field / column name, in which language. */
export type QuoteTarget =
  /** `"…"` with `\\` and `\"` escaped (Logs Insights QL). */
  | "insights-string"
  /** A field path such as `requestMetadata.tenant_id`; wrapped in backticks unless plain. */
  | "insights-field"
  /** `'…'` with `''` doubled (Trino SQL: no backslash escapes). */
  | "athena-string"
  /** `"…"` with `""` doubled (Trino SQL identifier). */
  | "athena-identifier";

/** A value that cannot be placed safely in the target; never silently altered. */
export class QueryValueError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = "QueryValueError";
  }
}

// C0 controls and DEL. Logs Insights documents no escape for them, so they are refused there.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const PLAIN_FIELD = /^[A-Za-z_@][A-Za-z0-9_.@]*$/;

function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/**
 * Quotes `value` for `target`. Any accepted string is read back by the engine as exactly one
 * literal (or name) equal to `value`; it can never close the literal or add a command.
 * @example quote(`it's`, "athena-string") // 'it''s'
 */
export function quote(value: string, target: QuoteTarget): string {
  switch (target) {
    case "insights-string":
      if (CONTROL.test(value)) {
        throw new QueryValueError(
          `control characters are not allowed in a Logs Insights string: ${shown(value)}`,
        );
      }
      return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case "insights-field":
      if (value.length === 0) throw new QueryValueError("a Logs Insights field name cannot be empty");
      if (PLAIN_FIELD.test(value)) return value;
      if (CONTROL.test(value) || value.includes("`")) {
        throw new QueryValueError(
          `backticks and control characters are not allowed in a Logs Insights field: ${shown(value)}`,
        );
      }
      return `\`${value}\``;
    case "athena-string":
      if (value.includes("\u0000"))
        throw new QueryValueError(`NUL is not allowed in an Athena string: ${shown(value)}`);
      return `'${value.replaceAll("'", "''")}'`;
    case "athena-identifier":
      if (value.length === 0 || value.includes("\u0000")) {
        throw new QueryValueError(`not a valid Athena identifier: ${shown(value)}`);
      }
      return `"${value.replaceAll('"', '""')}"`;
  }
}
