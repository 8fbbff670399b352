/**
 * Developer tools: a CI bot reviews diffs with InvokeModel (Anthropic Messages body) and streams a
 * commit message with InvokeModelWithResponseStream. Metadata rides in the signed
 * X-Amzn-Bedrock-Request-Metadata header. The bot runs in `warn` mode: a metadata problem is logged
 * but never breaks a build.
 *
 * Run offline: `npx tsx examples/developer-tools.ts`
 */
import { createChargebackClient, type UsageRecord } from "../src/index";
import { describeUsage, type ExampleOptions, runIfMain } from "./shared";

const MODEL = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";

function anthropicBody(prompt: string): string {
  return JSON.stringify({
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: 500,
    messages: [{ role: "user", content: [{ type: "text", text: prompt }] }],
  });
}

export async function main({ client, print = () => undefined }: ExampleOptions = {}) {
  const usages: UsageRecord[] = [];
  const warnings: string[] = [];
  const bedrock = createChargebackClient({
    client,
    region: "us-east-1",
    // What a CI runner's environment typically holds; in production omit `env` to read the process environment.
    env: { APP_NAME: "code-review-bot", ENVIRONMENT: "ci", TEAM_NAME: "platform", COST_CENTER: "cc-eng-200" },
    defaultMetadata: { tenant_id: "internal-engineering" },
    policy: { mode: "warn" },
    logger: { warn: (message) => warnings.push(message) },
    onUsage: (usage) => {
      usages.push(usage);
    },
  });
  const metadata = { repository: "payments-service", pipeline: "pr-4411", branch: "feature/refunds#2" };

  const review = await bedrock.invokeModel(
    {
      modelId: MODEL,
      contentType: "application/json",
      accept: "application/json",
      body: anthropicBody("Review this diff: …"),
    },
    { metadata },
  );
  const reviewText = review.body?.transformToString() ?? "";
  print(`Review: ${reviewText}`);
  print(describeUsage(review.usageRecord));

  const stream = await bedrock.invokeModelWithResponseStream(
    { modelId: MODEL, contentType: "application/json", body: anthropicBody("Write a commit message for: …") },
    { metadata },
  );
  let chunks = 0;
  for await (const event of stream.body ?? []) if (event.chunk !== undefined) chunks += 1;
  const streamUsage = await stream.usageRecord;
  print(`Commit message streamed in ${chunks} chunk(s)`);
  print(describeUsage(streamUsage));
  // "feature/refunds#2" has a '#', outside the safe set: warn mode dropped `branch` and said so.
  for (const warning of warnings) print(`[warn] ${warning}`);
  return { reviewText, chunks, usages, warnings };
}

await runIfMain(import.meta.url, main, "LGTM: consider handling the partial-refund case.");
