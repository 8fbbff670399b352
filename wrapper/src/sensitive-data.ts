import type { MetadataIssueReason } from "./errors.js";

/** A kind of sensitive content found in a metadata key or value. */
export type SensitiveKind =
  | "email"
  | "aws_access_key"
  | "aws_secret_key"
  | "card_number"
  | "bearer_token"
  | "jwt"
  | "custom_pattern";

const DESCRIPTIONS: Record<SensitiveKind, string> = {
  email: "looks like an email address (PII)",
  aws_access_key: "looks like an AWS access key id (secret)",
  aws_secret_key: "looks like an AWS secret access key (secret)",
  card_number: "looks like a payment card number (PII)",
  bearer_token: "looks like a bearer token (secret)",
  jwt: "looks like a JSON Web Token (secret)",
  custom_pattern: "matches a configured sensitive pattern",
};

const EMAIL = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;
const AWS_ACCESS_KEY =
  /(?:^|[^A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])/;
const AWS_SECRET_CANDIDATE = /(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g;
const BEARER = /\bbearer\s+\S{8,}/i;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
const CARD_CANDIDATE = /(?:\d[ -]?){12,18}\d/g;

/**
 * Luhn checksum, used to tell card numbers from other long digit runs (order ids, timestamps).
 *
 * @example
 * passesLuhn("4111111111111111"); // true
 */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(CARD_CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, "");
    if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return true;
  }
  return false;
}

// A 40-char run is only a plausible secret key if it mixes cases and digits; hex digests (git shas,
// hashed ids) are lowercase-only and must not trip the guard.
function containsAwsSecretKey(text: string): boolean {
  for (const match of text.matchAll(AWS_SECRET_CANDIDATE)) {
    const candidate = match[1] ?? "";
    if (/[a-z]/.test(candidate) && /[A-Z]/.test(candidate) && /\d/.test(candidate)) return true;
  }
  return false;
}

/**
 * Returns the first kind of sensitive content found in `text`, or `undefined` if none.
 *
 * @example
 * detectSensitiveContent("alice@example.com"); // "email"
 * detectSensitiveContent("tenant-42");         // undefined
 */
export function detectSensitiveContent(
  text: string,
  extraPatterns: readonly RegExp[] = [],
): SensitiveKind | undefined {
  if (AWS_ACCESS_KEY.test(text)) return "aws_access_key";
  if (JWT.test(text)) return "jwt";
  if (BEARER.test(text)) return "bearer_token";
  if (EMAIL.test(text)) return "email";
  if (containsCardNumber(text)) return "card_number";
  if (containsAwsSecretKey(text)) return "aws_secret_key";
  for (const pattern of extraPatterns) {
    pattern.lastIndex = 0;
    if (pattern.test(text)) return "custom_pattern";
  }
  return undefined;
}

/** Human description of a sensitive kind, for error messages (never includes the content). */
export function describeSensitiveKind(kind: SensitiveKind): string {
  return DESCRIPTIONS[kind];
}

/** Maps a sensitive kind to the metadata issue reason used in errors and reports. */
export function toIssueReason(kind: SensitiveKind): MetadataIssueReason {
  return `sensitive_${kind}`;
}
