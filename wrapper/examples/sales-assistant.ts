/**
 * Sales assistant: streams a follow-up email draft into the CRM editor. If the preferred model is
 * throttled, it falls back to a cheaper one; the usage record says which model served.
 *
 * Run offline: `npx tsx examples/sales-assistant.ts`
 */
import { createChargebackClient, type UsageRecord } from "../src/index";
import { describeUsage, type ExampleOptions, runIfMain } from "./shared";

const PRIMARY = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const FALLBACK = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

export async function main({ client, print = () => undefined }: ExampleOptions = {}) {
  const usages: UsageRecord[] = [];
  const bedrock = createChargebackClient({
    client,
    region: "us-east-1",
    env: {},
    defaultMetadata: {
      application_name: "sales-assistant",
      cost_center: "cc-sales-300",
      environment: "prod",
      // Sales is an internal user of AI: the "tenant" is the sales region that pays for it.
      tenant_id: "sales-emea",
    },
    policy: { userIdHmacKey: "example-only-hmac-key-load-from-secrets" },
    fallbacks: { [PRIMARY]: [FALLBACK] },
    timeouts: { callTimeoutMs: 60_000 },
    onUsage: (usage) => {
      usages.push(usage);
    },
  });

  const response = await bedrock.converseStream(
    {
      modelId: PRIMARY,
      system: [{ text: "Write concise, friendly B2B follow-up emails." }],
      messages: [
        {
          role: "user",
          content: [{ text: "Follow up with Globex after yesterday's demo; propose a pilot." }],
        },
      ],
      inferenceConfig: { maxTokens: 400 },
    },
    { metadata: { user_id: "rep-2291", opportunity_id: "opp-7781", feature: "email-draft" } },
  );

  let draft = "";
  for await (const event of response.stream ?? []) {
    const piece = event.contentBlockDelta?.delta?.text;
    if (piece !== undefined) draft += piece; // a UI would append `piece` to the editor here
  }
  const usage = await response.usageRecord;
  print(`Draft: ${draft}`);
  print(describeUsage(usage));
  return { draft, usage, usages };
}

await runIfMain(
  import.meta.url,
  main,
  "Hi Dana, thanks for your time yesterday. Shall we start a 30-day pilot?",
);
