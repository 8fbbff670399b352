/**
 * Reads one CUR 2.0 data export (AWS Data Exports) for a billing period: the folder or S3 prefix
 * that holds its `data/BILLING_PERIOD=YYYY-MM/` files (Parquet, or gzip CSV) and its manifest
 * `metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json` (docs/billing-facts.md §2.1).
 *
 * Parquet is read with hyparquet: pure JavaScript (no native build, unlike DuckDB, which stays a
 * test-only dependency), reads MAP columns such as `product`, and runs on Node 20..26.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { readCsvRecords } from "../billing/csv";
import { nextMonth } from "../billing/months";
import { parseBilledPico } from "../pricing/money";
import type { BillItem } from "./bill";
import type { BillSource } from "./compare";

/** Where an export lives: a local folder or an S3 prefix, behind the two calls the reader needs. */
export type ExportStore = {
  location: string;
  /** Keys (relative to the export root) under `prefix`, with their modification time. */
  list: (prefix: string) => Promise<{ key: string; modified: Date }[]>;
  get: (key: string) => Promise<Uint8Array>;
};

export function folderExportStore(root: string): ExportStore {
  return {
    location: root,
    list: async (prefix) => {
      let names: string[];
      try {
        names = await readdir(join(root, prefix));
      } catch (error) {
        if (error instanceof Error && "code" in error && error.code === "ENOENT") return [];
        throw error;
      }
      const out: { key: string; modified: Date }[] = [];
      for (const name of names.sort()) {
        const s = await stat(join(root, prefix, name));
        if (s.isFile()) out.push({ key: `${prefix}${name}`, modified: s.mtime });
      }
      return out;
    },
    get: async (key) => readFile(join(root, key)),
  };
}

/** An S3 prefix (`s3://bucket/prefix`) through a client from the standard chain. */
export function s3ExportStore(client: S3Client, bucket: string, prefix: string): ExportStore {
  const base = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  const sdk = () => import("@aws-sdk/client-s3");
  return {
    location: `s3://${bucket}/${base}`,
    list: async (sub) => {
      const { ListObjectsV2Command } = await sdk();
      const out: { key: string; modified: Date }[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: `${base}${sub}`, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith("/")) continue;
          const rel = o.Key.slice(base.length);
          if (rel.slice(sub.length).includes("/")) continue;
          out.push({ key: rel, modified: o.LastModified ?? new Date(0) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
    get: async (key) => {
      const { GetObjectCommand } = await sdk();
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${base}${key}` }));
      if (!res.Body) throw new Error(`s3://${bucket}/${base}${key}: empty body`);
      return res.Body.transformToByteArray();
    },
  };
}

/** Export reading failed in a way the user must fix (no data, a manifest naming absent files …). */
export class CurExportError extends Error {
  override name = "CurExportError";
}

/** A CUR row as the readers give it: Parquet values (string, number, Date, map object) or CSV text. */
type Row = Record<string, unknown>;

function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  return String(value);
}

/** `product` is a MAP in Parquet; in CSV we accept its JSON text or a flattened `product_<key>` column. */
function productField(row: Row, key: string): string {
  const map = row.product;
  if (map && typeof map === "object" && !(map instanceof Date)) {
    const v: unknown = Reflect.get(map, key);
    if (v !== undefined && v !== null) return text(v);
  }
  if (typeof map === "string" && map.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(map);
      if (parsed && typeof parsed === "object") {
        const v: unknown = Reflect.get(parsed, key);
        if (v !== undefined && v !== null) return text(v);
      }
    } catch {
      // not JSON: fall through to the flattened column
    }
  }
  return text(row[`product_${key}`]);
}

const DAY = /^(\d{4}-\d{2}-\d{2})/;

/** A CUR 2.0 row → a bill item; the error names the file and row. */
export function curRowToItem(row: Row, place: string): BillItem {
  const start = text(row.line_item_usage_start_date);
  const day = DAY.exec(start)?.[1];
  if (!day)
    throw new CurExportError(
      `${place}: line_item_usage_start_date ${JSON.stringify(start)} is not a UTC date-time`,
    );
  let costPico: bigint;
  try {
    costPico = parseBilledPico(text(row.line_item_unblended_cost) || "0");
  } catch {
    throw new CurExportError(
      `${place}: line_item_unblended_cost ${JSON.stringify(text(row.line_item_unblended_cost))} is not a number`,
    );
  }
  // The Region column names are UNCONFIRMED (docs/billing-facts.md §2.2): read the ones that exist,
  // else the usage type's prefix decides (ledger/prices/model-names.json).
  const region =
    text(row.product_region_code) || productField(row, "region_code") || productField(row, "region") || null;
  return {
    date: day,
    account: text(row.line_item_usage_account_id) || null,
    region,
    lineItemType: text(row.line_item_line_item_type),
    productCode: text(row.line_item_product_code),
    productName: productField(row, "product_name"),
    usageType: text(row.line_item_usage_type),
    usageAmount: text(row.line_item_usage_amount) || "0",
    costPico,
  };
}

const CUR_COLUMNS = [
  "line_item_usage_start_date",
  "line_item_unblended_cost",
  "line_item_usage_account_id",
  "line_item_line_item_type",
  "line_item_product_code",
  "line_item_usage_type",
  "line_item_usage_amount",
  "product",
];

async function readParquetRows(bytes: Uint8Array): Promise<Row[]> {
  const { parquetReadObjects, parquetMetadata } = await import("hyparquet");
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  const present = new Set(parquetMetadata(buffer).schema.map((s) => s.name));
  const columns = [...CUR_COLUMNS, "product_region_code", "product_product_name"].filter((c) =>
    present.has(c),
  );
  return parquetReadObjects({ file: buffer, columns });
}

/** What was read: the items and where they came from. */
export type CurExport = { items: BillItem[]; source: BillSource; files: string[] };

/**
 * Reads the export's files for `month`. `now` decides whether AWS may still restate the month.
 * @example await readCurExport(folderExportStore("exports/bedrock-cur"), "2026-10", new Date())
 */
export async function readCurExport(store: ExportStore, month: string, now: Date): Promise<CurExport> {
  const dataPrefix = `data/BILLING_PERIOD=${month}/`;
  const metaPrefix = `metadata/BILLING_PERIOD=${month}/`;
  const listed = (await store.list(dataPrefix)).filter((o) => /\.(parquet|csv\.gz|csv)$/.test(o.key));
  const manifests = (await store.list(metaPrefix)).filter((o) => /Manifest\.json$/.test(o.key));
  const notes: string[] = [];
  let version = "";
  let asOf = "";
  let files = listed;
  const manifest = manifests.at(-1);
  if (manifest) {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(await store.get(manifest.key)).toString("utf8"));
    } catch (error) {
      throw new CurExportError(
        `${store.location}${manifest.key}: not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    // The manifest's field names are UNCONFIRMED (docs/billing-facts.md §2.1): an execution id and
    // a file list are used when present; otherwise the folder listing and the manifest's time.
    const obj = json && typeof json === "object" ? json : {};
    const id = Reflect.get(obj, "executionId") ?? Reflect.get(obj, "assemblyId");
    version = typeof id === "string" ? id : "";
    const named = Reflect.get(obj, "dataFiles") ?? Reflect.get(obj, "reportKeys");
    if (Array.isArray(named)) {
      const base = (k: string) => k.slice(k.lastIndexOf("/") + 1);
      const wanted = new Set(named.map((k) => base(String(k))));
      files = listed.filter((o) => wanted.has(base(o.key)));
      const missing = [...wanted].filter((name) => !listed.some((o) => base(o.key) === name));
      if (missing.length > 0)
        throw new CurExportError(
          `${store.location}${manifest.key} names ${missing.join(", ")}, not in ${dataPrefix} (an export still being delivered? run again later)`,
        );
    }
    asOf = manifest.modified.toISOString();
    version ||= `manifest of ${asOf}`;
  } else {
    notes.push(`no manifest under ${metaPrefix}: read every file in ${dataPrefix}`);
    asOf =
      listed
        .map((o) => o.modified.toISOString())
        .sort()
        .at(-1) ?? "";
    version = `files of ${asOf || "(none)"}`;
  }
  if (files.length === 0) throw new CurExportError(`${store.location}: no data files under ${dataPrefix}`);

  const items: BillItem[] = [];
  for (const file of files) {
    const bytes = await store.get(file.key);
    let rows: Row[];
    if (file.key.endsWith(".parquet")) rows = await readParquetRows(bytes);
    else {
      const raw = file.key.endsWith(".gz") ? gunzipSync(bytes) : Buffer.from(bytes);
      rows = readCsvRecords(raw.toString("utf8"));
    }
    rows.forEach((row, i) => {
      items.push(curRowToItem(row, `${store.location}${file.key} row ${i + 1}`));
    });
  }
  return {
    items,
    files: files.map((f) => f.key),
    source: {
      kind: "cur",
      location: store.location,
      version,
      as_of: asOf,
      ...restatement(month, now),
      notes,
    },
  };
}

const DAY_MS = 86_400_000;

/**
 * AWS may update the previous period during the first two weeks after it ends
 * (docs/billing-facts.md §2.1), and a month not yet over is incomplete: both are said, with the
 * days that cannot be final yet (the last two, docs/billing-facts.md §3 "Latency").
 */
export function restatement(
  month: string,
  now: Date,
): { may_be_restated: boolean; not_final_days: string[] } {
  const end = Date.parse(`${nextMonth(month)}-01T00:00:00Z`);
  const start = Date.parse(`${month}-01T00:00:00Z`);
  const notFinal: string[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let d = Math.max(start, today - DAY_MS); d < end && d <= today; d += DAY_MS)
    notFinal.push(new Date(d).toISOString().slice(0, 10));
  return { may_be_restated: now.getTime() < end + 14 * DAY_MS, not_final_days: notFinal };
}
