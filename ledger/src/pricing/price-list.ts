/**
 * AWS Price List items (GetProducts `PriceList` documents, bulk offer files in JSON or CSV) →
 * catalog rows. The grammar of `usagetype` and the units are in docs/billing-facts.md §1; model
 * display names and Marketplace `servicename`s map to model ids through ONE reviewed table,
 * ledger/prices/model-names.json (model-names.ts). Anything this parser cannot read for certain (an unknown name,
 * modifier, unit or volume tier, or two SKUs that disagree) is listed, never guessed.
 */
import { z } from "zod";
import type { Catalog } from "./catalog";
import { type ModelNameTable, modelIdOf } from "./model-names";

/** The Price List service codes that sell Bedrock inference (docs/billing-facts.md §1.2). */
export const BEDROCK_SERVICE_CODES = [
  "AmazonBedrock",
  "AmazonBedrockFoundationModels",
  "AmazonBedrockService",
] as const;

/** Token buckets a price-list SKU can meter. The invocation log has one cache-write counter. */
export type PriceListBucket = "input" | "output" | "cache_read" | "cache_write_5m" | "cache_write_1h";
export type PriceListTier = "standard" | "batch" | "latency_optimized" | "flex" | "priority";
/** `regional` covers in-region and geographic profiles (source-region price, docs/billing-facts.md §1.4). */
export type PriceListScope = "regional" | "global";

export type PriceListItem = {
  product: { sku: string; productFamily?: string; attributes: Record<string, string> };
  serviceCode?: string;
  terms?: {
    OnDemand?: Record<
      string,
      {
        effectiveDate?: string;
        priceDimensions?: Record<
          string,
          {
            unit?: string;
            description?: string;
            beginRange?: string;
            endRange?: string;
            pricePerUnit?: Record<string, string>;
          }
        >;
      }
    >;
  };
  publicationDate?: string;
};

/** One SKU read for certain. `usdPerMillion` is an exact decimal string with at most 6 decimals. */
export type ParsedPrice = {
  sku: string;
  serviceCode: string;
  usagetype: string;
  name: string;
  model: string;
  region: string;
  scope: PriceListScope;
  bucket: PriceListBucket;
  tier: PriceListTier;
  usdPerMillion: string;
  effectiveFrom: string;
};

export type UnknownSku = {
  sku: string;
  serviceCode: string;
  usagetype: string;
  name: string;
  reason: string;
};

export type ParseResult = {
  prices: ParsedPrice[];
  unknown: UnknownSku[];
  /** SKUs that meter no tokens (images, provisioned throughput, customization, storage, …). */
  ignored: number;
};

// The name table has its own module; re-exported because ledger/prices/build.ts reads it from here.
export { loadModelNames, MODEL_NAMES_PATH, type ModelNameTable, modelIdOf } from "./model-names";

// AmazonBedrock / AmazonBedrockService: `<REGION>-<name>-[mantle-]<meter>[-<modifier>…]`.
const BEDROCK_METER =
  /^[A-Z0-9]+-(.+?)-(?:mantle-)?(input-tokens|output-tokens|cache-read-input-token-count|cache-write-input-token-count|cache-read-tokens|cache-write-tokens)((?:-[a-z0-9.]+)*)$/;
const BEDROCK_BUCKET: Record<string, PriceListBucket> = {
  "input-tokens": "input",
  "output-tokens": "output",
  "cache-read-input-token-count": "cache_read",
  "cache-read-tokens": "cache_read",
  "cache-write-input-token-count": "cache_write_5m",
  "cache-write-tokens": "cache_write_5m",
};
// Marketplace (AmazonBedrockFoundationModels): `[<REGION>-]MP:<REGION>_<meter>-Units`.
const MARKETPLACE_METER = /(?:^|-)MP:[A-Z0-9]+_([A-Za-z0-9_]+)-Units$/;
const MARKETPLACE_BUCKET: [RegExp, PriceListBucket][] = [
  [/^InputTokenCount/, "input"],
  [/^OutputTokenCount/, "output"],
  [/^CacheReadInputTokenCount/, "cache_read"],
  [/^CacheWrite1hInputTokenCount/, "cache_write_1h"],
  [/^CacheWrite5mInputTokenCount/, "cache_write_5m"],
  [/^CacheWriteInputTokenCount/, "cache_write_5m"],
  [/^input_tokens/, "input"],
  [/^output_tokens/, "output"],
  [/^cache_read_tokens/, "cache_read"],
  [/^cache_write_tokens/, "cache_write_5m"],
];

/** Modifier words after the meter; anything else makes the SKU unknown. */
const MODIFIERS: Record<
  string,
  { scope?: PriceListScope; tier?: PriceListTier; ttl1h?: boolean; ttl5m?: boolean }
> = {
  "cross-region-global": { scope: "global" },
  global: { scope: "global" },
  regional: { scope: "regional" },
  batch: { tier: "batch" },
  "latency-optimized": { tier: "latency_optimized" },
  latencyoptimized: { tier: "latency_optimized" },
  flex: { tier: "flex" },
  priority: { tier: "priority" },
  standard: { tier: "standard" },
  "1-hour": { ttl1h: true },
  "1h": { ttl1h: true },
  "5m": { ttl5m: true },
};

type Meter = { bucket: PriceListBucket; scope: PriceListScope; tier: PriceListTier } | { unknown: string };

function readModifiers(bucket: PriceListBucket, words: string[]): Meter {
  let scope: PriceListScope = "regional";
  let tier: PriceListTier = "standard";
  let b = bucket;
  for (let i = 0; i < words.length; i++) {
    // Two-word modifiers first ("cross-region-global", "latency-optimized", "1-hour").
    const three = words.slice(i, i + 3).join("-");
    const two = words.slice(i, i + 2).join("-");
    const [word, used] = MODIFIERS[three] ? [three, 3] : MODIFIERS[two] ? [two, 2] : [words[i] ?? "", 1];
    const m = MODIFIERS[word];
    if (!m) return { unknown: `unknown usagetype modifier "${words[i]}"` };
    i += used - 1;
    if (m.scope) scope = m.scope;
    if (m.tier) tier = m.tier;
    if (m.ttl1h || m.ttl5m) {
      if (b !== "cache_write_5m" && b !== "cache_write_1h")
        return { unknown: `cache TTL "${word}" on a ${b} meter` };
      b = m.ttl1h ? "cache_write_1h" : "cache_write_5m";
    }
  }
  return { bucket: b, scope, tier };
}

/** The meter of a usagetype, `undefined` when it meters no tokens (ignored, not unknown). */
export function readUsagetype(usagetype: string): Meter | undefined {
  const bedrock = BEDROCK_METER.exec(usagetype);
  if (bedrock) {
    const bucket = BEDROCK_BUCKET[bedrock[2] ?? ""];
    if (!bucket) return { unknown: `unknown meter "${bedrock[2]}"` };
    const words = (bedrock[3] ?? "").split("-").filter(Boolean);
    return readModifiers(bucket, words);
  }
  const mp = MARKETPLACE_METER.exec(usagetype);
  if (mp) {
    const meter = mp[1] ?? "";
    const hit = MARKETPLACE_BUCKET.find(([re]) => re.test(meter));
    if (!hit) return /token/i.test(meter) ? { unknown: `unknown Marketplace meter "${meter}"` } : undefined;
    const [re, bucket] = hit;
    const rest = meter.replace(re, "");
    const words = rest
      .split("_")
      .filter(Boolean)
      .map((w) => w.toLowerCase());
    return readModifiers(bucket, words);
  }
  return undefined;
}

/**
 * "0.0080000000" per 1K tokens → "8" per 1M. Exact decimal shifting; more than 6 decimals after
 * scaling is refused (the store keeps micro-USD per 1M tokens).
 */
export function usdPerMillion(price: string, perTokens: 1_000 | 1_000_000): string | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(price.trim());
  if (!m) return undefined;
  const shift = perTokens === 1_000 ? 3 : 0;
  const whole = m[1] ?? "0";
  const frac = m[2] ?? "";
  const digits = whole + frac.padEnd(shift, "0");
  const point = whole.length + shift;
  const intPart = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const fracPart = digits.slice(point).replace(/0+$/, "");
  if (fracPart.length > 6) return undefined;
  return fracPart ? `${intPart}.${fracPart}` : intPart;
}

/** Tokens per priced unit, from `unit` and (for Marketplace `Units`) the description. */
function tokensPerUnit(unit: string, description: string): 1_000 | 1_000_000 | undefined {
  const u = unit.trim().toLowerCase();
  if (u === "1k tokens") return 1_000;
  if (u === "1m tokens") return 1_000_000;
  if (u === "units" && /million/i.test(description)) return 1_000_000;
  return undefined;
}

/** Reads items for certain or lists them. `regions` (optional) keeps only those regionCodes. */
export function parsePriceList(
  items: Iterable<PriceListItem>,
  table: ModelNameTable,
  options: { regions?: readonly string[]; defaultEffectiveFrom?: string; defaultServiceCode?: string } = {},
): ParseResult {
  const result: ParseResult = { prices: [], unknown: [], ignored: 0 };
  for (const item of items) {
    const attributes = item.product?.attributes ?? {};
    const sku = item.product?.sku ?? "";
    const serviceCode = item.serviceCode ?? attributes.servicecode ?? options.defaultServiceCode ?? "";
    const usagetype = attributes.usagetype ?? "";
    const name = attributes.model ?? attributes.titanModel ?? attributes.servicename ?? "";
    const meter = readUsagetype(usagetype);
    if (!meter) {
      result.ignored++;
      continue;
    }
    const terms = Object.values(item.terms?.OnDemand ?? {});
    const dimensions = terms.flatMap((t) => Object.values(t.priceDimensions ?? {}));
    const description = dimensions[0]?.description ?? "";
    const region = attributes.regionCode ?? /\|([a-z]{2}(?:-[a-z]+)+-\d)\|/.exec(description)?.[1] ?? "";
    if (options.regions && region && !options.regions.includes(region)) continue;
    const unknown = (reason: string) => result.unknown.push({ sku, serviceCode, usagetype, name, reason });
    if ("unknown" in meter) {
      unknown(meter.unknown);
      continue;
    }
    if (!region) {
      unknown("no regionCode");
      continue;
    }
    const model = modelIdOf(table, attributes);
    if (!model) {
      unknown(`name "${name}" is not in ledger/prices/model-names.json`);
      continue;
    }
    if (terms.length !== 1 || dimensions.length !== 1) {
      unknown(
        `${terms.length} on-demand terms with ${dimensions.length} price dimensions (volume tiers are not modelled)`,
      );
      continue;
    }
    const dim = dimensions[0];
    if ((dim?.beginRange ?? "0") !== "0" || (dim?.endRange ?? "Inf") !== "Inf") {
      unknown(`price range ${dim?.beginRange}..${dim?.endRange} (volume tiers are not modelled)`);
      continue;
    }
    const per = tokensPerUnit(dim?.unit ?? "", description);
    if (!per) {
      unknown(`unit "${dim?.unit}" is not 1K tokens, 1M tokens or Units per million`);
      continue;
    }
    const usd = dim?.pricePerUnit?.USD;
    const rate = usd === undefined ? undefined : usdPerMillion(usd, per);
    if (rate === undefined) {
      unknown(`price ${JSON.stringify(usd)} is not a USD decimal with at most 6 decimals per 1M tokens`);
      continue;
    }
    const effective = (
      terms[0]?.effectiveDate ??
      item.publicationDate ??
      options.defaultEffectiveFrom ??
      ""
    ).slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(effective)) {
      unknown("no effectiveDate");
      continue;
    }
    result.prices.push({
      sku,
      serviceCode,
      usagetype,
      name,
      model,
      region,
      scope: meter.scope,
      bucket: meter.bucket,
      tier: meter.tier,
      usdPerMillion: rate,
      effectiveFrom: effective,
    });
  }
  return result;
}

/** One catalog row's worth of rates, merged from SKUs. */
export type CatalogRow = Catalog["prices"][number];

export type BuildResult = {
  entries: CatalogRow[];
  /** model × region × scope groups left out, with why (no input SKU, SKUs that disagree, …). */
  incomplete: { model: string; region: string; scope: PriceListScope; reason: string }[];
  /** Parsed prices the invocation log cannot use: non-standard tiers and 1-hour cache writes. */
  notApplicable: ParsedPrice[];
};

const SCOPES: Record<PriceListScope, CatalogRow["scopes"]> = {
  regional: ["in_region", "geographic"],
  global: ["global"],
};

/**
 * Parsed prices → catalog rows, one per model × region × scope (standard tier). The invocation
 * log tells neither the service tier nor the cache TTL (docs/aws-facts.md §1.3), so only standard
 * prices and the 5-minute cache write become rows; the rest is returned as `notApplicable`.
 * A model with no cache SKU gets cache prices of 0 (it cannot report cache tokens); an embedding
 * model (id contains "embed") with no output SKU gets output 0 (embeddings log no output tokens).
 */
export function buildCatalogRows(prices: readonly ParsedPrice[], source: string): BuildResult {
  const result: BuildResult = { entries: [], incomplete: [], notApplicable: [] };
  const groups = new Map<string, ParsedPrice[]>();
  for (const p of prices) {
    if (p.tier !== "standard" || p.bucket === "cache_write_1h") {
      result.notApplicable.push(p);
      continue;
    }
    const key = `${p.model}\u0000${p.region}\u0000${p.scope}`;
    const list = groups.get(key) ?? [];
    list.push(p);
    groups.set(key, list);
  }
  for (const list of groups.values()) {
    const first = list[0];
    if (!first) continue;
    const rates: Partial<Record<PriceListBucket, string>> = {};
    let conflict = "";
    for (const p of list) {
      const seen = rates[p.bucket];
      if (seen !== undefined && seen !== p.usdPerMillion)
        conflict = `${p.bucket}: SKUs disagree (${list
          .filter((q) => q.bucket === p.bucket)
          .map((q) => `${q.usagetype}=${q.usdPerMillion}`)
          .join(", ")})`;
      rates[p.bucket] = p.usdPerMillion;
    }
    const where = { model: first.model, region: first.region, scope: first.scope };
    if (conflict) {
      result.incomplete.push({ ...where, reason: conflict });
      continue;
    }
    if (rates.input === undefined) {
      result.incomplete.push({ ...where, reason: "no input SKU" });
      continue;
    }
    const embedding = first.model.includes("embed");
    if (rates.output === undefined && !embedding) {
      result.incomplete.push({ ...where, reason: "no output SKU" });
      continue;
    }
    result.entries.push({
      model: first.model,
      scopes: SCOPES[first.scope],
      regions: [first.region],
      effective_from:
        list
          .map((p) => p.effectiveFrom)
          .sort()
          .at(-1) ?? first.effectiveFrom,
      input: rates.input,
      output: rates.output ?? "0",
      cache_read: rates.cache_read ?? "0",
      cache_write: rates.cache_write_5m ?? "0",
      source: `${source}: ${[...new Set(list.map((p) => p.sku))].sort().join(" ")}`,
    });
  }
  result.entries.sort(compareRows);
  return result;
}

export function compareRows(a: CatalogRow, b: CatalogRow): number {
  return (
    a.model.localeCompare(b.model) ||
    a.scopes.join().localeCompare(b.scopes.join()) ||
    a.regions.join().localeCompare(b.regions.join()) ||
    a.effective_from.localeCompare(b.effective_from)
  );
}

// ---------------------------------------------------------------------------------------------
// Bulk offer files (docs/billing-facts.md §1.5): JSON `{products, terms}` or CSV.

const offerSchema = z.object({
  publicationDate: z.string().optional(),
  products: z.record(
    z.string(),
    z.object({
      sku: z.string(),
      productFamily: z.string().optional(),
      attributes: z.record(z.string(), z.string()).default({}),
    }),
  ),
  terms: z.object({ OnDemand: z.record(z.string(), z.record(z.string(), z.any())).default({}) }).partial(),
});

/** A bulk offer index.json → the same items GetProducts returns. */
export function itemsFromOfferJson(text: string): PriceListItem[] {
  const parsed = offerSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `not a Price List offer file: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`,
    );
  const offer = parsed.data;
  return Object.values(offer.products).map((product) => ({
    product,
    serviceCode: product.attributes.servicecode,
    terms: { OnDemand: offer.terms.OnDemand?.[product.sku] ?? {} },
    ...(offer.publicationDate ? { publicationDate: offer.publicationDate } : {}),
  }));
}

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const norm = (h: string) => h.replace(/[\s_]/g, "").toLowerCase();
/** CSV column (normalised) → product attribute. Header spellings beyond the documented price columns are UNCONFIRMED, so matching ignores case, spaces and underscores. */
const CSV_ATTRIBUTES: Record<string, string> = {
  usagetype: "usagetype",
  regioncode: "regionCode",
  model: "model",
  titanmodel: "titanModel",
  servicename: "servicename",
  servicecode: "servicecode",
  inferencetype: "inferenceType",
  feature: "feature",
  servicetier: "service_tier",
  location: "location",
};

/** A bulk offer index.csv (5 metadata rows, then a header) → items, OnDemand rows only. */
export function itemsFromOfferCsv(text: string): PriceListItem[] {
  const rows = parseCsvRows(text).filter((r) => r.length > 1 || (r[0] ?? "") !== "");
  const headerAt = rows.findIndex((r) => norm(r[0] ?? "") === "sku");
  if (headerAt < 0) throw new Error('not a Price List offer CSV: no header row starting with "SKU"');
  const header = (rows[headerAt] ?? []).map(norm);
  const col = (name: string) => header.indexOf(name);
  const need = ["sku", "termtype", "pricedescription", "effectivedate", "unit", "priceperunit", "currency"];
  for (const n of need) if (col(n) < 0) throw new Error(`offer CSV: no "${n}" column`);
  const meta = Object.fromEntries(rows.slice(0, headerAt).map((r) => [norm(r[0] ?? ""), r[1] ?? ""]));
  const items: PriceListItem[] = [];
  for (const r of rows.slice(headerAt + 1)) {
    const get = (n: string) => (col(n) >= 0 ? (r[col(n)] ?? "") : "");
    if (get("termtype") !== "OnDemand" || get("currency") !== "USD") continue;
    const attributes: Record<string, string> = {};
    header.forEach((h, i) => {
      const attr = CSV_ATTRIBUTES[h];
      if (attr && r[i]) attributes[attr] = r[i] ?? "";
    });
    const sku = get("sku");
    items.push({
      product: { sku, attributes },
      ...(attributes.servicecode ? { serviceCode: attributes.servicecode } : {}),
      terms: {
        OnDemand: {
          [`${sku}.${get("offertermcode")}`]: {
            effectiveDate: get("effectivedate"),
            priceDimensions: {
              [get("ratecode") || sku]: {
                unit: get("unit"),
                description: get("pricedescription"),
                beginRange: get("startingrange") || "0",
                endRange: get("endingrange") || "Inf",
                pricePerUnit: { USD: get("priceperunit") },
              },
            },
          },
        },
      },
      ...(meta.publicationdate ? { publicationDate: meta.publicationdate } : {}),
    });
  }
  return items;
}

/** An offer file by content: JSON (offer or an array of GetProducts items) or CSV. */
export function itemsFromOfferFile(text: string): PriceListItem[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) return JSON.parse(trimmed) as PriceListItem[];
  if (trimmed.startsWith("{")) return itemsFromOfferJson(trimmed);
  return itemsFromOfferCsv(text);
}
