/**
 * `alarms.config.json`: what to alarm on besides the budgets (which come from the store).
 * Parsed once with zod; every field has a default so `{}` is a valid file.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_METRIC_NAMESPACE } from "@bedrock-chargeback/collector/metrics";
import { z } from "zod";

const scopeSchema = z.enum(["total", "tenant", "application", "cost_center"]);

/** A series of a published metric: the account total, or one dimension value. */
const seriesSchema = z
  .object({ scope: scopeSchema.default("total"), value: z.string().min(1).max(1024).optional() })
  .refine((s) => (s.scope === "total") === (s.value === undefined), {
    message: "`value` is required for tenant/application/cost_center and not allowed for total",
  });

const percentSchema = z.number().positive().max(1000);

export const alarmsConfigSchema = z
  .object({
    /** Owned alarms' names start with this; nothing else is ever touched. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{3,64}$/, "3–64 of A-Z a-z 0-9 : _ . -")
      .default("bedrock-chargeback:"),
    /** The ownership tag put on every created alarm and required before an update or delete. */
    ownerTag: z
      .object({ key: z.string().min(1).max(128), value: z.string().min(1).max(256) })
      .default({ key: "managed-by", value: "bedrock-chargeback" }),
    namespace: z.string().min(1).max(255).default(DEFAULT_METRIC_NAMESPACE),
    /** SNS topic for `chargeback alarms apply/export`; the CDK stack creates its own. */
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, "an SNS topic ARN")
      .optional(),
    /** Also notify when an alarm returns to OK. */
    notifyOnOk: z.boolean().default(false),
    budgets: z
      .object({
        enabled: z.boolean().default(true),
        /** Percent thresholds used for budgets that define none. */
        defaultThresholds: z.array(percentSchema).min(1).default([80, 100]),
      })
      .prefault({}),
    hourlyTokens: z
      .array(z.object({ series: seriesSchema.prefault({}), maxTokensPerHour: z.number().int().positive() }))
      .default([]),
    anomaly: z
      .array(
        z.object({
          metric: z.enum(["CostUSD", "Tokens"]),
          series: seriesSchema.prefault({}),
          /** Band width in standard deviations: ANOMALY_DETECTION_BAND(m1, bandWidth). */
          bandWidth: z.number().positive().max(10).default(2),
          direction: z.enum(["above", "below", "both"]).default("above"),
          evaluationPeriods: z.number().int().min(1).max(24).default(2),
        }),
      )
      .default([]),
    delivery: z
      .object({
        enabled: z.boolean().default(true),
        destinations: z
          .array(z.enum(["cloudwatch", "s3", "large-data-s3"]))
          .min(1)
          .default(["cloudwatch", "s3", "large-data-s3"]),
      })
      .prefault({}),
    collector: z
      .object({
        enabled: z.boolean().default(true),
        /** Data older than this (newest ingested record vs now) raises the lag alarm. */
        maxLagSeconds: z.number().int().positive().default(7200),
        /** Evaluation period: at least the collector's run interval. */
        periodSeconds: z.union([z.literal(300), z.literal(900), z.literal(3600)]).default(3600),
        /** Failed runs within one period that raise the failure alarm. */
        maxFailuresPerPeriod: z.number().int().min(0).default(0),
      })
      .prefault({}),
  })
  .strict();

export type AlarmsConfig = z.output<typeof alarmsConfigSchema>;
export type AlarmsConfigInput = z.input<typeof alarmsConfigSchema>;
export type SeriesSpec = z.output<typeof seriesSchema>;

export class AlarmsConfigError extends Error {}

/** Validates a parsed JSON value; the error names the field. */
export function parseAlarmsConfig(value: unknown, source = "alarms config"): AlarmsConfig {
  const parsed = alarmsConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? issue.path.join(".") : "(root)";
    throw new AlarmsConfigError(`${source}: ${at}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** Reads and validates `alarms.config.json`. */
export function loadAlarmsConfig(path: string): AlarmsConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new AlarmsConfigError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseAlarmsConfig(json, path);
}
