/**
 * The CDK app's settings: the `chargeback` context object (cdk.json, or `-c chargeback='{…}'`),
 * parsed once with zod. Stacks receive the parsed object; nothing else reads context.
 */
import { z } from "zod";

/** The values CloudWatch Logs accepts for retention. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const budgetSchema = z.object({
  name: z.string().min(1),
  scope: z.enum(["tenant", "application", "cost_center"]),
  scopeValue: z.string().min(1).max(256),
  /** Monthly amount as a decimal USD string, e.g. "500" or "1250.50". */
  amountUsd: z.string().regex(/^\d+(\.\d{1,6})?$/, "a decimal USD amount with at most 6 decimals"),
  thresholds: z.array(z.number().positive().max(1000)).default([]),
});

/**
 * The service stack (docs/adr/0008-deployment.md): one instance running `chargeback serve` and
 * `collect --watch` over one SQLite store, backed up to S3. Absent = no service stack.
 */
const serviceSchema = z
  .object({
    /**
     * The CLI package tarball (`pnpm --filter @bedrock-chargeback/cli pack`), relative to infra/.
     * It is uploaded as an asset and installed with npm on the instance.
     */
    artifactPath: z.string().min(1),
    /** Graviton (arm64) by default; set both together. */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/)
      .default("t4g.small"),
    architecture: z.enum(["arm64", "x86_64"]).default("arm64"),
    /** Root volume (gp3, encrypted): the OS, the package and the store. */
    volumeGb: z.number().int().min(8).max(16_384).default(20),
    /** Amazon Linux 2023's namespaced Node.js packages (`nodejs20`, `nodejs22`, `nodejs24`). */
    nodeMajor: z.union([z.literal(20), z.literal(22), z.literal(24)]).default(22),
    /** Where `collect --watch` reads: the Logging stack's log group, or the Analytics stack's table. */
    collectSource: z.enum(["logs-insights", "athena"]).default("logs-insights"),
    collectIntervalSeconds: z.number().int().min(60).max(86_400).default(900),
    lookbackHours: z.number().int().min(0).max(744).default(2),
    /** `serve --backup-every`: a duration such as 30m, 1h, 6h. */
    backupEvery: z
      .string()
      .regex(/^\d+(m|h|d)$/, "a duration such as 30m, 1h or 1d")
      .default("1h"),
    /** Backups kept by name (`--backup-keep`); at most 400 so one ListObjectsV2 page (1,000 keys) holds them and their manifests. */
    backupKeep: z.number().int().min(1).max(400).default(72),
    /** Days an overwritten or deleted backup version stays in the versioned bucket. */
    backupNoncurrentDays: z.number().int().min(1).default(30),
    /** Retention of the service's own log groups (API, collector, boot). */
    logRetentionDays: z
      .number()
      .refine((d) => (RETENTION_DAYS as readonly number[]).includes(d), "a CloudWatch Logs retention value")
      .default(90),
    /**
     * No `ingress`: nothing listens publicly; reach the API through a Session Manager port forward.
     * With it: an internet-facing HTTPS load balancer (ACM certificate) open to `allowedCidrs`.
     */
    ingress: z
      .object({
        certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/),
        allowedCidrs: z
          .array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "an IPv4 CIDR such as 203.0.113.0/24"))
          .min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export const infraSettingsSchema = z
  .object({
    /** Prefix of every stack name. */
    stackPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,60}$/)
      .default("BedrockChargeback"),
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
      .optional(),
    logGroupName: z
      .string()
      .regex(/^[.\-_/#A-Za-z0-9]{1,512}$/)
      .default("/bedrock/model-invocations"),
    logRetentionDays: z
      .number()
      .refine(
        (d) => (RETENTION_DAYS as readonly number[]).includes(d),
        "a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, …)",
      )
      .default(90),
    /** keyPrefix of the S3 delivery, no slash at either end; "" for none. */
    logKeyPrefix: z
      .string()
      .regex(/^([A-Za-z0-9!_.*()=-]+(\/[A-Za-z0-9!_.*()=-]+)*)?$/)
      .default("bedrock"),
    /** Delete raw log objects after this many days (0 = keep: they are billing evidence). */
    logExpirationDays: z.number().int().min(0).default(0),
    /** Encrypt the log bucket with a customer-managed KMS key (Bedrock gets kms:GenerateDataKey). */
    useKms: z.boolean().default(false),
    /** Turn on invocation logging (a Region-wide singleton: only one stack per account/Region may). */
    enableInvocationLogging: z.boolean().default(true),
    /** Deliver bodies too. Off by default: chargeback needs only metadata and token counts (cost, PII). */
    textDataDelivery: z.boolean().default(false),
    glueDatabase: z
      .string()
      .regex(/^[a-z0-9_]{1,255}$/)
      .default("bedrock_logs"),
    glueTable: z
      .string()
      .regex(/^[a-z0-9_]{1,255}$/)
      .default("bedrock_invocation_logs"),
    projectionStart: z
      .string()
      .regex(/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/)
      .default("2025/01/01/00"),
    athenaWorkgroup: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/)
      .default("bedrock-chargeback"),
    /** Per-query scan cap; a query past it is cancelled (and still billed). */
    bytesScannedCutoffMb: z.number().int().min(10).default(10_240),
    resultsExpirationDays: z.number().int().min(1).default(7),
    /** Path of alarms.config.json, relative to the infra/ folder. */
    alarmsConfigPath: z.string().min(1).default("alarms.config.json"),
    /** Budgets for the monitoring stack's alarms (besides `budgetsDb`). */
    budgets: z.array(budgetSchema).default([]),
    /** A chargeback SQLite store to read budgets from at synth time (listBudgets). */
    budgetsDb: z.string().min(1).optional(),
    /** E-mail addresses subscribed to the alarm topic. */
    alarmEmails: z.array(z.email()).default([]),
    /** Who may assume the collector role: a service principal or an account id; none = no role. */
    collectorTrust: z
      .union([
        z.object({ servicePrincipal: z.string().regex(/^[a-z0-9.-]+\.amazonaws\.com$/) }),
        z.object({ accountId: z.string().regex(/^\d{12}$/) }),
      ])
      .optional(),
    /** The service stack; absent = not deployed. */
    service: serviceSchema.optional(),
    dashboardName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/)
      .default("bedrock-chargeback"),
  })
  .strict();

export type InfraSettings = z.output<typeof infraSettingsSchema>;
export type InfraSettingsInput = z.input<typeof infraSettingsSchema>;
export type BudgetSetting = z.output<typeof budgetSchema>;
export type ServiceSettings = z.output<typeof serviceSchema>;

export class InfraSettingsError extends Error {}

/** Parses the context value: an object (cdk.json) or a JSON string (`-c chargeback=…`). */
export function parseInfraSettings(context: unknown): InfraSettings {
  let value = context ?? {};
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new InfraSettingsError(
        `context "chargeback": not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  const parsed = infraSettingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InfraSettingsError(
      `context "chargeback": ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}
