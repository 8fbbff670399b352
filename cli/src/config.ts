/**
 * The CLI's configuration, read from the environment once at start-up. Nothing else reads
 * process.env; commands receive this object.
 */
// The config module alone (zod only): the package entry would load the whole engine at start-up.
import { type AssistantConfig, parseAssistantConfig } from "@bedrock-chargeback/assistant/config";
import { z } from "zod";

const configSchema = z.object({
  CHARGEBACK_DB: z.string().min(1).default("chargeback.db"),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  CHARGEBACK_AWS_ENDPOINT: z.string().url().optional(),
  CHARGEBACK_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Invoice issuer and recipients (JSON file), for `periods export --format pdf|zip`. */
  CHARGEBACK_INVOICE_CONFIG: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_PROFILE: z.string().optional(),
  AWS_WEB_IDENTITY_TOKEN_FILE: z.string().optional(),
  AWS_CONTAINER_CREDENTIALS_FULL_URI: z.string().optional(),
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: z.string().optional(),
});

export type AppConfig = {
  dbPath: string;
  region: string | undefined;
  /** Overrides every AWS client's endpoint (stand-ins, VPC endpoints). */
  awsEndpoint: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  /** Read by the commands that print invoices, so a bad file stops only them. */
  invoiceConfigPath: string | undefined;
  /**
   * Whether the environment names AWS credentials (keys, a profile, web identity or a container
   * role). `ingest --profile-lookup auto` calls GetInferenceProfile only then; instance roles
   * are not detected, so pass `--profile-lookup api` there. Never the credentials themselves.
   */
  awsCredentialsHint: boolean;
  /** `chargeback ask`: model, region, limits (CHARGEBACK_ASK_*, assistant/README.md). */
  ask: AssistantConfig;
};

export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const e = parsed.data;
  return {
    dbPath: e.CHARGEBACK_DB,
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    awsEndpoint: e.CHARGEBACK_AWS_ENDPOINT,
    logLevel: e.CHARGEBACK_LOG_LEVEL,
    invoiceConfigPath: e.CHARGEBACK_INVOICE_CONFIG,
    awsCredentialsHint: Boolean(
      e.AWS_ACCESS_KEY_ID ||
        e.AWS_PROFILE ||
        e.AWS_WEB_IDENTITY_TOKEN_FILE ||
        e.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
        e.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
    ),
    ask: parseAssistantConfig(env),
  };
}

/** The process environment, read here only. Also silences the AWS SDK's Node 20 notice. */
export function loadEnv(): Record<string, string | undefined> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return process.env;
}
