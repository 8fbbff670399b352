import {
  AskResponse,
  BudgetListResponse,
  ErrorResponse,
  InvoiceListResponse,
  InvoiceResponse,
  MeResponse,
  UsageResponse,
} from "@bedrock-chargeback/api/schemas";
import { describe, expect, it } from "vitest";

const figures = {
  requests: 1,
  errors: 0,
  input_tokens: 1,
  output_tokens: 1,
  cache_read_input_tokens: 0,
  cache_write_input_tokens: 0,
  cost_usd: "0.000002",
  cost_micro_usd: 2,
  unpriced_requests: 0,
  unpriced_tokens: 0,
  unpriced_models: [],
};
const freshness = {
  sources: [{ source: "raw", last_finished_at: null, last_status: "ok", data_until: null }],
};
const usage = {
  query: {
    from: "2026-11-01",
    to: "2026-12-01",
    group_by: ["application"],
    granularity: null,
    filters: { tenant: [null] },
  },
  rows: [{ keys: { application: null }, ...figures }],
  next_cursor: null,
  total: figures,
  forecast: null,
  freshness,
};

/** The dashboard's response checks are the API's schemas: a changed or broken response is refused. */
const accepts = (schema: { safeParse: (v: unknown) => { success: boolean } }, v: unknown) =>
  schema.safeParse(v).success;

describe("response schemas", () => {
  it("accept the documented shapes", () => {
    expect(accepts(UsageResponse, usage)).toBe(true);
    expect(accepts(UsageResponse, { ...usage, rows: [] })).toBe(true);
    expect(
      accepts(UsageResponse, { ...usage, forecast: { cost_usd: "1.500000", cost_micro_usd: 1_500_000 } }),
    ).toBe(true);
    expect(accepts(UsageResponse, { ...usage, forecast: { cost_usd: 1.5, cost_micro_usd: 1_500_000 } })).toBe(
      false,
    );
    expect(accepts(UsageResponse, { ...usage, next_cursor: "abc" })).toBe(true);
    expect(accepts(UsageResponse, { ...usage, next_cursor: 1 })).toBe(false);
    expect(accepts(MeResponse, { key_id: "k", name: "", role: "tenant", tenant: "acme" })).toBe(true);
    expect(accepts(BudgetListResponse, { budgets: [], freshness })).toBe(true);
    const list = {
      month: "2026-11",
      status: "open",
      invoices: [],
      total_usd: "0.000000",
      total_micro_usd: 0,
      freshness,
    };
    expect(accepts(InvoiceListResponse, list)).toBe(true);
    expect(accepts(InvoiceListResponse, { ...list, total_usd: undefined })).toBe(false);
    expect(accepts(ErrorResponse, { error: { code: "forbidden", message: "no", requestId: "r" } })).toBe(
      true,
    );
  });

  it("reject a changed or broken response", () => {
    expect(accepts(UsageResponse, null)).toBe(false);
    expect(accepts(UsageResponse, { ...usage, total: { ...figures, cost_usd: 0.000002 } })).toBe(false);
    expect(accepts(UsageResponse, { ...usage, total: { ...figures, cost_usd: "1e-6" } })).toBe(false);
    expect(accepts(UsageResponse, { ...usage, rows: [{ ...figures, keys: { application: 1 } }] })).toBe(
      false,
    );
    expect(accepts(UsageResponse, { ...usage, total: { ...figures, requests: 1.5 } })).toBe(false);
    expect(accepts(MeResponse, { key_id: "k", name: "", role: "root", tenant: null })).toBe(false);
    expect(accepts(InvoiceResponse, { ...usage })).toBe(false);
    expect(accepts(ErrorResponse, { message: "x" })).toBe(false);
  });

  it("check invoice lines down to their money fields", () => {
    const line = {
      kind: "adjustment",
      usage_month: "2026-10",
      application: "a",
      cost_center: null,
      model: "m",
      token_bucket: "input",
      quantity: 5,
      unit_price_usd_per_mtok: "3.000000",
      unit_price_micro_usd_per_mtok: 3000000,
      price_id: 1,
      price_version: "p1",
      basis_points: null,
      amount_usd: "0.000015",
      amount_micro_usd: 15,
      description: "late",
    };
    const invoice = {
      month: "2026-11",
      tenant: "acme",
      status: "open",
      currency: "USD",
      period_start: "2026-11-01T00:00:00Z",
      period_end: "2026-12-01T00:00:00Z",
      lines: [line],
      subtotal_usd: "0.000015",
      subtotal_micro_usd: 15,
      total_usd: "0.000015",
      total_micro_usd: 15,
      requests: 1,
      errors: 0,
      unpriced: { requests: 0, tokens: 0, models: [] },
      closed_at: null,
      closed_by: null,
      freshness,
    };
    expect(accepts(InvoiceResponse, invoice)).toBe(true);
    expect(accepts(InvoiceResponse, { ...invoice, currency: "EUR" })).toBe(false);
    expect(accepts(InvoiceResponse, { ...invoice, lines: [{ ...line, kind: "credit" }] })).toBe(false);
    expect(accepts(InvoiceResponse, { ...invoice, lines: [{ ...line, amount_usd: "x" }] })).toBe(false);
  });
});

describe("AskResponse", () => {
  const answer = {
    question: "top 1 tenant",
    mode: "fallback",
    sql: "SELECT tenant, SUM(cost_pico) AS cost_pico FROM usage_by_month",
    columns: ["tenant", "cost_usd"],
    rows: [
      ["acme", 4.5],
      [null, 0],
    ],
    answer: "acme: cost_usd $4.50.",
    cost_usd: 0,
    answered: true,
    truncated: false,
    notice: null,
    tokens: { input: 0, output: 0, calls: 0 },
    questions_left_today: 99,
  };
  it("accepts an answer and refuses a changed one", () => {
    expect(accepts(AskResponse, answer)).toBe(true);
    expect(accepts(AskResponse, { ...answer, sql: null, columns: [], rows: [] })).toBe(true);
    expect(accepts(AskResponse, { ...answer, mode: "magic" })).toBe(false);
    expect(accepts(AskResponse, { ...answer, rows: [[{ nested: 1 }]] })).toBe(false);
    expect(accepts(AskResponse, { ...answer, cost_usd: "0" })).toBe(false);
    expect(accepts(AskResponse, { ...answer, tokens: { input: 1 } })).toBe(false);
  });
});
