#!/usr/bin/env bash
# Every check and every test: lint, types, then all vitest projects (unit, integration with
# s3rver, CDK synth, the dashboard in a real chromium). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# No test may reach beyond loopback: never let an SDK credential chain probe instance metadata.
export AWS_EC2_METADATA_DISABLED=true
bash scripts/ensure-chromium.sh
bash scripts/ensure-poppler.sh
echo "== lint (biome)"
pnpm exec biome check .
echo "== typecheck"
pnpm -r --workspace-concurrency=2 typecheck
echo "== tests (vitest)"
mkdir -p .cache
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json || status=$?
node scripts/print-test-totals.mjs .cache/vitest.json
exit $status
