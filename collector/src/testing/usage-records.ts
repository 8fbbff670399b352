/**
 * Usage fixtures that reach the store the way ingest puts them there: invocation-log records →
 * normalizeRecord → RollupAccumulator → addRollupRows. Hourly rows and every facet (user,
 * identity, meta:*) come from the accumulator, never built by hand, so a test over them fails
 * when the accumulator loses a facet.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@bedrock-chargeback/ledger";
import { addRollupRows, PriceBook, RollupAccumulator } from "@bedrock-chargeback/ledger";
import type { UsageInput } from "@bedrock-chargeback/ledger/testing";
import { normalizeRecord } from "../records/normalize";
import { invocationRecord } from "./fixtures";

/** What billingTesting.addUsage's rows default to (its test model and dimensions). */
const DEFAULTS = {
  model: "anthropic.claude-test",
  identity: "arn:aws:iam::111122223333:role/app",
  tenant: "acme",
  application: "support",
  costCenter: "CC-1",
};

/**
 * The invocation records one usage row stands for: `requests` successful calls (the first carries
 * all the tokens, the rest none) and `errors` failed ones, all inside `hour`.
 */
export function usageInputRecords(row: UsageInput): Record<string, unknown>[] {
  const requests = row.requests ?? 1;
  const errors = row.errors ?? 0;
  const tokens = (row.input ?? 0) + (row.output ?? 0) + (row.cacheRead ?? 0) + (row.cacheWrite ?? 0);
  if (requests === 0 && tokens > 0) throw new Error("usage fixture: tokens need at least one request");
  const metadata: Record<string, string> = { environment: "production", team: "cx" };
  const tenant = row.tenant === undefined ? DEFAULTS.tenant : row.tenant;
  const application = row.application === undefined ? DEFAULTS.application : row.application;
  const costCenter = row.costCenter === undefined ? DEFAULTS.costCenter : row.costCenter;
  if (tenant !== null) metadata.tenant_id = tenant;
  if (application !== null) metadata.application_name = application;
  if (costCenter !== null) metadata.cost_center = costCenter;
  if (row.user !== undefined) metadata.user_id = row.user;
  Object.assign(metadata, row.meta ?? {});
  const base = {
    modelId: row.model ?? DEFAULTS.model,
    region: row.region ?? "us-east-1",
    identityArn: row.identity ?? DEFAULTS.identity,
    metadata,
  };
  const at = (i: number) => `${row.hour.slice(0, 13)}:${String(i % 60).padStart(2, "0")}:00Z`;
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < requests; i++) {
    const first = i === 0;
    records.push(
      invocationRecord({
        ...base,
        requestId: randomUUID(),
        timestamp: at(i),
        input: {
          inputTokenCount: first ? (row.input ?? 0) : 0,
          cacheReadInputTokenCount: first ? (row.cacheRead ?? 0) : 0,
          cacheWriteInputTokenCount: first ? (row.cacheWrite ?? 0) : 0,
        },
        output: { outputTokenCount: first ? (row.output ?? 0) : 0 },
      }),
    );
  }
  for (let i = 0; i < errors; i++) {
    records.push(
      invocationRecord({
        ...base,
        requestId: randomUUID(),
        timestamp: at(requests + i),
        errorCode: "ThrottlingException",
      }),
    );
  }
  return records;
}

/** Normalizes, accumulates and writes `records` as the raw source, in one transaction. */
export function ingestRecords(db: Db, records: readonly Record<string, unknown>[]): void {
  const prices = PriceBook.load(db);
  const acc = new RollupAccumulator();
  for (const raw of records) {
    const n = normalizeRecord(raw);
    if (n.kind !== "record") throw new Error(`usage fixture did not normalize: ${JSON.stringify(n)}`);
    acc.add(n.record);
  }
  db.$client.transaction(() =>
    addRollupRows({ db, source: "raw", prices }, acc.hourlyRows(), acc.factRows()),
  )();
}

/**
 * billingTesting.addUsage's rows, stored through normalize → accumulate → write.
 * @example addUsageThroughRollup(db, [{ hour: "2026-10-05T10:00:00Z", tenant: null, input: 500_000, requests: 3 }])
 */
export function addUsageThroughRollup(db: Db, rows: readonly UsageInput[]): void {
  ingestRecords(
    db,
    rows.flatMap((r) => usageInputRecords(r)),
  );
}
