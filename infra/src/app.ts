/**
 * The CDK app: Logging → Analytics → CollectorAccess, Monitoring (alarms + dashboard), and with
 * `service` set, the Service stack that runs the collector and the API (docs/adr/0008-deployment.md).
 * Everything configurable comes from the `chargeback` context (settings.ts) and alarms.config.json;
 * budgets come from the context and/or a chargeback store (`budgetsDb`, read with listBudgets).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, listBudgets, parseMicros } from "@bedrock-chargeback/ledger";
import { App, type Environment } from "aws-cdk-lib";
import { type AlarmsConfig, loadAlarmsConfig } from "./alarms/config";
import { type BudgetInput, buildAlarmDefinitions } from "./alarms/definitions";
import { type InfraSettings, parseInfraSettings } from "./settings";
import { AnalyticsStack, ATHENA_RESULTS_PREFIX } from "./stacks/analytics-stack";
import { CollectorAccessStack } from "./stacks/collector-access-stack";
import { LoggingStack } from "./stacks/logging-stack";
import { MonitoringStack } from "./stacks/monitoring-stack";
import { ServiceStack } from "./stacks/service-stack";

/** The infra/ folder: relative paths in settings resolve against it. */
export const INFRA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export type ChargebackApp = {
  app: App;
  settings: InfraSettings;
  alarmsConfig: AlarmsConfig;
  logging: LoggingStack;
  analytics: AnalyticsStack;
  collectorAccess: CollectorAccessStack;
  monitoring: MonitoringStack;
  /** Only when the settings have `service`. */
  service: ServiceStack | undefined;
};

/**
 * The `context` of infra/cdk.json. The cdk CLI passes it to the app itself; `pnpm synth` and the
 * synth test (no CLI) read it here so all three synthesize the same thing.
 */
export function loadCdkJsonContext(baseDir = INFRA_DIR): Record<string, unknown> {
  const json: unknown = JSON.parse(readFileSync(resolve(baseDir, "cdk.json"), "utf8"));
  if (typeof json !== "object" || json === null || !("context" in json)) return {};
  const context: unknown = json.context;
  return typeof context === "object" && context !== null ? Object.fromEntries(Object.entries(context)) : {};
}

/** Budgets from the settings and the optional store, store last (it is the live source). */
export function loadBudgets(settings: InfraSettings, baseDir = INFRA_DIR): BudgetInput[] {
  const fromSettings: BudgetInput[] = settings.budgets.map((b) => ({
    ...b,
    amountMicros: parseMicros(b.amountUsd),
  }));
  if (!settings.budgetsDb) return fromSettings;
  const db = createDb(resolve(baseDir, settings.budgetsDb));
  try {
    return [...fromSettings, ...listBudgets(db)];
  } finally {
    db.$client.close();
  }
}

/**
 * @example createChargebackApp({ outdir: "cdk.out" }).app.synth()
 */
export function createChargebackApp(
  options: { app?: App; outdir?: string; context?: Record<string, unknown>; baseDir?: string } = {},
): ChargebackApp {
  const app = options.app ?? new App({ outdir: options.outdir, context: options.context });
  const baseDir = options.baseDir ?? INFRA_DIR;
  const settings = parseInfraSettings(app.node.tryGetContext("chargeback"));
  const alarmsConfig = loadAlarmsConfig(resolve(baseDir, settings.alarmsConfigPath));
  const env: Environment | undefined =
    settings.account || settings.region ? { account: settings.account, region: settings.region } : undefined;
  const name = (suffix: string) => `${settings.stackPrefix}-${suffix}`;
  const description = (what: string) => `Bedrock Chargeback: ${what}`;

  const logging = new LoggingStack(app, name("Logging"), {
    env,
    settings,
    description: description(
      "model invocation logging (log group, S3 bucket, delivery role, logging configuration)",
    ),
  });
  const analytics = new AnalyticsStack(app, name("Analytics"), {
    env,
    settings,
    logBucket: logging.bucket,
    logKey: logging.key,
    logObjectsPrefix: logging.logObjectsPrefix,
    description: description("Glue table over the S3 logs and the Athena workgroup"),
  });
  const collectorAccess = new CollectorAccessStack(app, name("CollectorAccess"), {
    env,
    settings,
    namespace: alarmsConfig.namespace,
    alarmPrefix: alarmsConfig.prefix,
    logBucket: logging.bucket,
    logKey: logging.key,
    logObjectsPrefix: logging.logObjectsPrefix,
    logGroupName: settings.logGroupName,
    resultsBucket: analytics.resultsBucket,
    resultsPrefix: ATHENA_RESULTS_PREFIX,
    description: description("least-privilege policies for the collector and for alarm management"),
  });
  const monitoring = new MonitoringStack(app, name("Monitoring"), {
    env,
    settings,
    alarmsConfig,
    alarms: buildAlarmDefinitions(alarmsConfig, loadBudgets(settings, baseDir)),
    logGroupName: settings.logGroupName,
    description: description("alarms (budgets, usage, delivery, collector health) and the dashboard"),
  });
  const service = settings.service
    ? new ServiceStack(app, name("Service"), {
        env,
        settings,
        service: settings.service,
        baseDir,
        collectorPolicy: collectorAccess.collectorPolicy,
        alarmTopic: monitoring.topic,
        alarmPrefix: alarmsConfig.prefix,
        namespace: alarmsConfig.namespace,
        logGroupName: settings.logGroupName,
        description: description("the collector and the API on one instance, with backups to S3"),
      })
    : undefined;
  return { app, settings, alarmsConfig, logging, analytics, collectorAccess, monitoring, service };
}
