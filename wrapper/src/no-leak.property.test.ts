/**
 * Property: whatever the mode, a raw user id or a secret put into metadata never appears in a thrown
 * error message, in anything passed to the logger or the hooks, or in what is sent to Bedrock.
 */
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { createChargebackClient } from "./chargeback-client.js";
import type { PolicyMode } from "./metadata-policy.js";

const bedrockMock = mockClient(BedrockRuntimeClient);
const MODEL = "amazon.nova-lite-v1:0";

beforeEach(() => {
  bedrockMock.reset();
  bedrockMock.on(ConverseCommand).resolves({
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    $metadata: {},
  });
  bedrockMock.on(InvokeModelCommand).resolves({ $metadata: {} });
});

function luhnComplete(body: string): string {
  for (let check = 0; check <= 9; check += 1) {
    const candidate = `${body}${check}`;
    let sum = 0;
    for (let i = 0; i < candidate.length; i += 1) {
      let digit = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return candidate;
  }
  return body;
}

const upperAlnum = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".split(""));
const base64url = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".split(""),
);

const secretArbitrary = fc.oneof(
  fc
    .tuple(fc.constantFrom("AKIA", "ASIA"), fc.array(upperAlnum, { minLength: 16, maxLength: 16 }))
    .map(([prefix, rest]) => `${prefix}${rest.join("")}`),
  fc.emailAddress().filter((email) => email.length >= 8),
  fc.stringMatching(/^4\d{14}$/).map(luhnComplete),
  fc
    .tuple(
      fc.array(base64url, { minLength: 10, maxLength: 30 }),
      fc.array(base64url, { minLength: 10, maxLength: 30 }),
    )
    .map(([header, payload]) => `eyJ${header.join("")}.${payload.join("")}.sig`),
  fc.array(base64url, { minLength: 12, maxLength: 40 }).map((token) => `Bearer ${token.join("")}`),
);

// The "u~" prefix makes accidental matches against fixed message text or hex digests impossible.
const rawUserIdArbitrary = fc.string({ minLength: 4, maxLength: 64 }).map((id) => `u~${id}`);
const modeArbitrary = fc.constantFrom<PolicyMode>("enforce", "warn", "repair");

async function observe(
  mode: PolicyMode,
  hmacKey: string | undefined,
  run: (bedrock: ReturnType<typeof createChargebackClient>) => Promise<unknown>,
): Promise<string> {
  const seen: unknown[] = [];
  const bedrock = createChargebackClient({
    region: "us-east-1",
    env: {},
    defaultMetadata: { application_name: "app", cost_center: "cc", environment: "prod" },
    policy: { mode, userIdHmacKey: hmacKey },
    logger: {
      warn: (message, details) => seen.push(message, details),
      debug: (message, details) => seen.push(message, details),
    },
    onUsage: (usage) => {
      seen.push(usage);
    },
    onPolicyIssues: (issues, context) => seen.push(issues, context),
  });
  try {
    seen.push(await run(bedrock));
  } catch (error) {
    seen.push(error instanceof Error ? { ...error, name: error.name, message: error.message } : error);
  }
  seen.push(bedrockMock.calls().map((call) => call.args[0].input));
  return JSON.stringify(seen);
}

describe("no raw user id or secret leaks", () => {
  it("a raw user_id never appears anywhere, with or without an HMAC key", async () => {
    await fc.assert(
      fc.asyncProperty(rawUserIdArbitrary, modeArbitrary, fc.boolean(), async (userId, mode, withKey) => {
        bedrockMock.resetHistory();
        const output = await observe(mode, withKey ? "property-test-hmac-key" : undefined, (bedrock) =>
          bedrock.converse(
            { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
            { metadata: { tenant_id: "acme", user_id: userId } },
          ),
        );
        expect(output).not.toContain(JSON.stringify(userId).slice(1, -1));
      }),
      { numRuns: 150 },
    );
  });

  it("a secret or PII value never appears anywhere, in any mode, on Converse and InvokeModel", async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArbitrary,
        modeArbitrary,
        fc.constantFrom("note", "tenant_id", "Session"),
        fc.boolean(),
        async (secret, mode, key, invoke) => {
          bedrockMock.resetHistory();
          const metadata = { tenant_id: "acme", [key]: secret };
          const output = await observe(mode, "property-test-hmac-key", (bedrock) =>
            invoke
              ? bedrock.invokeModel({ modelId: MODEL, body: "{}" }, { metadata })
              : bedrock.converse(
                  { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
                  { metadata },
                ),
          );
          expect(output).not.toContain(JSON.stringify(secret).slice(1, -1));
          expect(output).toMatch(/sensitive_/);
        },
      ),
      { numRuns: 200 },
    );
  });
});
