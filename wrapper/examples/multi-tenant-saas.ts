/**
 * Multi-tenant SaaS: one shared client serves every tenant's requests. Each request carries its
 * tenant; a request without one is refused before AWS is called (enforce mode) and the API answers
 * 400. Usage is aggregated per tenant in-process and counted in client-side metrics.
 *
 * Run offline: `npx tsx examples/multi-tenant-saas.ts`
 */
import {
  createChargebackClient,
  createMemoryMetricsSink,
  MetadataPolicyError,
  type TokenCounts,
  type UsageRecord,
} from "../src/index";
import { type ExampleOptions, runIfMain } from "./shared";

const MODEL = "amazon.nova-lite-v1:0";

interface IncomingRequest {
  readonly tenantId: string | undefined;
  readonly userId: string;
  readonly plan: "free" | "pro";
  readonly question: string;
}

const REQUESTS: readonly IncomingRequest[] = [
  { tenantId: "globex", userId: "alice@globex.example", plan: "pro", question: "Summarize our Q3 churn." },
  { tenantId: "initech", userId: "u-17", plan: "free", question: "What is a TPS report?" },
  { tenantId: "globex", userId: "bob@globex.example", plan: "pro", question: "Draft a renewal note." },
  { tenantId: undefined, userId: "u-99", plan: "free", question: "Hello?" },
];

export async function main({ client, print = () => undefined }: ExampleOptions = {}) {
  const usages: UsageRecord[] = [];
  const metrics = createMemoryMetricsSink(); // production: createCloudWatchMetricsSink({ client: cloudWatch })
  const bedrock = createChargebackClient({
    client,
    region: "us-east-1",
    env: {},
    defaultMetadata: {
      application_name: "insights-saas",
      cost_center: "cc-product-500",
      environment: "prod",
    },
    // Tenant user ids are emails here: hashing keeps them out of the invocation logs.
    policy: { userIdHmacKey: "example-only-hmac-key-load-from-secrets" },
    metrics,
    onUsage: (usage) => {
      usages.push(usage);
    },
  });

  const totals = new Map<string, TokenCounts & { requests: number }>();
  const statuses: number[] = [];
  for (const request of REQUESTS) {
    try {
      const reply = await bedrock.converse(
        { modelId: MODEL, messages: [{ role: "user", content: [{ text: request.question }] }] },
        { metadata: { tenant_id: request.tenantId, user_id: request.userId, plan: request.plan } },
      );
      const usage = reply.usageRecord;
      const tenant = usage.metadata.tenant_id ?? "(unattributed)";
      const total = totals.get(tenant) ?? {
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
      };
      totals.set(tenant, {
        requests: total.requests + 1,
        inputTokens: total.inputTokens + usage.inputTokens,
        outputTokens: total.outputTokens + usage.outputTokens,
        cacheReadInputTokens: total.cacheReadInputTokens + usage.cacheReadInputTokens,
        cacheWriteInputTokens: total.cacheWriteInputTokens + usage.cacheWriteInputTokens,
      });
      statuses.push(200);
    } catch (error) {
      if (!(error instanceof MetadataPolicyError)) throw error;
      print(
        `400 for an untagged request: ${error.issues.map((issue) => `${issue.key} ${issue.reason}`).join(", ")}`,
      );
      statuses.push(400);
    }
  }
  for (const [tenant, total] of totals) {
    print(
      `${tenant}: ${total.requests} request(s), ${total.inputTokens} in / ${total.outputTokens} out tokens`,
    );
  }
  print(`metrics recorded: ${metrics.records.length} invocation(s)`);
  return { totals, statuses, usages, metricsRecorded: metrics.records.length };
}

await runIfMain(import.meta.url, main, "Here is the summary you asked for.");
