#!/usr/bin/env bash
# The demo: simulate last month and this month of Bedrock invocation logs for four typical
# applications → ingest them exactly once → print last month's cost by tenant → reconcile it with
# the simulated CUR 2.0 export → serve the API
# and the dashboard on http://127.0.0.1:8787 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

DEMO=.demo
RECORDS=${DEMO_RECORDS:-40000}
PORT=${DEMO_PORT:-8787}
this_month=$(date -u +%Y-%m-01)
last_month=$(date -u -d "$this_month -1 month" +%Y-%m-01)
today=$(date -u +%Y-%m-%d)
if [ "$today" = "$this_month" ]; then until_day=$this_month; else until_day=$today; fi

rm -rf "$DEMO" && mkdir -p "$DEMO"
echo "== 1/5 simulate $RECORDS invocation logs, $last_month .. $until_day (UTC)"
pnpm -s chargeback simulate --out "$DEMO/logs" --records "$RECORDS" --from "$last_month" --to "$until_day" --seed 42

echo
echo "== 2/5 ingest (folder source; run it twice: the second run is a no-op)"
pnpm -s chargeback ingest --source dir --path "$DEMO/logs" --db "$DEMO/chargeback.db" \
  --profiles "$DEMO/logs/application-profiles.json"
pnpm -s chargeback ingest --source dir --path "$DEMO/logs" --db "$DEMO/chargeback.db" \
  --profiles "$DEMO/logs/application-profiles.json" | sed -n '1,3p'

echo
echo "== 3/5 report: $last_month by tenant (top 15 of the table)"
pnpm -s chargeback report --db "$DEMO/chargeback.db" --from "$last_month" --to "$this_month" \
  --by tenant --format table > "$DEMO/report.txt"
head -n 17 "$DEMO/report.txt"
echo "   … full table: $DEMO/report.txt"
tail -n 3 "$DEMO/report.txt"

echo
last_month_ym=${last_month:0:7}
echo "== 4/5 reconcile $last_month_ym with the AWS bill: the CUR 2.0 export the simulator wrote ($DEMO/logs/cur),"
echo "   with deltas planted on purpose (listed in $DEMO/logs/cur/cur-truth.json)"
pnpm -s chargeback reconcile --db "$DEMO/chargeback.db" --month "$last_month_ym" --cur "$DEMO/logs/cur"

echo
echo "== ask: one question in plain language (template answer: the demo has no AWS, so no Bedrock)"
CHARGEBACK_ASK_MODE=fallback pnpm -s chargeback ask "top 5 tenants by cost last month" --db "$DEMO/chargeback.db"

echo
echo "== A/B test: the simulated experiment's variants, $last_month (cost per call, Welch interval)"
experiment=$(pnpm -s chargeback experiments --db "$DEMO/chargeback.db" --from "$last_month" --to "$this_month" \
  --format json | sed -n 's/.*"experiment_id": "\([^"]*\)".*/\1/p' | head -n 1)
pnpm -s chargeback experiments "$experiment" --db "$DEMO/chargeback.db" --from "$last_month" --to "$this_month"

echo
echo "== 5/5 build the dashboard and serve it with the API"
pnpm --filter @bedrock-chargeback/dashboard -s build > "$DEMO/dashboard-build.log" 2>&1 || { cat "$DEMO/dashboard-build.log"; exit 1; }
admin_key=$(pnpm -s chargeback keys create --role admin --name "demo admin" --db "$DEMO/chargeback.db" 2>/dev/null)
tenant=$(pnpm -s chargeback report --db "$DEMO/chargeback.db" --from "$last_month" --to "$this_month" --by tenant --format csv \
  | sed -n '2p' | cut -d, -f1)
tenant_key=$(pnpm -s chargeback keys create --role tenant --tenant "$tenant" --name "demo tenant" --db "$DEMO/chargeback.db" 2>/dev/null)
cat <<MSG

   Dashboard + API:  http://127.0.0.1:$PORT/
   Sign in with the admin key:            $admin_key
   or as tenant "$tenant" (read-only):    $tenant_key
   API example:  curl -H "Authorization: Bearer $admin_key" "http://127.0.0.1:$PORT/v1/usage?from=$last_month&to=$this_month&group_by=application"
   Ask:          http://127.0.0.1:$PORT/ask   (templates here; CHARGEBACK_ASK_MODE=auto with AWS credentials uses Bedrock)
   OpenAPI:      http://127.0.0.1:$PORT/openapi.json      (Ctrl-C stops the server)

MSG
CHARGEBACK_ASK_MODE=${CHARGEBACK_ASK_MODE:-fallback} exec pnpm -s chargeback serve --db "$DEMO/chargeback.db" --port "$PORT" --host 127.0.0.1 --static dashboard/dist
