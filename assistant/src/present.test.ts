/** Money columns, the figure check, the template sentence and the Bedrock failure guide. */
import { ConfigError, CredentialsError } from "@bedrock-chargeback/wrapper";
import { describe, expect, it } from "vitest";
import { explainBedrockFailure } from "./bedrock-errors";
import { presentRows, templateAnswer, unbackedFigures } from "./present";

describe("presentRows", () => {
  it("turns *_pico and *_micros into *_usd, rounded once, half away from zero", () => {
    const table = presentRows(
      ["tenant", "cost_pico", "change_pico", "total_micros", "requests", "huge"],
      [["acme", 1_234_500_000n, -1_234_500_000n, 2_500_000n, 7n, 2n ** 60n]],
    );
    expect(table.columns).toEqual(["tenant", "cost_usd", "change_usd", "total_usd", "requests", "huge"]);
    // 1,234,500,000 pico = 1,234.5 micro-USD → 1,235 micro-USD (half away from zero), also below zero.
    expect(table.rows).toEqual([["acme", 0.001235, -0.001235, 2.5, 7, "1152921504606846976"]]);
  });

  it("an AVG of a money column (a real) is scaled and rounded to the micro-dollar", () => {
    expect(presentRows(["avg_pico"], [[1_234_567_890.7]]).rows).toEqual([[0.001235]]);
  });
});

describe("unbackedFigures", () => {
  const table = {
    columns: ["tenant", "month", "cost_usd", "requests"],
    rows: [["acme", "2026-10", 12.345678, 6218]],
  };

  it("accepts figures that are the rows' values, rounded as written, with thousands separators", () => {
    expect(unbackedFigures("In 2026-10 acme spent $12.35 over 6,218 requests.", table, "")).toEqual([]);
    expect(unbackedFigures("acme spent $12.345678.", table, "")).toEqual([]);
  });

  it("names the figures the rows do not hold (a sum, a percentage, a wrong rounding)", () => {
    expect(unbackedFigures("acme spent $12.34, 15% more, $99.00 in total.", table, "")).toEqual([
      "12.34",
      "15",
      "99.00",
    ]);
  });

  it("a figure from the question is allowed (top 5, a year)", () => {
    expect(unbackedFigures("The top 5 for 2027:", table, "top 5 in 2027")).toEqual([]);
  });
});

describe("templateAnswer", () => {
  it("writes each row with USD at two decimals and unattributed dimensions by name", () => {
    expect(
      templateAnswer({
        columns: ["tenant", "cost_usd"],
        rows: [
          ["acme", 12.345678],
          [null, 0.5],
        ],
      }),
    ).toBe("acme: cost_usd $12.35; (unattributed): cost_usd $0.50.");
    expect(templateAnswer({ columns: ["cost_usd"], rows: [[3]] })).toBe("cost_usd: $3.00.");
    expect(templateAnswer({ columns: ["cost_usd"], rows: [] })).toBe("No usage matches the question.");
  });
});

describe("explainBedrockFailure", () => {
  it.each([
    [new CredentialsError("AWS credentials could not be loaded. Fix: …"), "credentials_unavailable", /Fix/],
    [new ConfigError("AWS region is missing"), "config_invalid", /CHARGEBACK_ASK_REGION/],
    [
      Object.assign(new Error("denied"), { name: "AccessDeniedException" }),
      "AccessDeniedException",
      /bedrock:InvokeModel/,
    ],
    [Object.assign(new Error("slow down"), { name: "ThrottlingException" }), "ThrottlingException", /quota/],
    [
      Object.assign(new Error("no model"), { name: "ResourceNotFoundException" }),
      "ResourceNotFoundException",
      /CHARGEBACK_ASK_REGION/,
    ],
    [Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "ENOTFOUND", /CHARGEBACK_ASK_ENDPOINT/],
  ])("%s", (error, code, fix) => {
    const why = explainBedrockFailure(error);
    expect(why.code).toBe(code);
    expect(why.message).toMatch(fix);
  });
});
