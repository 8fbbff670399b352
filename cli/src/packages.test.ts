/**
 * The published packages as a user gets them (docs/adr/0010-packages.md): each is packed with
 * `pnpm pack` (which runs its build), installed from the tarball with npm into a scratch project
 * outside the workspace, and used there: the wrapper from an ESM file and from a strict TypeScript
 * file compiled against the shipped declarations, the CLI through `node_modules/.bin/chargeback`.
 */
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseGroundTruth } from "@bedrock-chargeback/collector";
import { childProcessEnv, tempDir } from "@bedrock-chargeback/collector/testing";
import { createChargebackApp } from "@bedrock-chargeback/infra";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparable, expectedReport } from "./testing";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PNPM = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager as string;
// Packing builds; installing may compile better-sqlite3 (minutes on a busy machine, see betterSqlitePrebuilds).
const SETUP_TIMEOUT = 1_200_000;

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** Runs a command to the end; a non-zero exit fails with everything it printed. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Packs a workspace package into `into` and returns the tarball's path. */
function pack(packageDir: string, into: string): string {
  run("npx", ["-y", PNPM, "pack", "--pack-destination", into], join(ROOT, packageDir));
  const tarball = readdirSync(into).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${packageDir}`);
  return join(into, tarball);
}

function readPackedManifest(tarball: string): Record<string, unknown> {
  return JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], dirname(tarball)));
}

/**
 * better-sqlite3's installer downloads a prebuilt binary and, when it cannot (as on this
 * network), compiles from source (~90 s). The workspace compiled the same version for this Node
 * when it was installed, so it is offered to the installer as a local prebuild (prebuild-install's
 * `npm_config_better_sqlite3_local_prebuilds`), which unpacks it as it would a download. Without a
 * workspace build this Node can load, it compiles as usual.
 */
function betterSqlitePrebuilds(dir: string): NodeJS.ProcessEnv {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("better-sqlite3/package.json"));
  const binary = join(packageDir, "build/Release/better_sqlite3.node");
  try {
    // Offered only if this Node loads it: the workspace may have been installed by another Node.
    process.dlopen({ exports: {} }, binary);
  } catch {
    return {};
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(dir, { recursive: true });
  run("tar", ["-czf", join(dir, name), "-C", packageDir, "build/Release/better_sqlite3.node"], packageDir);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

/** A fresh project outside the workspace with `packages` npm-installed into it. */
function scratchProject(packages: string[], env: NodeJS.ProcessEnv = {}): string {
  const dir = tempDir("chargeback-pack-");
  scratchDirs.push(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...packages],
    dir,
    { ...process.env, ...env },
  );
  return dir;
}

function installedVersion(name: string): string {
  const require = createRequire(join(ROOT, "package.json"));
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string })
    .version;
}

function expectPublishable(manifest: Record<string, unknown>): void {
  expect(manifest.private).toBeUndefined();
  expect(manifest.license).toBe("Apache-2.0");
  expect(manifest.engines).toEqual({ node: ">=20.19" });
  expect(JSON.stringify(manifest.dependencies ?? {})).not.toMatch(/workspace:|@bedrock-chargeback\//);
}

const HMAC_KEY = "pack-test-hmac-key-0123456789";
const DEFAULT_METADATA = { application_name: "pack-test", cost_center: "cc-42", environment: "test" };
const EXPECTED_METADATA = {
  ...DEFAULT_METADATA,
  tenant_id: "acme",
  user_id: createHmac("sha256", HMAC_KEY).update("user-7", "utf8").digest("hex"),
};
const REPLY = "Hello from the fake Bedrock.";

/** The same call from both files: one tagged Converse against the fake Bedrock HTTP layer. */
const CALL = `
const { client, http } = createStubRuntimeClient(${JSON.stringify(REPLY)});
const bedrock = createChargebackClient({
  client,
  env: {},
  defaultMetadata: ${JSON.stringify(DEFAULT_METADATA)},
  policy: { userIdHmacKey: ${JSON.stringify(HMAC_KEY)} },
});
const reply = await bedrock.converse(
  { modelId: "us.amazon.nova-lite-v1:0", messages: [{ role: "user", content: [{ text: "Hi" }] }] },
  { metadata: { tenant_id: "acme", user_id: "user-7" } },
);
`;
const REPORT = `
const request = http.requests[0];
if (!request) throw new Error("the fake Bedrock received nothing");
const sent = JSON.parse(new TextDecoder().decode(request.body));
console.log(JSON.stringify({
  requests: http.requests.length,
  path: request.path,
  authorization: String(request.headers.authorization).split(" ")[0],
  requestMetadata: sent.requestMetadata,
  text: reply.output?.message?.content?.[0]?.text,
  usage: { metadata: reply.usageRecord.metadata, outputTokens: reply.usageRecord.outputTokens },
}));
`;

describe("the wrapper, packed and installed outside the workspace", () => {
  let tarball: string;
  let project: string;

  beforeAll(() => {
    tarball = pack("wrapper", tempDir("chargeback-tgz-"));
    scratchDirs.push(dirname(tarball));
    project = scratchProject([
      tarball,
      `typescript@${installedVersion("typescript")}`,
      `@types/node@${installedVersion("@types/node")}`,
    ]);
  }, SETUP_TIMEOUT);

  it("ships JavaScript, declarations and the licence, with exports pointing at them", () => {
    const manifest = readPackedManifest(tarball);
    expectPublishable(manifest);
    expect(manifest.exports).toEqual({
      ".": { types: "./dist/index.d.ts", import: "./dist/index.js", default: "./dist/index.js" },
      "./testing": {
        types: "./dist/testing/index.d.ts",
        import: "./dist/testing/index.js",
        default: "./dist/testing/index.js",
      },
      "./package.json": "./package.json",
    });
    const installed = join(project, "node_modules/@bedrock-chargeback/wrapper");
    for (const file of ["LICENSE", "dist/index.js", "dist/index.d.ts", "dist/testing/index.d.ts"])
      expect(existsSync(join(installed, file)), file).toBe(true);
    expect(existsSync(join(installed, "src"))).toBe(false);
  });

  it("its declarations import only declared dependencies and Node built-ins", () => {
    const installed = join(project, "node_modules/@bedrock-chargeback/wrapper");
    const manifest = readPackedManifest(tarball);
    const allowed = new Set(Object.keys(manifest.dependencies as Record<string, string>));
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(d\.ts|js)$/.test(entry.name))
          for (const [, spec = ""] of readFileSync(path, "utf8").matchAll(/from "([^".][^"]*)"/g))
            imported.add(
              spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? ""),
            );
      }
    };
    walk(join(installed, "dist"));
    const stray = [...imported].filter((name) => !name.startsWith("node:") && !allowed.has(name));
    expect(stray).toEqual([]);
    expect(imported.has("@aws-sdk/client-bedrock-runtime")).toBe(true);
  });

  it("a tagged Converse from an ESM file reaches the fake Bedrock with the metadata", () => {
    writeFileSync(
      join(project, "call.mjs"),
      `import { createChargebackClient } from "@bedrock-chargeback/wrapper";
import { createStubRuntimeClient } from "@bedrock-chargeback/wrapper/testing";
${CALL}${REPORT}`,
    );
    const out = JSON.parse(run(process.execPath, ["call.mjs"], project, childProcessEnv()));
    expect(out).toEqual({
      requests: 1,
      path: "/model/us.amazon.nova-lite-v1%3A0/converse",
      authorization: "AWS4-HMAC-SHA256",
      requestMetadata: EXPECTED_METADATA,
      text: REPLY,
      usage: { metadata: EXPECTED_METADATA, outputTokens: Math.ceil(REPLY.length / 4) },
    });
  });

  it("CommonJS code can require it (Node >= 20.19 loads ES modules with require)", () => {
    const script =
      'const { createChargebackClient } = require("@bedrock-chargeback/wrapper");' +
      'const { createStubRuntimeClient } = require("@bedrock-chargeback/wrapper/testing");' +
      "console.log(typeof createChargebackClient, typeof createStubRuntimeClient);";
    expect(run(process.execPath, ["-e", script], project, childProcessEnv()).trim()).toBe(
      "function function",
    );
  });

  it("the same call from strict TypeScript compiles against the shipped declarations and runs", () => {
    writeFileSync(
      join(project, "call.ts"),
      `import { type ChargebackClient, createChargebackClient, type UsageRecord } from "@bedrock-chargeback/wrapper";
import { createStubRuntimeClient } from "@bedrock-chargeback/wrapper/testing";
${CALL}
const typed: { client: ChargebackClient; usage: UsageRecord } = { client: bedrock, usage: reply.usageRecord };
// The declarations are real types, not \`any\`: a wrong input must not compile.
// @ts-expect-error modelId is a string
const wrong: Parameters<ChargebackClient["converse"]>[0] = { modelId: 42, messages: [] };
void wrong;
${REPORT.replace("new TextDecoder().decode(request.body)", "new TextDecoder().decode(request.body as Uint8Array)")}`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          types: ["node"],
          skipLibCheck: true,
          outDir: "out",
        },
        files: ["call.ts"],
      }),
    );
    run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], project);
    const out = JSON.parse(run(process.execPath, ["out/call.js"], project, childProcessEnv()));
    expect(out.requestMetadata).toEqual(EXPECTED_METADATA);
    expect(out.requests).toBe(1);
  });
});

describe("the CLI, packed and installed outside the workspace", () => {
  let tarball: string;
  let project: string;
  let bin: string;

  beforeAll(() => {
    const tgzDir = tempDir("chargeback-tgz-");
    scratchDirs.push(tgzDir);
    tarball = pack("cli", tgzDir);
    project = scratchProject([tarball], betterSqlitePrebuilds(join(tgzDir, "prebuilds")));
    bin = join(project, "node_modules/.bin/chargeback");
  }, SETUP_TIMEOUT);

  it("ships a bin and no workspace dependency", () => {
    const manifest = readPackedManifest(tarball);
    expectPublishable(manifest);
    expect(manifest.bin).toEqual({ chargeback: "./dist/main.js" });
    expect(Object.keys(manifest.dependencies as Record<string, string>).sort()).toEqual([
      "better-sqlite3",
      "dejavu-fonts-ttf",
      "pdfkit",
    ]);
    expect(existsSync(join(project, "node_modules/@bedrock-chargeback/cli/LICENSE"))).toBe(true);
  });

  it("is the artifact the Service stack deploys, byte for byte (docs/adr/0008-deployment.md)", () => {
    const outdir = tempDir("chargeback-cdk-");
    scratchDirs.push(outdir);
    const { app, service } = createChargebackApp({
      outdir,
      context: { chargeback: { service: { artifactPath: tarball } } },
    });
    if (!service) throw new Error("the settings name a service, so the Service stack must exist");
    app.synth();
    const hash = service.cliPackage.assetHash;
    const staged = readdirSync(outdir).find((f) => f.startsWith(`asset.${hash}`));
    expect(staged, `asset.${hash}* in the cloud assembly`).toBeDefined();
    expect(readFileSync(join(outdir, staged ?? "")).equals(readFileSync(tarball))).toBe(true);
  });

  it("simulate → ingest → report from node_modules/.bin: the total equals the ground truth", () => {
    const env = childProcessEnv();
    run(
      bin,
      [
        "simulate",
        "--out",
        "logs",
        "--from",
        "2026-09-28",
        "--to",
        "2026-10-02",
        "--records",
        "3000",
        "--seed",
        "5",
      ],
      project,
      env,
    );
    const profilesFile = join(project, "logs/application-profiles.json");
    run(
      bin,
      ["ingest", "--source", "dir", "--path", "logs", "--db", "store.db", "--profiles", profilesFile],
      project,
      env,
    );
    const report = JSON.parse(
      run(
        bin,
        ["report", "--db", "store.db", "--from", "2026-09-28", "--to", "2026-10-02", "--format", "json"],
        project,
        env,
      ),
    ) as Record<string, unknown>[];

    const truth = parseGroundTruth(JSON.parse(readFileSync(join(project, "logs/ground-truth.json"), "utf8")));
    const profiles = JSON.parse(readFileSync(profilesFile, "utf8")) as Record<string, string>;
    const expected = expectedReport(truth.rows, profiles, []);
    expect(comparable(report, [])).toEqual(comparable(expected, []));
    expect(Number(report[0]?.requests) + Number(report[0]?.errors)).toBe(3000);
    expect(Number(report[0]?.cost_usd)).toBeGreaterThan(0);
  });
});
