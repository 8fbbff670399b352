/**
 * `chargeback alarms plan|apply|export`: CloudWatch alarms from the budgets in the store and
 * infra/alarms.config.json. plan shows the difference from what exists; apply creates, updates
 * and deletes only alarms it owns (name prefix AND owner tag); export prints the same
 * definitions as a CloudFormation template.
 */
import { existsSync } from "node:fs";
import {
  type AlarmsConfig,
  AlarmsConfigError,
  actionsFor,
  applyAlarmPlan,
  type BudgetInput,
  buildAlarmDefinitions,
  type CloudWatchSender,
  createCloudWatchClient,
  formatPlan,
  loadAlarmsConfig,
  planAlarms,
  toCloudFormationTemplate,
} from "@bedrock-chargeback/infra";
import { listBudgets } from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, type Io, UsageError } from "../io";
import { openExistingStore } from "../store";

const DEFAULT_CONFIG_PATH = "infra/alarms.config.json";
const USAGE = [
  "chargeback alarms plan   [--db <file> | --without-budgets] [--config <alarms.config.json>] [--topic-arn arn] [--format text|json] [--region r] [--endpoint url]",
  "chargeback alarms apply  [--db <file> | --without-budgets] [--config <alarms.config.json>] [--topic-arn arn] [--region r] [--endpoint url]",
  "chargeback alarms export [--db <file> | --without-budgets] [--config <alarms.config.json>] [--topic-arn arn] --format cloudformation",
].join("\n       ");

const argsSchema = z.object({
  db: z.string().min(1).optional(),
  withoutBudgets: z.boolean().default(false),
  config: z.string().min(1).default(DEFAULT_CONFIG_PATH),
  topicArn: z.string().min(1).optional(),
  format: z.enum(["text", "json", "cloudformation"]).optional(),
  region: z.string().min(1).optional(),
  endpoint: z.url().optional(),
});

const OPTIONS = {
  db: { type: "string" },
  "without-budgets": { type: "boolean" },
  config: { type: "string" },
  "topic-arn": { type: "string" },
  format: { type: "string" },
  region: { type: "string" },
  endpoint: { type: "string" },
} as const;

export type AlarmsCommandDeps = {
  /** The CloudWatch client; the default is the real one for the configured region/endpoint. */
  cloudWatch?: (options: { region: string | undefined; endpoint: string | undefined }) => CloudWatchSender;
};

function loadConfig(path: string, topicArn: string | undefined): AlarmsConfig {
  try {
    const config = loadAlarmsConfig(path);
    return topicArn ? { ...config, topicArn } : config;
  } catch (error) {
    if (error instanceof AlarmsConfigError) throw new UsageError(`--config ${error.message}`);
    throw error;
  }
}

/** Budgets from the store; refusing to guess protects `apply` from deleting every budget alarm. */
function loadBudgets(args: z.output<typeof argsSchema>, io: Io): BudgetInput[] {
  if (args.withoutBudgets) {
    if (args.db) throw new UsageError("--db and --without-budgets exclude each other");
    return [];
  }
  const path = args.db ?? io.config.dbPath;
  if (!args.db && !existsSync(path)) {
    throw new UsageError(
      `no store at ${path}: pass --db <file>, or --without-budgets to manage only the other alarms`,
    );
  }
  const db = openExistingStore(path);
  try {
    return listBudgets(db);
  } finally {
    db.$client.close();
  }
}

export function createAlarmsCommand(deps: AlarmsCommandDeps = {}): Command {
  return {
    name: "alarms",
    summary: "plan, apply or export the CloudWatch alarms (budgets, usage, delivery, collector health)",
    usage: USAGE,
    async run(argv, io) {
      const [action, ...rest] = argv;
      if (action !== "plan" && action !== "apply" && action !== "export") {
        throw new UsageError(
          `expected plan, apply or export${action ? ` (got ${JSON.stringify(action)})` : ""}`,
        );
      }
      const args = parseCommandArgs(rest, OPTIONS, argsSchema);
      const config = loadConfig(args.config, args.topicArn);
      const desired = buildAlarmDefinitions(config, loadBudgets(args, io));

      if (action === "export") {
        if (args.format !== "cloudformation")
          throw new UsageError("--format: export supports cloudformation");
        io.stdout(`${JSON.stringify(toCloudFormationTemplate(desired, { config }), null, 2)}\n`);
        return 0;
      }
      if (args.format === "cloudformation") throw new UsageError(`--format: ${action} supports text or json`);

      const options = {
        region: args.region ?? io.config.region,
        endpoint: args.endpoint ?? io.config.awsEndpoint,
      };
      const client = deps.cloudWatch ? deps.cloudWatch(options) : createCloudWatchClient(options);
      const actions = actionsFor(config, config.topicArn);
      if (!config.topicArn)
        io.stderr("warning: no topicArn (config or --topic-arn): alarms will notify nobody\n");
      const plan = await planAlarms({ client, config, desired, actions });

      if (action === "plan") {
        if (args.format === "json") {
          io.stdout(
            `${JSON.stringify(
              {
                create: plan.create.map((d) => d.AlarmName),
                update: plan.update.map((u) => ({ name: u.definition.AlarmName, changed: u.changed })),
                delete: plan.delete.map((d) => d.name),
                unchanged: plan.unchanged,
                notOwned: plan.foreign,
                conflicts: plan.conflicts,
              },
              null,
              2,
            )}\n`,
          );
        } else io.stdout(formatPlan(plan));
        return 0;
      }

      io.stdout(formatPlan(plan));
      const result = await applyAlarmPlan(client, plan, { actions, ownerTag: config.ownerTag });
      io.stdout(`applied: ${result.created} created, ${result.updated} updated, ${result.deleted} deleted\n`);
      if (result.conflicts > 0) {
        io.stderr(
          `error: ${result.conflicts} alarm(s) not applied: their names belong to alarms without the ownership tag\n`,
        );
        return 1;
      }
      return 0;
    },
  };
}

export const alarmsCommand = createAlarmsCommand();
