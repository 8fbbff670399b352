/**
 * Customer service: a support assistant drafts replies to tickets. Each call is tagged with the
 * customer's tenant and the (hashed) end user, so finance can bill support AI usage per customer.
 *
 * Run offline: `npx tsx examples/customer-service.ts`
 */
import { createChargebackClient, type UsageRecord } from "../src/index";
import { describeUsage, type ExampleOptions, runIfMain } from "./shared";

const MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

interface Ticket {
  readonly id: string;
  readonly tenantId: string;
  readonly customerId: string;
  readonly channel: "email" | "chat";
  readonly transcript: readonly { readonly from: "customer" | "agent"; readonly text: string }[];
}

const TICKET: Ticket = {
  id: "T-1042",
  tenantId: "acme-corp",
  customerId: "cust-88123",
  channel: "email",
  transcript: [
    { from: "customer", text: "My invoice for October shows two charges." },
    { from: "customer", text: "Order number is 55-1203." },
  ],
};

export async function main({ client, print = () => undefined }: ExampleOptions = {}) {
  const usages: UsageRecord[] = [];
  const bedrock = createChargebackClient({
    client,
    region: "us-east-1",
    env: {}, // production: omit, and APP_NAME / ENVIRONMENT / COST_CENTER come from the container
    defaultMetadata: {
      application_name: "support-assistant",
      cost_center: "cc-support-100",
      environment: "prod",
      team: "customer-care",
    },
    policy: { userIdHmacKey: "example-only-hmac-key-load-from-secrets" },
    // Transcripts from the ticketing system often hold consecutive customer turns: merge them.
    conversation: { repair: true },
    onUsage: (usage) => {
      usages.push(usage);
    },
  });

  const reply = await bedrock.converse(
    {
      modelId: MODEL,
      system: [{ text: "You are a courteous billing support agent. Answer in three sentences or fewer." }],
      messages: TICKET.transcript.map((turn) => ({
        role: turn.from === "customer" ? ("user" as const) : ("assistant" as const),
        content: [{ text: turn.text }],
      })),
      inferenceConfig: { maxTokens: 300, temperature: 0.2 },
    },
    {
      metadata: {
        tenant_id: TICKET.tenantId,
        user_id: TICKET.customerId, // hashed with the HMAC key before it leaves the process
        ticket_channel: TICKET.channel,
        feature: "ticket-reply",
      },
    },
  );

  const text = reply.output?.message?.content?.[0]?.text ?? "";
  print(`Draft reply for ${TICKET.id}: ${text}`);
  print(describeUsage(reply.usageRecord));
  return { text, usages };
}

await runIfMain(
  import.meta.url,
  main,
  "I'm sorry about the duplicate charge; I've opened a refund for order 55-1203.",
);
