#!/usr/bin/env bash
# Runs when the instance shuts down (chargeback-final-backup.service stops after the API and the
# collector): one more backup, named like the periodic ones, so a replacement instance restores
# what was written since the last periodic backup. Best effort: a failure is logged, not retried.
set -euo pipefail
: "${CHARGEBACK_DB:?}" "${CHARGEBACK_BACKUP_BUCKET:?}" "${CHARGEBACK_BACKUP_PREFIX?}"
[ -e "$CHARGEBACK_DB" ] || { echo "final backup: no store at $CHARGEBACK_DB"; exit 0; }
name="chargeback-$(date -u +%Y%m%dT%H%M%SZ).db"
chargeback backup --db "$CHARGEBACK_DB" --to "s3://${CHARGEBACK_BACKUP_BUCKET}/${CHARGEBACK_BACKUP_PREFIX}${name}"
