/**
 * `chargeback reconcile` finds exactly the deltas the simulator planted in its CUR 2.0 export
 * (price drift, a Region-day whose logs never arrived, models the catalog leaves unpriced; credit
 * and tax apart), read from Parquet and from gzip CSV, from a folder and from an S3 prefix (s3rver);
 * every other line matches to the micro-dollar.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type CurFormat, type CurTruth, simulate } from "@bedrock-chargeback/collector";
import { putObjects, type S3Stand, startS3rver, tempDir } from "@bedrock-chargeback/collector/testing";
import { formatMicros, parseMicros } from "@bedrock-chargeback/ledger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "./testing";

type Line = {
  date: string;
  account: string | null;
  region: string;
  model: string;
  bucket: string;
  ledger_usd: number;
  billed_usd: number;
  delta_usd: number;
  status: string;
};
type Result = {
  month: string;
  ledger_usd: number;
  billed_usd: number;
  delta_usd: number;
  lines: Line[];
  other_charges: { line_item_type: string; usd: number }[];
  unmapped: unknown[];
  source: { kind: string; version: string; may_be_restated: boolean };
};

const key = (l: { date: string; account: string | null; region: string; model: string; bucket: string }) =>
  JSON.stringify([l.date, l.account, l.region, l.model, l.bucket]);

async function simulateAndIngest(format: CurFormat) {
  const out = tempDir(`reconcile-${format}-`);
  const summary = await simulate({
    out,
    from: "2026-10-01",
    to: "2026-11-01",
    records: 4000,
    seed: 5,
    bodies: false,
    writeTruth: false,
    cur: { dir: join(out, "cur"), format },
  });
  const db = join(tempDir(), "store.db");
  const ingest = await runCaptured([
    "ingest",
    ...["--source", "dir", "--path", out, "--db", db],
    ...["--profiles", join(out, "application-profiles.json")],
  ]);
  expect(ingest.code, ingest.stderr).toBe(0);
  const truth: CurTruth = JSON.parse(readFileSync(join(out, "cur", "cur-truth.json"), "utf8"));
  expect(summary.cur?.truth).toEqual(truth);
  return { out, db, truth };
}

async function reconcileJson(db: string, cur: string): Promise<Result> {
  const run = await runCaptured([
    "reconcile",
    "--db",
    db,
    "--month",
    "2026-10",
    "--cur",
    cur,
    "--format",
    "json",
  ]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** The result shows exactly the deltas the simulator planted for October, and nothing else. */
function expectPlanted(r: Result, truth: CurTruth) {
  const month = truth.months.find((m) => m.month === "2026-10");
  if (!month) throw new Error("no 2026-10 in the CUR truth");

  // Each kind of planted delta is present, so the test cannot pass by finding none.
  const kinds = new Set(month.planted.filter((p) => p.status !== "matched").map((p) => p.kind));
  expect([...kinds].sort()).toEqual(["logging_gap", "price_drift", "unpriced_in_catalog"]);

  const planted = new Map(month.planted.map((p) => [key(p), p]));
  for (const line of r.lines) {
    const p = planted.get(key(line));
    if (p) {
      expect({ key: key(line), ...pick(line) }).toEqual({
        key: key(p),
        ledger_usd: Number(p.ledger_usd),
        billed_usd: Number(p.billed_usd),
        delta_usd: Number(p.delta_usd),
        status: p.status,
      });
      planted.delete(key(line));
    } else {
      expect({ key: key(line), delta: line.delta_usd, status: line.status }).toEqual({
        key: key(line),
        delta: 0,
        status: "matched",
      });
    }
  }
  expect([...planted.keys()]).toEqual([]);
  expect(r.ledger_usd).toBe(Number(month.ledger_usd));
  expect(r.billed_usd).toBe(Number(month.billed_usd));
  expect(r.other_charges).toEqual(
    month.other_charges.map((c) => ({ line_item_type: c.line_item_type, usd: Number(c.usd) })),
  );
  expect(r.unmapped).toEqual([]);
  expect(r.source).toMatchObject({ kind: "cur", version: month.execution_id, may_be_restated: false });
}

describe.each(["parquet", "csv"] as const)("reconcile from a CUR 2.0 export in %s", (format) => {
  it("reports exactly the planted deltas, and nothing else", async () => {
    const { out, db, truth } = await simulateAndIngest(format);
    const r = await reconcileJson(db, join(out, "cur"));
    expectPlanted(r, truth);
    expect(r.source).toMatchObject({ location: join(out, "cur") });

    // The CSV output carries the same lines.
    const csv = await runCaptured([
      "reconcile",
      "--db",
      db,
      "--month",
      "2026-10",
      "--cur",
      join(out, "cur"),
      "--format",
      "csv",
    ]);
    expect(csv.stdout.trimEnd().split("\r\n")).toHaveLength(r.lines.length + 1);

    // Closing trued up to the saved reconciliation: the invoices sum to the bill (usage, credit, tax).
    const month = truth.months.find((m) => m.month === "2026-10");
    const bill = (month?.other_charges ?? []).reduce(
      (sum, c) => sum + parseMicros(c.usd),
      parseMicros(month?.billed_usd ?? "0"),
    );
    const close = await runCaptured(["periods", "close", "2026-10", "--true-up", "--db", db]);
    expect(close.code, close.stderr).toBe(0);
    expect(close.stdout).toContain(
      `trued up to the AWS bill (cur ${month?.execution_id}, compared 2026-11-15T12:00:00.000Z): invoices before markups sum to $${formatMicros(bill)}`,
    );
    const exported = await runCaptured(["periods", "export", "2026-10", "--format", "json", "--db", db]);
    expect(JSON.parse(exported.stdout).total_micro_usd).toBe(Number(bill));
  }, 180_000);
});

describe("reconcile from an S3 prefix (s3rver on loopback, the real S3 client and wire protocol)", () => {
  let s3: S3Stand;
  beforeAll(async () => {
    s3 = await startS3rver(["billing"]);
    vi.stubEnv("AWS_ACCESS_KEY_ID", "S3RVER");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "S3RVER");
  }, 30_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3?.stop();
  });

  it.each(["parquet", "csv"] as const)(
    "%s: data/ and metadata/ under s3://billing/<prefix> give the folder's result, number for number",
    async (format) => {
      const { out, db, truth } = await simulateAndIngest(format);
      const cur = join(out, "cur");
      // The export as AWS delivers it: <prefix>/<export>/{data,metadata}/BILLING_PERIOD=…/…
      const root = "exports/bedrock-chargeback-cur2";
      const keys = ["data", "metadata"].flatMap((top) =>
        readdirSync(join(cur, top), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => relative(cur, join(e.parentPath, e.name))),
      );
      expect(keys.some((k) => k.startsWith("metadata/BILLING_PERIOD=2026-10/"))).toBe(true);
      expect(keys.filter((k) => k.startsWith("data/BILLING_PERIOD=2026-10/")).length).toBeGreaterThan(0);
      // A second export beside it shares the prefix's start: its files must not be read.
      await putObjects(s3.endpoint, "billing", [
        ...keys.map((k) => ({ key: `${root}/${k}`, body: readFileSync(join(cur, k)) })),
        ...keys.map((k) => ({ key: `${root}-old/${k}`, body: Buffer.from("not this export") })),
      ]);

      const folder = await reconcileJson(db, cur);
      const run = await runCaptured([
        "reconcile",
        ...["--db", db, "--month", "2026-10", "--format", "json"],
        ...["--cur", `s3://billing/${root}`, "--region", "us-east-1", "--endpoint", s3.endpoint],
      ]);
      expect(run.code, run.stderr).toBe(0);
      const viaS3: Result = JSON.parse(run.stdout);
      expectPlanted(viaS3, truth);
      expect(viaS3.source).toMatchObject({ location: `s3://billing/${root}/` });
      const { source: _s3, ...s3Numbers } = viaS3;
      const { source: _dir, ...folderNumbers } = folder;
      expect(s3Numbers).toEqual(folderNumbers);

      // A prefix that holds no export says so and exits 2, as a folder does.
      const empty = await runCaptured([
        "reconcile",
        ...["--db", db, "--month", "2026-10"],
        ...["--cur", "s3://billing/nothing-here", "--region", "us-east-1", "--endpoint", s3.endpoint],
      ]);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/no data files under data\/BILLING_PERIOD=2026-10\//);
    },
    180_000,
  );
});

function pick(l: Line) {
  return { ledger_usd: l.ledger_usd, billed_usd: l.billed_usd, delta_usd: l.delta_usd, status: l.status };
}

describe("reconcile refuses what it cannot compare", () => {
  it("exits 2 naming the fault: both sources, neither, a bad month, a manifest naming an absent file; close --true-up with no reconciliation exits 1", async () => {
    const { out, db } = await simulateAndIngest("csv");
    const cur = join(out, "cur");
    const close = await runCaptured(["periods", "close", "2026-10", "--true-up", "--db", db]);
    expect(close.code).toBe(1);
    expect(close.stderr).toMatch(/2026-10 has no reconciliation .*chargeback reconcile --month 2026-10/);
    for (const [args, message] of [
      [["--month", "2026-10", "--cur", cur, "--cost-explorer"], /exactly one of --cur/],
      [["--month", "2026-10"], /exactly one of --cur/],
      [["--month", "2026-13", "--cur", cur], /--month/],
      [["--month", "2026-09", "--cur", cur], /no data files under data\/BILLING_PERIOD=2026-09\//],
    ] as const) {
      const run = await runCaptured(["reconcile", "--db", db, ...args]);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    const data = join(cur, "data", "BILLING_PERIOD=2026-10");
    rmSync(join(data, "bedrock-chargeback-cur2-00001.csv.gz"));
    writeFileSync(join(data, "other.csv.gz"), "");
    const run = await runCaptured(["reconcile", "--db", db, "--month", "2026-10", "--cur", cur]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /names bedrock-chargeback-cur2-00001\.csv\.gz, not in data\/BILLING_PERIOD=2026-10\//,
    );
  }, 180_000);
});
