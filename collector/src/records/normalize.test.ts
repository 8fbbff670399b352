import { describe, expect, it } from "vitest";
import { invocationRecord } from "../testing/fixtures";
import { normalizeRecord, utcHourOf } from "./normalize";

describe("utcHourOf", () => {
  it.each([
    ["2025-03-11T00:38:02Z", "2025-03-11T00:00:00Z", "2025-03-11"],
    ["2025-03-11T23:59:59.999Z", "2025-03-11T23:00:00Z", "2025-03-11"],
    ["2025-03-11T01:30:00+02:00", "2025-03-10T23:00:00Z", "2025-03-10"],
    ["2025-12-31T19:00:00-05:00", "2026-01-01T00:00:00Z", "2026-01-01"],
  ])("%s → hour %s, day %s", (ts, hour, day) => {
    expect(utcHourOf(ts)).toEqual({ hour, day });
  });

  it.each([
    "2025-02-30T00:00:00Z",
    "2025-02-29T10:00:00+01:00",
    "2025-03-11",
    "yesterday",
    "2025-03-11T25:00:00Z",
    "2025-03-11T24:00:00Z",
    "2025-03-11T10:60:00Z",
    "",
  ])("rejects %j", (ts) => {
    expect(utcHourOf(ts)).toBeUndefined();
  });
});

describe("normalizeRecord", () => {
  it("reads the four buckets from the top-level counters, never from bodies", () => {
    const raw = invocationRecord({
      requestId: "r",
      input: {
        inputTokenCount: 7,
        cacheReadInputTokenCount: 3,
        cacheWriteInputTokenCount: 2,
        inputBodyJson: { usage: { inputTokens: 999 } },
      },
      output: {
        outputTokenCount: 5,
        outputBodyJson: [{ "amazon-bedrock-invocationMetrics": { outputTokenCount: 999 } }],
      },
    });
    const result = normalizeRecord(raw);
    expect(result.kind).toBe("record");
    if (result.kind !== "record") return;
    expect(result.record).toMatchObject({
      inputTokens: 7,
      outputTokens: 5,
      cacheReadTokens: 3,
      cacheWriteTokens: 2,
      errorCode: null,
    });
  });

  it("reads latencyMs from a logged Converse response body, null without one", () => {
    const latency = (output: Record<string, unknown>) => {
      const r = normalizeRecord(invocationRecord({ requestId: "l", output }));
      return r.kind === "record" ? r.record.latencyMs : "rejected";
    };
    expect(latency({ outputTokenCount: 5, outputBodyJson: { metrics: { latencyMs: 302 } } })).toBe(302);
    expect(latency({ outputTokenCount: 5 })).toBeNull();
    expect(latency({ outputTokenCount: 5, outputBodyJson: { metrics: { latencyMs: "302" } } })).toBeNull();
    expect(latency({ outputTokenCount: 5, outputBodyJson: { metrics: { latencyMs: -1 } } })).toBeNull();
  });

  it("gives embeddings (no outputTokenCount) 0 output tokens", () => {
    const result = normalizeRecord(
      invocationRecord({
        requestId: "e",
        input: { inputTokenCount: 12 },
        output: { outputContentType: "application/json" },
      }),
    );
    expect(result.kind === "record" && result.record.outputTokens).toBe(0);
  });

  it("counts a failed call as an error with no tokens, even if counters are present", () => {
    const raw = { ...invocationRecord({ requestId: "f" }), errorCode: "ThrottlingException" };
    const result = normalizeRecord(raw);
    expect(result.kind === "record" && result.record).toMatchObject({
      errorCode: "ThrottlingException",
      inputTokens: 0,
      outputTokens: 0,
    });
  });

  it("keeps records without requestMetadata (unattributed) with their identity", () => {
    const result = normalizeRecord(
      invocationRecord({ requestId: "u", metadata: null, identityArn: "arn:aws:iam::1:user/bob" }),
    );
    expect(result.kind === "record" && result.record).toMatchObject({
      metadata: {},
      identityArn: "arn:aws:iam::1:user/bob",
    });
  });

  it("skips other schema types and rejects what is not a genuine record, saying why", () => {
    expect(normalizeRecord({ schemaType: "Other" })).toEqual({
      kind: "skip",
      reason: 'schemaType string "Other" is not ModelInvocationLog',
    });
    const cases: [unknown, string][] = [
      [[1, 2], "record: expected a JSON object, got array"],
      [
        { ...invocationRecord({ requestId: "x" }), requestId: 5 },
        "requestId: expected a non-empty string, got number 5",
      ],
      [
        { ...invocationRecord({ requestId: "x" }), timestamp: "2025-02-30T00:00:00Z" },
        'timestamp: expected an ISO 8601 time, got string "2025-02-30T00:00:00Z"',
      ],
      [
        { ...invocationRecord({ requestId: "x" }), modelId: "" },
        'modelId: expected a non-empty string, got string ""',
      ],
      [
        invocationRecord({ requestId: "x", input: { inputTokenCount: -1 } }),
        "input.inputTokenCount: expected a non-negative integer, got number -1",
      ],
      [
        invocationRecord({ requestId: "x", input: { inputTokenCount: 1.5 } }),
        "input.inputTokenCount: expected a non-negative integer, got number 1.5",
      ],
      [
        invocationRecord({ requestId: "x", output: { outputTokenCount: "9" } }),
        'output.outputTokenCount: expected a non-negative integer, got string "9"',
      ],
      [
        invocationRecord({
          requestId: "x",
          metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])),
        }),
        "requestMetadata: 17 entries; Bedrock allows at most 16",
      ],
      [
        { ...invocationRecord({ requestId: "x" }), identity: "me" },
        'identity: expected an object, got string "me"',
      ],
      [{ ...invocationRecord({ requestId: "x" }), input: [] }, "input: expected an object, got array"],
      [
        invocationRecord({ requestId: "x", metadata: { tenant_id: "a\u0001b" } }),
        "requestMetadata.tenant_id: contains a control character Bedrock does not allow",
      ],
    ];
    for (const [raw, reason] of cases) expect(normalizeRecord(raw)).toEqual({ kind: "reject", reason });
  });
});
