/**
 * `chargeback reconcile`: the ledger beside the AWS bill for one month, from a CUR 2.0 data export
 * (folder or S3 prefix) or from Cost Explorer (docs/rules.md rule 12, docs/billing-facts.md).
 */
import { createS3Client } from "@bedrock-chargeback/collector";
import {
  type BillItem,
  type BillSource,
  billNames,
  CurExportError,
  createCostExplorerClient,
  folderExportStore,
  ledgerUsage,
  mapBillItem,
  monthSchema,
  PriceBook,
  parseUsageUnits,
  type Reconciliation,
  readCostExplorerBill,
  readCurExport,
  reconcile,
  reconciliationCsv,
  reconciliationTable,
  s3ExportStore,
  saveReconciliation,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, type Io, UsageError } from "../io";
import { openExistingStore } from "../store";

const argsSchema = z
  .object({
    db: z.string().min(1).optional(),
    month: monthSchema,
    cur: z.string().min(1).optional(),
    costExplorer: z.boolean().default(false),
    ceServices: z.string().optional(),
    format: z.enum(["table", "json", "csv"]).default("table"),
    billNames: z.string().min(1).optional(),
    usageUnits: z.string().optional(),
    region: z.string().optional(),
    endpoint: z.string().optional(),
    noSave: z.boolean().default(false),
  })
  .refine((a) => (a.cur === undefined) !== !a.costExplorer, {
    path: ["cur"],
    message: "give exactly one of --cur <folder|s3://bucket/prefix> or --cost-explorer",
  });

type Args = z.infer<typeof argsSchema>;

async function readBill(a: Args, io: Io): Promise<{ items: BillItem[]; source: BillSource }> {
  const now = io.now();
  if (a.cur) {
    let store = folderExportStore(a.cur);
    const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(a.cur);
    if (s3) {
      const region = a.region ?? io.config.region;
      if (!region) throw new UsageError("--region (or AWS_REGION) is required with --cur s3://…");
      const client = await createS3Client({ region, endpoint: a.endpoint ?? io.config.awsEndpoint });
      store = s3ExportStore(client, s3[1] ?? "", s3[2] ?? "");
    } else if (a.cur.startsWith("s3:")) throw new UsageError(`--cur ${a.cur}: expected s3://bucket/prefix`);
    try {
      return await readCurExport(store, a.month, now);
    } catch (error) {
      if (error instanceof CurExportError) throw new UsageError(`--cur: ${error.message}`);
      throw error;
    }
  }
  const client = await createCostExplorerClient(a.endpoint ?? io.config.awsEndpoint);
  const services = a.ceServices
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return readCostExplorerBill(client, a.month, now, services ? { services } : {});
}

export const reconcileCommand: Command = {
  name: "reconcile",
  summary: "compare the ledger with the AWS bill (CUR 2.0 export or Cost Explorer) for a month",
  usage:
    "chargeback reconcile --db <file> --month YYYY-MM (--cur <folder|s3://bucket/prefix> | --cost-explorer) [--format table|json|csv]\n" +
    '       [--bill-names names.json] [--usage-units bedrock=1000,marketplace=1000000] [--ce-services "Amazon Bedrock,…"]\n' +
    "       [--region r --endpoint url] [--no-save]\n" +
    "       --cur names one export: the folder or prefix holding its data/ and metadata/. Cost Explorer costs $0.01 per request.",
  async run(argv, io) {
    const s = { type: "string" } as const;
    const a = parseCommandArgs(
      argv,
      {
        db: s,
        month: s,
        cur: s,
        "cost-explorer": { type: "boolean" },
        "ce-services": s,
        format: s,
        "bill-names": s,
        "usage-units": s,
        region: s,
        endpoint: s,
        "no-save": { type: "boolean" },
      },
      argsSchema,
    );
    let names: ReturnType<typeof billNames>;
    let units: ReturnType<typeof parseUsageUnits> | undefined;
    try {
      names = billNames(a.billNames);
      units = a.usageUnits ? parseUsageUnits(a.usageUnits) : undefined;
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const db = openExistingStore(a.db ?? io.config.dbPath);
    try {
      const bill = await readBill(a, io);
      const mapped = bill.items.flatMap((item) => mapBillItem(item, names, units) ?? []);
      const result: Reconciliation = reconcile({
        month: a.month,
        bill: mapped,
        ledger: ledgerUsage(db, PriceBook.load(db), a.month, {
          mergeAccounts: bill.source.kind === "cost-explorer",
        }),
        source: bill.source,
      });
      if (!a.noSave) {
        try {
          saveReconciliation(db, result, io.now());
        } catch (error) {
          io.stderr(
            `note: the result was not saved in the store (${error instanceof Error ? error.message : String(error)})\n`,
          );
        }
      }
      if (a.format === "json") io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else if (a.format === "csv") io.stdout(reconciliationCsv(result));
      else io.stdout(reconciliationTable(result));
      return 0;
    } finally {
      db.$client.close();
    }
  },
};
