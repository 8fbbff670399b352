import { describe, expect, it } from "vitest";
import { MetadataPolicyError } from "./errors.js";
import {
  applyMetadataPolicy,
  hashIdentifier,
  type MetadataPolicy,
  type PolicyMode,
} from "./metadata-policy.js";

const KEY = "policy-test-hmac-key-123";
const BASE = { application_name: "app", tenant_id: "t-1", cost_center: "cc-1", environment: "prod" };

function policy(mode: PolicyMode, overrides: Partial<MetadataPolicy> = {}): MetadataPolicy {
  return {
    mode,
    requiredKeys: ["application_name", "tenant_id", "cost_center", "environment"],
    nonStringValues: "convert",
    hashedKeys: ["user_id"],
    userIdHmacKey: KEY,
    sensitivePatterns: [],
    ...overrides,
  };
}

function rejection(run: () => unknown): MetadataPolicyError {
  try {
    run();
  } catch (error) {
    if (error instanceof MetadataPolicyError) return error;
    throw error;
  }
  throw new Error("expected a MetadataPolicyError");
}

describe("hashIdentifier", () => {
  it("is HMAC-SHA256 hex, stable per key and different across keys", () => {
    // RFC 4231 test case 2.
    expect(hashIdentifier("what do ya want for nothing?", "Jefe")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    expect(hashIdentifier("u-1", KEY)).toBe(hashIdentifier("u-1", KEY));
    expect(hashIdentifier("u-1", KEY)).not.toBe(hashIdentifier("u-1", `${KEY}x`));
  });
});

describe("merging and normalizing", () => {
  it("merges sources left to right, lowercases keys, converts non-strings and hashes user_id", () => {
    const result = applyMetadataPolicy(
      [
        { ...BASE, Team: "payments" },
        { TENANT_ID: "t-2", retries: 3, beta: true, since: new Date(0), user_id: 42 },
      ],
      policy("enforce"),
    );
    expect(result.metadata).toEqual({
      application_name: "app",
      tenant_id: "t-2",
      cost_center: "cc-1",
      environment: "prod",
      team: "payments",
      retries: "3",
      beta: "true",
      since: "1970-01-01T00:00:00.000Z",
      user_id: hashIdentifier("42", KEY),
    });
    expect(result.issues).toEqual([]);
  });

  it("accepts the whole safe character set and a 256-char key and value", () => {
    const value = "Aa0 _.:/=+@-".padEnd(256, "x");
    const key = "k".repeat(256);
    const result = applyMetadataPolicy([BASE, { [key]: value, empty_is_ok: "" }], policy("enforce"));
    expect(result.metadata[key]).toBe(value);
    expect(result.metadata.empty_is_ok).toBe("");
  });
});

describe("enforce mode", () => {
  it("names every missing required key", () => {
    const error = rejection(() =>
      applyMetadataPolicy([{ application_name: "app", tenant_id: "" }], policy("enforce")),
    );
    expect(error.code).toBe("metadata_policy_violation");
    expect(error.retryable).toBe(false);
    expect(error.issues.map((i) => [i.key, i.reason])).toEqual([
      ["tenant_id", "missing_required_key"],
      ["cost_center", "missing_required_key"],
      ["environment", "missing_required_key"],
    ]);
    expect(error.message).toContain('metadata key "cost_center" is required but missing or empty');
  });

  it.each([
    ["key too long", { ["k".repeat(257)]: "v" }, "key_too_long", "<key #5>"],
    ["key with a comma", { "a,b": "v" }, "key_invalid_characters", "<key #5>"],
    ["value too long", { note: "v".repeat(257) }, "value_too_long", "note"],
    ["value with #", { note: "a#b" }, "value_invalid_characters", "note"],
    ["value with a newline", { note: "a\nb" }, "value_invalid_characters", "note"],
    ["non-ASCII value", { note: "café" }, "value_invalid_characters", "note"],
    ["object value", { note: { nested: true } }, "value_unconvertible", "note"],
    ["NaN value", { note: Number.NaN }, "value_unconvertible", "note"],
  ])("rejects a %s", (_, extra, reason, key) => {
    const error = rejection(() => applyMetadataPolicy([BASE, extra], policy("enforce")));
    expect(error.issues.map((i) => ({ key: i.key, reason: i.reason, action: i.action }))).toEqual([
      { key, reason, action: "rejected" },
    ]);
  });

  it("rejects an empty key without printing it", () => {
    const error = rejection(() => applyMetadataPolicy([{ ...BASE, "": "x" }], policy("enforce")));
    expect(error.issues.map((i) => [i.key, i.reason])).toEqual([["<key #5>", "key_empty"]]);
  });

  it("rejects non-string values when configured to", () => {
    const error = rejection(() =>
      applyMetadataPolicy([BASE, { retries: 3 }], policy("enforce", { nonStringValues: "reject" })),
    );
    expect(error.issues[0]).toMatchObject({ key: "retries", reason: "value_not_string" });
    expect(error.message).toContain("has a number value; only strings are accepted");
  });

  it("rejects more than 16 entries", () => {
    const extra = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${i}`, "v"]));
    const error = rejection(() => applyMetadataPolicy([BASE, extra], policy("enforce")));
    expect(error.issues.map((i) => i.reason)).toEqual(["too_many_entries"]);
    expect(error.issues[0]?.key).toBe("k12");
  });

  it("rejects user_id when no HMAC key is configured, never sending it raw", () => {
    const error = rejection(() =>
      applyMetadataPolicy([BASE, { user_id: "alice" }], policy("enforce", { userIdHmacKey: undefined })),
    );
    expect(error.issues[0]).toMatchObject({ key: "user_id", reason: "hash_key_missing" });
    expect(error.message).not.toContain("alice");
  });

  it("reports a key that appears twice after lowercasing", () => {
    const error = rejection(() => applyMetadataPolicy([{ ...BASE, Tenant_Id: "x" }], policy("enforce")));
    expect(error.issues[0]).toMatchObject({ key: "tenant_id", reason: "key_duplicate_after_lowercasing" });
  });
});

describe("the PII and secret guard", () => {
  it.each([
    ["an email", "jane.doe@example.com", "sensitive_email"],
    ["an AWS access key id", "AKIAIOSFODNN7EXAMPLE", "sensitive_aws_access_key"],
    ["an AWS secret key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sensitive_aws_secret_key"],
    ["a Visa test card", "4111 1111 1111 1111", "sensitive_card_number"],
    ["a bearer token", "Bearer abcdef123456", "sensitive_bearer_token"],
    [
      "a JWT",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "sensitive_jwt",
    ],
  ])("rejects %s without echoing it", (_, secret, reason) => {
    const error = rejection(() => applyMetadataPolicy([BASE, { note: secret }], policy("enforce")));
    expect(error.issues.map((i) => [i.key, i.reason])).toEqual([["note", reason]]);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.issues)).not.toContain(secret);
  });

  it("does not print a key that is itself sensitive", () => {
    const error = rejection(() =>
      applyMetadataPolicy([BASE, { "jane@example.com": "x" }], policy("enforce")),
    );
    expect(error.issues[0]).toMatchObject({ key: "<key #5>", reason: "sensitive_email" });
    expect(error.message).not.toContain("jane@example.com");
  });

  it("applies configured extra patterns", () => {
    const error = rejection(() =>
      applyMetadataPolicy(
        [BASE, { note: "sk-live-123456" }],
        policy("enforce", { sensitivePatterns: [/sk-live-/] }),
      ),
    );
    expect(error.issues[0]?.reason).toBe("sensitive_custom_pattern");
  });

  it("lets an email-shaped user_id through because it is hashed", () => {
    const result = applyMetadataPolicy([BASE, { user_id: "jane@example.com" }], policy("enforce"));
    expect(result.metadata.user_id).toBe(hashIdentifier("jane@example.com", KEY));
  });

  it("does not flag digit runs that fail Luhn, or lowercase hex digests", () => {
    const result = applyMetadataPolicy(
      [BASE, { order: "4111111111111112", commit: "da39a3ee5e6b4b0d3255bfef95601890afd80709" }],
      policy("enforce"),
    );
    expect(result.metadata.order).toBe("4111111111111112");
    expect(result.metadata.commit).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });
});

describe("warn mode", () => {
  it("drops what cannot be sent, keeps the rest unchanged and reports", () => {
    const result = applyMetadataPolicy(
      [
        { application_name: "app", tenant_id: "t-1" },
        { note: "a#b", mail: "x@y.io", ok: "fine" },
      ],
      policy("warn"),
    );
    expect(result.metadata).toEqual({ application_name: "app", tenant_id: "t-1", ok: "fine" });
    expect(result.issues.map((i) => `${i.key}:${i.reason}:${i.action}`)).toEqual([
      "note:value_invalid_characters:dropped",
      "mail:sensitive_email:dropped",
      "cost_center:missing_required_key:reported",
      "environment:missing_required_key:reported",
    ]);
  });
});

describe("repair mode", () => {
  it("sanitizes characters, truncates, converts, trims to 16 keeping required keys, and reports", () => {
    const extra = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, "v"]));
    const result = applyMetadataPolicy(
      [
        extra,
        BASE,
        { "Bad Key!": "ok", note: "x".repeat(300), tag: "a,b#c", count: 7, secret: "AKIAIOSFODNN7EXAMPLE" },
      ],
      policy("repair", { nonStringValues: "reject" }),
    );
    expect(Object.keys(result.metadata)).toHaveLength(16);
    expect(result.metadata).toMatchObject({ ...BASE, k0: "v" });
    expect(result.metadata.secret).toBeUndefined();
    const byReason = result.issues.map((i) => `${i.key}:${i.reason}:${i.action}`);
    expect(byReason).toEqual([
      "<key #17>:key_invalid_characters:repaired",
      "note:value_too_long:repaired",
      "tag:value_invalid_characters:repaired",
      "count:value_not_string:repaired",
      "secret:sensitive_aws_access_key:dropped",
      // 12 + 4 required + 4 repaired = 20 entries: the last four non-required keys go.
      "bad key_:too_many_entries:dropped",
      "note:too_many_entries:dropped",
      "tag:too_many_entries:dropped",
      "count:too_many_entries:dropped",
    ]);
  });

  it("repairs values in place when under the entry limit", () => {
    const result = applyMetadataPolicy(
      [BASE, { "Bad Key!": "ok", note: "x".repeat(300), tag: "a,b#c" }],
      policy("repair"),
    );
    expect(result.metadata["bad key_"]).toBe("ok");
    expect(result.metadata.note).toBe("x".repeat(256));
    expect(result.metadata.tag).toBe("a_b_c");
  });
});
