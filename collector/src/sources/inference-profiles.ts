/**
 * Application inference profile ARN → the model it copies (docs/rules.md rule 2): GetInferenceProfile,
 * cached in memory and in the checkpoints table (a profile's model source cannot change without
 * replacing it), falling back to a configured mapping file `{ "<arn>": "<modelId>" }`.
 */
import { readFile } from "node:fs/promises";
import { type Db, PROFILE_MAPPING_SOURCE } from "@bedrock-chargeback/ledger";
import { checkpoints } from "@bedrock-chargeback/ledger/schema";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { BedrockControlApi } from "./aws";
import { awsErrorName } from "./errors";

const APP_PROFILE = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d*:application-inference-profile\/.+$/;
const CACHE_SOURCE = PROFILE_MAPPING_SOURCE;

const profileSchema = z.object({
  models: z.array(z.object({ modelArn: z.string().optional() })).optional(),
});
const FOUNDATION_MODEL = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):\d*:foundation-model\/(.+)$/;

/** Geography of a region for cross-region profiles (us-east-1 → us, ap-south-1 → apac). */
function geographyOf(region: string): string | undefined {
  if (region.startsWith("us-gov-")) return "us-gov";
  const head = region.split("-")[0] ?? "";
  return ({ us: "us", eu: "eu", ap: "apac", ca: "ca" } as Record<string, string>)[head];
}

/**
 * The model id a profile copies. One region → the foundation model (in-region); several regions
 * of one geography → `<geo>.<model>`; several geographies → `global.<model>`.
 */
export function modelIdFromProfile(response: unknown): string | undefined {
  const parsed = profileSchema.safeParse(response);
  if (!parsed.success) return undefined;
  const models = (parsed.data.models ?? []).flatMap((m) => {
    const match = FOUNDATION_MODEL.exec(m.modelArn ?? "");
    return match?.[2] ? [{ region: match[1] ?? "", modelId: match[2] }] : [];
  });
  const first = models[0];
  if (!first) return undefined;
  const regions = new Set(models.map((m) => m.region));
  if (regions.size <= 1) return first.modelId;
  const geos = new Set([...regions].map(geographyOf));
  const [geo] = [...geos];
  return geos.size === 1 && geo ? `${geo}.${first.modelId}` : `global.${first.modelId}`;
}

export function isApplicationProfileArn(modelId: string): boolean {
  return APP_PROFILE.test(modelId);
}

/** Reads a mapping file `{ "<arn>": "<modelId>" }`. */
export async function loadProfileMappingFile(path: string): Promise<Map<string, string>> {
  const parsed = z
    .record(z.string().min(1), z.string().min(1))
    .safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new Error(`${path}: expected a JSON object of "<arn>": "<modelId>"`);
  return new Map(Object.entries(parsed.data));
}

export type ProfileResolution = {
  resolved: Map<string, string>;
  unresolved: { arn: string; reason: string }[];
  calls: number;
};

export class InferenceProfileResolver {
  private readonly memory = new Map<string, string>();
  calls = 0;

  constructor(
    private readonly deps: {
      api?: BedrockControlApi;
      db?: Db;
      fallback?: ReadonlyMap<string, string>;
      now?: () => Date;
    },
  ) {}

  /** Resolves every application-profile ARN among `modelIds`; others are ignored. */
  async resolveAll(modelIds: Iterable<string>): Promise<ProfileResolution> {
    const resolved = new Map<string, string>();
    const unresolved: { arn: string; reason: string }[] = [];
    const before = this.calls;
    for (const arn of new Set(modelIds)) {
      if (!isApplicationProfileArn(arn)) continue;
      const result = await this.resolve(arn);
      if (typeof result === "string") resolved.set(arn, result);
      else unresolved.push({ arn, reason: result.reason });
    }
    return { resolved, unresolved, calls: this.calls - before };
  }

  async resolve(arn: string): Promise<string | { reason: string }> {
    const cached = this.memory.get(arn) ?? this.readCache(arn);
    if (cached) {
      this.memory.set(arn, cached);
      return cached;
    }
    let reason = "no Bedrock client and not in the mapping file";
    if (this.deps.api) {
      try {
        this.calls++;
        const modelId = modelIdFromProfile(await this.deps.api.getInferenceProfile(arn));
        if (modelId) {
          this.memory.set(arn, modelId);
          this.writeCache(arn, modelId);
          return modelId;
        }
        reason = "GetInferenceProfile returned no foundation model";
      } catch (error) {
        reason = `GetInferenceProfile: ${awsErrorName(error)}`;
      }
    }
    const mapped = this.deps.fallback?.get(arn);
    if (mapped) {
      this.memory.set(arn, mapped);
      return mapped;
    }
    return { reason };
  }

  private readCache(arn: string): string | undefined {
    if (!this.deps.db) return undefined;
    const row = this.deps.db
      .select({ value: checkpoints.value })
      .from(checkpoints)
      .where(and(eq(checkpoints.source, CACHE_SOURCE), eq(checkpoints.name, arn)))
      .get();
    return row?.value;
  }

  private writeCache(arn: string, modelId: string): void {
    const updatedAt = (this.deps.now?.() ?? new Date()).toISOString();
    this.deps.db
      ?.insert(checkpoints)
      .values({ source: CACHE_SOURCE, name: arn, value: modelId, updatedAt })
      .onConflictDoUpdate({
        target: [checkpoints.source, checkpoints.name],
        set: { value: modelId, updatedAt },
      })
      .run();
  }
}
