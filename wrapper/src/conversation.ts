import type { ContentBlock, Message, SystemContentBlock } from "@aws-sdk/client-bedrock-runtime";
import { ConversationError, type ConversationIssue } from "./errors.js";

/** The parts of a Converse request this module looks at. */
export interface ConversationInput {
  readonly messages?: Message[] | undefined;
  readonly system?: SystemContentBlock[] | undefined;
}

/** A conversation that Bedrock will accept, plus a note per automatic fix applied. */
export interface CheckedConversation {
  readonly messages: Message[];
  readonly system: SystemContentBlock[] | undefined;
  readonly fixes: readonly string[];
}

function textBlocksOf(content: readonly ContentBlock[]): SystemContentBlock[] | undefined {
  const blocks: SystemContentBlock[] = [];
  for (const block of content) {
    if (typeof block.text !== "string") return undefined;
    blocks.push({ text: block.text });
  }
  return blocks;
}

/**
 * Validates a Converse conversation before Bedrock sees it: at least one non-system message, first
 * message from the user, roles alternating, no `role: "system"` messages (system prompts belong in
 * `system`), no empty content. With `repair: true`, consecutive same-role messages are merged and
 * text-only system-role messages are moved into `system`; what cannot be fixed still throws.
 *
 * @example
 * const { messages, system } = checkConversation({ messages: input.messages, system: input.system }, { repair: false });
 */
export function checkConversation(
  input: ConversationInput,
  options: { repair: boolean },
): CheckedConversation {
  const issues: ConversationIssue[] = [];
  const fixes: string[] = [];
  const system: SystemContentBlock[] = [...(input.system ?? [])];
  const kept: { index: number; message: Message }[] = [];
  const source = input.messages ?? [];

  source.forEach((message, index) => {
    const role: string = message.role ?? "(missing)";
    const content = message.content ?? [];
    if (role === "system") {
      const text = options.repair ? textBlocksOf(content) : undefined;
      if (text === undefined) {
        issues.push({
          index,
          reason: "system_role_message",
          message: `messages[${index}] has role "system"; Converse only accepts "user" and "assistant" — put system prompts in the \`system\` field${options.repair ? " (only text-only system messages can be moved automatically)" : ", or enable repairConversation"}`,
        });
        return;
      }
      system.push(...text);
      fixes.push(`moved messages[${index}] (role "system") into system`);
      return;
    }
    if (role !== "user" && role !== "assistant") {
      issues.push({
        index,
        reason: "unknown_role",
        message: `messages[${index}] has role "${role.slice(0, 32)}"; use "user" or "assistant"`,
      });
      return;
    }
    if (content.length === 0) {
      issues.push({ index, reason: "empty_content", message: `messages[${index}] has no content blocks` });
      return;
    }
    kept.push({ index, message });
  });

  if (kept.length === 0 && issues.length === 0) {
    issues.push({
      index: 0,
      reason: "no_messages",
      message: "at least one non-system message is required; add a user message to `messages`",
    });
  }
  const first = kept[0];
  if (first !== undefined && first.message.role !== "user") {
    issues.push({
      index: first.index,
      reason: "first_message_not_user",
      message: `a conversation must start with a user message, but messages[${first.index}] is "${first.message.role}"`,
    });
  }

  const merged: { index: number; message: Message }[] = [];
  for (const current of kept) {
    const previous = merged[merged.length - 1];
    if (previous === undefined || previous.message.role !== current.message.role) {
      merged.push({ index: current.index, message: { ...current.message } });
      continue;
    }
    if (!options.repair) {
      issues.push({
        index: current.index,
        reason: "roles_not_alternating",
        message: `messages[${previous.index}] and messages[${current.index}] are both "${current.message.role}"; roles must alternate between user and assistant — merge them, or enable repairConversation`,
      });
      continue;
    }
    previous.message = {
      ...previous.message,
      content: [...(previous.message.content ?? []), ...(current.message.content ?? [])],
    };
    fixes.push(
      `merged messages[${current.index}] into messages[${previous.index}] (both "${current.message.role}")`,
    );
  }

  if (issues.length > 0) throw new ConversationError(issues);
  return {
    messages: merged.map((entry) => entry.message),
    system: system.length > 0 ? system : undefined,
    fixes,
  };
}
