import {
  BedrockClient,
  GetFoundationModelCommand,
  ListFoundationModelsCommand,
} from "@aws-sdk/client-bedrock";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createChargebackClient } from "./chargeback-client.js";

const controlMock = mockClient(BedrockClient);
const runtimeMock = mockClient(BedrockRuntimeClient);

beforeEach(() => {
  controlMock.reset();
  runtimeMock.reset();
});

function setup(healthCheck: { foundationModelId?: string; runtimeProbeModelId?: string } = {}) {
  let clock = 0;
  return createChargebackClient({
    region: "us-east-1",
    env: {},
    defaultMetadata: { application_name: "app", cost_center: "cc", environment: "prod" },
    healthCheck,
    logger: { warn: () => undefined },
    now: () => {
      clock += 5;
      return clock;
    },
  });
}

describe("healthCheck", () => {
  it("uses ListFoundationModels on the control plane and nothing on the runtime plane by default", async () => {
    controlMock.on(ListFoundationModelsCommand).resolves({ modelSummaries: [] });
    const report = await setup().healthCheck();
    expect(report).toEqual({
      ok: true,
      probes: [{ plane: "control", operation: "ListFoundationModels", ok: true, latencyMs: 5 }],
    });
    expect(controlMock).toHaveReceivedCommandWith(ListFoundationModelsCommand, { byOutputModality: "TEXT" });
    expect(runtimeMock.calls()).toHaveLength(0);
  });

  it("uses GetFoundationModel with the base id when a model is configured (profile prefix stripped)", async () => {
    controlMock.on(GetFoundationModelCommand).resolves({});
    const report = await setup({ foundationModelId: "us.amazon.nova-lite-v1:0" }).healthCheck();
    expect(report.ok).toBe(true);
    expect(controlMock).toHaveReceivedCommandWith(GetFoundationModelCommand, {
      modelIdentifier: "amazon.nova-lite-v1:0",
    });
  });

  it("adds a 1-token Converse probe only when configured, tagged as a health check", async () => {
    controlMock.on(ListFoundationModelsCommand).resolves({});
    runtimeMock.on(ConverseCommand).resolves({});
    const report = await setup({ runtimeProbeModelId: "amazon.nova-micro-v1:0" }).healthCheck();
    expect(report.probes.map((p) => `${p.plane}:${p.operation}:${p.ok}`)).toEqual([
      "control:ListFoundationModels:true",
      "runtime:Converse:true",
    ]);
    expect(runtimeMock).toHaveReceivedCommandWith(ConverseCommand, {
      modelId: "amazon.nova-micro-v1:0",
      inferenceConfig: { maxTokens: 1 },
      requestMetadata: {
        application_name: "app",
        cost_center: "cc",
        environment: "prod",
        purpose: "health-check",
      },
    });
  });

  it("reports failures instead of throwing, mapping credential failures to the typed error", async () => {
    controlMock.on(ListFoundationModelsCommand).rejects(
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
    );
    const report = await setup().healthCheck();
    expect(report.ok).toBe(false);
    expect(report.probes[0]).toMatchObject({ ok: false, errorName: "CredentialsError" });
    expect(report.probes[0]?.message).toContain("AWS_PROFILE");
  });
});
