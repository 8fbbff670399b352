/**
 * Test-only Logs Insights: parses and executes a query's text over events (the JSON record is
 * the message; its fields are discovered with dotted names, `input.inputTokenCount`), returning
 * GetQueryResults rows ({field, value} strings; a null field is left out).
 *
 * The subset our builders emit: `filter`, `fields … as …`, `stats count(*)|count(e)|sum|min|max|
 * avg … as … by bin(N unit) | e [as a]`, `sort … asc|desc`, `dedup`, `limit`; expressions with
 * and / or / not, = != < <= > >=, + - * /, ispresent(), coalesce(), floor(), and the string
 * functions isempty(field) (Boolean: missing or ""), strlen(s) (code points) and least(a, …)
 * (a number; absent when an argument is), as CWL_QuerySyntax documents them. Anything else
 * throws, so a query change the evaluator does not understand fails instead of being ignored.
 * Assumed where the docs are silent: a record whose `by` field is absent still counts, in a
 * group whose row leaves that field out (unattributed usage stays visible).
 */

export type InsightsEvent = { timestampMs: number; message: Record<string, unknown> };
export type InsightsResultRow = { field: string; value: string }[];

type Token =
  | { kind: "str"; text: string }
  | { kind: "num"; value: number }
  | { kind: "dur"; n: number; unit: string; text: string }
  | { kind: "id"; name: string; quoted: boolean }
  | { kind: "op"; text: string };

type Expr =
  | { kind: "lit"; value: unknown }
  | { kind: "field"; name: string }
  | { kind: "call"; name: string; args: Expr[]; text: string }
  | { kind: "star" }
  | { kind: "dur"; ms: number; unit: string; text: string }
  | { kind: "unary"; op: "not" | "-"; arg: Expr }
  | { kind: "binary"; op: string; left: Expr; right: Expr };

type Named = { expr: Expr; name: string };
type Command =
  | { kind: "filter"; expr: Expr }
  | { kind: "fields"; items: Named[] }
  | { kind: "stats"; aggs: Named[]; by: Named[] }
  | { kind: "sort"; keys: { expr: Expr; desc: boolean }[] }
  | { kind: "dedup"; fields: Expr[] }
  | { kind: "limit"; n: number };

export class InsightsSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InsightsSyntaxError";
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  mo: -1,
  mon: -1,
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? "";
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let out = "";
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === "\\") i++;
        out += text[i] ?? "";
        i++;
      }
      if (i >= text.length) throw new InsightsSyntaxError("unterminated string");
      i++;
      tokens.push({ kind: "str", text: out });
      continue;
    }
    if (ch === "`") {
      const end = text.indexOf("`", i + 1);
      if (end < 0) throw new InsightsSyntaxError("unterminated backtick field");
      tokens.push({ kind: "id", name: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    const num = /^(\d+(?:\.\d+)?)([a-z]+)?/.exec(text.slice(i));
    if (num) {
      const value = Number(num[1]);
      if (num[2]) {
        if (!(num[2] in UNIT_MS)) throw new InsightsSyntaxError(`unsupported time unit ${num[0]}`);
        tokens.push({ kind: "dur", n: value, unit: num[2], text: num[0] });
      } else tokens.push({ kind: "num", value });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_@][A-Za-z0-9_.@]*/.exec(text.slice(i));
    if (id) {
      tokens.push({ kind: "id", name: id[0], quoted: false });
      i += id[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|[|(),*/+\-=<>])/.exec(text.slice(i));
    if (op) {
      tokens.push({ kind: "op", text: op[0] });
      i += op[0].length;
      continue;
    }
    throw new InsightsSyntaxError(`unexpected character ${JSON.stringify(ch)} at ${i}`);
  }
  return tokens;
}

const KEYWORDS = new Set(["and", "or", "not", "as", "by", "asc", "desc"]);
const FUNCTIONS = new Set(["ispresent", "coalesce", "floor", "bin", "isempty", "strlen", "least"]);
const AGGREGATES = new Set(["count", "sum", "min", "max", "avg"]);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.pos >= this.tokens.length;
  }
  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === "id" && !t.quoted && t.name.toLowerCase() === word;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t?.kind === "op" && t.text === text;
  }
  /** The next token if it is one of `ops`. */
  private opOf(...ops: string[]): string | undefined {
    const t = this.peek();
    return t?.kind === "op" && ops.includes(t.text) ? t.text : undefined;
  }
  private expectOp(text: string): void {
    if (!this.isOp(text)) throw new InsightsSyntaxError(`expected ${text} at token ${this.pos}`);
    this.pos++;
  }
  private keyword(): string {
    const t = this.peek();
    if (t?.kind !== "id" || t.quoted)
      throw new InsightsSyntaxError(`expected a command at token ${this.pos}`);
    this.pos++;
    return t.name.toLowerCase();
  }

  command(): Command {
    const word = this.keyword();
    switch (word) {
      case "filter":
        return { kind: "filter", expr: this.expr() };
      case "fields":
        return { kind: "fields", items: this.list(() => this.named()) };
      case "stats": {
        const aggs = this.list(() => this.named());
        for (const a of aggs) {
          if (a.expr.kind !== "call" || !AGGREGATES.has(a.expr.name))
            throw new InsightsSyntaxError(`stats: ${a.name} is not an aggregate`);
        }
        let by: Named[] = [];
        if (this.isKeyword("by")) {
          this.pos++;
          by = this.list(() => this.named());
        }
        return { kind: "stats", aggs, by };
      }
      case "sort":
        return {
          kind: "sort",
          keys: this.list(() => {
            const expr = this.expr();
            let desc = false;
            if (this.isKeyword("desc") || this.isKeyword("asc")) desc = this.keyword() === "desc";
            return { expr, desc };
          }),
        };
      case "dedup":
        return { kind: "dedup", fields: this.list(() => this.expr()) };
      case "limit": {
        const t = this.peek();
        if (t?.kind !== "num") throw new InsightsSyntaxError("limit needs a number");
        this.pos++;
        return { kind: "limit", n: t.value };
      }
      default:
        throw new InsightsSyntaxError(`unsupported command ${word}`);
    }
  }

  private list<T>(item: () => T): T[] {
    const out = [item()];
    while (this.isOp(",")) {
      this.pos++;
      out.push(item());
    }
    return out;
  }

  private named(): Named {
    const start = this.pos;
    const expr = this.expr();
    if (this.isKeyword("as")) {
      this.pos++;
      const t = this.peek();
      if (t?.kind !== "id") throw new InsightsSyntaxError("as needs a name");
      this.pos++;
      return { expr, name: t.name };
    }
    return { expr, name: this.source(start, expr) };
  }

  /** The name Logs Insights gives an unaliased column: the field name, or the text (`bin(1h)`). */
  private source(start: number, expr: Expr): string {
    if (expr.kind === "field") return expr.name;
    if (expr.kind === "call") return expr.text;
    throw new InsightsSyntaxError(`expression at token ${start} needs an alias`);
  }

  expr(): Expr {
    return this.or();
  }
  private or(): Expr {
    let left = this.and();
    while (this.isKeyword("or")) {
      this.pos++;
      left = { kind: "binary", op: "or", left, right: this.and() };
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isKeyword("and")) {
      this.pos++;
      left = { kind: "binary", op: "and", left, right: this.not() };
    }
    return left;
  }
  private not(): Expr {
    if (this.isKeyword("not")) {
      this.pos++;
      return { kind: "unary", op: "not", arg: this.not() };
    }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.additive();
    for (const op of ["=", "!=", "<", "<=", ">", ">="]) {
      if (this.isOp(op)) {
        this.pos++;
        return { kind: "binary", op, left, right: this.additive() };
      }
    }
    return left;
  }
  private additive(): Expr {
    let left = this.multiplicative();
    for (let op = this.opOf("+", "-"); op; op = this.opOf("+", "-")) {
      this.pos++;
      left = { kind: "binary", op, left, right: this.multiplicative() };
    }
    return left;
  }
  private multiplicative(): Expr {
    let left = this.primary();
    for (let op = this.opOf("*", "/"); op; op = this.opOf("*", "/")) {
      this.pos++;
      left = { kind: "binary", op, left, right: this.primary() };
    }
    return left;
  }
  private primary(): Expr {
    const t = this.peek();
    if (!t) throw new InsightsSyntaxError("unexpected end of query");
    this.pos++;
    if (t.kind === "str") return { kind: "lit", value: t.text };
    if (t.kind === "num") return { kind: "lit", value: t.value };
    if (t.kind === "dur") {
      const ms = (UNIT_MS[t.unit] ?? 0) * t.n;
      return { kind: "dur", ms, unit: t.unit, text: t.text };
    }
    if (t.kind === "op" && t.text === "(") {
      const inner = this.expr();
      this.expectOp(")");
      return inner;
    }
    if (t.kind === "op" && t.text === "-") return { kind: "unary", op: "-", arg: this.primary() };
    if (t.kind === "op" && t.text === "*") return { kind: "star" };
    if (t.kind === "id") {
      if (!t.quoted && KEYWORDS.has(t.name.toLowerCase()))
        throw new InsightsSyntaxError(`unexpected keyword ${t.name}`);
      if (!t.quoted && this.isOp("(")) {
        const name = t.name.toLowerCase();
        if (!FUNCTIONS.has(name) && !AGGREGATES.has(name))
          throw new InsightsSyntaxError(`unsupported function ${t.name}()`);
        const startTok = this.pos - 1;
        this.pos++;
        const args = this.isOp(")") ? [] : this.list(() => this.expr());
        this.expectOp(")");
        return { kind: "call", name, args, text: renderTokens(this.tokens.slice(startTok, this.pos)) };
      }
      return { kind: "field", name: t.name };
    }
    throw new InsightsSyntaxError(`unexpected token at ${this.pos - 1}`);
  }
}

/** `bin(1h)` as Logs Insights names the column: the call's text without spaces. */
function renderTokens(tokens: Token[]): string {
  return tokens
    .map((t) =>
      t.kind === "op"
        ? t.text
        : t.kind === "id"
          ? t.quoted
            ? `\`${t.name}\``
            : t.name
          : t.kind === "dur"
            ? t.text
            : t.kind === "num"
              ? String(t.value)
              : JSON.stringify(t.text),
    )
    .join("")
    .replace(/,/g, ", ");
}

/** Parses a query into its commands; throws InsightsSyntaxError on anything outside the subset. */
export function parseInsightsQuery(query: string): Command[] {
  const tokens = tokenize(query);
  const commands: Command[] = [];
  let segment: Token[] = [];
  const flush = () => {
    if (segment.length === 0) throw new InsightsSyntaxError("empty command");
    const parser = new Parser(segment);
    commands.push(parser.command());
    if (!parser.done()) throw new InsightsSyntaxError(`unexpected text after command ${commands.length}`);
    segment = [];
  };
  for (const t of tokens) {
    if (t.kind === "op" && t.text === "|") flush();
    else segment.push(t);
  }
  flush();
  return commands;
}

/** A timestamp value (@timestamp, bin()); rendered as Logs Insights prints times. */
class Time {
  constructor(readonly ms: number) {}
  toString(): string {
    return new Date(this.ms).toISOString().replace("T", " ").replace("Z", "");
  }
}

type Row = { record?: Record<string, unknown>; timestampMs?: number; fields: Map<string, unknown> };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A discovered field: a leaf (string, number, boolean) at the dotted path; objects are not fields. */
function lookup(row: Row, name: string): unknown {
  if (row.fields.has(name)) return row.fields.get(name);
  if (name === "@timestamp" && row.timestampMs !== undefined) return new Time(row.timestampMs);
  if (name === "@message" && row.record) return JSON.stringify(row.record);
  if (!row.record) return undefined;
  const v = flattened(row.record, name.split("."), 0);
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : undefined;
}

/** The value at a flattened name; a key may itself hold dots (`requestMetadata.app.name`). */
function flattened(obj: unknown, parts: readonly string[], from: number): unknown {
  if (from === parts.length) return obj;
  if (!isObject(obj)) return undefined;
  for (let to = parts.length; to > from; to--) {
    const key = parts.slice(from, to).join(".");
    if (Object.hasOwn(obj, key)) {
      const v = flattened(obj[key], parts, to);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

const present = (v: unknown) => v !== undefined && v !== null;

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v instanceof Time) return v.ms;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function compare(a: unknown, b: unknown): number {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== undefined && y !== undefined) return x - y;
  return String(a).localeCompare(String(b));
}

function binStart(ms: number, bin: Expr): Time {
  if (bin.kind !== "dur") throw new InsightsSyntaxError("bin() needs a duration");
  if (bin.ms < 0) {
    const d = new Date(ms);
    return new Time(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  }
  return new Time(Math.floor(ms / bin.ms) * bin.ms);
}

function evaluate(expr: Expr, row: Row): unknown {
  switch (expr.kind) {
    case "lit":
      return expr.value;
    case "field":
      return lookup(row, expr.name);
    case "star":
    case "dur":
      throw new InsightsSyntaxError(`${expr.kind === "star" ? "*" : expr.text} outside count() / bin()`);
    case "unary": {
      const v = evaluate(expr.arg, row);
      if (expr.op === "not") return !v;
      const n = toNumber(v);
      return n === undefined ? undefined : -n;
    }
    case "binary": {
      if (expr.op === "and") return Boolean(evaluate(expr.left, row)) && Boolean(evaluate(expr.right, row));
      if (expr.op === "or") return Boolean(evaluate(expr.left, row)) || Boolean(evaluate(expr.right, row));
      const a = evaluate(expr.left, row);
      const b = evaluate(expr.right, row);
      if (["=", "!=", "<", "<=", ">", ">="].includes(expr.op)) {
        if (!present(a) || !present(b)) return false;
        const c = compare(a, b);
        return { "=": c === 0, "!=": c !== 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0 }[expr.op];
      }
      const x = toNumber(a);
      const y = toNumber(b);
      if (x === undefined || y === undefined) return undefined;
      if (expr.op === "+") return x + y;
      if (expr.op === "-") return x - y;
      if (expr.op === "*") return x * y;
      return y === 0 ? undefined : x / y;
    }
    case "call": {
      const args = expr.args;
      if (expr.name === "ispresent") {
        if (args.length !== 1 || args[0]?.kind !== "field")
          throw new InsightsSyntaxError("ispresent() takes one field");
        return present(evaluate(args[0], row));
      }
      if (expr.name === "isempty") {
        if (args.length !== 1 || args[0]?.kind !== "field")
          throw new InsightsSyntaxError("isempty() takes one field");
        const v = evaluate(args[0], row);
        return !present(v) || v === "";
      }
      if (expr.name === "strlen") {
        if (args.length !== 1) throw new InsightsSyntaxError("strlen() takes one argument");
        const v = evaluate(args[0] ?? { kind: "lit", value: undefined }, row);
        if (!present(v)) return undefined;
        if (typeof v !== "string") throw new InsightsSyntaxError(`strlen() of a ${typeof v}`);
        return [...v].length;
      }
      if (expr.name === "least") {
        if (args.length < 1) throw new InsightsSyntaxError("least() takes numbers");
        const values = args.map((a) => toNumber(evaluate(a, row)));
        const numbers = values.filter((v): v is number => v !== undefined);
        return numbers.length === values.length ? Math.min(...numbers) : undefined;
      }
      if (expr.name === "coalesce") {
        for (const a of args) {
          const v = evaluate(a, row);
          if (present(v)) return v;
        }
        return undefined;
      }
      if (expr.name === "floor") {
        const n = toNumber(evaluate(args[0] ?? { kind: "lit", value: undefined }, row));
        return n === undefined ? undefined : Math.floor(n);
      }
      if (expr.name === "bin") {
        if (row.timestampMs === undefined) throw new InsightsSyntaxError("bin() after stats");
        return binStart(row.timestampMs, args[0] ?? { kind: "lit", value: undefined });
      }
      throw new InsightsSyntaxError(`${expr.name}() outside stats`);
    }
  }
}

function aggregate(agg: Expr, rows: Row[]): unknown {
  if (agg.kind !== "call") throw new InsightsSyntaxError("not an aggregate");
  const [arg] = agg.args;
  if (agg.args.length !== 1 || !arg) throw new InsightsSyntaxError(`${agg.name}() takes one argument`);
  if (agg.name === "count") {
    if (arg.kind === "star") return rows.length;
    return rows.filter((r) => present(evaluate(arg, r))).length;
  }
  const values = rows.map((r) => toNumber(evaluate(arg, r))).filter((v): v is number => v !== undefined);
  if (values.length === 0) return undefined;
  if (agg.name === "sum") return values.reduce((a, b) => a + b, 0);
  if (agg.name === "min") return Math.min(...values);
  if (agg.name === "max") return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function text(v: unknown): string | undefined {
  if (!present(v)) return undefined;
  if (v instanceof Time) return v.toString();
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  throw new InsightsSyntaxError(`cannot render ${String(v)}`);
}

/**
 * Runs `query` over the events with @timestamp in [startTime, endTime] (epoch seconds, both
 * inclusive, as StartQuery takes them) and returns at most `limit` rows.
 * @example evaluateInsightsQuery("stats count(*) as n", events, 0, 2e9, 10000) // [[{field:"n",value:"3"}]]
 */
export function evaluateInsightsQuery(
  query: string,
  events: readonly InsightsEvent[],
  startTime: number,
  endTime: number,
  limit: number,
): InsightsResultRow[] {
  const commands = parseInsightsQuery(query);
  let rows: Row[] = events
    .filter((e) => e.timestampMs >= startTime * 1000 && e.timestampMs < (endTime + 1) * 1000)
    .map((e) => ({ record: e.message, timestampMs: e.timestampMs, fields: new Map() }));
  let columns: string[] = [];
  for (const c of commands) {
    if (c.kind === "filter") rows = rows.filter((r) => Boolean(evaluate(c.expr, r)));
    else if (c.kind === "fields") {
      for (const r of rows) {
        const values = c.items.map((item) => evaluate(item.expr, r));
        c.items.forEach((item, i) => {
          r.fields.set(item.name, values[i]);
        });
      }
      for (const item of c.items) if (!columns.includes(item.name)) columns.push(item.name);
    } else if (c.kind === "stats") {
      const groups = new Map<string, { keys: unknown[]; rows: Row[] }>();
      for (const r of rows) {
        const keys = c.by.map((b) => evaluate(b.expr, r));
        const key = JSON.stringify(keys.map((k) => text(k) ?? null));
        const g = groups.get(key) ?? { keys, rows: [] };
        g.rows.push(r);
        groups.set(key, g);
      }
      rows = [...groups.values()].map((g) => {
        const fields = new Map<string, unknown>();
        c.by.forEach((b, i) => {
          fields.set(b.name, g.keys[i]);
        });
        for (const a of c.aggs) fields.set(a.name, aggregate(a.expr, g.rows));
        return { fields };
      });
      columns = [...c.by.map((b) => b.name), ...c.aggs.map((a) => a.name)];
    } else if (c.kind === "sort") {
      rows = [...rows].sort((a, b) => {
        for (const k of c.keys) {
          const x = evaluate(k.expr, a);
          const y = evaluate(k.expr, b);
          if (!present(x) || !present(y)) {
            if (present(x) !== present(y)) return present(x) ? -1 : 1;
            continue;
          }
          const d = compare(x, y);
          if (d !== 0) return k.desc ? -d : d;
        }
        return 0;
      });
    } else if (c.kind === "dedup") {
      const seen = new Set<string>();
      rows = rows.filter((r) => {
        const key = JSON.stringify(c.fields.map((f) => text(evaluate(f, r)) ?? null));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    } else rows = rows.slice(0, c.n);
  }
  if (columns.length === 0) columns = ["@timestamp", "@message"];
  return rows.slice(0, limit).map((r) =>
    columns.flatMap((field) => {
      const value = text(lookup(r, field));
      return value === undefined ? [] : [{ field, value }];
    }),
  );
}
