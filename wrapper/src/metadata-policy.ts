import { createHmac } from "node:crypto";
import {
  type MetadataIssue,
  type MetadataIssueAction,
  type MetadataIssueReason,
  MetadataPolicyError,
} from "./errors.js";
import { describeSensitiveKind, detectSensitiveContent, toIssueReason } from "./sensitive-data.js";

/** AWS limits on `requestMetadata` (docs/aws-facts.md §2). */
export const REQUEST_METADATA_LIMITS = {
  maxEntries: 16,
  maxKeyLength: 256,
  maxValueLength: 256,
} as const;

/**
 * The safe character subset for keys and values: stricter than the service pattern, because the
 * control-plane filters and some gateways reject `#` and `,`.
 */
export const SAFE_METADATA_CHARACTERS = /^[A-Za-z0-9 _.:/=+@-]*$/;
const UNSAFE_CHARACTER = /[^A-Za-z0-9 _.:/=+@-]/g;

/** How policy violations are handled. */
export type PolicyMode = "enforce" | "warn" | "repair";

/** A metadata value as callers may pass it; `undefined` inherits the default, `null` removes it. */
export type MetadataValue = string | number | boolean | bigint | Date | null | undefined;

/** Per-call or default metadata, before the policy runs. */
export type MetadataInput = Readonly<Record<string, MetadataValue>>;

/** Metadata as it may arrive from JavaScript callers or parsed JSON; every value is checked at run time. */
export type UntypedMetadata = Readonly<Record<string, unknown>>;

/** The resolved policy (see `metadataPolicySchema` in config.ts for defaults). */
export interface MetadataPolicy {
  readonly mode: PolicyMode;
  readonly requiredKeys: readonly string[];
  readonly nonStringValues: "convert" | "reject";
  readonly hashedKeys: readonly string[];
  readonly userIdHmacKey?: string | undefined;
  readonly sensitivePatterns: readonly RegExp[];
}

/** Result of applying the policy: what will be sent, and what was found on the way. */
export interface PolicyResult {
  readonly metadata: Record<string, string>;
  readonly issues: readonly MetadataIssue[];
}

interface Entry {
  readonly key: string;
  readonly label: string;
  readonly value: unknown;
}

/**
 * Keyed HMAC-SHA256 of an identifier, hex-encoded: stable per key, so usage can still be grouped by
 * user, but the raw id never reaches the invocation logs.
 *
 * @example
 * hashIdentifier("user-123", "a-secret-of-at-least-16-chars"); // "5f0c…" (64 hex chars)
 */
export function hashIdentifier(value: string, hmacKey: string): string {
  return createHmac("sha256", hmacKey).update(value, "utf8").digest("hex");
}

function isPrintableKey(key: string, sensitivePatterns: readonly RegExp[]): boolean {
  return (
    key.length > 0 &&
    key.length <= 64 &&
    SAFE_METADATA_CHARACTERS.test(key) &&
    detectSensitiveContent(key, sensitivePatterns) === undefined
  );
}

function collectEntries(
  sources: readonly (UntypedMetadata | undefined)[],
  policy: MetadataPolicy,
  report: (key: string, reason: MetadataIssueReason, why: string, action: MetadataIssueAction) => void,
): Map<string, Entry> {
  const merged = new Map<string, Entry>();
  let position = 0;
  for (const source of sources) {
    if (source === undefined) continue;
    const seenInSource = new Set<string>();
    for (const [rawKey, value] of Object.entries(source)) {
      position += 1;
      if (value === undefined) continue;
      const key = rawKey.toLowerCase();
      const label = isPrintableKey(key, policy.sensitivePatterns) ? `"${key}"` : `<key #${position}>`;
      if (seenInSource.has(key)) {
        report(
          label,
          "key_duplicate_after_lowercasing",
          "appears twice once keys are lowercased",
          "reported",
        );
      }
      seenInSource.add(key);
      if (value === null) {
        merged.delete(key);
        continue;
      }
      merged.set(key, { key, label, value });
    }
  }
  return merged;
}

function convertValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

/**
 * Merges metadata sources (later wins), lowercases keys, checks AWS limits, the safe character subset
 * and the PII/secret guard, and hashes `hashedKeys` (default `user_id`). In `enforce` mode any issue
 * throws a `MetadataPolicyError`; `warn` drops what cannot be sent safely and reports; `repair`
 * sanitizes what it can (replaces unsafe characters with `_`, truncates, converts) and reports.
 * Issue messages never contain values.
 *
 * @example
 * const { metadata, issues } = applyMetadataPolicy([defaults, { tenant_id: "t-1", user_id: "u-9" }], policy);
 */
export function applyMetadataPolicy(
  sources: readonly (UntypedMetadata | undefined)[],
  policy: MetadataPolicy,
): PolicyResult {
  const issues: MetadataIssue[] = [];
  const { mode } = policy;
  const report = (label: string, reason: MetadataIssueReason, why: string, action: MetadataIssueAction) => {
    const effective: MetadataIssueAction = mode === "enforce" ? "rejected" : action;
    const suffix = effective === "rejected" ? "" : ` (${effective})`;
    issues.push({
      key: label.replace(/^"|"$/g, ""),
      reason,
      action: effective,
      message: `metadata key ${label} ${why}${suffix}`,
    });
  };

  const merged = collectEntries(sources, policy, report);
  const output = new Map<string, string>();
  const hashed = new Set(policy.hashedKeys.map((key) => key.toLowerCase()));

  for (const entry of merged.values()) {
    const { label } = entry;
    let key = entry.key;

    if (key.length === 0) {
      report(label, "key_empty", "is empty; keys must have 1-256 characters", "dropped");
      continue;
    }
    const keyKind = detectSensitiveContent(key, policy.sensitivePatterns);
    if (keyKind !== undefined) {
      report(
        label,
        toIssueReason(keyKind),
        `is not allowed: the key ${describeSensitiveKind(keyKind)}`,
        "dropped",
      );
      continue;
    }
    if (key.length > REQUEST_METADATA_LIMITS.maxKeyLength) {
      if (mode !== "repair") {
        report(label, "key_too_long", `is ${key.length} characters; the limit is 256`, "dropped");
        continue;
      }
      report(label, "key_too_long", `is ${key.length} characters; truncated to 256`, "repaired");
      key = key.slice(0, REQUEST_METADATA_LIMITS.maxKeyLength);
    }
    if (!SAFE_METADATA_CHARACTERS.test(key)) {
      if (mode !== "repair") {
        report(label, "key_invalid_characters", "has characters outside [a-z0-9 _.:/=+@-]", "dropped");
        continue;
      }
      report(
        label,
        "key_invalid_characters",
        "had characters outside [a-z0-9 _.:/=+@-]; replaced with _",
        "repaired",
      );
      key = key.replace(UNSAFE_CHARACTER, "_");
    }

    let value = convertValue(entry.value);
    if (value === undefined) {
      report(
        label,
        "value_unconvertible",
        `has a ${typeof entry.value} value that cannot be sent as a string`,
        "dropped",
      );
      continue;
    }
    if (typeof entry.value !== "string" && policy.nonStringValues === "reject") {
      if (mode !== "repair") {
        report(
          label,
          "value_not_string",
          `has a ${typeof entry.value} value; only strings are accepted`,
          "dropped",
        );
        continue;
      }
      report(
        label,
        "value_not_string",
        `had a ${typeof entry.value} value; converted to a string`,
        "repaired",
      );
    }

    if (hashed.has(key)) {
      if (policy.userIdHmacKey === undefined) {
        report(label, "hash_key_missing", "must be hashed but no userIdHmacKey is configured", "dropped");
        continue;
      }
      output.set(key, hashIdentifier(value, policy.userIdHmacKey));
      continue;
    }

    const valueKind = detectSensitiveContent(value, policy.sensitivePatterns);
    if (valueKind !== undefined) {
      report(
        label,
        toIssueReason(valueKind),
        `has a value that ${describeSensitiveKind(valueKind)}`,
        "dropped",
      );
      continue;
    }
    if (value.length > REQUEST_METADATA_LIMITS.maxValueLength) {
      if (mode !== "repair") {
        report(
          label,
          "value_too_long",
          `has a value of ${value.length} characters; the limit is 256`,
          "dropped",
        );
        continue;
      }
      report(
        label,
        "value_too_long",
        `had a value of ${value.length} characters; truncated to 256`,
        "repaired",
      );
      value = value.slice(0, REQUEST_METADATA_LIMITS.maxValueLength);
    }
    if (!SAFE_METADATA_CHARACTERS.test(value)) {
      if (mode !== "repair") {
        report(
          label,
          "value_invalid_characters",
          "has a value with characters outside [A-Za-z0-9 _.:/=+@-]",
          "dropped",
        );
        continue;
      }
      report(
        label,
        "value_invalid_characters",
        "had a value with characters outside [A-Za-z0-9 _.:/=+@-]; replaced with _",
        "repaired",
      );
      value = value.replace(UNSAFE_CHARACTER, "_");
    }
    output.set(key, value);
  }

  for (const required of policy.requiredKeys) {
    const key = required.toLowerCase();
    const value = output.get(key);
    if (value === undefined || value.trim().length === 0) {
      report(`"${key}"`, "missing_required_key", "is required but missing or empty", "reported");
    }
  }

  const metadata = limitEntries(output, policy, report);
  if (mode === "enforce" && issues.length > 0) throw new MetadataPolicyError(issues);
  return { metadata, issues };
}

// Keeps at most 16 entries, required keys first, so the attribution keys survive a trim.
function limitEntries(
  output: Map<string, string>,
  policy: MetadataPolicy,
  report: (key: string, reason: MetadataIssueReason, why: string, action: MetadataIssueAction) => void,
): Record<string, string> {
  const { maxEntries } = REQUEST_METADATA_LIMITS;
  if (output.size <= maxEntries) return Object.fromEntries(output);
  const required = new Set(policy.requiredKeys.map((key) => key.toLowerCase()));
  const ordered = [...output.keys()].sort((a, b) => Number(required.has(b)) - Number(required.has(a)));
  const kept = ordered.slice(0, maxEntries);
  for (const key of ordered.slice(maxEntries)) {
    report(`"${key}"`, "too_many_entries", `exceeds the limit of ${maxEntries} entries`, "dropped");
  }
  return Object.fromEntries(kept.map((key) => [key, output.get(key) ?? ""]));
}
