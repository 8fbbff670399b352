/**
 * bench/dense-corpus: a deterministic Bedrock invocation-log corpus with many more rollup groups
 * than the simulator's fixed world (collector/src/simulate/scenarios.ts), for issue #15's second
 * corpus ("10 tenants, 4 applications, 9 models, 200 users": about 520k hourly groups per million
 * records) and its 10×-tenants variant. The records, the S3 folder layout, the object batching
 * and the redeliveries are the simulator's own (renderRecord, hourPrefix, DeliveryBuffer); only
 * who calls which model is drawn here:
 * - 720 hours of 2026-09, each hour's share uniform ± 20 %, split exactly (apportion);
 * - two accounts (60/40), each logging in its own Region; every record carries tenant_id,
 *   application_name, cost_center, environment (production 85 / staging 15), team and user_id
 *   (`u-<10 hex>`, as the simulator hashes users); tenants Zipf-like (rank^-0.5), applications
 *   and models uniform; users belong to one tenant each (round-robin);
 * - nine base models, all priced in ledger/prices/bedrock-prices.json in every Region, in-Region ids;
 * - `errorShare` of records fail; `duplicateShare` of records are delivered twice (same line,
 *   a later object), as Bedrock redelivers.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { DeliveryBuffer, deliverLine } from "../collector/src/simulate/delivery";
import { PERMISSION_CHECK_MARKER } from "../collector/src/simulate/layout";
import { Rng, Weighted } from "../collector/src/simulate/prng";
import { type Invocation, renderRecord } from "../collector/src/simulate/records";
import {
  type CacheFields,
  type ModelFamily,
  type ModelRoute,
  type Scenario,
  SIMULATED_ACCOUNTS,
  type SimulatedAccount,
} from "../collector/src/simulate/scenarios";
import { apportion, HOUR_MS } from "../collector/src/simulate/traffic";
import { WriteQueue } from "../collector/src/simulate/write-queue";

const gzipAsync = promisify(gzip);

export type DenseCorpusOptions = {
  out: string;
  /** Exact number of unique records. */
  records: number;
  tenants: number;
  applications: number;
  users: number;
  seed: number;
  /** Share of records delivered a second time. */
  duplicateShare?: number;
  /** Share of records that fail (errorCode, no tokens). */
  errorShare?: number;
};

export type DenseCorpusSummary = {
  records: number;
  duplicateLines: number;
  errors: number;
  objects: number;
  /** Compressed bytes of the log objects. */
  bytes: number;
};

/** September 2026: 720 hours. */
const FROM_MS = Date.UTC(2026, 8, 1);
const HOURS = 720;
const MINUTE = 60_000;
const ACCOUNTS = new Weighted<SimulatedAccount>([
  [SIMULATED_ACCOUNTS.primary, 60],
  [SIMULATED_ACCOUNTS.secondary, 40],
]);
const ENVIRONMENTS = new Weighted<"production" | "staging">([
  ["production", 85],
  ["staging", 15],
]);
const ERROR_CODES = new Weighted<string>([
  ["ThrottlingException", 70],
  ["ValidationException", 30],
]);

/** The nine models: base id, body family, cache fields, median input/output tokens (null: embeddings). */
const MODELS: readonly (readonly [string, ModelFamily, CacheFields, number, number | null])[] = [
  ["anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic", "claude", 900, 250],
  ["anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", "claude", 1500, 500],
  ["anthropic.claude-sonnet-4-20250514-v1:0", "anthropic", "claude", 1200, 400],
  ["anthropic.claude-3-haiku-20240307-v1:0", "anthropic", "claude", 700, 200],
  ["amazon.nova-lite-v1:0", "nova", "zeros", 600, 200],
  ["amazon.nova-micro-v1:0", "nova", "zeros", 400, 150],
  ["amazon.nova-pro-v1:0", "nova", "zeros", 1000, 350],
  ["meta.llama3-3-70b-instruct-v1:0", "llama", "absent", 800, 300],
  ["amazon.titan-embed-text-v2:0", "titan-embed", "absent", 120, null],
];

/** One in-Region route per model and account. */
function routesFor(account: SimulatedAccount): Weighted<ModelRoute> {
  const entries = MODELS.map(([model, family, cacheFields, input, output]): [ModelRoute, number] => [
    {
      baseModel: model,
      modelId: model,
      family,
      account,
      inferenceRegions: new Weighted([[account.region, 1]]),
      operations: output === null ? new Weighted([["InvokeModel", 1]]) : new Weighted([["Converse", 1]]),
      cacheFields,
      input: [input, 0.8],
      output: output === null ? null : [output, 0.7],
      cacheReadShare: cacheFields === "claude" ? 0.3 : 0,
      cacheWriteShare: cacheFields === "claude" ? 0.05 : 0,
      cachePrefix: [2500, 0.2],
    },
    1,
  ]);
  const [first, ...rest] = entries;
  if (!first) throw new Error("no models");
  return new Weighted([first, ...rest]);
}

const ROUTES = new Map([...ACCOUNTS.all()].map((account) => [account.id, routesFor(account)]));

type Application = { name: string; costCenter: string; team: string; scenario: Scenario };

function application(index: number): Application {
  const name = `dense-app-${index + 1}`;
  const costCenter = `CC-${9001 + index}`;
  const team = `team-${index + 1}`;
  const scenario: Scenario = {
    name: "multi-tenant-saas",
    metadata: { application: name, costCenter, team },
    weight: 1,
    hourly: new Float64Array(24).fill(1),
    weekend: 1,
    routes: routesFor(SIMULATED_ACCOUNTS.primary),
    tenants: null,
    missingTenant: 0,
    experiment: 0,
    large: 0,
    identity: (account, environment) =>
      `arn:aws:sts::${account.id}:assumed-role/${name}-${environment}/worker`,
  };
  return { name, costCenter, team, scenario };
}

/**
 * Writes the corpus into `options.out` (created; must be new). Same options, same bytes.
 * @example await writeDenseCorpus({ out: "/tmp/dense", records: 1_000_000, tenants: 10,
 *   applications: 4, users: 200, seed: 7 }) // ≈ 520k hourly groups
 */
export async function writeDenseCorpus(options: DenseCorpusOptions): Promise<DenseCorpusSummary> {
  const { out, records, tenants, applications, users, seed } = options;
  const duplicateShare = options.duplicateShare ?? 0.005;
  const errorShare = options.errorShare ?? 0.002;
  if (!Number.isSafeInteger(records) || records < 1)
    throw new RangeError("records must be a positive integer");
  if (tenants < 1 || applications < 1 || users < tenants)
    throw new RangeError("need at least one tenant and application, and a user per tenant");

  const setup = new Rng(seed, 11);
  const tenantNames = Array.from({ length: tenants }, (_, i) => `tenant-${String(i + 1).padStart(3, "0")}`);
  const tenantUsers: string[][] = tenantNames.map(() => []);
  for (let u = 0; u < users; u++) tenantUsers[u % tenants]?.push(`u-${setup.hex(10)}`);
  const [firstTenant, ...restTenants] = tenantNames.map((_name, rank): [number, number] => [
    rank,
    1 / (rank + 1) ** 0.5,
  ]);
  if (!firstTenant) throw new Error("no tenants");
  const tenantTable = new Weighted<number>([firstTenant, ...restTenants]);
  const apps = Array.from({ length: applications }, (_, i) => application(i));
  const hourWeights = Array.from({ length: HOURS }, () => 0.8 + 0.4 * setup.next());
  const perHour = apportion(records, hourWeights);

  const rng = new Rng(seed, 12);
  const deliveryRng = new Rng(seed, 13);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, PERMISSION_CHECK_MARKER), "");
  const queue = new WriteQueue(8);
  const folders = new Set<string>();
  let bytes = 0;
  const buffer = new DeliveryBuffer(new Rng(seed, 14), (key, entries) =>
    queue.push(async () => {
      const dir = key.slice(0, key.lastIndexOf("/"));
      if (!folders.has(dir)) {
        await mkdir(join(out, dir), { recursive: true });
        folders.add(dir);
      }
      const compressed = await gzipAsync(Buffer.from(entries.map((e) => `${e.line}\n`).join("")));
      bytes += compressed.length;
      await writeFile(join(out, key), compressed);
    }),
  );

  let written = 0;
  let duplicateLines = 0;
  let errors = 0;
  for (let h = 0; h < HOURS; h++) {
    const hourMs = FROM_MS + h * HOUR_MS;
    const n = perHour[h] ?? 0;
    const offsets = new Uint32Array(n);
    for (let i = 0; i < n; i++) offsets[i] = rng.int(HOUR_MS);
    offsets.sort();
    for (let i = 0; i < n; i++) {
      const account = ACCOUNTS.draw(rng);
      const route = ROUTES.get(account.id)?.draw(rng);
      if (!route) throw new Error(`no routes for ${account.id}`);
      const tenant = tenantTable.draw(rng);
      const members = tenantUsers[tenant] ?? [];
      const app = apps[rng.int(apps.length)] ?? apps[0];
      if (!app) throw new Error("no applications");
      const environment = ENVIRONMENTS.draw(rng);
      const errorCode = rng.chance(errorShare) ? ERROR_CODES.draw(rng) : null;
      const cacheRoll = rng.next();
      const prefixTokens = rng.logNormalInt(route.cachePrefix[0], route.cachePrefix[1], 1024, 6000);
      const invocation: Invocation = {
        timestampMs: hourMs + (offsets[i] ?? 0),
        requestId: rng.uuid(),
        scenario: app.scenario,
        route,
        operation: route.operations.draw(rng),
        identityArn: app.scenario.identity(account, environment, rng),
        environment,
        metadata: {
          tenant_id: tenantNames[tenant] ?? "tenant-001",
          application_name: app.name,
          cost_center: app.costCenter,
          environment,
          team: app.team,
          user_id: members[rng.int(members.length)] ?? "u-0000000000",
        },
        errorCode,
        inputTokens: errorCode ? 0 : rng.logNormalInt(route.input[0], route.input[1], 1, 20_000),
        outputTokens:
          errorCode || !route.output ? 0 : rng.logNormalInt(route.output[0], route.output[1], 1, 8000),
        cacheReadTokens: !errorCode && cacheRoll < route.cacheReadShare ? prefixTokens : 0,
        cacheWriteTokens:
          !errorCode &&
          cacheRoll >= route.cacheReadShare &&
          cacheRoll < route.cacheReadShare + route.cacheWriteShare
            ? prefixTokens
            : 0,
        large: null,
        inferenceRegion: account.region,
      };
      const line = renderRecord(invocation, null);
      const deliveryMs = invocation.timestampMs + deliveryRng.between(MINUTE, 10 * MINUTE);
      const entry = { line, requestId: invocation.requestId, deliveryMs };
      if (await deliverLine(buffer, account, entry, deliveryRng, duplicateShare)) duplicateLines++;
      written++;
      if (errorCode) errors++;
    }
    await buffer.closeThrough(hourMs);
  }
  await buffer.closeAll();
  await queue.drain();
  return { records: written, duplicateLines, errors, objects: buffer.objects, bytes };
}
