/**
 * CSV that opens cleanly in a spreadsheet: RFC 4180 quoting, CRLF rows, and formula-injection
 * neutralised (OWASP): a text field starting with = + - @ TAB or CR gets a leading `'`.
 * Plain numbers (e.g. -1.5) are left alone so they stay numbers. The one CSV escaping function.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** @example escapeCsvField('=HYPERLINK("x")') // => `"'=HYPERLINK(""x"")"` */
export function escapeCsvField(value: string | number | bigint | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows → CSV text with a header; `columns` fixes the order. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown) =>
    escapeCsvField(
      typeof v === "string" ||
        typeof v === "number" ||
        typeof v === "bigint" ||
        typeof v === "boolean" ||
        v == null
        ? v
        : JSON.stringify(v),
    );
  const lines = [columns.map((c) => escapeCsvField(c)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
