#!/usr/bin/env bash
# Runs before `chargeback serve` and `chargeback collect --watch` on every start of the service
# (docs/adr/0008-deployment.md). A store in place: nothing to do. No store: restore the newest
# complete backup from the backup bucket (a backup's manifest is written last, so the newest
# manifest names the newest complete backup; `chargeback restore` checks it before using it). An
# empty bucket: a new store and an admin API key, which goes to Secrets Manager only.
#
# Environment (/etc/chargeback/env, written by the stack): CHARGEBACK_DB, AWS_REGION,
# CHARGEBACK_BACKUP_BUCKET, CHARGEBACK_BACKUP_PREFIX (ends with "/"), CHARGEBACK_ADMIN_SECRET_ID.
# A failure stops here and the service does not start: never a new empty store over a backup
# that could not be listed or restored.
set -euo pipefail
: "${CHARGEBACK_DB:?}" "${CHARGEBACK_BACKUP_BUCKET:?}" "${CHARGEBACK_BACKUP_PREFIX?}" "${CHARGEBACK_ADMIN_SECRET_ID:?}"
db=$CHARGEBACK_DB
dir=$(dirname "$db")

if [ -e "$db" ]; then
  echo "prepare: store $db is in place"
  exit 0
fi

# Periodic backups are named chargeback-YYYYMMDDTHHMMSSZ.db (UTC), so the names sort by time.
keys=$(aws s3api list-objects-v2 --bucket "$CHARGEBACK_BACKUP_BUCKET" \
  --prefix "${CHARGEBACK_BACKUP_PREFIX}chargeback-" --query 'Contents[].Key' --output text)
manifest=$(printf '%s\n' "$keys" | tr '\t' '\n' \
  | grep -E "^${CHARGEBACK_BACKUP_PREFIX}chargeback-[0-9]{8}T[0-9]{6}Z\\.db\\.json\$" | sort | tail -n 1 || true)

if [ -n "$manifest" ]; then
  from="s3://${CHARGEBACK_BACKUP_BUCKET}/${manifest%.json}"
  echo "prepare: no store; restoring the newest backup $from"
  chargeback restore --from "$from" --db "$db"
  exit 0
fi

echo "prepare: no store and no backup in s3://${CHARGEBACK_BACKUP_BUCKET}/${CHARGEBACK_BACKUP_PREFIX}: creating the store"
# Built beside the store and moved into place only once the admin key is in Secrets Manager, so
# a failed start leaves no store without a reachable admin key.
staging="$dir/.bootstrap-$(basename "$db")"
empty="$dir/.bootstrap-empty"
rm -rf "$staging" "$staging-wal" "$staging-shm" "$staging-ingest-lock" "$empty"
mkdir -p "$empty"
chargeback ingest --source dir --path "$empty" --db "$staging" > /dev/null
rmdir "$empty"
secret_file=$(mktemp "${RUNTIME_DIRECTORY:-/tmp}/admin-key.XXXXXX")
trap 'rm -f "$secret_file"' EXIT
chargeback keys create --role admin --name "bootstrap admin" --db "$staging" 2> /dev/null | tr -d "\n" > "$secret_file"
aws secretsmanager put-secret-value --secret-id "$CHARGEBACK_ADMIN_SECRET_ID" \
  --secret-string "file://$secret_file" > /dev/null
mv "$staging" "$db"
rm -f "$staging-ingest-lock"
echo "prepare: created $db; the admin API key is in Secrets Manager ($CHARGEBACK_ADMIN_SECRET_ID)"
