/**
 * The rollup dimensions and where their values come from. The metadata key → dimension mapping
 * is the default from docs/cli-contract.md and can be replaced through configuration.
 */
import { DEFAULT_METADATA_KEYS, type MetadataKeys } from "@bedrock-chargeback/queries";

/** Dimensions every hourly rollup row carries. */
export const ROLLUP_DIMENSIONS = [
  "account",
  "region",
  "tenant",
  "application",
  "cost_center",
  "environment",
  "team",
  "model",
] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/** Per-request attributes kept in usage_facts beside the rollup; any number of them in a breakdown. */
export const FACET_DIMENSIONS = ["user", "identity"] as const;
export type FacetDimension = (typeof FACET_DIMENSIONS)[number];

/** Any other metadata key is reachable as `meta:<key>`. */
export type MetaDimension = `meta:${string}`;
/** `price_id` groups by price version (invoice lines need one price per line). */
export type Dimension = RollupDimension | FacetDimension | MetaDimension | "model_id" | "scope" | "price_id";

/** Which `requestMetadata` key feeds which dimension: one default, shared with the query builders. */
export type MetadataMapping = MetadataKeys;
export const DEFAULT_METADATA_MAPPING: MetadataMapping = DEFAULT_METADATA_KEYS;

/** Store column for each rollup dimension (usage_dims and the usage_hourly, usage_daily and usage_monthly views share them). */
export const DIMENSION_COLUMNS = {
  account: "account_id",
  region: "region",
  tenant: "tenant_id",
  application: "application_name",
  cost_center: "cost_center",
  environment: "environment",
  team: "team",
  model: "base_model",
  model_id: "model_id",
  scope: "scope",
  price_id: "price_id",
} as const;

const META_KEY = /^meta:[A-Za-z0-9 _.:/=+@#$,-]{1,256}$/;

/** Parses a dimension name as given by a user (CLI `--by`, API `groupBy`). */
export function parseDimension(name: string): Dimension | undefined {
  // Object.hasOwn, never `in`: "constructor" or "__proto__" are in every object.
  if (Object.hasOwn(DIMENSION_COLUMNS, name)) return name as keyof typeof DIMENSION_COLUMNS;
  if ((FACET_DIMENSIONS as readonly string[]).includes(name)) return name as FacetDimension;
  if (META_KEY.test(name)) return name as MetaDimension;
  return undefined;
}

export function isFacetDimension(d: Dimension): d is FacetDimension | MetaDimension {
  return d === "user" || d === "identity" || d.startsWith("meta:");
}

/**
 * Parses `tenant=customer_id,application=app` into a mapping over the defaults.
 * @example parseMetadataMapping("tenant=customer_id").tenant // "customer_id"
 */
export function parseMetadataMapping(spec: string): MetadataMapping {
  const mapping: MetadataMapping = { ...DEFAULT_METADATA_MAPPING };
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [dimension = "", key = "", ...rest] = part.split("=");
    if (rest.length > 0 || !key)
      throw new Error(`expected dimension=metadata_key, got ${JSON.stringify(part)}`);
    if (!Object.hasOwn(mapping, dimension)) {
      throw new Error(
        `unknown dimension ${JSON.stringify(dimension)}; one of ${Object.keys(mapping).join(", ")}`,
      );
    }
    mapping[dimension as keyof MetadataMapping] = key;
  }
  const keys = Object.values(mapping);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice) throw new Error(`metadata key ${JSON.stringify(twice)} is mapped to two dimensions`);
  return mapping;
}
