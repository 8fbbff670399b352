import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadApiConfig, startServer } from "@bedrock-chargeback/api";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { periodicBackupArgs, startBackupsFromArgs } from "../backups";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const DEFAULT_STATIC = fileURLToPath(new URL("../../../dashboard/dist", import.meta.url));

const argsSchema = z.object({
  db: z.string().min(1).optional(),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  static: z.string().min(1).optional(),
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
  ...periodicBackupArgs.schema,
});

/** Resolves once SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = on("SIGINT");
    const onTerm = on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the chargeback API (and the dashboard build) over the store",
  usage:
    "chargeback serve [--db <file>] [--port 8787] [--host 127.0.0.1] [--static dashboard/dist]\n" +
    `       ${periodicBackupArgs.usage} [--region r] [--endpoint url]\n` +
    "       env: CHARGEBACK_API_RATE_LIMIT_RPS, CHARGEBACK_API_RATE_LIMIT_BURST, CHARGEBACK_API_CORS_ORIGINS",
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        db: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        static: { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string" },
        ...periodicBackupArgs.options,
      },
      argsSchema,
    );
    let config: ReturnType<typeof loadApiConfig>;
    try {
      config = loadApiConfig();
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const staticDir =
      args.static ?? config.staticDir ?? (existsSync(DEFAULT_STATIC) ? DEFAULT_STATIC : undefined);
    if (args.static && !existsSync(args.static))
      throw new UsageError(`--static ${args.static}: no such folder`);
    const db = openExistingStore(args.db ?? io.config.dbPath);
    if (db.$client.readonly)
      io.stderr(
        `note: the store ${args.db ?? io.config.dbPath} is read-only here: the API serves reads; writes (keys, budgets, periods) fail${db.$client.memory ? "; its folder is read-only too, so it is served from a snapshot taken now (restart to see later ingests)" : ""}\n`,
      );
    const backups = await startBackupsFromArgs(io, args.db ?? io.config.dbPath, args);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({
        config: {
          ...config,
          port: args.port ?? config.port,
          host: args.host ?? config.host,
          staticDir,
        },
        db,
      });
    } catch (error) {
      await backups?.stop();
      throw error;
    }
    io.stdout(`chargeback API listening on ${server.url}${staticDir ? ` (dashboard: ${staticDir})` : ""}\n`);
    const signal = await untilSignal();
    io.stderr(`${signal}: shutting down\n`);
    await backups?.stop();
    await server.close();
    db.$client.close();
    return 0;
  },
};
