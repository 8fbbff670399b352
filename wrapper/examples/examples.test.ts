import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { hashIdentifier } from "../src/index";
import { main as customerService } from "./customer-service";
import { main as developerTools } from "./developer-tools";
import { main as multiTenantSaas } from "./multi-tenant-saas";
import { main as salesAssistant } from "./sales-assistant";

const bedrockMock = mockClient(BedrockRuntimeClient);
const EXAMPLE_KEY = "example-only-hmac-key-load-from-secrets";
const client = () => new BedrockRuntimeClient({ region: "us-east-1" });

async function* from<E>(items: readonly E[]): AsyncGenerator<E> {
  for (const item of items) yield item;
}

const converseReply = (text: string, inputTokens: number, outputTokens: number) => ({
  output: { message: { role: "assistant" as const, content: [{ text }] } },
  stopReason: "end_turn" as const,
  usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
  $metadata: {},
});

beforeEach(() => bedrockMock.reset());

describe("examples run against aws-sdk-client-mock", () => {
  it("customer service: merged transcript, tagged and hashed", async () => {
    bedrockMock.on(ConverseCommand).resolves(converseReply("Refund opened.", 120, 9));
    const lines: string[] = [];

    const result = await customerService({ client: client(), print: (line) => lines.push(line) });

    expect(result.text).toBe("Refund opened.");
    const input = bedrockMock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(input?.messages).toHaveLength(1);
    expect(input?.messages?.[0]?.content).toHaveLength(2);
    expect(input?.requestMetadata).toEqual({
      application_name: "support-assistant",
      cost_center: "cc-support-100",
      environment: "prod",
      team: "customer-care",
      tenant_id: "acme-corp",
      user_id: hashIdentifier("cust-88123", EXAMPLE_KEY),
      ticket_channel: "email",
      feature: "ticket-reply",
    });
    expect(result.usages.map((u) => [u.inputTokens, u.outputTokens])).toEqual([[120, 9]]);
    expect(lines[1]).toContain("tenant=acme-corp in=120 out=9");
    expect(lines.join("\n")).not.toContain("cust-88123");
  });

  it("sales assistant: streams the draft, falls back when throttled, usage names the serving model", async () => {
    bedrockMock
      .on(ConverseStreamCommand, { modelId: "us.anthropic.claude-sonnet-4-20250514-v1:0" })
      .rejects(new ThrottlingException({ message: "slow down", $metadata: { httpStatusCode: 429 } }));
    bedrockMock
      .on(ConverseStreamCommand, { modelId: "us.anthropic.claude-3-5-haiku-20241022-v1:0" })
      .resolves({
        stream: from([
          { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hi Dana, " } } },
          { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "pilot?" } } },
          {
            metadata: {
              usage: { inputTokens: 60, outputTokens: 4, totalTokens: 64 },
              metrics: { latencyMs: 10 },
            },
          },
        ]),
        $metadata: {},
      });

    const result = await salesAssistant({ client: client() });

    expect(result.draft).toBe("Hi Dana, pilot?");
    expect(result.usage).toMatchObject({
      modelId: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
      requestedModelId: "us.anthropic.claude-sonnet-4-20250514-v1:0",
      inputTokens: 60,
      outputTokens: 4,
      complete: true,
    });
    expect(result.usage.metadata.tenant_id).toBe("sales-emea");
    expect(result.usage.metadata.opportunity_id).toBe("opp-7781");
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseStreamCommand, 2);
  });

  it("developer tools: metadata from the env mapping, unsafe branch dropped with a warning", async () => {
    bedrockMock.on(InvokeModelCommand).resolves({ $metadata: {} });
    bedrockMock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: from([
        { chunk: { bytes: new TextEncoder().encode('{"type":"content_block_delta"}') } },
        {
          chunk: {
            bytes: new TextEncoder().encode(
              '{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":44,"outputTokenCount":12}}',
            ),
          },
        },
      ]),
      $metadata: {},
    });

    const result = await developerTools({ client: client() });

    const header = bedrockMock.commandCalls(InvokeModelCommand)[0]?.args[0].input.requestMetadata ?? "";
    expect(JSON.parse(header)).toEqual({
      application_name: "code-review-bot",
      environment: "ci",
      team: "platform",
      cost_center: "cc-eng-200",
      tenant_id: "internal-engineering",
      repository: "payments-service",
      pipeline: "pr-4411",
    });
    expect(result.chunks).toBe(2);
    expect(result.usages[1]).toMatchObject({
      inputTokens: 44,
      outputTokens: 12,
      tokenSource: "invocation-metrics",
    });
    expect(result.warnings).toEqual([
      "request metadata: 1 issue(s) in warn mode",
      "request metadata: 1 issue(s) in warn mode",
    ]);
  });

  it("multi-tenant SaaS: per-tenant totals, the untagged request refused before AWS", async () => {
    bedrockMock
      .on(ConverseCommand)
      .resolvesOnce(converseReply("a", 100, 10))
      .resolvesOnce(converseReply("b", 50, 5))
      .resolvesOnce(converseReply("c", 30, 3));

    const result = await multiTenantSaas({ client: client() });

    expect(result.statuses).toEqual([200, 200, 200, 400]);
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 3);
    expect(result.totals.get("globex")).toMatchObject({ requests: 2, inputTokens: 130, outputTokens: 13 });
    expect(result.totals.get("initech")).toMatchObject({ requests: 1, inputTokens: 50, outputTokens: 5 });
    expect(result.metricsRecorded).toBe(3);
    const sentUserIds = bedrockMock
      .commandCalls(ConverseCommand)
      .map((c) => c.args[0].input.requestMetadata?.user_id);
    expect(sentUserIds).toEqual([
      hashIdentifier("alice@globex.example", EXAMPLE_KEY),
      hashIdentifier("u-17", EXAMPLE_KEY),
      hashIdentifier("bob@globex.example", EXAMPLE_KEY),
    ]);
  });
});
