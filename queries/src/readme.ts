/**
 * Renders queries/README.md from the builders, so the documented text is exactly what runs.
 * `npx tsx queries/scripts/write-readme.ts` rewrites it; readme.test.ts fails when it is stale.
 */
import { buildAthenaDdl } from "./athena/ddl";
import { buildAthenaFacetSql, buildAthenaRollupSql } from "./athena/rollup";
import { buildConsoleQuery, CONSOLE_QUERIES } from "./console";
import { buildInsightsFacetQuery, buildInsightsRollupQuery } from "./logs-insights/rollup";

const EXAMPLE_WINDOW = { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };

export function renderReadme(): string {
  const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text}\n\`\`\``;
  const consoleSections = CONSOLE_QUERIES.map((q) => {
    const parts = [`### \`${q.name}\` — ${q.title}`, "", q.description, ""];
    const example = q.example ?? {};
    if (q.example) parts.push(`Example parameters: \`${JSON.stringify(q.example)}\`.`, "");
    if (q["logs-insights"])
      parts.push(
        "Logs Insights:",
        "",
        fence("", buildConsoleQuery(q.name, "logs-insights", example).text),
        "",
      );
    if (q.athena)
      parts.push(
        "Athena:",
        "",
        fence("sql", buildConsoleQuery(q.name, "athena", { ...example, ...EXAMPLE_WINDOW }).text),
        "",
      );
    return parts.join("\n");
  });
  return `# @bedrock-chargeback/queries

Every query the system asks Logs Insights and Athena, as typed builders: a zod params schema →
query text → a row schema that validates what AWS returns. The collector runs the rollups; users
paste the console collection into the CloudWatch / Athena consoles, or run it with
\`chargeback query <name> [--engine logs-insights|athena] [--print]\`. Filters (\`--application\`,
\`--tenant\`, \`--environment\`, \`--cost-center\`, \`--model\`) apply only to the queries that take them
(\`application-detail\`, \`filtered-breakdown\`); elsewhere they are refused, never ignored. Both engines
return the same columns with the same meaning (a failed call is an error, not a request, and has no
tokens); Logs Insights does not dedupe by requestId (see below).

This file is generated from the builders (\`npx tsx queries/scripts/write-readme.ts\`);
\`src/readme.test.ts\` fails when it is stale. Examples use the default metadata mapping
(\`tenant_id\`, \`application_name\`, \`cost_center\`, \`environment\`, \`team\`, \`user_id\`), which is
configurable (\`metadataKeys\`, CLI \`--map tenant=<key>\`).

## Escaping

User values reach query text only through \`quote(value, target)\` (\`src/escape.ts\`):
Logs Insights strings are \`"…"\` with \`\\\\\` and \`\\"\` escaped (control characters are refused —
the language documents no escape for them); field names with other characters than
\`[A-Za-z0-9_.@]\` are wrapped in backticks (a backtick is refused); Athena strings are \`'…'\`
with \`''\` doubled (Trino has no backslash escapes) and identifiers \`"…"\` with \`""\`. The DDL
(Hive syntax, which does have backslash escapes) takes only schema-validated names.
fast-check properties check that any string round-trips as one literal and cannot close it or
add a \`|\` command.

## Athena table (DDL)

Partition projection on the delivery folders \`YYYY/MM/DD/HH\`; \`requestMetadata\` is
\`map<string,string>\`; bodies are left out (cost, PII). Print yours with
\`chargeback query athena-ddl --print --bucket <b> --account <id> --region <r> [--key-prefix p]\`.

${fence("sql", buildAthenaDdl({ bucket: "acme-bedrock-logs", keyPrefix: "bedrock", accountId: "123456789012", region: "us-east-1" }))}

## The collector's rollups

### Logs Insights: hourly rollup

Four token buckets, records and errors by
\`bin(1h)\` and the rollup dimensions. A call failed when \`errorCode\` is present and non-empty,
as Athena and the raw path read it: \`failed\` is that as 0/1 (\`least(strlen(coalesce(errorCode, "")), 1)\`),
errors = \`sum(failed)\`, requests = records − errors, and a failed call's tokens are multiplied by 0
(docs/rules.md rule 8). Not \`count(errorCode)\`: it counts every record that has the field, \`""\`
included. Time range comes from StartQuery (epoch seconds, both ends
inclusive: a window \`[a, b)\` is sent as \`startTime=a, endTime=b−1\`). Logs Insights returns at
most \`limit\` rows and cannot page, so the collector splits any window that returns \`limit\` rows
in halves (down to 1 hour, then fails naming the window).

**No dedupe here**: Logs Insights allows only \`limit\` after \`dedup\`, so \`dedup requestId\` cannot
precede \`stats\`. CloudWatch delivery writes one event per invocation; the Athena rollup (and the
raw path) dedupe S3 re-deliveries. The \`large-requests\` console query uses \`dedup\`.
\`bin(1h)\` is on \`@timestamp\` (the event time Bedrock sets); StartQuery's window is on the same
clock, so a window's rows never fall outside it.

${fence("", buildInsightsRollupQuery())}

### Logs Insights: daily facets (user × identity)

${fence("", buildInsightsFacetQuery())}

### Athena: hourly rollup

Partition pruning on \`datehour\` with slack (1 hour before, 3 after, for late delivery; both
configurable), the record's own \`timestamp\` decides the hour, duplicates of a \`requestId\`
count once, errors (\`errorCode\` non-empty) count as errors with zero tokens, and
\`element_at\` keeps a missing metadata key NULL (\`m['k']\` would fail the query).
Results are paged 1,000 rows at a time; the first row of the first page is the header, checked
against the expected columns.

${fence("sql", buildAthenaRollupSql(EXAMPLE_WINDOW))}

### Athena: daily facets (user × identity)

${fence("sql", buildAthenaFacetSql(EXAMPLE_WINDOW))}

## Console collection

${consoleSections.join("\n")}`;
}
