// No import cycle anywhere in the workspace: a cycle means two modules that cannot be understood,
// tested or moved apart. Counts static value imports and re-exports between source files, within
// a package and across packages (through each package.json's `exports`); type-only imports and
// lazy `import()` do not run module code at load time, so they are left out.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Workspace packages: name → { dir, exports: subpath → file }. */
function workspacePackages() {
  const packages = new Map();
  for (const dir of readdirSync(root)) {
    const manifest = join(root, dir, "package.json");
    if (dir === "node_modules" || !existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    const exports = new Map();
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const file = typeof target === "string" ? target : (target.import ?? target.default ?? target.types);
      if (typeof file === "string") exports.set(subpath, resolve(root, dir, file));
    }
    packages.set(pkg.name, { dir: join(root, dir), exports });
  }
  return packages;
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name === "cdk.out" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** The module specifiers a file imports for their values (not types, not lazily). */
export function valueImports(text, fileName) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const specifiers = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      const onlyTypeNames =
        clause !== undefined &&
        clause.name === undefined &&
        bindings !== undefined &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      if (!onlyTypeNames) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) {
      const clause = statement.exportClause;
      const onlyTypeNames =
        clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((e) => e.isTypeOnly);
      if (!statement.isTypeOnly && !onlyTypeNames) specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

function resolveImport(specifier, fromFile, packages) {
  if (specifier.startsWith(".")) {
    const base = resolve(dirname(fromFile), specifier.replace(/\.js$/, ""));
    for (const candidate of [
      base,
      `${base}.ts`,
      `${base}.tsx`,
      join(base, "index.ts"),
      join(base, "index.tsx"),
    ]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    return undefined;
  }
  const match = /^(@bedrock-chargeback\/[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined; // a third-party module
  return packages.get(match[1])?.exports.get(`.${match[2] ?? ""}`);
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function findCycles(graph) {
  let index = 0;
  const indices = new Map();
  const lowlinks = new Map();
  const onStack = new Set();
  const stack = [];
  const cycles = [];
  const visit = (node) => {
    indices.set(node, index);
    lowlinks.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlinks.set(node, Math.min(lowlinks.get(node), lowlinks.get(next)));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node), indices.get(next)));
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? new Set()).has(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}

describe("import cycles", () => {
  it("finds a cycle when there is one (the checker itself)", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(findCycles(graph)).toEqual([["a", "b", "c"]]);
    expect(
      findCycles(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set()],
        ]),
      ),
    ).toEqual([]);
  });

  it("counts value imports and re-exports, not type-only ones", () => {
    const text = [
      'import { a } from "./a";',
      'import type { B } from "./b";',
      'import { type C } from "./c";',
      'import { type D, d } from "./d";',
      'export { e } from "./e";',
      'export type { F } from "./f";',
      'import "./g";',
      'const lazy = () => import("./h");',
    ].join("\n");
    expect(valueImports(text, "x.ts")).toEqual(["./a", "./d", "./e", "./g"]);
  });

  it("the workspace has none", () => {
    const packages = workspacePackages();
    expect(packages.size).toBeGreaterThan(5);
    const graph = new Map();
    for (const { dir } of packages.values()) {
      for (const file of sourceFiles(dir)) {
        const edges = new Set();
        for (const specifier of valueImports(readFileSync(file, "utf8"), file)) {
          const target = resolveImport(specifier, file, packages);
          if (target !== undefined) edges.add(target);
        }
        graph.set(file, edges);
      }
    }
    expect(graph.size).toBeGreaterThan(100);
    const cycles = findCycles(graph).map((c) => c.map((f) => relative(root, f)).join(" ↔ "));
    expect(cycles).toEqual([]);
  });
});
