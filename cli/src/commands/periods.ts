import { exportJson } from "@bedrock-chargeback/api";
import {
  BillingError,
  closePeriod,
  closePeriodTrueUp,
  DEFAULT_INVOICE_CONFIG,
  focusOptions,
  formatMicros,
  getInvoices,
  invoicesPdfZip,
  invoicesToCsv,
  invoicesToFocusCsv,
  listPeriods,
  monthOf,
  monthSchema,
  PriceBook,
  readInvoiceConfig,
  renderInvoicePdf,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const month = monthSchema;
const listSchema = z.object({
  db: z.string().min(1).optional(),
  fromMonth: month.optional(),
  toMonth: month.optional(),
});
const closeSchema = z.object({
  db: z.string().min(1).optional(),
  by: z.string().min(1).default("cli"),
  trueUp: z.boolean().default(false),
});
const exportSchema = z.object({
  db: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  format: z.enum(["csv", "json", "focus", "pdf", "zip"]).default("csv"),
  invoiceConfig: z.string().min(1).optional(),
});

function monthArg(rest: string[]): [string, string[]] {
  const [m, ...flags] = rest;
  const parsed = month.safeParse(m);
  if (!parsed.success)
    throw new UsageError(
      `month ${JSON.stringify(m ?? "")}: ${parsed.error.issues[0]?.message ?? "expected YYYY-MM"}`,
    );
  return [parsed.data, flags];
}

export const periodsCommand: Command = {
  name: "periods",
  summary: "billing periods: list, close a month, export invoices (CSV, JSON, FOCUS, PDF, zip of PDFs)",
  usage:
    "chargeback periods list [--from-month YYYY-MM] [--to-month YYYY-MM] [--db <file>]\n" +
    "       chargeback periods close <YYYY-MM> [--by <name>] [--true-up] [--db <file>]   (--true-up: share the reconciled residual; see reconcile)\n" +
    "       chargeback periods export <YYYY-MM> [--tenant <id>] [--format csv|json|focus] [--db <file>]\n" +
    "       chargeback periods export <YYYY-MM> --tenant <id> --format pdf [--invoice-config <file>] > invoice.pdf\n" +
    "       chargeback periods export <YYYY-MM> [--tenant <id>] --format zip [--invoice-config <file>] > invoices.zip",
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const s = { type: "string" } as const;
    if (sub === "list") {
      const a = parseCommandArgs(rest, { db: s, "from-month": s, "to-month": s }, listSchema);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const now = io.now();
        const from =
          a.fromMonth ?? monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)));
        for (const p of listPeriods(db, from, a.toMonth ?? monthOf(now))) {
          io.stdout(`${p.month}  ${p.status}${p.closedAt ? `  ${p.closedAt} by ${p.closedBy}` : ""}\n`);
        }
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "close") {
      const [m, flags] = monthArg(rest);
      const a = parseCommandArgs(flags, { db: s, by: s, "true-up": { type: "boolean" } }, closeSchema);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const opts = { closedBy: a.by, now: io.now() };
        const prices = PriceBook.load(db);
        const trued = a.trueUp ? closePeriodTrueUp(db, prices, m, opts) : null;
        const r = trued ?? closePeriod(db, prices, m, opts);
        io.stdout(`closed ${m}: ${r.invoices} invoices, total $${formatMicros(r.totalMicros)}\n`);
        if (trued) {
          const t = trued.trueUp;
          io.stdout(
            `trued up to the AWS bill (${t.source.kind} ${t.source.version}, compared ${t.comparedAt}): invoices before markups sum to $${formatMicros(t.billedMicros)}\n`,
          );
        }
        return 0;
      } catch (error) {
        if (error instanceof BillingError) {
          io.stderr(`error: ${error.message}\n`);
          return 1;
        }
        throw error;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "export") {
      const [m, flags] = monthArg(rest);
      const a = parseCommandArgs(flags, { db: s, tenant: s, format: s, "invoice-config": s }, exportSchema);
      if (a.format === "pdf" && a.tenant === undefined)
        throw new UsageError("--format pdf is one tenant's invoice: add --tenant <id> (or use --format zip)");
      // Read before the store is opened: a bad file is a usage error, not a half-written export.
      const configPath = a.invoiceConfig ?? io.config.invoiceConfigPath;
      let invoiceConfig = DEFAULT_INVOICE_CONFIG;
      if ((a.format === "pdf" || a.format === "zip" || a.format === "focus") && configPath !== undefined) {
        try {
          invoiceConfig = readInvoiceConfig(configPath);
        } catch (error) {
          throw new UsageError(error instanceof Error ? error.message : String(error));
        }
      }
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const list = getInvoices(db, PriceBook.load(db), m, a.tenant);
        if (a.format === "pdf" || a.format === "zip") {
          const [one] = list;
          const bytes =
            a.format === "pdf" && one
              ? await renderInvoicePdf(one, invoiceConfig, { now: io.now() })
              : await invoicesPdfZip(list, invoiceConfig, { now: io.now() });
          io.stdout(bytes);
        } else if (a.format === "csv") io.stdout(invoicesToCsv(list));
        else if (a.format === "focus") io.stdout(invoicesToFocusCsv(list, focusOptions(invoiceConfig)));
        else io.stdout(`${JSON.stringify(exportJson(m, a.tenant, list), null, 2)}\n`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? "")}: list, close or export`);
  },
};
