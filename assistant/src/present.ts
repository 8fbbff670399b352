/**
 * From query rows to what the user sees: money columns in USD (rounded once, by the ledger's own
 * functions), the check that an answer's figures all come from the rows, and the template
 * sentence used when they do not.
 */
import { formatMicros, roundPicoToMicros } from "@bedrock-chargeback/ledger";

export type Cell = string | number | null;
export type Table = { columns: string[]; rows: Cell[][] };

function toMoney(value: unknown, unit: "pico" | "micros"): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    const micros = unit === "pico" ? roundPicoToMicros(value) : value;
    return Number(formatMicros(micros));
  }
  if (typeof value === "number") {
    // AVG and divisions give a real: scale it, rounded to the micro-dollar.
    const usd = unit === "pico" ? value / 1e12 : value / 1e6;
    return Math.round(usd * 1e6) / 1e6;
  }
  return typeof value === "string" ? value : String(value);
}

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint")
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (typeof value === "number" || typeof value === "string") return value;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return String(value);
}

/**
 * Columns named `*_pico` (pico-USD) or `*_micros` (micro-USD) become `*_usd`: exact integers
 * rounded once, half away from zero, to the micro-dollar (docs/rules.md, Money).
 * @example presentRows(["cost_pico"], [[1_234_567_890n]]) // { columns: ["cost_usd"], rows: [[0.001235]] }
 */
export function presentRows(columns: readonly string[], rows: readonly unknown[][]): Table {
  const kinds = columns.map((c) => (/_pico$/i.test(c) ? "pico" : /_micros$/i.test(c) ? "micros" : undefined));
  return {
    columns: columns.map((c, i) => (kinds[i] ? c.replace(/_(pico|micros)$/i, "_usd") : c)),
    rows: rows.map((row) =>
      row.map((value, i) => {
        const kind = kinds[i];
        return kind ? toMoney(value, kind) : toCell(value);
      }),
    ),
  };
}

const FIGURE = /\d[\d,]*(?:\.\d+)?/g;

type Figure = { value: number; decimals: number };

function figuresIn(text: string): Figure[] {
  const out: Figure[] = [];
  for (const match of text.matchAll(FIGURE)) {
    const raw = match[0].replace(/,(?=\d{3}\b)/g, "");
    if (!/^\d+(\.\d+)?$/.test(raw)) continue;
    out.push({ value: Number(raw), decimals: raw.includes(".") ? (raw.split(".")[1]?.length ?? 0) : 0 });
  }
  return out;
}

function matches(figure: Figure, value: number): boolean {
  const v = Math.abs(value);
  if (figure.decimals === 0 && Number.isInteger(v)) return v === figure.value;
  return v.toFixed(figure.decimals) === figure.value.toFixed(figure.decimals);
}

/**
 * The figures of `answer` that neither the rows nor the question contain (a figure may be
 * rounded: "$12.35" stands for 12.345678). Empty = every figure is backed.
 * @example unbackedFigures("acme spent $12.35", { columns: ["cost_usd"], rows: [[12.345678]] }, "") // []
 */
export function unbackedFigures(answer: string, table: Table, question: string): string[] {
  const known: number[] = [table.rows.length];
  for (const row of table.rows)
    for (const cell of row) {
      if (typeof cell === "number") known.push(cell);
      else if (typeof cell === "string") for (const f of figuresIn(cell)) known.push(f.value);
    }
  for (const f of figuresIn(question)) known.push(f.value);
  return figuresIn(answer)
    .filter((f) => !known.some((v) => matches(f, v)))
    .map((f) => f.value.toFixed(f.decimals));
}

/** Columns whose NULL means the metadata was missing (docs/rules.md rule 9). */
const DIMENSION_COLUMNS = new Set(["tenant", "application", "cost_center", "environment", "team", "user"]);

/**
 * How an empty cell reads: a missing dimension is "(unattributed)", anything else "(none)".
 * @example nullLabel("tenant") // "(unattributed)"
 */
export function nullLabel(column: string): string {
  return DIMENSION_COLUMNS.has(column) ? "(unattributed)" : "(none)";
}

function formatCell(column: string, cell: Cell): string {
  if (cell === null) return nullLabel(column);
  if (typeof cell === "number" && /_usd$/.test(column)) return `$${cell.toFixed(2)}`;
  return String(cell);
}

const TEMPLATE_ROWS = 10;

/**
 * A sentence written from the rows only, when there is no model answer or it failed the check.
 * @example templateAnswer({ columns: ["tenant", "cost_usd"], rows: [["acme", 12.5]] }) // "acme: cost_usd $12.50."
 */
export function templateAnswer(table: Table, truncated = false): string {
  if (table.rows.length === 0) return "No usage matches the question.";
  const first = table.rows[0] ?? [];
  if (table.rows.length === 1 && table.columns.length === 1)
    return `${table.columns[0]}: ${formatCell(table.columns[0] ?? "", first[0] ?? null)}.`;
  const lines = table.rows.slice(0, TEMPLATE_ROWS).map((row) => {
    const [label, ...rest] = row;
    const parts = rest.map(
      (cell, i) => `${table.columns[i + 1]} ${formatCell(table.columns[i + 1] ?? "", cell)}`,
    );
    return `${formatCell(table.columns[0] ?? "", label ?? null)}: ${parts.join(", ")}`;
  });
  const more =
    table.rows.length > TEMPLATE_ROWS ? ` (first ${TEMPLATE_ROWS} of ${table.rows.length} rows)` : "";
  return `${lines.join("; ")}${more}${truncated ? " (the result was cut at the row limit)" : ""}.`;
}
