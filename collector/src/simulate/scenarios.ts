/**
 * Who calls Bedrock in the simulated company: two accounts, four applications (plus unattributed
 * callers), the models each one uses and how. The simulator knows every record's base model
 * from here, independently of the collector's model resolution.
 */
import { Rng, Weighted } from "./prng";

/** The four bedrock-runtime operations that model invocation logging records. */
export type Operation = "Converse" | "ConverseStream" | "InvokeModel" | "InvokeModelWithResponseStream";

/** Request/response body dialect, for `--bodies`. */
export type ModelFamily = "anthropic" | "nova" | "titan-embed" | "llama" | "mistral" | "cohere";

/** How a model's records carry the prompt-cache counters. */
export type CacheFields = "claude" | "zeros" | "absent";

/** An account and the one Region its logging is configured in. */
export type SimulatedAccount = { id: string; region: string };

/** The two simulated accounts, each logging in its own Region. */
export const SIMULATED_ACCOUNTS = {
  primary: { id: "111122223333", region: "us-east-1" },
  secondary: { id: "444455556666", region: "eu-west-1" },
} as const satisfies Record<string, SimulatedAccount>;

const PRIMARY = SIMULATED_ACCOUNTS.primary;
const SECONDARY = SIMULATED_ACCOUNTS.secondary;

const CODE_REVIEW_PROFILE = `arn:aws:bedrock:us-east-1:${PRIMARY.id}:application-inference-profile/k7q2m9xw4b1p`;
const DOCS_SAAS_PROFILE = `arn:aws:bedrock:eu-west-1:${SECONDARY.id}:application-inference-profile/e3n8r5tw0hza`;

/**
 * The application inference profiles the simulator invokes, ARN → the system profile each one
 * copies. Also written to `<out>/application-profiles.json` for ingest.
 * @example SIMULATED_APPLICATION_PROFILES["arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/k7q2m9xw4b1p"]
 * // "us.anthropic.claude-sonnet-4-20250514-v1:0"
 */
export const SIMULATED_APPLICATION_PROFILES: Readonly<Record<string, string>> = {
  [CODE_REVIEW_PROFILE]: "us.anthropic.claude-sonnet-4-20250514-v1:0",
  [DOCS_SAAS_PROFILE]: "eu.amazon.nova-micro-v1:0",
};

/** The bucket each account delivers to; `input.inputBodyS3Path` points into it. */
export function simulatedBucket(account: string, region: string): string {
  return `bedrock-invocation-logs-${account}-${region}`;
}

/** `[median, sigma]` of a log-normal token count. */
type Spread = readonly [number, number];

/** One way a scenario calls a model: the id it logs, where, with which operations and token sizes. */
export type ModelRoute = {
  /** The base model id, before any profile prefix or ARN. */
  baseModel: string;
  /** The id as logged in `modelId`. */
  modelId: string;
  family: ModelFamily;
  account: SimulatedAccount;
  inferenceRegions: Weighted<string>;
  operations: Weighted<Operation>;
  cacheFields: CacheFields;
  input: Spread;
  /** `null` for embeddings: their records carry no `outputTokenCount`. */
  output: Spread | null;
  cacheReadShare: number;
  cacheWriteShare: number;
  /** Size of the cached prompt prefix. */
  cachePrefix: Spread;
};

/** A tenant and its pseudonymous users (`u-<10 hex>`). */
export type TenantUsers = { tenant: string; users: Weighted<string> };

/** The four typical callers, plus callers that send no requestMetadata. */
export type ScenarioName =
  | "customer-service"
  | "sales-assistant"
  | "developer-tools"
  | "multi-tenant-saas"
  | "unattributed";

/** A caller: its metadata, traffic shape, models and quirks. */
export type Scenario = {
  name: ScenarioName;
  /** `null` for callers that send no requestMetadata. */
  metadata: { application: string; costCenter: string; team: string } | null;
  /** Share of all traffic (before the day's noise). */
  weight: number;
  /** Relative traffic by UTC hour of day, mean 1. */
  hourly: Float64Array;
  /** Saturday/Sunday traffic relative to a weekday. */
  weekend: number;
  routes: Weighted<ModelRoute>;
  tenants: Weighted<TenantUsers> | null;
  /** Share of records whose metadata lacks tenant_id. */
  missingTenant: number;
  /** Share of records that carry experiment_id/variant. */
  experiment: number;
  /** Share of records with a body over 100 KB (input or output). */
  large: number;
  identity: (account: SimulatedAccount, environment: "production" | "staging", rng: Rng) => string;
};

/** Every scenario, as a weighted table and as a list. */
export type World = { scenarios: Weighted<Scenario>; list: readonly Scenario[] };

const US_REGIONS = new Weighted<string>([
  ["us-east-1", 50],
  ["us-east-2", 30],
  ["us-west-2", 20],
]);
const EU_REGIONS = new Weighted<string>([
  ["eu-west-1", 40],
  ["eu-central-1", 30],
  ["eu-west-3", 15],
  ["eu-north-1", 15],
]);
const GLOBAL_REGIONS = new Weighted<string>([
  ["us-east-1", 35],
  ["us-east-2", 20],
  ["us-west-2", 20],
  ["eu-west-1", 10],
  ["eu-central-1", 8],
  ["ap-northeast-1", 7],
]);
const only = (region: string) => new Weighted<string>([[region, 1]]);
const ops = (...entries: [Operation, number][]) => {
  const [first, ...rest] = entries;
  if (!first) throw new Error("a route needs an operation");
  return new Weighted<Operation>([first, ...rest]);
};

const HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
const SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0";
const NOVA_LITE = "amazon.nova-lite-v1:0";
const NOVA_MICRO = "amazon.nova-micro-v1:0";
const NOVA_PRO = "amazon.nova-pro-v1:0";
const TITAN_EMBED = "amazon.titan-embed-text-v2:0";
const LLAMA_33 = "meta.llama3-3-70b-instruct-v1:0";
const CLAUDE_3_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
/** Not in the price catalog on purpose: unpriced usage must show. */
const MISTRAL_LARGE = "mistral.mistral-large-2407-v1:0";
const COHERE_R_PLUS = "cohere.command-r-plus-v1:0";

function route(
  partial: Pick<
    ModelRoute,
    "baseModel" | "modelId" | "family" | "account" | "inferenceRegions" | "operations" | "input" | "output"
  > &
    Partial<ModelRoute>,
): ModelRoute {
  return { cacheFields: "absent", cacheReadShare: 0, cacheWriteShare: 0, cachePrefix: [0, 0], ...partial };
}

/** Traffic by hour of day: a floor plus Gaussian bumps (circular), scaled to mean 1. */
function hourlyShape(
  floor: number,
  bumps: readonly (readonly [center: number, width: number, height: number])[],
): Float64Array {
  const shape = new Float64Array(24);
  for (let h = 0; h < 24; h++) {
    let value = floor;
    for (const [center, width, height] of bumps) {
      const d = Math.min(Math.abs(h + 0.5 - center), 24 - Math.abs(h + 0.5 - center));
      value += height * Math.exp(-(d * d) / (2 * width * width));
    }
    shape[h] = value;
  }
  const mean = shape.reduce((a, b) => a + b, 0) / 24;
  return shape.map((v) => v / mean);
}

function users(rng: Rng, count: number): Weighted<string> {
  const entries: [string, number][] = [];
  for (let i = 0; i < count; i++) entries.push([`u-${rng.hex(10)}`, 1 + rng.int(6)]);
  const [first, ...rest] = entries;
  if (!first) throw new Error("a tenant needs a user");
  return new Weighted<string>([first, ...rest]);
}

function tenantTable(
  rng: Rng,
  names: readonly string[],
  usersPer: readonly [number, number],
): Weighted<TenantUsers> {
  const entries = names.map((tenant, rank): [TenantUsers, number] => [
    { tenant, users: users(rng, rng.between(usersPer[0], usersPer[1])) },
    1 / (rank + 1) ** 0.9,
  ]);
  const [first, ...rest] = entries;
  if (!first) throw new Error("no tenants");
  return new Weighted<TenantUsers>([first, ...rest]);
}

const CUSTOMER_TENANTS = [
  "acme-corp",
  "globex",
  "initech",
  "umbrella-health",
  "stark-logistics",
  "wayne-retail",
  "hooli",
  "soylent-foods",
];

/** Builds the scenarios; user ids and session names come from `seed`, everything else is fixed. */
export function createWorld(seed: number): World {
  const rng = new Rng(seed, 1);
  const sessions = (count: number, make: () => string) => Array.from({ length: count }, make);
  const supportTasks = sessions(4, () => `ecs-task-${rng.hex(12)}`);
  const supportStaging = sessions(2, () => `ecs-task-${rng.hex(12)}`);
  const saasInstances = sessions(6, () => `i-0${rng.hex(16)}`);
  const developers = ["alice.ng", "bilal.rahman", "carmen.ortiz", "dmitri.volkov"] as const;

  const customerService: Scenario = {
    name: "customer-service",
    metadata: { application: "support-assistant", costCenter: "CC-1001", team: "cx-platform" },
    weight: 0.38,
    hourly: hourlyShape(0.25, [[17, 4, 1]]),
    weekend: 0.55,
    routes: new Weighted<ModelRoute>([
      [
        route({
          baseModel: HAIKU_45,
          modelId: `us.${HAIKU_45}`,
          family: "anthropic",
          account: PRIMARY,
          inferenceRegions: US_REGIONS,
          operations: ops(["Converse", 80], ["ConverseStream", 20]),
          cacheFields: "claude",
          input: [700, 0.7],
          output: [220, 0.6],
          cacheReadShare: 0.72,
          cacheWriteShare: 0.08,
          cachePrefix: [2600, 0.15],
        }),
        60,
      ],
      [
        route({
          baseModel: NOVA_LITE,
          modelId: NOVA_LITE,
          family: "nova",
          account: PRIMARY,
          inferenceRegions: only(PRIMARY.region),
          operations: ops(["Converse", 60], ["ConverseStream", 40]),
          cacheFields: "zeros",
          input: [500, 0.8],
          output: [180, 0.7],
        }),
        25,
      ],
      [
        route({
          baseModel: TITAN_EMBED,
          modelId: TITAN_EMBED,
          family: "titan-embed",
          account: PRIMARY,
          inferenceRegions: only(PRIMARY.region),
          operations: ops(["InvokeModel", 1]),
          input: [110, 0.9],
          output: null,
        }),
        15,
      ],
    ]),
    tenants: tenantTable(rng, CUSTOMER_TENANTS, [3, 6]),
    missingTenant: 0.02,
    experiment: 0,
    large: 0,
    identity: (account, environment, r) =>
      `arn:aws:sts::${account.id}:assumed-role/support-assistant-${environment === "production" ? "prod" : "staging"}/${r.pick(
        environment === "production"
          ? [supportTasks[0] ?? "ecs-task", ...supportTasks]
          : [supportStaging[0] ?? "ecs-task"],
      )}`,
  };

  const salesAssistant: Scenario = {
    name: "sales-assistant",
    metadata: { application: "sales-copilot", costCenter: "CC-2001", team: "revenue-eng" },
    weight: 0.2,
    hourly: hourlyShape(0.1, [[16, 3.5, 1]]),
    weekend: 0.15,
    routes: new Weighted<ModelRoute>([
      [
        route({
          baseModel: SONNET_45,
          modelId: `global.${SONNET_45}`,
          family: "anthropic",
          account: PRIMARY,
          inferenceRegions: GLOBAL_REGIONS,
          operations: ops(["ConverseStream", 75], ["Converse", 25]),
          cacheFields: "claude",
          input: [1400, 0.8],
          output: [550, 0.7],
          cacheReadShare: 0.4,
          cacheWriteShare: 0.08,
          cachePrefix: [4200, 0.2],
        }),
        85,
      ],
      [
        route({
          baseModel: HAIKU_45,
          modelId: `global.${HAIKU_45}`,
          family: "anthropic",
          account: PRIMARY,
          inferenceRegions: GLOBAL_REGIONS,
          operations: ops(["Converse", 1]),
          cacheFields: "claude",
          input: [600, 0.6],
          output: [150, 0.6],
        }),
        15,
      ],
    ]),
    tenants: new Weighted<TenantUsers>([[{ tenant: "internal", users: users(rng, 12) }, 1]]),
    missingTenant: 0,
    experiment: 0.4,
    large: 0.004,
    identity: (account, environment) =>
      environment === "production"
        ? `arn:aws:sts::${account.id}:assumed-role/sales-copilot-api/sales-copilot-api`
        : `arn:aws:sts::${account.id}:assumed-role/sales-copilot-api-staging/sales-copilot-api-staging`,
  };

  const sonnet4 = (modelId: string): ModelRoute =>
    route({
      baseModel: SONNET_4,
      modelId,
      family: "anthropic",
      account: PRIMARY,
      inferenceRegions: US_REGIONS,
      operations: ops(["InvokeModelWithResponseStream", 65], ["InvokeModel", 35]),
      cacheFields: "claude",
      input: [5500, 0.9],
      output: [850, 0.7],
      cacheReadShare: 0.3,
      cacheWriteShare: 0.1,
      cachePrefix: [3500, 0.3],
    });
  const developerTools: Scenario = {
    name: "developer-tools",
    metadata: { application: "code-review-bot", costCenter: "CC-3001", team: "devex" },
    weight: 0.14,
    hourly: hourlyShape(0.08, [[16, 4, 1]]),
    weekend: 0.2,
    routes: new Weighted<ModelRoute>([
      [sonnet4(CODE_REVIEW_PROFILE), 60],
      [sonnet4(`us.${SONNET_4}`), 40],
    ]),
    tenants: new Weighted<TenantUsers>([[{ tenant: "internal", users: users(rng, 10) }, 1]]),
    missingTenant: 0.3,
    experiment: 0,
    large: 0.03,
    identity: (account, environment, r) =>
      environment === "production"
        ? `arn:aws:sts::${account.id}:assumed-role/code-review-bot-ci/GitHubActions`
        : `arn:aws:iam::${account.id}:user/${r.pick(developers)}`,
  };

  const docsSaas: Scenario = {
    name: "multi-tenant-saas",
    metadata: { application: "docs-saas", costCenter: "CC-4001", team: "saas-core" },
    weight: 0.24,
    hourly: hourlyShape(0.35, [
      [11, 3.5, 0.8],
      [17, 3, 0.6],
    ]),
    weekend: 0.6,
    routes: new Weighted<ModelRoute>([
      [
        route({
          baseModel: NOVA_MICRO,
          modelId: `eu.${NOVA_MICRO}`,
          family: "nova",
          account: SECONDARY,
          inferenceRegions: EU_REGIONS,
          operations: ops(["Converse", 70], ["InvokeModel", 30]),
          cacheFields: "zeros",
          input: [380, 0.8],
          output: [140, 0.7],
        }),
        55,
      ],
      [
        route({
          baseModel: NOVA_MICRO,
          modelId: DOCS_SAAS_PROFILE,
          family: "nova",
          account: SECONDARY,
          inferenceRegions: EU_REGIONS,
          operations: ops(["Converse", 1]),
          cacheFields: "zeros",
          input: [380, 0.8],
          output: [140, 0.7],
        }),
        5,
      ],
      [
        route({
          baseModel: TITAN_EMBED,
          modelId: TITAN_EMBED,
          family: "titan-embed",
          account: SECONDARY,
          inferenceRegions: only(SECONDARY.region),
          operations: ops(["InvokeModel", 1]),
          input: [150, 0.8],
          output: null,
        }),
        7,
      ],
      [
        route({
          baseModel: LLAMA_33,
          modelId: `us.${LLAMA_33}`,
          family: "llama",
          account: PRIMARY,
          inferenceRegions: US_REGIONS,
          operations: ops(["InvokeModel", 60], ["InvokeModelWithResponseStream", 40]),
          input: [900, 0.8],
          output: [320, 0.7],
        }),
        22,
      ],
      [
        route({
          baseModel: MISTRAL_LARGE,
          modelId: MISTRAL_LARGE,
          family: "mistral",
          account: PRIMARY,
          inferenceRegions: only(PRIMARY.region),
          operations: ops(["InvokeModel", 50], ["Converse", 50]),
          input: [700, 0.8],
          output: [260, 0.7],
        }),
        7,
      ],
      [
        route({
          baseModel: COHERE_R_PLUS,
          modelId: COHERE_R_PLUS,
          family: "cohere",
          account: PRIMARY,
          inferenceRegions: only(PRIMARY.region),
          operations: ops(["InvokeModel", 50], ["Converse", 50]),
          input: [650, 0.8],
          output: [240, 0.7],
        }),
        4,
      ],
    ]),
    tenants: tenantTable(
      rng,
      Array.from({ length: 60 }, (_, i) => `tenant-${String(i + 1).padStart(3, "0")}`),
      [1, 5],
    ),
    missingTenant: 0.005,
    experiment: 0,
    large: 0,
    identity: (account, environment, r) =>
      account.id === SECONDARY.id
        ? `arn:aws:sts::${account.id}:assumed-role/docs-saas-worker${environment === "production" ? "" : "-staging"}/${r.pick(
            environment === "production"
              ? [saasInstances[0] ?? "i-0", ...saasInstances]
              : [saasInstances[0] ?? "i-0"],
          )}`
        : `arn:aws:sts::${account.id}:assumed-role/docs-saas-cross-account/docs-saas-${environment}`,
  };

  const unattributed: Scenario = {
    name: "unattributed",
    metadata: null,
    weight: 0.04,
    hourly: hourlyShape(0.3, [[2.5, 1.5, 2]]),
    weekend: 1,
    routes: new Weighted<ModelRoute>([
      [
        route({
          baseModel: CLAUDE_3_HAIKU,
          modelId: CLAUDE_3_HAIKU,
          family: "anthropic",
          account: PRIMARY,
          inferenceRegions: only(PRIMARY.region),
          operations: ops(["InvokeModel", 1]),
          cacheFields: "claude",
          input: [1200, 0.9],
          output: [300, 0.8],
        }),
        60,
      ],
      [
        route({
          baseModel: NOVA_PRO,
          modelId: NOVA_PRO,
          family: "nova",
          account: PRIMARY,
          inferenceRegions: only(PRIMARY.region),
          operations: ops(["Converse", 1]),
          cacheFields: "zeros",
          input: [1500, 0.8],
          output: [400, 0.7],
        }),
        40,
      ],
    ]),
    tenants: null,
    missingTenant: 0,
    experiment: 0,
    large: 0,
    identity: (account, _environment, r) =>
      r.chance(0.6)
        ? `arn:aws:iam::${account.id}:user/legacy-batch-job`
        : `arn:aws:sts::${account.id}:assumed-role/AmazonSageMaker-ExecutionRole-20240611T120000/SageMaker`,
  };

  const list = [customerService, salesAssistant, developerTools, docsSaas, unattributed] as const;
  return {
    list,
    scenarios: new Weighted<Scenario>([
      [customerService, customerService.weight],
      [salesAssistant, salesAssistant.weight],
      [developerTools, developerTools.weight],
      [docsSaas, docsSaas.weight],
      [unattributed, unattributed.weight],
    ]),
  };
}
