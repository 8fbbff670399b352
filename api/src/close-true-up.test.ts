/**
 * POST /v1/periods/{month}/close with {"true_up": true}: the close is trued up to the month's saved
 * reconciliation, so the invoices (markups aside) sum to the AWS bill; the same rule as
 * `chargeback periods close --true-up` (ledger/src/billing/periods.ts closePeriodTrueUp).
 */
import { type Reconciliation, saveReconciliation } from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { ClosePeriodResponse, type ErrorResponse, InvoiceResponse, PeriodResponse } from "./schemas";
import { harness } from "./test-setup";

/** The harness's October bill: $11.25 of token usage, a $1.00 credit and $0.80 tax → $11.05. */
const OCTOBER: Reconciliation = {
  month: "2026-10",
  ledger_usd: 12,
  billed_usd: 11.25,
  delta_usd: -0.75,
  lines: [],
  other_charges: [
    { line_item_type: "Credit", usd: -1 },
    { line_item_type: "Tax", usd: 0.8 },
  ],
  unmapped: [],
  proposals: [],
  coverage: null,
  source: {
    kind: "cur",
    location: "s3://billing/exports/cur2/",
    version: "exec-42",
    as_of: "2026-11-12T00:00:00.000Z",
    may_be_restated: true,
    not_final_days: [],
    notes: [],
  },
};

describe("POST /v1/periods/{month}/close with true_up", () => {
  it("refuses tenant keys, bad bodies and a month without a reconciliation; then trues up to the bill", async () => {
    const h = harness();
    const close = (body: unknown, key: string = h.keys.admin) =>
      h.call("POST", "/v1/periods/2026-10/close", { key, body });

    expect((await close({ true_up: true }, h.keys.acme)).status).toBe(403);
    for (const body of [{ true_up: "yes" }, { true_up: 1 }, { true_up: true, by: "me" }, [true]]) {
      const res = await close(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      const error = ((await res.json()) as ErrorResponse).error;
      expect(error.code).toBe("bad_request");
      expect(error.message.length).toBeGreaterThan(0);
    }

    const none = await close({ true_up: true });
    expect(none.status).toBe(409);
    expect(((await none.json()) as ErrorResponse).error).toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/2026-10 has no reconciliation .*chargeback reconcile --month 2026-10/),
    });
    const still = PeriodResponse.parse(await (await h.call("GET", "/v1/periods/2026-10")).json());
    expect(still.status).toBe("open");

    // Before markups October invoices acme $4.50 and beta $6.00 = $10.50; the bill is $11.05.
    saveReconciliation(h.db, OCTOBER, new Date("2026-11-12T08:00:00Z"));
    const res = await close({ true_up: true });
    expect(res.status).toBe(200);
    const closed = ClosePeriodResponse.parse(await res.json());
    expect(closed).toMatchObject({
      status: "closed",
      invoices: 2,
      total_usd: "11.050000",
      total_micro_usd: 11_050_000,
      true_up: {
        compared_at: "2026-11-12T08:00:00.000Z",
        source_kind: "cur",
        source_version: "exec-42",
        billed_total_usd: "11.050000",
        residual_usd: "0.550000",
      },
    });

    // $0.55 in proportion 4.50 : 6.00 → 235,714.28… and 314,285.71… µ$; the one µ$ left goes to beta.
    const lines = [];
    let sum = 0;
    for (const tenant of ["acme", "beta"]) {
      const inv = InvoiceResponse.parse(
        await (await h.call("GET", `/v1/periods/2026-10/invoices/${tenant}`)).json(),
      );
      const trueUp = inv.lines.filter((l) => l.kind === "true_up");
      lines.push([tenant, trueUp.map((l) => l.amount_micro_usd), trueUp[0]?.description]);
      sum += inv.total_micro_usd;
    }
    expect(lines).toEqual([
      ["acme", [235_714], expect.stringMatching(/True-up to the AWS bill \(CUR 2.0 export exec-42\)/)],
      ["beta", [314_286], expect.stringMatching(/True-up to the AWS bill \(CUR 2.0 export exec-42\)/)],
    ]);
    expect(sum).toBe(11_050_000);

    // Closed: a second close, trued up or not, is a conflict.
    expect((await close({ true_up: true })).status).toBe(409);
    expect((await close({})).status).toBe(409);
  });

  it("closes without a true-up when the body is absent, empty or says false (true_up: null)", async () => {
    for (const body of [undefined, {}, { true_up: false }]) {
      const h = harness();
      saveReconciliation(h.db, OCTOBER, new Date("2026-11-12T08:00:00Z"));
      const res = await h.call("POST", "/v1/periods/2026-10/close", {
        key: h.keys.finance,
        ...(body === undefined ? {} : { body }),
      });
      expect({ body, status: res.status }).toEqual({ body, status: 200 });
      const closed = ClosePeriodResponse.parse(await res.json());
      expect({ body, total: closed.total_usd, true_up: closed.true_up }).toEqual({
        body,
        total: "10.500000",
        true_up: null,
      });
    }
  });
});
