/** A reconciliation as a table for people, CSV for spreadsheets (JSON is the object itself). */
import { toCsv } from "../billing/csv";
import { formatMicros, parseMicros } from "../pricing/money";
import type { Reconciliation } from "./compare";

export const RECONCILIATION_CSV_COLUMNS = [
  "date",
  "account",
  "region",
  "model",
  "bucket",
  "ledger_usd",
  "billed_usd",
  "delta_usd",
  "status",
  "ledger_tokens",
  "billed_tokens",
] as const;

export function reconciliationCsv(r: Reconciliation): string {
  return toCsv(RECONCILIATION_CSV_COLUMNS, r.lines);
}

const usd = (n: number) => n.toFixed(6);

/** The month's totals, the source compared, every line that is not matched, other charges and proposals. */
export function reconciliationTable(r: Reconciliation): string {
  const out: string[] = [];
  const s = r.source;
  out.push(
    `Reconciliation ${r.month}: ledger $${usd(r.ledger_usd)}  billed $${usd(r.billed_usd)}  delta $${usd(r.delta_usd)}  coverage ${r.coverage === null ? "n/a" : `${(r.coverage * 100).toFixed(2)} %`}`,
  );
  out.push(
    `Compared with ${s.kind === "cur" ? "CUR 2.0 export" : "Cost Explorer"} ${s.location} (version ${s.version}${s.as_of ? `, as of ${s.as_of}` : ""})`,
  );
  if (s.requests !== undefined)
    out.push(`Cost Explorer requests: ${s.requests} ($${(s.cost_usd ?? 0).toFixed(2)} at $0.01 each)`);
  if (s.may_be_restated)
    out.push(
      "AWS may still restate this month (up to two weeks after it ends): run again before closing it.",
    );
  if (s.not_final_days.length > 0) out.push(`Not final yet: ${s.not_final_days.join(", ")}`);
  for (const note of s.notes) out.push(`Note: ${note}`);
  const counts = new Map<string, number>();
  for (const l of r.lines) counts.set(l.status, (counts.get(l.status) ?? 0) + 1);
  out.push(`Lines: ${[...counts.entries()].map(([k, v]) => `${v} ${k}`).join(", ") || "none"}`);
  // Lines that are not matched, one row per Region × account × model × bucket × status (days
  // counted, deltas summed exactly in micro-USD); every line is in --format json|csv.
  type Group = { first: string; last: string; days: number; ledger: bigint; billed: bigint; cells: string[] };
  const groups = new Map<string, Group>();
  const micros = (n: number) => parseMicros(n.toFixed(6));
  for (const l of r.lines) {
    if (l.status === "matched") continue;
    const cells = [
      l.account ?? "(all)",
      l.region,
      l.model,
      l.bucket,
      l.status + (l.unpriced ? " (unpriced)" : ""),
    ];
    const key = JSON.stringify(cells);
    const g = groups.get(key) ?? { first: l.date, last: l.date, days: 0, ledger: 0n, billed: 0n, cells };
    g.days += 1;
    g.last = l.date;
    g.ledger += micros(l.ledger_usd);
    g.billed += micros(l.billed_usd);
    groups.set(key, g);
  }
  if (groups.size > 0) {
    out.push("");
    const head = [
      "days",
      "account",
      "region",
      "model",
      "bucket",
      "status",
      "ledger_usd",
      "billed_usd",
      "delta_usd",
    ];
    const rows = [...groups.values()].map((g) => [
      g.days === 1 ? g.first : `${g.first}..${g.last} (${g.days})`,
      ...g.cells,
      formatMicros(g.ledger),
      formatMicros(g.billed),
      formatMicros(g.billed - g.ledger),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
    const fmt = (cells: string[]) =>
      cells
        .map((c, i) => (i >= 6 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd();
    out.push(fmt(head));
    for (const row of rows) out.push(fmt(row));
  }
  if (r.other_charges.length > 0) {
    out.push("");
    out.push("Other charges (not in the deltas):");
    for (const c of r.other_charges) out.push(`  ${c.line_item_type}: $${usd(c.usd)}`);
  }
  if (r.unmapped.length > 0) {
    out.push("");
    out.push(`Unmapped Bedrock usage (name it in a --bill-names file): ${r.unmapped.length} items`);
    for (const u of r.unmapped.slice(0, 20))
      out.push(`  ${u.date} ${u.account ?? "(all)"} ${u.region} ${u.name} ${u.bucket ?? ""}: $${usd(u.usd)}`);
  }
  if (r.proposals.length > 0) {
    out.push("");
    out.push(
      "Billed rates that differ from ours (USD per 1M tokens); `chargeback prices add` with them to bill at them:",
    );
    for (const p of r.proposals)
      out.push(
        `  ${p.model} ${p.bucket} from ${p.from}: billed ${p.billed_usd_per_million}, ours ${p.ledger_usd_per_million ?? "unpriced"}  → prices add --model ${p.model} --effective-from ${p.from} --${p.bucket.replace("_", "-")} ${p.billed_usd_per_million} …`,
      );
  }
  return `${out.join("\n")}\n`;
}
