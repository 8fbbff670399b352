/**
 * `chargeback backup --to <file|s3://bucket/key>`: an online, consistent copy of the store (safe
 * beside a running ingest and the API) with its manifest `<to>.json`.
 */
import { backupStore } from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { backupPlaceOf, rethrowBackupError } from "../backups";
import type { Command } from "../io";

const argsSchema = z.object({
  db: z.string().min(1).optional(),
  to: z.string().min(1),
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
  format: z.enum(["text", "json"]).default("text"),
});

export const backupCommand: Command = {
  name: "backup",
  summary: "copy the store (online, consistent) to a file or S3, with a manifest",
  usage:
    "chargeback backup [--db <file>] --to <file|s3://bucket/key> [--region r] [--endpoint url] [--format text|json]\n" +
    "       writes <to> and its manifest <to>.json (sha256, size, migration level, row counts); S3: one PutObject, at most 5 GiB",
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        db: { type: "string" },
        to: { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string" },
        format: { type: "string" },
      },
      argsSchema,
    );
    const { place, name } = await backupPlaceOf(io, "--to", args.to, args);
    const result = await backupStore({
      sourcePath: args.db ?? io.config.dbPath,
      place,
      name,
      now: io.now,
    }).catch(rethrowBackupError);
    const m = result.manifest;
    io.stdout(
      args.format === "json"
        ? `${JSON.stringify({ location: result.location, manifest: m }, null, 2)}\n`
        : `backup ${result.location}: ${m.bytes} bytes, sha256 ${m.sha256}, ${m.migrations.count} migrations\n` +
            `  rows: ${Object.entries(m.tables)
              .map(([t, n]) => `${t} ${n}`)
              .join(", ")}\n`,
    );
    return 0;
  },
};
