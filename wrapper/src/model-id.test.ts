import { describe, expect, it } from "vitest";
import { ModelIdError } from "./errors.js";
import { assertModelId, parseModelId, suggestModelIds } from "./model-id.js";

describe("parseModelId", () => {
  it.each([
    [
      "anthropic.claude-sonnet-4-20250514-v1:0",
      "foundation-model-id",
      "anthropic.claude-sonnet-4-20250514-v1:0",
      undefined,
    ],
    ["amazon.titan-embed-text-v1", "foundation-model-id", "amazon.titan-embed-text-v1", undefined],
    [
      "us.anthropic.claude-sonnet-4-20250514-v1:0",
      "inference-profile-id",
      "anthropic.claude-sonnet-4-20250514-v1:0",
      "us",
    ],
    [
      "us-gov.anthropic.claude-3-haiku-20240307-v1:0",
      "inference-profile-id",
      "anthropic.claude-3-haiku-20240307-v1:0",
      "us-gov",
    ],
    [
      "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "inference-profile-id",
      "anthropic.claude-sonnet-4-5-20250929-v1:0",
      "global",
    ],
    ["apac.amazon.nova-micro-v1:0", "inference-profile-id", "amazon.nova-micro-v1:0", "apac"],
    ["ca.amazon.nova-lite-v1:0", "inference-profile-id", "amazon.nova-lite-v1:0", "ca"],
    ["in.amazon.nova-lite-v1:0", "inference-profile-id", "amazon.nova-lite-v1:0", "in"],
    [
      "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
      "foundation-model-arn",
      "amazon.nova-pro-v1:0",
      undefined,
    ],
    [
      "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
      "inference-profile-arn",
      "anthropic.claude-3-7-sonnet-20250219-v1:0",
      "eu",
    ],
    [
      "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
      "application-inference-profile-arn",
      undefined,
      undefined,
    ],
    ["arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:1", "prompt-arn", undefined, undefined],
    [
      "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:provisioned-model/abc123",
      "other-arn",
      undefined,
      undefined,
    ],
  ])("%s", (id, kind, baseModelId, profilePrefix) => {
    expect(parseModelId(id)).toEqual({ kind, baseModelId, profilePrefix });
  });

  it.each([
    "claude-sonnet-4",
    "Anthropic.Claude",
    "arn:aws:s3:::bucket/key",
    "arn:aws:bedrock:us-east-1:123456789012:agent/ABC",
    "us.",
    "",
  ])("rejects %s", (id) => {
    expect(parseModelId(id)).toBeUndefined();
  });
});

describe("suggestModelIds", () => {
  it("suggests the closest ids for a bare model name", () => {
    expect(suggestModelIds("claude-sonnet-4")[0]).toBe("anthropic.claude-sonnet-4-20250514-v1:0");
    expect(suggestModelIds("claude-sonnet-4")).toContain("anthropic.claude-sonnet-4-5-20250929-v1:0");
  });

  it("handles typos by edit distance", () => {
    expect(suggestModelIds("nova-lte")).toEqual(expect.arrayContaining(["amazon.nova-lite-v1:0"]));
    expect(suggestModelIds("claude-3-haiku")[0]).toBe("anthropic.claude-3-haiku-20240307-v1:0");
  });

  it("suggests nothing for something unrelated", () => {
    expect(suggestModelIds("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")).toEqual([]);
  });
});

describe("assertModelId", () => {
  it("returns the parse for a valid id", () => {
    expect(assertModelId("eu.amazon.nova-lite-v1:0").profilePrefix).toBe("eu");
  });

  it("throws a typed error with a did-you-mean", () => {
    try {
      assertModelId("claude-sonnet-4");
      expect.unreachable();
    } catch (error) {
      if (!(error instanceof ModelIdError)) throw error;
      expect(error.code).toBe("model_id_invalid");
      expect(error.suggestions[0]).toBe("anthropic.claude-sonnet-4-20250514-v1:0");
      expect(error.message).toMatch(/^model id "claude-sonnet-4" is not a Bedrock model id/);
      expect(error.message).toContain('Did you mean "anthropic.claude-sonnet-4-20250514-v1:0"');
    }
  });

  it("rejects an empty id and an unsupported ARN", () => {
    expect(() => assertModelId(undefined)).toThrow(/is empty/);
    expect(() => assertModelId("arn:aws:bedrock:us-east-1:123456789012:agent/X")).toThrow(
      /is not a Bedrock foundation-model, inference-profile/,
    );
  });
});
