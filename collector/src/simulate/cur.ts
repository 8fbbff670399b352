/**
 * The CUR 2.0 data export that matches a simulated corpus: what AWS would bill for the simulated
 * usage, with deltas planted on purpose and listed in `cur-truth.json`, so `chargeback reconcile`
 * can be checked to find exactly them (docs/billing-facts.md §2).
 *
 * Billed at the catalog's prices (the ones the ledger uses), except what is planted:
 * - price drift: the month's most expensive priced model × bucket is billed 8 % higher from the
 *   middle simulated day on;
 * - a logging gap: on that middle day the secondary account also ran its usage in eu-central-1,
 *   a Region whose logs never reached the corpus;
 * - models the catalog does not price are billed at the simulator's own rates (SIMULATED_RATES);
 * - a credit of -$10.00 and a tax line (8 % of the month's usage, to the cent), listed apart.
 * Claude and Cohere bill as AWS Marketplace rows ("(Amazon Bedrock Edition)", a Marketplace
 * product code, empty servicecode, $0 public cost); Nova, Titan, Llama and Mistral as AmazonBedrock.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  billNames,
  type Catalog,
  expandCatalog,
  formatMicros,
  loadCatalog,
  PriceBook,
  parseMicros,
  roundPicoToMicros,
  SHIPPED_CATALOG_PATH,
  TOKEN_BUCKETS,
  type TokenBucket,
  toCsv,
  withinTolerance,
} from "@bedrock-chargeback/ledger";
import { SIMULATED_ACCOUNTS, SIMULATED_APPLICATION_PROFILES } from "./scenarios";
import type { TruthRow } from "./truth";

export type CurFormat = "parquet" | "csv";
export const CUR_EXPORT_NAME = "bedrock-chargeback-cur2";

/** Rates (USD per 1M tokens) for models the catalog leaves unpriced: the simulator's own figures, not AWS prices. */
export const SIMULATED_RATES: Readonly<Record<string, Record<TokenBucket, string>>> = {
  "mistral.mistral-large-2407-v1:0": { input: "2.00", output: "6.00", cache_read: "0", cache_write: "0" },
  "cohere.command-r-plus-v1:0": { input: "3.00", output: "15.00", cache_read: "0", cache_write: "0" },
};
const DRIFT_PERCENT = 8n;
const CREDIT_MICROS = -10_000_000n;
const TAX_PERCENT = 8n;
const GAP_REGION = "eu-central-1";

/** One planted difference the reconciliation must report. */
export type PlantedLine = {
  date: string;
  account: string;
  region: string;
  model: string;
  bucket: TokenBucket;
  kind: "price_drift" | "logging_gap" | "unpriced_in_catalog";
  ledger_usd: string;
  billed_usd: string;
  delta_usd: string;
  /** The status the reconciliation rule (|Δ| ≤ max($0.01, 0.5 %)) gives this line. */
  status: "matched" | "price_drift" | "missing_in_ledger";
};

/** `cur-truth.json`: per month, the export written and what it plants. */
export type CurTruth = {
  export: string;
  format: CurFormat;
  months: {
    month: string;
    execution_id: string;
    ledger_usd: string;
    billed_usd: string;
    planted: PlantedLine[];
    other_charges: { line_item_type: string; usd: string }[];
    drift: { model: string; bucket: TokenBucket; from: string; percent: number } | null;
    logging_gap: { date: string; account: string; region: string } | null;
  }[];
};

type Rates = Record<TokenBucket, bigint>;

type Scope = "global" | "geographic" | "in_region";

function scopeOf(modelId: string): Scope {
  const target = modelId.startsWith("arn:") ? (SIMULATED_APPLICATION_PROFILES[modelId] ?? "") : modelId;
  if (target.startsWith("global.")) return "global";
  return /^(us|eu|apac|jp|au|us-gov|ca|in)\./.test(target) ? "geographic" : "in_region";
}

/** The catalog as the ledger reads it: the same PriceBook, so the bill and the ledger choose the same row. */
function bookOf(catalog: Catalog): PriceBook {
  return new PriceBook(
    expandCatalog(catalog, "catalog").map((row, i) => ({
      ...row,
      id: i + 1,
      addedAt: "1970-01-01T00:00:00Z",
    })),
  );
}

/** The catalog rate (pico-USD per token) in force on `day`, or undefined when the catalog has none. */
function catalogRates(
  book: PriceBook,
  model: string,
  scope: Scope,
  region: string,
  day: string,
): Rates | undefined {
  const p = book.find(model, scope, region, day);
  if (!p) return undefined;
  return {
    input: BigInt(p.inputMicros),
    output: BigInt(p.outputMicros),
    cache_read: BigInt(p.cacheReadMicros),
    cache_write: BigInt(p.cacheWriteMicros),
  };
}

/** pico-USD → "0.123456789012" (exact, trailing zeros trimmed). */
function picoText(pico: bigint): string {
  const neg = pico < 0n;
  const abs = neg ? -pico : pico;
  const frac = (abs % 1_000_000_000_000n).toString().padStart(12, "0").replace(/0+$/, "");
  const whole = (abs / 1_000_000_000_000n).toString();
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** tokens / per → exact decimal text. */
function unitsText(tokens: bigint, per: bigint): string {
  const digits = per.toString().length - 1;
  const frac = (tokens % per).toString().padStart(digits, "0").replace(/0+$/, "");
  return `${tokens / per}${frac ? `.${frac}` : ""}`;
}

/** A stable 25-character Marketplace product code per model (a real one is 20+ lowercase letters/digits). */
function marketplaceCode(model: string): string {
  let h = 2166136261;
  let out = "";
  for (let i = 0; out.length < 25; i++) {
    h = Math.imul(h ^ (model.charCodeAt(i % model.length) + i), 16777619) >>> 0;
    out += "abcdefghijklmnopqrstuvwxyz0123456789"[h % 36];
  }
  return out;
}

type Usage = {
  day: string;
  account: string;
  region: string;
  model: string;
  scope: Scope;
  tokens: Record<TokenBucket, bigint>;
};
type CurRow = Record<string, string | number | Date | Record<string, string>>;

const MP_METRIC: Record<TokenBucket, string> = {
  input: "InputTokenCount",
  output: "OutputTokenCount",
  cache_read: "CacheReadInputTokenCount",
  cache_write: "CacheWriteInputTokenCount",
};
const BEDROCK_METRIC: Record<TokenBucket, string> = {
  input: "input-tokens",
  output: "output-tokens",
  cache_read: "cache-read-input-token-count",
  cache_write: "cache-write-input-token-count",
};

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const nextMonthOf = (month: string) => {
  const [y = 0, m = 0] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
};

/**
 * Writes the CUR 2.0 export for `rows` (the simulator's truth) into `dir` and returns its truth.
 * @example await writeCurExport({ dir: "out/cur", rows: truth.rows, seed: 42, format: "parquet" })
 */
export async function writeCurExport(options: {
  dir: string;
  rows: readonly TruthRow[];
  seed: number;
  format: CurFormat;
}): Promise<CurTruth> {
  const names = billNames();
  const prefixOf = new Map(Object.entries(names.regionPrefixes).map(([p, r]) => [r, p]));
  const tokenOf = new Map(Object.entries(names.bedrockModelTokens).map(([t, e]) => [e.model, t]));
  const productOf = new Map(Object.entries(names.marketplaceProducts).map(([n, e]) => [e.model, n]));
  const book = bookOf(loadCatalog(SHIPPED_CATALOG_PATH));

  const usage = new Map<string, Usage>();
  for (const row of options.rows) {
    const scope = scopeOf(row.model_id);
    const key = JSON.stringify([row.day, row.account, row.region, row.model, scope]);
    let u = usage.get(key);
    if (!u) {
      u = {
        day: row.day,
        account: row.account,
        region: row.region,
        model: row.model,
        scope,
        tokens: { input: 0n, output: 0n, cache_read: 0n, cache_write: 0n },
      };
      usage.set(key, u);
    }
    u.tokens.input += BigInt(row.input_tokens);
    u.tokens.output += BigInt(row.output_tokens);
    u.tokens.cache_read += BigInt(row.cache_read_input_tokens);
    u.tokens.cache_write += BigInt(row.cache_write_input_tokens);
  }
  const months = [...new Set([...usage.values()].map((u) => u.day.slice(0, 7)))].sort();
  const truth: CurTruth = { export: CUR_EXPORT_NAME, format: options.format, months: [] };

  for (const month of months) {
    const list = [...usage.values()]
      .filter((u) => u.day.startsWith(month))
      .sort((a, b) =>
        JSON.stringify([a.day, a.account, a.region, a.model, a.scope]) <
        JSON.stringify([b.day, b.account, b.region, b.model, b.scope])
          ? -1
          : 1,
      );
    const days = [...new Set(list.map((u) => u.day))].sort();
    const middle = days[Math.floor(days.length / 2)] ?? `${month}-01`;

    // The most expensive priced model × bucket of the month drifts.
    const spend = new Map<string, bigint>();
    for (const u of list) {
      const rates = catalogRates(book, u.model, u.scope, u.region, u.day);
      if (!rates) continue;
      for (const b of TOKEN_BUCKETS)
        spend.set(`${u.model}\u0000${b}`, (spend.get(`${u.model}\u0000${b}`) ?? 0n) + u.tokens[b] * rates[b]);
    }
    const [driftKey] =
      [...spend.entries()].sort((a, b) =>
        b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0].localeCompare(b[0]),
      )[0] ?? [];
    const [driftModel = "", driftBucketText = ""] = driftKey?.split("\u0000") ?? [];
    const driftBucket = TOKEN_BUCKETS.find((b) => b === driftBucketText);

    // Billed line items, and both sides per reconciliation key (day × account × Region × model × bucket).
    type Side = { ledger: bigint; billed: bigint; kind: PlantedLine["kind"] | null };
    const keys = new Map<
      string,
      Side & { date: string; account: string; region: string; model: string; bucket: TokenBucket }
    >();
    const side = (date: string, account: string, region: string, model: string, bucket: TokenBucket) => {
      const k = JSON.stringify([date, account, region, model, bucket]);
      let s = keys.get(k);
      if (!s) {
        s = { date, account, region, model, bucket, ledger: 0n, billed: 0n, kind: null };
        keys.set(k, s);
      }
      return s;
    };
    const rows: CurRow[] = [];
    let usageMicros = 0n;
    const bill = (u: Usage, region: string, logged: boolean) => {
      const catalogRate = catalogRates(book, u.model, u.scope, u.region, u.day);
      const own = SIMULATED_RATES[u.model];
      for (const bucket of TOKEN_BUCKETS) {
        const tokens = u.tokens[bucket];
        if (tokens === 0n) continue;
        const ledgerRate = catalogRate?.[bucket] ?? 0n;
        let rate = catalogRate ? ledgerRate : own ? parseMicros(own[bucket]) : 0n;
        const s = side(u.day, u.account, region, u.model, bucket);
        if (logged) s.ledger += tokens * ledgerRate;
        if (!logged) s.kind = "logging_gap";
        else if (!catalogRate) s.kind = "unpriced_in_catalog";
        else if (u.model === driftModel && bucket === driftBucket && u.day >= middle) {
          rate = (rate * (100n + DRIFT_PERCENT)) / 100n;
          s.kind = "price_drift";
        }
        const pico = tokens * rate;
        s.billed += pico;
        const prefix = prefixOf.get(region) ?? "USE1";
        const marketplace = u.model.startsWith("anthropic.") || u.model.startsWith("cohere.");
        const global = u.scope === "global";
        const usageType = marketplace
          ? `${prefix}-MP:${prefix}_${MP_METRIC[bucket]}${global ? "_Global" : ""}-Units`
          : `${prefix}-${tokenOf.get(u.model) ?? u.model}-${BEDROCK_METRIC[bucket]}${global ? "-cross-region-global" : ""}`;
        rows.push({
          identity_line_item_id: `sim-${rows.length + 1}`,
          identity_time_interval: `${u.day}T00:00:00Z/${nextDay(u.day)}T00:00:00Z`,
          bill_invoice_id: "",
          bill_billing_period_start_date: new Date(`${month}-01T00:00:00Z`),
          line_item_usage_start_date: new Date(`${u.day}T00:00:00Z`),
          line_item_usage_end_date: new Date(`${nextDay(u.day)}T00:00:00Z`),
          line_item_usage_account_id: u.account,
          line_item_line_item_type: "Usage",
          line_item_product_code: marketplace ? marketplaceCode(u.model) : "AmazonBedrock",
          line_item_usage_type: usageType,
          line_item_operation: "InvokeModelInference",
          line_item_usage_amount: unitsText(tokens, marketplace ? 1_000_000n : 1_000n),
          line_item_unblended_cost: picoText(pico),
          line_item_currency_code: "USD",
          pricing_public_on_demand_cost: marketplace ? "0" : picoText(pico),
          product_servicecode: marketplace ? "" : "AmazonBedrock",
          product: {
            product_name: marketplace
              ? (productOf.get(u.model) ?? `${u.model} (Amazon Bedrock Edition)`)
              : "Amazon Bedrock",
          },
        });
      }
    };
    for (const u of list) bill(u, u.region, true);
    const gapAccount = SIMULATED_ACCOUNTS.secondary;
    const gapUsage = list.filter((u) => u.day === middle && u.account === gapAccount.id);
    for (const u of gapUsage) bill(u, GAP_REGION, false);

    const planted: PlantedLine[] = [];
    let ledgerMicros = 0n;
    let billedMicros = 0n;
    for (const s of [...keys.values()]) {
      const l = roundPicoToMicros(s.ledger);
      const b = roundPicoToMicros(s.billed);
      ledgerMicros += l;
      billedMicros += b;
      if (!s.kind || (l === b && s.kind === "price_drift")) continue;
      const status =
        s.kind === "logging_gap"
          ? "missing_in_ledger"
          : s.kind === "unpriced_in_catalog" || !withinTolerance(l, b)
            ? "price_drift"
            : "matched";
      planted.push({
        date: s.date,
        account: s.account,
        region: s.region,
        model: s.model,
        bucket: s.bucket,
        kind: s.kind,
        ledger_usd: formatMicros(l),
        billed_usd: formatMicros(b),
        delta_usd: formatMicros(b - l),
        status,
      });
    }
    usageMicros = billedMicros;
    const taxMicros = (((usageMicros * TAX_PERCENT) / 100n + 5_000n) / 10_000n) * 10_000n;
    const monthStart = new Date(`${month}-01T00:00:00Z`);
    const charge = (type: string, micros: bigint, usageType: string): CurRow => ({
      identity_line_item_id: `sim-${rows.length + 1}`,
      identity_time_interval: `${month}-01T00:00:00Z/${nextMonthOf(month)}-01T00:00:00Z`,
      bill_invoice_id: "",
      bill_billing_period_start_date: monthStart,
      line_item_usage_start_date: monthStart,
      line_item_usage_end_date: new Date(`${nextMonthOf(month)}-01T00:00:00Z`),
      line_item_usage_account_id: SIMULATED_ACCOUNTS.primary.id,
      line_item_line_item_type: type,
      line_item_product_code: "AmazonBedrock",
      line_item_usage_type: usageType,
      line_item_operation: "",
      line_item_usage_amount: "0",
      line_item_unblended_cost: formatMicros(micros),
      line_item_currency_code: "USD",
      pricing_public_on_demand_cost: "0",
      product_servicecode: "AmazonBedrock",
      product: { product_name: "Amazon Bedrock" },
    });
    rows.push(charge("Credit", CREDIT_MICROS, ""));
    rows.push(charge("Tax", taxMicros, "Tax"));

    const executionId = `sim-${options.seed}-${month}`;
    const dataDir = `data/BILLING_PERIOD=${month}`;
    const file = `${CUR_EXPORT_NAME}-00001.${options.format === "parquet" ? "snappy.parquet" : "csv.gz"}`;
    await mkdir(join(options.dir, dataDir), { recursive: true });
    await mkdir(join(options.dir, `metadata/BILLING_PERIOD=${month}`), { recursive: true });
    await writeFile(
      join(options.dir, dataDir, file),
      options.format === "parquet" ? await toParquet(rows) : gzipSync(curCsv(rows)),
    );
    // The manifest's field names are our reading, UNCONFIRMED (docs/billing-facts.md §2.1).
    const manifest = {
      exportName: CUR_EXPORT_NAME,
      billingPeriod: month,
      executionId,
      dataFiles: [`${dataDir}/${file}`],
      columns: CUR_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
    };
    await writeFile(
      join(options.dir, `metadata/BILLING_PERIOD=${month}`, `${CUR_EXPORT_NAME}-Manifest.json`),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    truth.months.push({
      month,
      execution_id: executionId,
      ledger_usd: formatMicros(ledgerMicros),
      billed_usd: formatMicros(billedMicros),
      planted,
      other_charges: [
        { line_item_type: "Credit", usd: formatMicros(CREDIT_MICROS) },
        { line_item_type: "Tax", usd: formatMicros(taxMicros) },
      ],
      drift: driftBucket
        ? { model: driftModel, bucket: driftBucket, from: middle, percent: Number(DRIFT_PERCENT) }
        : null,
      logging_gap: gapUsage.length > 0 ? { date: middle, account: gapAccount.id, region: GAP_REGION } : null,
    });
  }
  await writeFile(join(options.dir, "cur-truth.json"), `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}

const CUR_COLUMNS: { name: string; type: "string" | "double" | "timestamp" | "map" }[] = [
  { name: "identity_line_item_id", type: "string" },
  { name: "identity_time_interval", type: "string" },
  { name: "bill_invoice_id", type: "string" },
  { name: "bill_billing_period_start_date", type: "timestamp" },
  { name: "line_item_usage_start_date", type: "timestamp" },
  { name: "line_item_usage_end_date", type: "timestamp" },
  { name: "line_item_usage_account_id", type: "string" },
  { name: "line_item_line_item_type", type: "string" },
  { name: "line_item_product_code", type: "string" },
  { name: "line_item_usage_type", type: "string" },
  { name: "line_item_operation", type: "string" },
  { name: "line_item_usage_amount", type: "double" },
  { name: "line_item_unblended_cost", type: "double" },
  { name: "line_item_currency_code", type: "string" },
  { name: "pricing_public_on_demand_cost", type: "double" },
  { name: "product_servicecode", type: "string" },
  { name: "product", type: "map" },
];

/** CUR 2.0 as gzip CSV: dates as ISO text, the `product` map as JSON text (our reading, UNCONFIRMED). */
function curCsv(rows: readonly CurRow[]): string {
  return toCsv(
    CUR_COLUMNS.map((c) => c.name),
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString().replace(".000Z", "Z") : v]),
      ),
    ),
  );
}

async function toParquet(rows: readonly CurRow[]): Promise<Buffer> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  const utf8 = { type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" } as const;
  const schema = [{ name: "root", num_children: CUR_COLUMNS.length }];
  const flat: object[] = [];
  for (const c of CUR_COLUMNS) {
    if (c.type === "string") flat.push({ name: c.name, ...utf8 });
    else if (c.type === "double") flat.push({ name: c.name, type: "DOUBLE", repetition_type: "OPTIONAL" });
    else if (c.type === "timestamp")
      flat.push({
        name: c.name,
        type: "INT64",
        converted_type: "TIMESTAMP_MILLIS",
        repetition_type: "OPTIONAL",
      });
    else
      flat.push(
        { name: c.name, repetition_type: "OPTIONAL", converted_type: "MAP", num_children: 1 },
        { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
        { name: "key", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        { name: "value", ...utf8 },
      );
  }
  const columnData = CUR_COLUMNS.map((c) => ({
    name: c.name,
    data: rows.map((r) => {
      const v = r[c.name];
      if (c.type === "double") return Number(v);
      if (c.type === "timestamp") return v instanceof Date ? BigInt(v.getTime()) : v;
      return v;
    }),
  }));
  const buffer = parquetWriteBuffer({ schema: [...schema, ...flat] as never, columnData });
  return Buffer.from(buffer);
}
