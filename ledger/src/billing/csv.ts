/**
 * CSV that opens cleanly in a spreadsheet and cannot run formulas (OWASP CSV injection):
 * RFC 4180 quoting, CRLF rows, and a leading `'` on any text field starting with
 * = + - @ TAB or CR — except plain numbers, which stay numbers. A field that already starts
 * with `'` gets one more, so `unescapeCsvField` can always undo the prefix exactly.
 * The one CSV escaping function (billing exports, `chargeback report --format csv`).
 */

const FORMULA_START = /^[=+\-@\t\r']/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n']|^\s|\s$/;

export type CsvValue = string | number | bigint | boolean | null | undefined;

/** @example escapeCsvField('=HYPERLINK("x")') // => `"'=HYPERLINK(""x"")"` */
export function escapeCsvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Reverses the formula guard on a parsed field: `'=x` → `=x`. */
export function unescapeCsvField(field: string): string {
  return field.startsWith("'") ? field.slice(1) : field;
}

/** Rows → CSV text with a header row; `columns` fixes the order. Non-scalar values become JSON. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown): string =>
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

/** Parses RFC 4180 text into rows of raw fields (the formula guard is left in place). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (ch === ",") {
      row.push(field);
      field = "";
      fieldStarted = false;
      i++;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      fieldStarted = false;
      i += 2;
    } else {
      field += ch;
      fieldStarted = true;
      i++;
    }
  }
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Parses CSV with a header into objects, undoing the formula guard. */
export function readCsvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((r) =>
    Object.fromEntries(header.map((h, i) => [unescapeCsvField(h), unescapeCsvField(r[i] ?? "")])),
  );
}
