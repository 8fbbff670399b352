/**
 * Ground truth: what the simulator generated, summed per day × dimensions × model, computed from
 * its own draws (never through the collector's code) so ingest and reports can be checked
 * against it.
 */
import { DAY_PATTERN } from "@bedrock-chargeback/queries";
import { z } from "zod";
import type { Invocation } from "./records";

/** The keys a truth row is grouped by, in row order. */
export const TRUTH_KEYS = [
  "day",
  "account",
  "region",
  "tenant",
  "application",
  "cost_center",
  "environment",
  "team",
  "user",
  "experiment_id",
  "variant",
  "model",
  "model_id",
] as const;
export type TruthKey = (typeof TRUTH_KEYS)[number];

/** The summed measures of a truth row. */
export const TRUTH_MEASURES = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_write_input_tokens",
] as const;
export type TruthMeasure = (typeof TRUTH_MEASURES)[number];

/** Validates one row of `ground-truth.json`. */
export const truthRowSchema = z.object({
  day: z.string().regex(DAY_PATTERN),
  account: z.string(),
  region: z.string(),
  tenant: z.string().nullable(),
  application: z.string().nullable(),
  cost_center: z.string().nullable(),
  environment: z.string().nullable(),
  team: z.string().nullable(),
  user: z.string().nullable(),
  /** requestMetadata experiment_id and variant (the simulator's A/B test), null when absent. */
  experiment_id: z.string().nullable(),
  variant: z.string().nullable(),
  model: z.string(),
  model_id: z.string(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_read_input_tokens: z.number().int().nonnegative(),
  cache_write_input_tokens: z.number().int().nonnegative(),
});
/** One group of unique records: a failed call adds `errors: 1` and nothing else. */
export type TruthRow = z.infer<typeof truthRowSchema>;

/** Validates `ground-truth.json`. */
export const groundTruthSchema = z.object({
  generator: z.literal("bedrock-chargeback-simulator"),
  version: z.literal(1),
  seed: z.number().int(),
  from: z.string(),
  to: z.string(),
  records: z.number().int().nonnegative(),
  duplicateLines: z.number().int().nonnegative(),
  objects: z.number().int().nonnegative(),
  sidecars: z.number().int().nonnegative(),
  rows: z.array(truthRowSchema),
});
/** The content of `<out>/ground-truth.json`. */
export type GroundTruth = z.infer<typeof groundTruthSchema>;

/**
 * Validates a parsed `ground-truth.json`.
 * @example parseGroundTruth(JSON.parse(await readFile("out/ground-truth.json", "utf8"))).rows.length
 */
export function parseGroundTruth(json: unknown): GroundTruth {
  return groundTruthSchema.parse(json);
}

function groupKey(keys: Readonly<Partial<Record<TruthKey, string | null>>>, by: readonly TruthKey[]): string {
  return JSON.stringify(by.map((k) => keys[k] ?? null));
}

const SEP = "\u0001";
const NULL = "\u0000";

/** Sums unique invocations into truth rows as they are generated. */
export class TruthAccumulator {
  private readonly rows = new Map<string, TruthRow>();
  private dayStart = Number.NaN;
  private day = "";

  add(invocation: Invocation): void {
    const ms = invocation.timestampMs;
    if (!(ms >= this.dayStart && ms < this.dayStart + 86_400_000)) {
      this.dayStart = ms - (ms % 86_400_000);
      this.day = new Date(this.dayStart).toISOString().slice(0, 10);
    }
    const meta = invocation.metadata;
    const { route } = invocation;
    const key =
      this.day +
      SEP +
      route.account.id +
      SEP +
      route.modelId +
      SEP +
      (meta
        ? (meta.tenant_id ?? NULL) +
          SEP +
          meta.application_name +
          SEP +
          meta.cost_center +
          SEP +
          meta.environment +
          SEP +
          meta.team +
          SEP +
          (meta.user_id ?? NULL) +
          SEP +
          (meta.experiment_id ?? NULL) +
          SEP +
          (meta.variant ?? NULL)
        : NULL);
    let row = this.rows.get(key);
    if (!row) {
      row = {
        day: this.day,
        account: route.account.id,
        region: route.account.region,
        tenant: meta?.tenant_id ?? null,
        application: meta?.application_name ?? null,
        cost_center: meta?.cost_center ?? null,
        environment: meta?.environment ?? null,
        team: meta?.team ?? null,
        user: meta?.user_id ?? null,
        experiment_id: meta?.experiment_id ?? null,
        variant: meta?.variant ?? null,
        model: route.baseModel,
        model_id: route.modelId,
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_input_tokens: 0,
        cache_write_input_tokens: 0,
      };
      this.rows.set(key, row);
    }
    if (invocation.errorCode) {
      row.errors += 1;
      return;
    }
    row.requests += 1;
    row.input_tokens += invocation.inputTokens;
    row.output_tokens += invocation.outputTokens;
    row.cache_read_input_tokens += invocation.cacheReadTokens;
    row.cache_write_input_tokens += invocation.cacheWriteTokens;
  }

  /** Rows sorted by their keys, so the file is byte-stable. */
  sortedRows(): TruthRow[] {
    return [...this.rows.values()]
      .map((row) => ({ row, key: groupKey(row, TRUTH_KEYS) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ row }) => row);
  }
}

/** A row of `aggregateTruth`: the chosen keys plus the six measures. */
export type AggregatedTruthRow = Partial<Record<TruthKey, string | null>> & Record<TruthMeasure, number>;

/**
 * Sums truth rows by any subset of the key names (the same names `chargeback report --by`
 * takes); keys not in `by` are dropped. Groups come back sorted by their key values.
 * @example aggregateTruth(truth.rows, ["tenant", "model"])
 * // [{ tenant: "acme-corp", model: "amazon.nova-lite-v1:0", requests: 812, errors: 9, input_tokens: …, … }, …]
 */
export function aggregateTruth(rows: readonly TruthRow[], by: readonly string[]): AggregatedTruthRow[] {
  const keys: TruthKey[] = [];
  for (const name of by) {
    const key = TRUTH_KEYS.find((k) => k === name);
    if (!key)
      throw new RangeError(
        `unknown truth key ${JSON.stringify(name)}; expected one of ${TRUTH_KEYS.join(", ")}`,
      );
    if (!keys.includes(key)) keys.push(key);
  }
  const groups = new Map<string, AggregatedTruthRow>();
  for (const row of rows) {
    const id = groupKey(row, keys);
    let group = groups.get(id);
    if (!group) {
      group = {
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_input_tokens: 0,
        cache_write_input_tokens: 0,
      };
      for (const key of keys) group[key] = row[key];
      groups.set(id, group);
    }
    for (const measure of TRUTH_MEASURES) group[measure] += row[measure];
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

/** Sums of every measure over `rows`. */
export function totalTruth(rows: readonly TruthRow[]): Record<TruthMeasure, number> {
  const [total] = aggregateTruth(rows, []);
  return (
    total ?? {
      requests: 0,
      errors: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_write_input_tokens: 0,
    }
  );
}
