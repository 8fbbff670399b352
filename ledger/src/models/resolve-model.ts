/**
 * Model id → base model + scope (docs/rules.md rule 2). Price can differ by scope, so it is kept.
 * Application inference profile ARNs resolve through a mapping (configured, or filled from
 * GetInferenceProfile by a collector).
 */

export type ModelScope = "in_region" | "geographic" | "global" | "unresolved";

export type ResolvedModel = {
  /** The base model id, e.g. `anthropic.claude-sonnet-4-5-20250929-v1:0`; the logged id if unresolved. */
  baseModel: string;
  scope: ModelScope;
  /** The geographic prefix (`us`, `eu`, …) or `global`, when the id named a system profile. */
  profilePrefix?: string;
};

/** System inference-profile prefixes. `in.`/`ca.` appear in community code; kept configurable. */
export const DEFAULT_PROFILE_PREFIXES = ["us-gov", "us", "eu", "apac", "jp", "au", "ca", "in", "global"];

/** application-inference-profile ARN or bare id → the model id or system profile id it copies. */
export type ApplicationProfileMap = ReadonlyMap<string, string>;

export type ResolveOptions = {
  prefixes?: readonly string[];
  applicationProfiles?: ApplicationProfileMap;
};

const ARN = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):(\d*):([a-z-]+)\/(.+)$/;

/**
 * @example resolveModel("us.anthropic.claude-sonnet-4-20250514-v1:0")
 * // { baseModel: "anthropic.claude-sonnet-4-20250514-v1:0", scope: "geographic", profilePrefix: "us" }
 */
export function resolveModel(modelId: string, options: ResolveOptions = {}, depth = 0): ResolvedModel {
  const prefixes = options.prefixes ?? DEFAULT_PROFILE_PREFIXES;
  const arn = ARN.exec(modelId);
  if (arn) {
    const [, , , kind = "", rest = ""] = arn;
    if (kind === "foundation-model") return { baseModel: rest, scope: "in_region" };
    if (kind === "inference-profile") return resolveModel(rest, options, depth + 1);
    if (kind === "application-inference-profile") {
      const target = options.applicationProfiles?.get(modelId) ?? options.applicationProfiles?.get(rest);
      if (target && depth < 3) return resolveModel(target, options, depth + 1);
    }
    return { baseModel: modelId, scope: "unresolved" };
  }
  const dot = modelId.indexOf(".");
  if (dot > 0) {
    const head = modelId.slice(0, dot);
    // Longest prefix first so `us-gov.` is never read as `us`.
    if (prefixes.includes(head) && modelId.length > dot + 1) {
      return {
        baseModel: modelId.slice(dot + 1),
        scope: head === "global" ? "global" : "geographic",
        profilePrefix: head,
      };
    }
  }
  if (modelId.length === 0) return { baseModel: modelId, scope: "unresolved" };
  return { baseModel: modelId, scope: "in_region" };
}
