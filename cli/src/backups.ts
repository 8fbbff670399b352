/**
 * Where `backup`, `restore` and the periodic `--backup-to` keep backups: a folder or an S3
 * prefix, reached with the same region and `--endpoint` as every other S3 command.
 */
import { createS3Client } from "@bedrock-chargeback/collector";
import {
  BackupError,
  type BackupLocation,
  type BackupPlace,
  folderPlace,
  type PeriodicBackups,
  parseBackupLocation,
  parseDuration,
  s3Place,
  startPeriodicBackups,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { type Io, UsageError } from "./io";

export type S3Args = { region?: string | undefined; endpoint?: string | undefined };

/** `--to`/`--from` (one backup) or `--backup-to` (`folder`: a folder or prefix), as a place. */
export async function backupPlaceOf(
  io: Io,
  flag: string,
  text: string,
  s3: S3Args,
  folder = false,
): Promise<{ place: BackupPlace; name: string }> {
  let location: BackupLocation;
  try {
    location = parseBackupLocation(text, folder);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (location.kind === "file") return { place: folderPlace(location.dir), name: location.name };
  const region = s3.region ?? io.config.region;
  if (!region) throw new UsageError(`--region (or AWS_REGION) is required with ${flag} s3://…`);
  const client = await createS3Client({ region, endpoint: s3.endpoint ?? io.config.awsEndpoint });
  return { place: s3Place(client, location.bucket, location.prefix), name: location.name };
}

/** A `BackupError` the user fixes by changing the arguments exits 2; the rest exit 1. */
export function rethrowBackupError(error: unknown): never {
  if (error instanceof BackupError && (error.code === "exists" || error.code === "not_found"))
    throw new UsageError(error.message);
  throw error;
}

/** `--backup-to <dir|s3://bucket/prefix> --backup-every 6h [--backup-keep N]`, for serve and collect. */
export const periodicBackupArgs = {
  schema: {
    backupTo: z.string().min(1).optional(),
    backupEvery: z.string().optional(),
    backupKeep: z.coerce.number().int().min(1).max(100_000).optional(),
  },
  options: {
    "backup-to": { type: "string" },
    "backup-every": { type: "string" },
    "backup-keep": { type: "string" },
  },
  usage: "[--backup-to <dir|s3://bucket/prefix> --backup-every <30m|6h|1d> [--backup-keep N]]",
} as const;

/**
 * Starts periodic backups of the store when `--backup-to` is given (one now, then every
 * `--backup-every`), reporting each on stderr; undefined otherwise.
 */
export async function startBackupsFromArgs(
  io: Io,
  dbPath: string,
  args: S3Args & {
    backupTo?: string | undefined;
    backupEvery?: string | undefined;
    backupKeep?: number | undefined;
  },
): Promise<PeriodicBackups | undefined> {
  if (!args.backupTo) {
    if (args.backupEvery || args.backupKeep !== undefined)
      throw new UsageError("--backup-every and --backup-keep need --backup-to");
    return undefined;
  }
  if (!args.backupEvery) throw new UsageError("--backup-every: required with --backup-to");
  let everyMs: number;
  try {
    everyMs = parseDuration(args.backupEvery);
  } catch (error) {
    throw new UsageError(`--backup-every: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (everyMs < 60_000) throw new UsageError("--backup-every: at least 1m");
  const { place } = await backupPlaceOf(io, "--backup-to", args.backupTo, args, true);
  return startPeriodicBackups({
    sourcePath: dbPath,
    place,
    everyMs,
    keep: args.backupKeep,
    now: io.now,
    onBackup: (result, removed) =>
      io.stderr(
        `backup: ${result.location} (${result.manifest.bytes} bytes)${removed.length > 0 ? `; removed ${removed.length} older` : ""}\n`,
      ),
    onError: (error) =>
      io.stderr(`backup: failed: ${error instanceof Error ? error.message : String(error)}\n`),
  });
}
