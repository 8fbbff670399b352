import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectSensitiveContent, passesLuhn } from "./sensitive-data.js";

describe("passesLuhn", () => {
  it.each([
    ["4111111111111111", true],
    ["5500005555555559", true],
    ["378282246310005", true],
    ["4111111111111112", false],
    ["12a4", false],
  ])("%s → %s", (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected);
  });

  it("detects every single-digit typo in a valid number", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
        const digits = "4111111111111111".split("");
        digits[position] = String((Number(digits[position]) + delta) % 10);
        expect(passesLuhn(digits.join(""))).toBe(false);
      }),
    );
  });
});

describe("detectSensitiveContent", () => {
  it.each([
    ["contact jane.doe@example.com", "email"],
    ["AKIAIOSFODNN7EXAMPLE", "aws_access_key"],
    ["key=ASIAY34FZKBOKMUTVV7A", "aws_access_key"],
    ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_key"],
    ["4111-1111-1111-1111", "card_number"],
    ["authorization: Bearer 0123456789abcdef", "bearer_token"],
    ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "jwt"],
  ])("finds %s", (text, kind) => {
    expect(detectSensitiveContent(text)).toBe(kind);
  });

  it.each([
    "tenant-42",
    "acme corp",
    "us-east-1",
    "order 1234567890123",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "AKIA-short",
    "team@",
    "2026-11-24T00:00:00.000Z",
  ])("leaves %s alone", (text) => {
    expect(detectSensitiveContent(text)).toBeUndefined();
  });

  it("flags any generated email address", () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(detectSensitiveContent(`user ${email}`)).toBe("email");
      }),
    );
  });
});
