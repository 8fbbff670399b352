import {
  type BedrockClient,
  GetFoundationModelCommand,
  ListFoundationModelsCommand,
} from "@aws-sdk/client-bedrock";
import { mapSetupError, readErrorName } from "./aws-errors.js";
import type { ChargebackConfig } from "./config.js";
import { parseModelId } from "./model-id.js";

/** The result of one probe. */
export interface HealthProbe {
  readonly plane: "control" | "runtime";
  readonly operation: "GetFoundationModel" | "ListFoundationModels" | "Converse";
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly errorName?: string;
  readonly message?: string;
}

/** What `healthCheck()` returns; it never throws. */
export interface HealthReport {
  readonly ok: boolean;
  readonly probes: readonly HealthProbe[];
}

/** What the health check needs from the client. */
export interface HealthCheckDependencies {
  readonly config: ChargebackConfig;
  readonly now: () => number;
  readonly getControlPlaneClient: () => Promise<BedrockClient>;
  readonly runtimeProbe: ((modelId: string) => Promise<void>) | undefined;
}

async function probe(
  plane: HealthProbe["plane"],
  operation: HealthProbe["operation"],
  now: () => number,
  call: () => Promise<unknown>,
): Promise<HealthProbe> {
  const started = now();
  try {
    await call();
    return { plane, operation, ok: true, latencyMs: Math.round(now() - started) };
  } catch (error) {
    const mapped = mapSetupError(error);
    return {
      plane,
      operation,
      ok: false,
      latencyMs: Math.round(now() - started),
      errorName: readErrorName(mapped),
      message: mapped instanceof Error ? mapped.message.slice(0, 500) : undefined,
    };
  }
}

/**
 * Checks Bedrock reachability with the right client for each plane: the control plane
 * (`@aws-sdk/client-bedrock`: GetFoundationModel for a configured model, else ListFoundationModels) and,
 * only if `healthCheck.runtimeProbeModelId` is set, a 1-token Converse call on the runtime plane.
 *
 * @example
 * const report = await runHealthCheck({ config, now: () => performance.now(), getControlPlaneClient, runtimeProbe: undefined });
 */
export async function runHealthCheck(deps: HealthCheckDependencies): Promise<HealthReport> {
  const probes: HealthProbe[] = [];
  const { foundationModelId, runtimeProbeModelId } = deps.config.healthCheck;
  const baseModelId =
    foundationModelId === undefined ? undefined : parseModelId(foundationModelId)?.baseModelId;
  if (baseModelId !== undefined) {
    probes.push(
      await probe("control", "GetFoundationModel", deps.now, async () => {
        const client = await deps.getControlPlaneClient();
        return client.send(new GetFoundationModelCommand({ modelIdentifier: baseModelId }));
      }),
    );
  } else {
    probes.push(
      await probe("control", "ListFoundationModels", deps.now, async () => {
        const client = await deps.getControlPlaneClient();
        return client.send(new ListFoundationModelsCommand({ byOutputModality: "TEXT" }));
      }),
    );
  }
  const runtimeProbe = deps.runtimeProbe;
  if (runtimeProbeModelId !== undefined && runtimeProbe !== undefined) {
    probes.push(await probe("runtime", "Converse", deps.now, () => runtimeProbe(runtimeProbeModelId)));
  }
  return { ok: probes.every((entry) => entry.ok), probes };
}
