// Rules about the repository itself that a reviewer would otherwise have to remember:
// the repo stands alone (comments cite docs/ in the repo, and those files exist), and the
// dashboard takes API types only. Lint rules that Biome can express live in biome.json.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((f) => /\.(ts|tsx|mjs|js|md|json|sh|yaml)$/.test(f) && !f.startsWith("ledger/drizzle/"))
  .filter((f) => existsSync(join(root, f)));
const read = (f) => readFileSync(join(root, f), "utf8");

/** Lines of `text` matching `pattern`, as "file:line: text". */
function findAll(files, pattern) {
  const hits = [];
  for (const f of files) {
    read(f)
      .split("\n")
      .forEach((line, i) => {
        if (pattern.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

describe("the repository stands alone", () => {
  const self = "scripts/repo-rules.test.mjs";
  const files = tracked.filter((f) => f !== self);

  it("cites no document outside the repo", () => {
    expect(findAll(files, /\.\.\/shared\/|shared\/reference|DESIGN\.md|DESIGN rule/)).toEqual([]);
  });

  it("cites AWS facts and rules by their docs/ path", () => {
    expect(findAll(files, /(?<!docs\/)aws-facts(?!\.md)|(?<!docs\/)billing-facts/)).toEqual([]);
  });

  it("every docs/ file a source or doc cites exists", () => {
    const missing = [];
    for (const f of files) {
      for (const m of read(f).matchAll(/(?<![\w/.])docs\/[\w./-]*\w/g)) {
        const path = m[0];
        // "docs/adr/0005" (a link's text) names the file that starts so.
        const found = existsSync(join(root, path)) || tracked.some((t) => t.startsWith(`${path}-`));
        if (!found) missing.push(`${f}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("one error-code style", () => {
  it("every *ErrorCode union (API, wrapper, collector) is snake_case", () => {
    const unions = [];
    for (const f of tracked.filter((t) => /\.tsx?$/.test(t))) {
      for (const m of read(f).matchAll(/export type (\w*ErrorCode) =([^;]*);/g)) unions.push([f, m[1], m[2]]);
    }
    expect(unions.length).toBeGreaterThanOrEqual(4);
    const bad = [];
    for (const [f, name, body] of unions) {
      for (const [, code] of body.matchAll(/"([^"]*)"/g)) {
        if (!/^[a-z]+(_[a-z]+)*$/.test(code)) bad.push(`${f}: ${name} "${code}"`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe("the dashboard talks to the API only", () => {
  const dashboard = tracked.filter((f) => /^dashboard\/(src|e2e)\//.test(f) && /\.tsx?$/.test(f));
  const imports = (f) =>
    [...read(f).matchAll(/^import\s+(type\s+)?[^;]*?from\s+"(@bedrock-chargeback\/[^"]*)"/gm)].map((m) => ({
      text: `${f}: ${m[0].replace(/\s+/g, " ")}`,
      typeOnly: Boolean(m[1]),
      from: m[2],
    }));

  it("takes API types (type-only) and, at run time, only the response schemas", () => {
    expect(dashboard.length).toBeGreaterThan(5);
    const bad = dashboard
      .flatMap(imports)
      .filter((i) => !(i.from === "@bedrock-chargeback/api" && i.typeOnly))
      .filter((i) => i.from !== "@bedrock-chargeback/api/schemas")
      .map((i) => i.text);
    expect(bad).toEqual([]);
    expect(dashboard.flatMap(imports).some((i) => i.from === "@bedrock-chargeback/api/schemas")).toBe(true);
  });

  it("the response schemas module (@bedrock-chargeback/api/schemas) imports zod and nothing else", () => {
    const pkg = JSON.parse(read("api/package.json"));
    const entry = pkg.exports["./schemas"].replace(/^\.\//, "api/");
    const from = [...read(entry).matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
    expect(from).toEqual(["zod"]);
  });
});

describe("one definition of the date shapes", () => {
  it("the dashboard's day and month checks (browser code, a copy) agree with queries/src/common.ts", async () => {
    const { DAY_PATTERN, MONTH_PATTERN } = await import("../queries/src/common.ts");
    const { isDay, isMonth } = await import("../dashboard/src/lib/dates.ts");
    const months = [
      "2026-01",
      "2026-12",
      "2026-00",
      "2026-13",
      "2026-1",
      "202-01",
      "2026-01-01",
      " 2026-01",
      "9999-09",
    ];
    for (const m of months) expect(isMonth(m), m).toBe(MONTH_PATTERN.test(m));
    const days = [
      "2026-02-28",
      "2024-02-29",
      "2026-1-01",
      "2026-01-1",
      "2026-01-01T00:00:00Z",
      "20260101",
      "x",
    ];
    for (const d of days) expect(isDay(d), d).toBe(DAY_PATTERN.test(d));
  });
});

describe("one error-code style", () => {
  it("the API's error codes (the error schema's enum) are snake_case", () => {
    const m = /export const ERROR_CODES = \[([^\]]*)\]/.exec(read("api/src/schemas.ts"));
    const codes = [...(m?.[1] ?? "").matchAll(/"([^"]*)"/g)].map((c) => c[1]);
    expect(codes).toContain("bad_request");
    expect(codes.filter((c) => !/^[a-z]+(_[a-z]+)*$/.test(c))).toEqual([]);
  });
});

describe("the layers point one way (docs/adr/0005-package-layout.md)", () => {
  /** Workspace packages a package may import at run time; anything else is an upward import. */
  const allowed = {
    queries: [],
    wrapper: [],
    ledger: ["queries"],
    collector: ["queries", "ledger"],
    assistant: ["ledger", "wrapper"],
    api: ["assistant", "ledger"],
  };

  for (const [pkg, may] of Object.entries(allowed)) {
    it(`${pkg}/ imports no workspace package but ${may.join(", ") || "none"}`, () => {
      const sources = tracked.filter((f) => f.startsWith(`${pkg}/src/`) && /\.tsx?$/.test(f));
      expect(sources.length).toBeGreaterThan(3);
      const upward = [];
      for (const f of sources.filter((s) => !/\.test\.tsx?$|\/test-setup\.ts$|\/testing\//.test(s))) {
        for (const m of read(f).matchAll(/from\s+"@bedrock-chargeback\/([\w-]+)/g)) {
          if (m[1] !== pkg && !may.includes(m[1])) upward.push(`${f}: @bedrock-chargeback/${m[1]}`);
        }
      }
      expect(upward).toEqual([]);
      const deps = JSON.parse(read(`${pkg}/package.json`)).dependencies ?? {};
      const workspaceDeps = Object.keys(deps).filter((d) => d.startsWith("@bedrock-chargeback/"));
      expect(workspaceDeps.map((d) => d.replace("@bedrock-chargeback/", "")).sort()).toEqual([...may].sort());
    });
  }
});
