/** RFC 4180 CSV reader for checking the exports in the browser test (quoted fields, "" escapes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** One column of a CSV with a header row, by name. */
export function csvColumn(text: string, name: string): string[] {
  const [header, ...rows] = parseCsv(text);
  const i = header?.indexOf(name) ?? -1;
  if (i < 0) throw new Error(`no column ${name} in ${header?.join(",")}`);
  return rows.filter((r) => r.length > 1).map((r) => r[i] ?? "");
}
