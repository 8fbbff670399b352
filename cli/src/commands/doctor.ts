/** `chargeback doctor`: a checklist of what collection needs in this account and region; exit 1 on any failure. */
import {
  createAwsClients,
  doctorApis,
  formatChecklist,
  runDoctor,
} from "@bedrock-chargeback/collector/sources";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import type { Command } from "../io";

const argsSchema = z.object({
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
  logGroup: z.string().min(1).optional(),
  bucket: z.string().min(1).optional(),
  catalog: z.string().min(1).default("AwsDataCatalog"),
  database: z.string().min(1).optional(),
  table: z.string().min(1).default("bedrock_invocation_logs"),
  format: z.enum(["text", "json"]).default("text"),
});

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check credentials, region, invocation logging, log group, bucket, Athena table and permissions",
  usage:
    "chargeback doctor [--region r] [--endpoint url] [--log-group name] [--bucket b] [--database db [--table t] [--catalog c]] [--format text|json]",
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        region: { type: "string" },
        endpoint: { type: "string" },
        "log-group": { type: "string" },
        bucket: { type: "string" },
        catalog: { type: "string" },
        database: { type: "string" },
        table: { type: "string" },
        format: { type: "string" },
      },
      argsSchema,
    );
    const clients = createAwsClients({
      region: args.region ?? io.config.region,
      endpoint: args.endpoint ?? io.config.awsEndpoint,
    });
    const checks = await runDoctor(doctorApis(clients), {
      ...(args.logGroup ? { logGroupName: args.logGroup } : {}),
      ...(args.bucket ? { bucket: args.bucket } : {}),
      ...(args.database
        ? { athena: { catalog: args.catalog, database: args.database, table: args.table } }
        : {}),
    });
    io.stdout(args.format === "json" ? `${JSON.stringify(checks, null, 2)}\n` : formatChecklist(checks));
    return checks.some((c) => c.status === "fail") ? 1 : 0;
  },
};
