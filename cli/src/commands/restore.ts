/**
 * `chargeback restore --from <file|s3://bucket/key> --db <file> [--force]`: verify the backup
 * against its manifest and SQLite's integrity check, then replace the store atomically.
 */
import { restoreStore } from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { backupPlaceOf, rethrowBackupError } from "../backups";
import type { Command } from "../io";

const argsSchema = z.object({
  from: z.string().min(1),
  db: z.string().min(1).optional(),
  force: z.boolean().default(false),
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
});

export const restoreCommand: Command = {
  name: "restore",
  summary: "verify a backup and put it in place of the store",
  usage:
    "chargeback restore --from <file|s3://bucket/key> [--db <file>] [--force] [--region r] [--endpoint url]\n" +
    "       checks sha256 and size against <from>.json, integrity, tables and migration level first; the store is\n" +
    "       replaced only with --force, never while an ingest, `serve` or `collect` has it open",
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        from: { type: "string" },
        db: { type: "string" },
        force: { type: "boolean" },
        region: { type: "string" },
        endpoint: { type: "string" },
      },
      argsSchema,
    );
    const { place, name } = await backupPlaceOf(io, "--from", args.from, args);
    const result = await restoreStore({
      place,
      name,
      targetPath: args.db ?? io.config.dbPath,
      force: args.force,
    }).catch(rethrowBackupError);
    const m = result.manifest;
    io.stdout(
      `restored ${result.from} (taken ${m.createdAt} from ${m.source}) to ${result.target}${result.replaced ? ", replacing the store" : ""}: ${m.bytes} bytes, sha256 and integrity ok\n`,
    );
    return 0;
  },
};
