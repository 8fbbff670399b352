/** GET /v1/reconciliation: the saved reconciliation as exact strings; admin and finance only. */
import {
  type BillNames,
  ledgerUsage,
  mapBillItem,
  PriceBook,
  parseBilledPico,
  reconcile,
  saveReconciliation,
} from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { ReconciliationResponse } from "./schemas";
import { harness } from "./test-setup";

const NAMES: BillNames = {
  regionPrefixes: { USE1: "us-east-1" },
  bedrockModelTokens: {},
  marketplaceProducts: {
    "Claude Test (Amazon Bedrock Edition)": { model: "anthropic.claude-test", source: "test" },
  },
};

describe("GET /v1/reconciliation", () => {
  it("says not reconciled, then serves the saved result; tenant keys get 403", async () => {
    const h = harness();
    const before = await h.call("GET", "/v1/reconciliation?month=2026-10", { key: h.keys.finance });
    expect(before.status).toBe(200);
    const empty = ReconciliationResponse.parse(await before.json());
    expect(empty).toMatchObject({ month: "2026-10", reconciled: false, period_status: "open", lines: [] });

    // acme's 2026-10-05 input (1,000,000 tokens at $3/1M) billed $3.30: a price drift of $0.30.
    const item = {
      date: "2026-10-05",
      account: "111122223333",
      region: null,
      lineItemType: "Usage",
      productCode: "abcdefghijklmnopqrstu",
      productName: "Claude Test (Amazon Bedrock Edition)",
      usageType: "USE1-MP:USE1_InputTokenCount-Units",
      usageAmount: "1",
      costPico: parseBilledPico("3.3"),
    };
    const mapped = [item].flatMap((i) => mapBillItem(i, NAMES) ?? []);
    const result = reconcile({
      month: "2026-10",
      bill: mapped,
      ledger: ledgerUsage(h.db, PriceBook.load(h.db), "2026-10"),
      source: {
        kind: "cur",
        location: "test",
        version: "exec-1",
        as_of: "",
        may_be_restated: true,
        not_final_days: [],
        notes: [],
      },
    });
    saveReconciliation(h.db, result, new Date("2026-11-10T00:00:00Z"));

    const res = await h.call("GET", "/v1/reconciliation?month=2026-10", { key: h.keys.finance });
    const body = ReconciliationResponse.parse(await res.json());
    expect(body).toMatchObject({ reconciled: true, compared_at: "2026-11-10T00:00:00.000Z" });
    expect(body.source).toMatchObject({ version: "exec-1", may_be_restated: true });
    const drift = body.lines.find((l) => l.date === "2026-10-05" && l.bucket === "input");
    expect(drift).toEqual({
      date: "2026-10-05",
      account: "111122223333",
      region: "us-east-1",
      model: "anthropic.claude-test",
      bucket: "input",
      ledger_usd: "3.000000",
      billed_usd: "3.300000",
      delta_usd: "0.300000",
      status: "price_drift",
      ledger_tokens: 1_000_000,
      billed_tokens: 1_000_000,
      unpriced: false,
    });
    expect(body.counts.price_drift).toBe(1);
    expect(body.counts.missing_in_bill).toBe(body.lines.length - 1);
    expect(body.proposals).toEqual([
      {
        model: "anthropic.claude-test",
        bucket: "input",
        from: "2026-10-05",
        ledger_usd_per_million: "3.000000",
        billed_usd_per_million: "3.300000",
      },
    ]);

    const tenant = await h.call("GET", "/v1/reconciliation?month=2026-10", { key: h.keys.acme });
    expect(tenant.status).toBe(403);
  });
});
