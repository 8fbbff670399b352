import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeCsvField, parseCsv, readCsvRecords, toCsv, unescapeCsvField } from "./csv";

describe("escapeCsvField", () => {
  it("quotes per RFC 4180", () => {
    expect(escapeCsvField("plain")).toBe("plain");
    expect(escapeCsvField('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(escapeCsvField("two\r\nlines")).toBe('"two\r\nlines"');
    expect(escapeCsvField(null)).toBe("");
    expect(escapeCsvField(12345n)).toBe("12345");
  });

  it("neutralises formulas but keeps plain numbers", () => {
    expect(escapeCsvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(escapeCsvField("+1+1")).toBe(`"'+1+1"`);
    expect(escapeCsvField("-2+3")).toBe(`"'-2+3"`);
    expect(escapeCsvField("@SUM(A1)")).toBe(`"'@SUM(A1)"`);
    expect(escapeCsvField("\tx")).toBe(`"'\tx"`);
    expect(escapeCsvField("\rx")).toBe(`"'\rx"`);
    expect(escapeCsvField("-1.5")).toBe("-1.5");
    expect(escapeCsvField(-3)).toBe("-3");
    expect(escapeCsvField("'already")).toBe(`"''already"`);
  });

  it("parses back what toCsv wrote", () => {
    const text = toCsv(
      ["a", "b"],
      [
        { a: "=1+2", b: 'x,"y"' },
        { a: null, b: 7 },
      ],
    );
    expect(text).toBe(`a,b\r\n"'=1+2","x,""y"""\r\n,7\r\n`);
    expect(readCsvRecords(text)).toEqual([
      { a: "=1+2", b: 'x,"y"' },
      { a: "", b: "7" },
    ]);
  });

  it("property: any string survives the round trip and never starts a formula", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { minLength: 1, maxLength: 5 }), (values) => {
        const columns = values.map((_, i) => `c${i}`);
        const row = Object.fromEntries(values.map((v, i) => [`c${i}`, v]));
        const parsed = parseCsv(toCsv(columns, [row]));
        expect(parsed).toHaveLength(2);
        const fields = parsed[1] ?? [];
        expect(fields.map(unescapeCsvField)).toEqual(values);
        for (const f of fields) {
          if (/^-?\d+(\.\d+)?$/.test(f)) continue;
          expect(f).not.toMatch(/^[=+\-@\t\r]/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
