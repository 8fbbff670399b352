import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PriceBook } from "../pricing/price-book";
import { buildCatalogRows, itemsFromOfferFile, loadModelNames, parsePriceList } from "../pricing/price-list";
import { getInvoice } from "./invoices";
import { closePeriod } from "./periods";
import { applyPriceSync, diffPriceRows } from "./price-sync";
import { reresolveProfiles, storedProfileMappings, storeProfileMapping } from "./profiles";
import { addUsage, TEST_MODEL, testDb } from "./testing";

const AFTER_OCT = new Date("2026-11-02T00:00:00Z");
const NOW = new Date("2026-11-20T00:00:00Z");
const table = loadModelNames();
const csv = readFileSync(new URL("../pricing/fixtures/offer-sample.csv", import.meta.url), "utf8");

describe("prices sync: diff and apply (docs/rules.md rule 4)", () => {
  it("adds dated pricelist rows and reprices open months only", () => {
    const db = testDb();
    // Nova Pro in Tokyo: unpriced in this store (testDb prices only TEST_MODEL).
    const usage = (hour: string) => ({
      hour,
      model: "amazon.nova-pro-v1:0",
      region: "ap-northeast-1",
      input: 1_000_000,
      output: 100_000,
    });
    addUsage(db, [usage("2026-10-05T10:00:00Z"), usage("2026-11-05T10:00:00Z")]);
    closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "finance", now: AFTER_OCT });

    const rows = buildCatalogRows(
      parsePriceList(itemsFromOfferFile(csv), table).prices,
      "offer-sample.csv",
    ).entries;
    const changes = diffPriceRows(db, rows, "2026-11-20");
    expect(
      changes.map((c) => [
        c.kind,
        c.model,
        c.scope,
        c.region,
        c.effectiveFrom,
        c.proposed.input,
        c.proposed.output,
      ]),
    ).toEqual([
      ["new", "amazon.nova-pro-v1:0", "in_region", "ap-northeast-1", "2026-08-01", "0.96", "3.84"],
      ["new", "amazon.nova-pro-v1:0", "geographic", "ap-northeast-1", "2026-08-01", "0.96", "3.84"],
    ]);

    const applied = applyPriceSync(db, changes, NOW);
    expect(applied.inserted).toBe(2);
    expect(applied.reprice).toMatchObject({ repricedMonths: ["2026-11"], skippedClosedMonths: ["2026-10"] });
    const book = PriceBook.load(db);
    const row = book.find("amazon.nova-pro-v1:0", "in_region", "ap-northeast-1", "2026-11-05");
    expect(row?.origin).toBe("pricelist");
    // 1M input × $0.96 + 0.1M output × $3.84 = $1.344 in the open month; closed October untouched.
    expect(getInvoice(db, book, "2026-11", "acme").totalMicros).toBe(1_344_000n);
    expect(getInvoice(db, book, "2026-10", "acme").totalMicros).toBe(0n);

    // Re-syncing the same items changes nothing.
    const again = diffPriceRows(db, rows, "2026-11-20");
    expect(again.map((c) => c.kind)).toEqual(["unchanged", "unchanged"]);
    expect(applyPriceSync(db, again, NOW)).toEqual({ inserted: 0 });
  });

  it("a changed price never back-dates before the row it replaces, and beats the catalog on that day", () => {
    const db = testDb();
    const rows = [
      {
        model: TEST_MODEL,
        scopes: ["in_region" as const],
        regions: ["us-east-1"],
        effective_from: "2025-06-01",
        input: "2.5",
        output: "15",
        cache_read: "0.3",
        cache_write: "3.75",
        source: "t",
      },
    ];
    const [change] = diffPriceRows(db, rows, "2026-11-20");
    expect(change).toMatchObject({
      kind: "changed",
      effectiveFrom: "2026-01-01",
      current: { input: 3_000_000 },
    });
  });
});

describe("application inference profiles mapped later (docs/rules.md rule 2)", () => {
  const ARN = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/k7q2m9xw4b1p";

  it("ingest unmapped → unpriced; map → open months re-resolved and priced; closed month untouched", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", model: ARN, input: 1_000_000 },
      { hour: "2026-11-05T10:00:00Z", model: ARN, input: 2_000_000 },
    ]);
    const unresolved = () =>
      db.$client
        .prepare("SELECT substr(hour,1,7) AS m, base_model, scope, price_id FROM usage_hourly ORDER BY hour")
        .all();
    expect(unresolved()).toEqual([
      { m: "2026-10", base_model: ARN, scope: "unresolved", price_id: null },
      { m: "2026-11", base_model: ARN, scope: "unresolved", price_id: null },
    ]);
    closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "finance", now: AFTER_OCT });

    expect(() => storeProfileMapping(db, "not-an-arn", TEST_MODEL)).toThrow(
      /not an application inference profile ARN/,
    );
    storeProfileMapping(db, ARN, TEST_MODEL, NOW);
    expect(storedProfileMappings(db)).toEqual(new Map([[ARN, TEST_MODEL]]));
    const r = reresolveProfiles(db, storedProfileMappings(db));
    expect(r).toEqual({
      arns: [ARN],
      reresolvedMonths: ["2026-11"],
      skippedClosedMonths: ["2026-10"],
      hourlyRowsChanged: 1,
      facetRowsChanged: 1,
    });
    const book = PriceBook.load(db);
    const priceId = book.find(TEST_MODEL, "in_region", "us-east-1", "2026-11-05")?.id;
    expect(unresolved()).toEqual([
      { m: "2026-10", base_model: ARN, scope: "unresolved", price_id: null },
      { m: "2026-11", base_model: TEST_MODEL, scope: "in_region", price_id: priceId },
    ]);
    // 2M input tokens × $3 = $6 in November; the closed October invoice is what it was.
    expect(getInvoice(db, book, "2026-11", "acme").totalMicros).toBe(6_000_000n);
    expect(getInvoice(db, book, "2026-10", "acme").totalMicros).toBe(0n);
    // The derived day table follows.
    expect(
      db.$client.prepare("SELECT base_model, price_id FROM usage_daily WHERE day = '2026-11-05'").all(),
    ).toEqual([{ base_model: TEST_MODEL, price_id: priceId }]);
  });
});
