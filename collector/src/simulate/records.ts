/**
 * One simulated invocation: the random draws (model, caller, metadata, tokens, failure) and its
 * rendering as a ModelInvocationLog JSON line in the documented field order.
 */
import { type Rng, Weighted } from "./prng";
import type { ModelRoute, Operation, Scenario } from "./scenarios";

/** The `environment` metadata values the simulator sends. */
export type Environment = "production" | "staging";

/** Everything drawn for one invocation; the ground truth is summed from these, not from files. */
export type Invocation = {
  timestampMs: number;
  requestId: string;
  scenario: Scenario;
  route: ModelRoute;
  operation: Operation;
  identityArn: string;
  environment: Environment | null;
  /** requestMetadata exactly as sent; `null` when the caller sent none. */
  metadata: Record<string, string> | null;
  errorCode: string | null;
  inputTokens: number;
  /** 0 for embeddings (which log no outputTokenCount). */
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Which body exceeds 100 KB and goes to a sidecar object (with `--bodies`). */
  large: "input" | "output" | null;
  inferenceRegion: string;
};

/** What a record carries in place of or beside its token counts, with `--bodies`. */
export type RecordBodies = {
  input: { json: unknown } | { s3Path: string };
  output: { json: unknown } | { s3Path: string };
};

const ERROR_SHARE = 0.015;
const ERROR_CODES = new Weighted<string>([
  ["ThrottlingException", 50],
  ["ValidationException", 25],
  ["ModelTimeoutException", 15],
  ["AccessDeniedException", 10],
]);
const ENVIRONMENTS = new Weighted<Environment>([
  ["production", 85],
  ["staging", 15],
]);
/** Ordinary (inline) bodies stay well under 100 KB: token counts are capped accordingly. */
const MAX_INPUT_TOKENS = 20_000;
const MAX_OUTPUT_TOKENS = 8_000;
/** The simulated A/B test: variant B is a prompt that answers in fewer output tokens (planted saving). */
export const EXPERIMENT_ID = "exp-objection-handling-v7";
/** Variant B's output tokens as a share of what variant A's prompt would have produced. */
export const VARIANT_B_OUTPUT_SHARE = 0.7;

/** Draws everything about one invocation at `timestampMs` for a caller of `scenario`. */
export function drawInvocation(rng: Rng, scenario: Scenario, timestampMs: number): Invocation {
  const route = scenario.routes.draw(rng);
  const operation = route.operations.draw(rng);
  const requestId = rng.uuid();
  const environment = scenario.metadata ? ENVIRONMENTS.draw(rng) : null;
  const identityArn = scenario.identity(route.account, environment ?? "production", rng);

  let metadata: Record<string, string> | null = null;
  if (scenario.metadata) {
    const tenant = scenario.tenants?.draw(rng);
    const user = tenant?.users.draw(rng);
    const dropTenant = rng.chance(scenario.missingTenant);
    const experiment = rng.chance(scenario.experiment);
    metadata = { application_name: scenario.metadata.application };
    if (tenant && !dropTenant) metadata.tenant_id = tenant.tenant;
    metadata.cost_center = scenario.metadata.costCenter;
    metadata.environment = environment ?? "production";
    metadata.team = scenario.metadata.team;
    if (user) metadata.user_id = user;
    if (experiment) {
      metadata.experiment_id = EXPERIMENT_ID;
      metadata.variant = rng.chance(0.5) ? "A" : "B";
    }
  }

  const errorCode = rng.chance(ERROR_SHARE) ? ERROR_CODES.draw(rng) : null;
  let inputTokens = rng.logNormalInt(route.input[0], route.input[1], 1, MAX_INPUT_TOKENS);
  let outputTokens = route.output
    ? rng.logNormalInt(route.output[0], route.output[1], 1, MAX_OUTPUT_TOKENS)
    : 0;
  let cacheReadTokens = 0;
  let cacheWriteTokens = 0;
  if (route.cacheReadShare + route.cacheWriteShare > 0) {
    const roll = rng.next();
    const prefix = rng.logNormalInt(route.cachePrefix[0], route.cachePrefix[1], 1024, 6_000);
    if (roll < route.cacheReadShare) cacheReadTokens = prefix;
    else if (roll < route.cacheReadShare + route.cacheWriteShare) cacheWriteTokens = prefix;
  }
  // The planted saving: no extra draw, so every other record's draws are unchanged.
  if (metadata?.variant === "B" && outputTokens > 0)
    outputTokens = Math.max(1, Math.round(outputTokens * VARIANT_B_OUTPUT_SHARE));
  let large: Invocation["large"] = null;
  if (scenario.large > 0 && rng.chance(scenario.large)) {
    if (route.output && rng.chance(0.15)) {
      large = "output";
      outputTokens = rng.between(27_000, 32_000);
    } else {
      large = "input";
      inputTokens = rng.between(30_000, 110_000);
    }
  }
  const inferenceRegion = route.inferenceRegions.draw(rng);

  if (errorCode) {
    return {
      timestampMs,
      requestId,
      scenario,
      route,
      operation,
      identityArn,
      environment,
      metadata,
      errorCode,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      large: null,
      inferenceRegion,
    };
  }
  return {
    timestampMs,
    requestId,
    scenario,
    route,
    operation,
    identityArn,
    environment,
    metadata,
    errorCode,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    large,
    inferenceRegion,
  };
}

/**
 * The record as Bedrock logs it, one JSON line without the newline. Failed calls carry empty
 * `input`/`output` and an `errorCode`; embeddings carry no `outputTokenCount`.
 */
export function renderRecord(invocation: Invocation, bodies: RecordBodies | null): string {
  const { route } = invocation;
  const record: Record<string, unknown> = {
    schemaType: "ModelInvocationLog",
    schemaVersion: "1.0",
    timestamp: new Date(invocation.timestampMs).toISOString(),
    accountId: route.account.id,
    identity: { arn: invocation.identityArn },
    region: route.account.region,
    requestId: invocation.requestId,
    operation: invocation.operation,
    modelId: route.modelId,
  };
  if (invocation.metadata) record.requestMetadata = invocation.metadata;
  if (invocation.errorCode) {
    record.input = {};
    record.output = {};
    record.errorCode = invocation.errorCode;
    return JSON.stringify(record);
  }
  const input: Record<string, unknown> = { inputContentType: "application/json" };
  if (bodies && "json" in bodies.input) input.inputBodyJson = bodies.input.json;
  if (bodies && "s3Path" in bodies.input) input.inputBodyS3Path = bodies.input.s3Path;
  input.inputTokenCount = invocation.inputTokens;
  if (route.cacheFields !== "absent") {
    input.cacheReadInputTokenCount = invocation.cacheReadTokens;
    input.cacheWriteInputTokenCount = invocation.cacheWriteTokens;
  }
  const output: Record<string, unknown> = { outputContentType: "application/json" };
  if (bodies && "json" in bodies.output) output.outputBodyJson = bodies.output.json;
  if (bodies && "s3Path" in bodies.output) output.outputBodyS3Path = bodies.output.s3Path;
  if (route.output) output.outputTokenCount = invocation.outputTokens;
  record.input = input;
  record.output = output;
  record.inferenceRegion = invocation.inferenceRegion;
  return JSON.stringify(record);
}
