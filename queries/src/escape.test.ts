import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QueryValueError, quote } from "./escape";

/** A model of the Logs Insights lexer: `"…"` strings with backslash escapes, `|` between commands. */
function lexInsights(text: string): { strings: string[]; pipes: number; rest: string } {
  const strings: string[] = [];
  let pipes = 0;
  let rest = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let value = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === "\\") j++;
        value += text[j] ?? "";
      }
      if (j >= text.length) throw new Error("unterminated string");
      strings.push(value);
      i = j;
    } else if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end < 0) throw new Error("unterminated field");
      strings.push(text.slice(i + 1, end));
      i = end;
    } else {
      if (c === "|") pipes++;
      rest += c;
    }
  }
  return { strings, pipes, rest };
}

/** A model of the Trino lexer: `'…'` with `''`, `"…"` with `""`, `--` comments, `;`. */
function lexTrino(text: string): { literals: string[]; identifiers: string[]; rest: string } {
  const literals: string[] = [];
  const identifiers: string[] = [];
  let rest = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error("unterminated");
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      (c === "'" ? literals : identifiers).push(value);
      i = j;
    } else rest += c;
  }
  return { literals, identifiers, rest };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule under test
const CONTROL = /[\u0000-\u001f\u007f]/;
const hostile = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: fc.constantFrom('"', "'", "\\", "|", "`", ";", "-", "\n", "a", " ", "#", "\u0000") }),
);

describe("quote: Logs Insights strings", () => {
  it("any string without control characters is one literal equal to itself, adding no pipe", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        if (CONTROL.test(value)) {
          expect(() => quote(value, "insights-string")).toThrow(QueryValueError);
          return;
        }
        const query = `filter tenant = ${quote(value, "insights-string")} | stats count(*)`;
        const lexed = lexInsights(query);
        expect(lexed.strings).toEqual([value]);
        expect(lexed.pipes).toBe(1);
        expect(lexed.rest).toBe("filter tenant =  | stats count(*)");
      }),
      { numRuns: 2000 },
    );
  });

  it("escapes quotes and backslashes exactly", () => {
    expect(quote('a"b\\c', "insights-string")).toBe('"a\\"b\\\\c"');
    expect(quote('" | stats count(*) #', "insights-string")).toBe('"\\" | stats count(*) #"');
    expect(() => quote("a\nb", "insights-string")).toThrow("control characters");
  });
});

describe("quote: Logs Insights fields", () => {
  it("keeps plain names and backticks the rest; nothing escapes the name", () => {
    expect(quote("requestMetadata.tenant_id", "insights-field")).toBe("requestMetadata.tenant_id");
    expect(quote("requestMetadata.cost-center", "insights-field")).toBe("`requestMetadata.cost-center`");
    fc.assert(
      fc.property(hostile, (value) => {
        let quoted: string;
        try {
          quoted = quote(value, "insights-field");
        } catch (error) {
          expect(error).toBeInstanceOf(QueryValueError);
          expect(value === "" || value.includes("`") || CONTROL.test(value)).toBe(true);
          return;
        }
        const lexed = lexInsights(`stats count(*) by ${quoted}`);
        if (quoted.startsWith("`")) expect(lexed.strings).toEqual([value]);
        else expect(lexed.rest).toBe(`stats count(*) by ${value}`);
        expect(lexed.pipes).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("quote: Athena", () => {
  it("any string without NUL is one SQL literal equal to itself", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        if (value.includes("\u0000")) {
          expect(() => quote(value, "athena-string")).toThrow(QueryValueError);
          return;
        }
        const sql = `SELECT 1 FROM t WHERE tenant = ${quote(value, "athena-string")} AND x = 1`;
        const lexed = lexTrino(sql);
        expect(lexed.literals).toEqual([value]);
        expect(lexed.identifiers).toEqual([]);
        expect(lexed.rest).toBe("SELECT 1 FROM t WHERE tenant =  AND x = 1");
      }),
      { numRuns: 2000 },
    );
  });

  it("identifiers double their quotes", () => {
    expect(quote(`it's`, "athena-string")).toBe(`'it''s'`);
    expect(quote(`a"b`, "athena-identifier")).toBe(`"a""b"`);
    fc.assert(
      fc.property(
        hostile.filter((v) => v.length > 0 && !v.includes("\u0000")),
        (value) => {
          const lexed = lexTrino(`SELECT ${quote(value, "athena-identifier")} FROM t`);
          expect(lexed.identifiers).toEqual([value]);
          expect(lexed.rest).toBe("SELECT  FROM t");
        },
      ),
      { numRuns: 1000 },
    );
  });
});
