import type { Message } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { checkConversation } from "./conversation.js";
import { ConversationError } from "./errors.js";

const user = (text: string): Message => ({ role: "user", content: [{ text }] });
const assistant = (text: string): Message => ({ role: "assistant", content: [{ text }] });
// Callers porting OpenAI-style code send role "system"; the SDK type does not allow it, JSON does.
const systemMessage = JSON.parse('{"role":"system","content":[{"text":"Be brief."}]}');

function issuesOf(messages: unknown[], repair = false) {
  try {
    checkConversation({ messages: JSON.parse(JSON.stringify(messages)) }, { repair });
  } catch (error) {
    if (error instanceof ConversationError) return error.issues.map((i) => [i.reason, i.index]);
    throw error;
  }
  return [];
}

describe("checkConversation", () => {
  it("accepts a valid alternating conversation unchanged", () => {
    const messages = [user("a"), assistant("b"), user("c")];
    const checked = checkConversation({ messages, system: [{ text: "sys" }] }, { repair: false });
    expect(checked.messages).toEqual(messages);
    expect(checked.system).toEqual([{ text: "sys" }]);
    expect(checked.fixes).toEqual([]);
  });

  it("requires at least one non-system message", () => {
    expect(issuesOf([])).toEqual([["no_messages", 0]]);
    expect(() => checkConversation({ messages: undefined }, { repair: true })).toThrow(
      /at least one non-system message is required/,
    );
  });

  it("requires the first message to be from the user", () => {
    expect(issuesOf([assistant("hi"), user("x")])).toEqual([["first_message_not_user", 0]]);
    expect(() => checkConversation({ messages: [assistant("hi")] }, { repair: true })).toThrow(
      'a conversation must start with a user message, but messages[0] is "assistant"',
    );
  });

  it("requires alternating roles and names both positions", () => {
    expect(issuesOf([user("a"), user("b"), assistant("c"), assistant("d")])).toEqual([
      ["roles_not_alternating", 1],
      ["roles_not_alternating", 3],
    ]);
    expect(() => checkConversation({ messages: [user("a"), user("b")] }, { repair: false })).toThrow(
      'messages[0] and messages[1] are both "user"',
    );
  });

  it("rejects a system-role message and says where system prompts go", () => {
    expect(issuesOf([systemMessage, user("a")])).toEqual([["system_role_message", 0]]);
    expect(() => checkConversation({ messages: [systemMessage, user("a")] }, { repair: false })).toThrow(
      /put system prompts in the `system` field, or enable repairConversation/,
    );
  });

  it("rejects unknown roles and empty content", () => {
    expect(issuesOf([{ role: "tool", content: [{ text: "x" }] }, user("a")])).toEqual([["unknown_role", 0]]);
    expect(issuesOf([user("a"), { role: "assistant", content: [] }])).toEqual([["empty_content", 1]]);
  });

  it("repair: moves text-only system messages into system and merges same-role runs", () => {
    const checked = checkConversation(
      { messages: [systemMessage, user("a"), user("b"), assistant("c")], system: [{ text: "Existing." }] },
      { repair: true },
    );
    expect(checked.system).toEqual([{ text: "Existing." }, { text: "Be brief." }]);
    expect(checked.messages).toEqual([
      { role: "user", content: [{ text: "a" }, { text: "b" }] },
      { role: "assistant", content: [{ text: "c" }] },
    ]);
    expect(checked.fixes).toEqual([
      'moved messages[0] (role "system") into system',
      'merged messages[2] into messages[1] (both "user")',
    ]);
  });

  it("repair: a system message with non-text content still fails", () => {
    const withImage = JSON.parse(
      '{"role":"system","content":[{"image":{"format":"png","source":{"bytes":"AA=="}}}]}',
    );
    expect(issuesOf([withImage, user("a")], true)).toEqual([["system_role_message", 0]]);
  });
});
