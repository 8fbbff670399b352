import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExactCount } from "./common";

describe("parseExactCount", () => {
  it("parses integers in every form AWS prints them", () => {
    expect(parseExactCount("0")).toBe(0);
    expect(parseExactCount("42")).toBe(42);
    expect(parseExactCount("42.0")).toBe(42);
    expect(parseExactCount("1.5E3")).toBe(1500);
    expect(parseExactCount("1.2345e+06")).toBe(1_234_500);
    expect(parseExactCount("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("refuses what it cannot represent exactly", () => {
    expect(parseExactCount("1.5")).toBeUndefined();
    expect(parseExactCount("-1")).toBeUndefined();
    expect(parseExactCount("9007199254740993")).toBeUndefined();
    expect(parseExactCount("1e-1")).toBeUndefined();
    expect(parseExactCount("abc")).toBeUndefined();
    expect(parseExactCount("")).toBeUndefined();
  });

  it("round-trips any safe integer through decimal and exponent text", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseExactCount(String(n))).toBe(n);
        expect(parseExactCount(n.toExponential())).toBe(n);
        expect(parseExactCount(`${n}.000`)).toBe(n);
      }),
    );
  });
});
