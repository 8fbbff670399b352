import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockClient, GetInferenceProfileCommand } from "@aws-sdk/client-bedrock";
import { createDb } from "@bedrock-chargeback/ledger";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { bedrockControlApi } from "./aws";
import { InferenceProfileResolver, loadProfileMappingFile, modelIdFromProfile } from "./inference-profiles";

const bedrock = mockClient(BedrockClient);
const api = () => bedrockControlApi(new BedrockClient({ region: "us-east-1" }));
const ARN = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123";
const OTHER = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/zzz999";
const fm = (region: string, model: string) => ({
  modelArn: `arn:aws:bedrock:${region}::foundation-model/${model}`,
});

beforeEach(() => bedrock.reset());

describe("application inference profiles", () => {
  it("reads the foundation model (and its scope) from models[].modelArn", () => {
    expect(modelIdFromProfile({ models: [fm("us-east-1", "amazon.nova-lite-v1:0")] })).toBe(
      "amazon.nova-lite-v1:0",
    );
    expect(modelIdFromProfile({ models: [fm("us-east-1", "m"), fm("us-west-2", "m")] })).toBe("us.m");
    expect(modelIdFromProfile({ models: [fm("eu-west-1", "m"), fm("eu-central-1", "m")] })).toBe("eu.m");
    expect(modelIdFromProfile({ models: [fm("us-east-1", "m"), fm("eu-west-1", "m")] })).toBe("global.m");
    expect(modelIdFromProfile({ models: [{ modelArn: "nonsense" }] })).toBeUndefined();
    expect(modelIdFromProfile({ models: "x" })).toBeUndefined();
  });

  it("resolves through GetInferenceProfile once, then from the cache (memory and store)", async () => {
    bedrock
      .on(GetInferenceProfileCommand)
      .resolves({ models: [fm("us-east-1", "anthropic.claude-sonnet-4-20250514-v1:0")] });
    const db = createDb(":memory:");
    const resolver = new InferenceProfileResolver({ api: api(), db });
    const first = await resolver.resolveAll([ARN, ARN, "amazon.nova-lite-v1:0"]);
    expect([...first.resolved]).toEqual([[ARN, "anthropic.claude-sonnet-4-20250514-v1:0"]]);
    expect(first.calls).toBe(1);
    expect((await resolver.resolveAll([ARN])).calls).toBe(0);
    // A new process (new resolver) finds it in the store.
    const again = await new InferenceProfileResolver({ api: api(), db }).resolveAll([ARN]);
    expect(again).toMatchObject({ calls: 0, unresolved: [] });
    expect(bedrock).toHaveReceivedCommandTimes(GetInferenceProfileCommand, 1);
    expect(bedrock).toHaveReceivedCommandWith(GetInferenceProfileCommand, {
      inferenceProfileIdentifier: ARN,
    });
  });

  it("falls back to the mapping file, and reports what stays unresolved", async () => {
    bedrock
      .on(GetInferenceProfileCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    const dir = mkdtempSync(join(tmpdir(), "profiles-"));
    writeFileSync(join(dir, "map.json"), JSON.stringify({ [ARN]: "eu.amazon.nova-micro-v1:0" }));
    const resolver = new InferenceProfileResolver({
      api: api(),
      fallback: await loadProfileMappingFile(join(dir, "map.json")),
    });
    const result = await resolver.resolveAll([ARN, OTHER]);
    expect([...result.resolved]).toEqual([[ARN, "eu.amazon.nova-micro-v1:0"]]);
    expect(result.unresolved).toEqual([{ arn: OTHER, reason: "GetInferenceProfile: AccessDeniedException" }]);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ [ARN]: 3 }));
    await expect(loadProfileMappingFile(join(dir, "bad.json"))).rejects.toThrow(
      'expected a JSON object of "<arn>": "<modelId>"',
    );
  });
});
