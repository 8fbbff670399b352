/**
 * Builds the installable `chargeback` into cli/dist (see docs/adr/0010-packages.md): one esbuild
 * bundle of the CLI and the workspace packages it uses, split at each command's dynamic import so
 * `chargeback --help` loads only the entry chunk. Packages that read their own files or load a
 * native addon stay real `dependencies` (RUNTIME_DEPENDENCIES); files the code finds through
 * `new URL("…", import.meta.url)` (migrations, the price catalog, the dashboard build) are copied
 * into dist/assets and the URL is rewritten to point there.
 *
 *   tsx cli/build.ts      (the `build` script; the dashboard must be built first)
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";

const CLI_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(CLI_DIR, "..");
const OUT = join(CLI_DIR, "dist");

/**
 * Left out of the bundle and installed with the CLI: better-sqlite3 is a native addon, pdfkit reads
 * its font metrics from its own folder, the DejaVu fonts are files found with require.resolve.
 * Each must also be in cli/package.json `dependencies` (checked below).
 */
const RUNTIME_DEPENDENCIES = ["better-sqlite3", "pdfkit", "dejavu-fonts-ttf"];
/** Only the CDK stacks use these; the alarms command needs none of it (checked below). */
const NEVER_BUNDLED = ["aws-cdk-lib", "constructs"];

const ASSET_URL = /new URL\(\s*"(\.{1,2}\/[^"]+)",\s*import\.meta\.url\s*\)/g;

function isWorkspaceSource(path: string): boolean {
  return path.startsWith(`${ROOT}/`) && !path.includes("/node_modules/");
}

/**
 * Workspace modules do nothing when imported (no side-effect imports), so a module none of whose
 * exports is used can be dropped: `@bedrock-chargeback/infra`'s index re-exports the CDK app,
 * which the alarms command never calls.
 */
const workspaceSideEffectFree: Plugin = {
  name: "workspace-side-effect-free",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "resolved" || args.path.startsWith("node:")) return undefined;
      const result = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolved",
      });
      if (result.errors.length > 0 || result.external || !isWorkspaceSource(result.path)) return undefined;
      return { path: result.path, sideEffects: false };
    });
  },
};

/** Copies each `new URL("./x", import.meta.url)` target into dist/assets and rewrites the URL. */
const relocateAssets: Plugin = {
  name: "relocate-assets",
  setup(b) {
    b.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (!isWorkspaceSource(args.path)) return undefined;
      const source = readFileSync(args.path, "utf8");
      const contents = source.replace(ASSET_URL, (_match, url: string) => {
        const target = resolve(dirname(args.path), url);
        if (!existsSync(target)) {
          throw new Error(
            `${relative(ROOT, args.path)} needs ${relative(ROOT, target)}, which does not exist`,
          );
        }
        const asset = `assets/${relative(ROOT, target)}`;
        cpSync(target, join(OUT, asset), { recursive: true });
        return `new URL(${JSON.stringify(`./${asset}`)}, import.meta.url)`;
      });
      return { contents, loader: args.path.endsWith(".tsx") ? "tsx" : "ts" };
    });
  },
};

function packageOf(path: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path)?.[1];
}

/** The third-party packages whose code ended up in the bundle. */
function bundledPackages(metafile: Metafile): Map<string, string> {
  const found = new Map<string, string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const input of Object.keys(output.inputs)) {
      const name = packageOf(input);
      if (name)
        found.set(name, input.slice(0, input.lastIndexOf(`node_modules/${name}/`) + 13 + name.length));
    }
  }
  return found;
}

/** The bundle carries other people's code: keep their licence texts beside it. */
function writeThirdPartyLicenses(packages: Map<string, string>): void {
  const sections = [...packages.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, dir]) => {
      const manifest = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as {
        version?: string;
        license?: string;
      };
      const licenseFile = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE"]
        .map((f) => join(ROOT, dir, f))
        .find((f) => existsSync(f));
      const text = licenseFile ? readFileSync(licenseFile, "utf8").trim() : `License: ${manifest.license}`;
      return `## ${name}@${manifest.version} (${manifest.license})\n\n${text}\n`;
    });
  writeFileSync(
    join(OUT, "THIRD_PARTY_LICENSES.md"),
    `# Third-party code bundled in dist/\n\n${sections.join("\n")}`,
  );
}

function check(metafile: Metafile): void {
  const manifest = JSON.parse(readFileSync(join(CLI_DIR, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const declared = new Set(Object.keys(manifest.dependencies ?? {}));
  const missing = RUNTIME_DEPENDENCIES.filter((name) => !declared.has(name));
  const imported = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const i of output.imports) {
      if (i.external && !isBuiltin(i.path))
        imported.add(
          i.path
            .split("/")
            .slice(0, i.path.startsWith("@") ? 2 : 1)
            .join("/"),
        );
    }
  }
  missing.push(...[...imported].filter((name) => !declared.has(name)));
  if (missing.length > 0) throw new Error(`cli/package.json dependencies lack: ${missing.join(", ")}`);
  const bundled = bundledPackages(metafile);
  const wrong = NEVER_BUNDLED.filter((name) => bundled.has(name));
  if (wrong.length > 0) throw new Error(`bundled by mistake: ${wrong.join(", ")}`);
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const result = await build({
  // The ingest's parse thread is its own entry: collector/src/ingest/parse-pool.ts starts
  // `./parse-worker.js` beside the chunk that holds it, which is dist/.
  entryPoints: [
    { in: join(CLI_DIR, "src/main.ts"), out: "main" },
    { in: join(ROOT, "collector/src/ingest/parse-worker.ts"), out: "parse-worker" },
    // cli/src/thread.ts starts `./command-thread.js` beside its chunk the same way.
    { in: join(CLI_DIR, "src/command-thread.ts"), out: "command-thread" },
  ],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  external: RUNTIME_DEPENDENCIES,
  // Bundled CommonJS (the AWS SDK) calls require() for Node built-ins, which ESM lacks.
  banner: {
    js: 'import { createRequire as __chargebackCreateRequire } from "node:module";\nconst require = __chargebackCreateRequire(import.meta.url);',
  },
  plugins: [workspaceSideEffectFree, relocateAssets],
  absWorkingDir: ROOT,
  metafile: true,
  logLevel: "warning",
});
check(result.metafile);
writeThirdPartyLicenses(bundledPackages(result.metafile));
cpSync(join(ROOT, "LICENSE"), join(CLI_DIR, "LICENSE"));
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`cli/dist: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB`);
