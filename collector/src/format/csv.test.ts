import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeCsvField, toCsv } from "./csv";

/** A minimal RFC 4180 reader, to prove round trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  return rows;
}

describe("escapeCsvField", () => {
  it("neutralises formulas and quotes what needs quoting", () => {
    expect(escapeCsvField("=1+1")).toBe("'=1+1");
    expect(escapeCsvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(escapeCsvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(escapeCsvField("-2+3")).toBe("'-2+3");
    expect(escapeCsvField("-1.5")).toBe("-1.5");
    expect(escapeCsvField(-1.5)).toBe("-1.5");
    expect(escapeCsvField("a,b")).toBe('"a,b"');
    expect(escapeCsvField(null)).toBe("");
  });

  it("round-trips any string, and no cell ever starts a formula", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme-ascii" }), { minLength: 1, maxLength: 5 }),
        (values) => {
          const cols = values.map((_, i) => `c${i}`);
          const row = Object.fromEntries(values.map((v, i) => [`c${i}`, v]));
          const [, parsed] = parseCsv(toCsv(cols, [row]));
          expect(parsed).toHaveLength(values.length);
          parsed?.forEach((cell, i) => {
            const original = values[i] ?? "";
            const formula = /^[=+\-@\t\r]/.test(original) && !/^-?\d+(\.\d+)?$/.test(original);
            expect(cell).toBe(formula ? `'${original}` : original);
            expect(/^[=+@\t\r]/.test(cell)).toBe(false);
          });
        },
      ),
    );
  });
});
