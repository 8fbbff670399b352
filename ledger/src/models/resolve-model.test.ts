import { describe, expect, it } from "vitest";
import { resolveModel } from "./resolve-model";

describe("resolveModel", () => {
  it.each([
    ["anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0", "in_region"],
    ["us.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0", "geographic"],
    ["eu.amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0", "geographic"],
    ["apac.amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0", "geographic"],
    ["jp.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "geographic"],
    ["au.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "geographic"],
    ["us-gov.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", "geographic"],
    [
      "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "anthropic.claude-sonnet-4-5-20250929-v1:0",
      "global",
    ],
    ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "in_region"],
    [
      "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-pro-v1:0",
      "amazon.nova-pro-v1:0",
      "geographic",
    ],
    ["amazon.titan-embed-text-v1", "amazon.titan-embed-text-v1", "in_region"],
  ])("%s → %s (%s)", (id, base, scope) => {
    expect(resolveModel(id)).toMatchObject({ baseModel: base, scope });
  });

  it("resolves application inference profile ARNs through the mapping, keeping the target's scope", () => {
    const arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123";
    const applicationProfiles = new Map([[arn, "us.anthropic.claude-sonnet-4-20250514-v1:0"]]);
    expect(resolveModel(arn, { applicationProfiles })).toEqual({
      baseModel: "anthropic.claude-sonnet-4-20250514-v1:0",
      scope: "geographic",
      profilePrefix: "us",
    });
    expect(resolveModel(arn)).toEqual({ baseModel: arn, scope: "unresolved" });
  });

  it("does not loop on a mapping that points at itself", () => {
    const arn = "arn:aws:bedrock:us-east-1:1:application-inference-profile/x";
    expect(resolveModel(arn, { applicationProfiles: new Map([[arn, arn]]) }).scope).toBe("unresolved");
  });
});
