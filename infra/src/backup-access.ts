/**
 * What backups need on their location: `chargeback backup`, `restore` and the periodic backups of
 * `serve`/`collect --watch` (ledger/src/store/backup.ts) put, get, list and prune there. One
 * list, checked against that code by collector-actions.test.ts and granted by the service stack
 * on its backup bucket and prefix only (never on the log bucket: the collector policy stays read-only).
 */
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";

export const BACKUP_ACTIONS = ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"] as const;

/**
 * The statements granting BACKUP_ACTIONS on `prefix` of `bucket`: listing only under the prefix,
 * the object actions only on keys under it.
 * @example backupStatements(bucket, "chargeback/")
 */
export function backupStatements(bucket: s3.IBucket, prefix: string): iam.PolicyStatement[] {
  const objectActions = BACKUP_ACTIONS.filter((a) => a !== "s3:ListBucket");
  return [
    new iam.PolicyStatement({
      sid: "BackupList",
      actions: ["s3:ListBucket"],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { "s3:prefix": [`${prefix}*`] } },
    }),
    new iam.PolicyStatement({
      sid: "BackupObjects",
      actions: [...objectActions],
      resources: [bucket.arnForObjects(`${prefix}*`)],
    }),
  ];
}
