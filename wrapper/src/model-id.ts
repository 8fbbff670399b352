import { ModelIdError } from "./errors.js";

/**
 * A small list of Bedrock base model ids, used only for "did you mean" suggestions. Unknown ids that
 * have a valid shape are accepted: new models ship faster than this list.
 */
export const KNOWN_BASE_MODEL_IDS: readonly string[] = [
  "anthropic.claude-3-haiku-20240307-v1:0",
  "anthropic.claude-3-5-haiku-20241022-v1:0",
  "anthropic.claude-3-5-sonnet-20240620-v1:0",
  "anthropic.claude-3-5-sonnet-20241022-v2:0",
  "anthropic.claude-3-7-sonnet-20250219-v1:0",
  "anthropic.claude-sonnet-4-20250514-v1:0",
  "anthropic.claude-opus-4-20250514-v1:0",
  "anthropic.claude-opus-4-1-20250805-v1:0",
  "anthropic.claude-sonnet-4-5-20250929-v1:0",
  "anthropic.claude-haiku-4-5-20251001-v1:0",
  "amazon.nova-micro-v1:0",
  "amazon.nova-lite-v1:0",
  "amazon.nova-pro-v1:0",
  "amazon.nova-premier-v1:0",
  "amazon.titan-embed-text-v1",
  "amazon.titan-embed-text-v2:0",
  "meta.llama3-70b-instruct-v1:0",
  "meta.llama3-1-70b-instruct-v1:0",
  "meta.llama3-3-70b-instruct-v1:0",
  "mistral.mistral-large-2402-v1:0",
  "cohere.command-r-plus-v1:0",
  "cohere.embed-english-v3",
  "deepseek.r1-v1:0",
  "openai.gpt-oss-120b-1:0",
];

/** Inference-profile prefixes: geographic (`us.` …) and global. */
export const INFERENCE_PROFILE_PREFIXES = [
  "us",
  "eu",
  "apac",
  "jp",
  "au",
  "us-gov",
  "global",
  "ca",
  "in",
] as const;

/** What kind of identifier a model id is. */
export type ModelIdKind =
  | "foundation-model-id"
  | "inference-profile-id"
  | "foundation-model-arn"
  | "inference-profile-arn"
  | "application-inference-profile-arn"
  | "prompt-arn"
  | "other-arn";

/** A parsed model id: its kind, the base model id when it can be read off, and the profile scope. */
export interface ParsedModelId {
  readonly kind: ModelIdKind;
  readonly baseModelId: string | undefined;
  readonly profilePrefix: string | undefined;
}

const BASE_ID = /^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9._:-]*$/;
const PROFILE_ID = new RegExp(`^(${INFERENCE_PROFILE_PREFIXES.join("|").replace(/\./g, "\\.")})\\.(.+)$`);
const ARN = /^arn:aws(?:-[a-z]+)*:bedrock:([a-z0-9-]*):(\d{12})?:([a-z-]+)\/(.+)$/;
const ARN_RESOURCE_KINDS: Record<string, ModelIdKind> = {
  "foundation-model": "foundation-model-arn",
  "inference-profile": "inference-profile-arn",
  "application-inference-profile": "application-inference-profile-arn",
  prompt: "prompt-arn",
  "provisioned-model": "other-arn",
  "custom-model-deployment": "other-arn",
  "imported-model": "other-arn",
  "prompt-router": "other-arn",
  "default-prompt-router": "other-arn",
};

function parseBareId(id: string): ParsedModelId | undefined {
  const profile = PROFILE_ID.exec(id);
  if (profile?.[1] !== undefined && profile[2] !== undefined && BASE_ID.test(profile[2])) {
    return { kind: "inference-profile-id", baseModelId: profile[2], profilePrefix: profile[1] };
  }
  if (BASE_ID.test(id)) return { kind: "foundation-model-id", baseModelId: id, profilePrefix: undefined };
  return undefined;
}

/**
 * Parses a model id, inference profile id or Bedrock ARN; `undefined` if it has none of those shapes.
 *
 * @example
 * parseModelId("us.anthropic.claude-sonnet-4-20250514-v1:0");
 * // { kind: "inference-profile-id", baseModelId: "anthropic.claude-sonnet-4-20250514-v1:0", profilePrefix: "us" }
 */
export function parseModelId(modelId: string): ParsedModelId | undefined {
  const arn = ARN.exec(modelId);
  if (arn !== null) {
    const resourceType = arn[3] ?? "";
    const resource = arn[4] ?? "";
    const kind = ARN_RESOURCE_KINDS[resourceType];
    if (kind === undefined) return undefined;
    if (kind === "foundation-model-arn" || kind === "inference-profile-arn") {
      const bare = parseBareId(resource);
      if (bare === undefined) return undefined;
      return { kind, baseModelId: bare.baseModelId, profilePrefix: bare.profilePrefix };
    }
    return { kind, baseModelId: undefined, profilePrefix: undefined };
  }
  return parseBareId(modelId);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// "anthropic.claude-sonnet-4-20250514-v1:0" -> "claude-sonnet-4"
function modelName(id: string): string {
  const withoutProvider = id.slice(id.indexOf(".") + 1);
  return withoutProvider.replace(/(-\d{8})?(-v\d+)?(:\d+)?$/, "").replace(/-\d+:\d+$/, "");
}

/**
 * Up to three known base model ids close to `input`: substring matches first, then by edit distance.
 *
 * @example
 * suggestModelIds("claude-sonnet-4"); // ["anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", …]
 */
export function suggestModelIds(input: string, known: readonly string[] = KNOWN_BASE_MODEL_IDS): string[] {
  const needle = input.toLowerCase().trim();
  if (needle.length === 0) return [];
  const scored = known.map((id) => {
    const name = modelName(id);
    const substring = id.includes(needle) || (needle.includes(name) && name.length >= 4);
    const distance = Math.min(editDistance(needle, name), editDistance(needle, id));
    return { id, score: substring ? Math.abs(name.length - needle.length) : 100 + distance, distance };
  });
  const threshold = Math.max(3, Math.floor(needle.length / 3));
  return scored
    .filter((entry) => entry.score < 100 || entry.distance <= threshold)
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, 3)
    .map((entry) => entry.id);
}

/**
 * Throws a `ModelIdError` with suggestions unless `modelId` has a valid shape.
 *
 * @example
 * assertModelId("claude-sonnet-4"); // throws: model id "claude-sonnet-4" is not … Did you mean "anthropic.claude-sonnet-4-20250514-v1:0" …?
 */
export function assertModelId(
  modelId: string | undefined,
  known: readonly string[] = KNOWN_BASE_MODEL_IDS,
): ParsedModelId {
  if (modelId === undefined || modelId.length === 0) {
    throw new ModelIdError("", "is empty; pass a model id, inference profile id or ARN as `modelId`", []);
  }
  if (modelId.length > 2048)
    throw new ModelIdError(modelId.slice(0, 64), "is longer than 2048 characters", []);
  const parsed = parseModelId(modelId);
  if (parsed !== undefined) return parsed;
  const printable = modelId.slice(0, 128);
  const reason = modelId.startsWith("arn:")
    ? "is not a Bedrock foundation-model, inference-profile, application-inference-profile or prompt ARN"
    : "is not a Bedrock model id (provider.model, e.g. anthropic.claude-…), inference profile id (us./eu./apac./jp./au./us-gov./global./ca./in. + model id) or ARN";
  throw new ModelIdError(printable, reason, suggestModelIds(modelId, known));
}
