/**
 * The template matcher: answers the common questions without Bedrock — cost by a dimension over a
 * period, the top N, the month-over-month change, the total. Its SQL is built from fixed pieces
 * (no user text reaches it; periods are parsed into 'YYYY-MM' / 'YYYY-MM-DD' first) and goes
 * through the same checks and worker as the model's.
 */

export type TemplateMatch = { sql: string; description: string };

const DIMENSIONS: readonly { pattern: RegExp; column: string; label: string }[] = [
  { pattern: /\bcost[ _-]?cent(?:er|re)s?\b/i, column: "cost_center", label: "cost center" },
  { pattern: /\btenants?\b|\bcustomers?\b/i, column: "tenant", label: "tenant" },
  { pattern: /\bapplications?\b|\bapps?\b/i, column: "application", label: "application" },
  { pattern: /\bmodels?\b/i, column: "model", label: "model" },
  { pattern: /\bteams?\b/i, column: "team", label: "team" },
  { pattern: /\benvironments?\b/i, column: "environment", label: "environment" },
  { pattern: /\bregions?\b/i, column: "region", label: "region" },
  { pattern: /\baccounts?\b/i, column: "account", label: "account" },
];

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

type Period =
  | { kind: "months"; from: string; to: string; label: string }
  | { kind: "days"; from: string; to: string; label: string };

function monthOf(date: Date, offset = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 7);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Months named in the question, in order: "October 2026", "2026-10", "october" (latest one not after today). */
function namedMonths(question: string, today: Date): string[] {
  const found: { at: number; month: string }[] = [];
  for (const m of question.matchAll(/\b(20\d\d)-(0[1-9]|1[0-2])\b/g))
    found.push({ at: m.index ?? 0, month: `${m[1]}-${m[2]}` });
  const names = new RegExp(
    `\\b(${MONTHS.join("|")}|${MONTHS.map((n) => n.slice(0, 3)).join("|")})\\b(?:\\s+(20\\d\\d))?`,
    "gi",
  );
  for (const m of question.matchAll(names)) {
    const name = (m[1] ?? "").toLowerCase();
    const index = MONTHS.findIndex((full) => full === name || full.slice(0, 3) === name);
    if (
      index < 0 ||
      (name === "may" && !m[2] && !/\bin may\b|\bmay\s+(?:to|and|vs)\b|\bfrom may\b/i.test(question))
    )
      continue;
    let year = m[2] ? Number(m[2]) : today.getUTCFullYear();
    if (!m[2] && index > today.getUTCMonth()) year -= 1;
    found.push({ at: m.index ?? 0, month: `${year}-${String(index + 1).padStart(2, "0")}` });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.month);
}

function findPeriod(question: string, today: Date): Period {
  const q = question.toLowerCase();
  const day = today.toISOString().slice(0, 10);
  const lastDays = /\b(?:last|past)\s+(\d{1,3})\s+days?\b/.exec(q);
  if (lastDays) {
    const n = Math.max(1, Number(lastDays[1]));
    return { kind: "days", from: addDays(day, -n + 1), to: addDays(day, 1), label: `the last ${n} days` };
  }
  if (/\byesterday\b/.test(q)) return { kind: "days", from: addDays(day, -1), to: day, label: "yesterday" };
  if (/\btoday\b/.test(q)) return { kind: "days", from: day, to: addDays(day, 1), label: "today" };
  if (/\blast month\b|\bprevious month\b/.test(q)) {
    const m = monthOf(today, -1);
    return { kind: "months", from: m, to: m, label: m };
  }
  const named = namedMonths(question, today);
  if (named.length > 0) {
    const sorted = [...named].sort();
    const from = sorted[0] ?? "";
    const to = sorted[sorted.length - 1] ?? "";
    return { kind: "months", from, to, label: from === to ? from : `${from} to ${to}` };
  }
  const year =
    /\b(?:in|for|during)\s+(20\d\d)\b/.exec(q)?.[1] ??
    (/\bthis year\b/.test(q) ? String(today.getUTCFullYear()) : undefined);
  if (year) return { kind: "months", from: `${year}-01`, to: `${year}-12`, label: year };
  const m = monthOf(today);
  return { kind: "months", from: m, to: m, label: `${m} (this month)` };
}

function periodFilter(p: Period): { view: string; where: string } {
  if (p.kind === "days") return { view: "usage_by_day", where: `day >= '${p.from}' AND day < '${p.to}'` };
  return p.from === p.to
    ? { view: "usage_by_month", where: `month = '${p.from}'` }
    : { view: "usage_by_month", where: `month >= '${p.from}' AND month <= '${p.to}'` };
}

/**
 * Matches a question to a template, or `undefined` when none fits.
 * @example matchTemplate("top 3 tenants by cost last month", new Date("2026-11-29T00:00:00Z"))?.sql
 */
export function matchTemplate(question: string, today: Date): TemplateMatch | undefined {
  const q = question.toLowerCase();
  if (
    !/\b(cost|costs|spend|spent|spending|bill|billed|charges?|usage|expensive|grew|growth|change|increase|decrease|paid|pay)\b/.test(
      q,
    )
  )
    return undefined;
  const dim = DIMENSIONS.find((d) => d.pattern.test(question));
  const top = /\b(?:top|largest|biggest|highest|most expensive)\s+(\d{1,3})\b/.exec(q) ?? /\btop\b/.exec(q);
  const limit = top ? Math.min(100, Math.max(1, Number(top[1] ?? 5))) : undefined;

  if (
    /\bmonth[- ]over[- ]month\b|\bgrew\b|\bgrowth\b|\bchange[ds]?\b|\bincrease[ds]?\b|\bdecrease[ds]?\b|\bcompared?\b|\bvs\.?\b/.test(
      q,
    )
  ) {
    const named = namedMonths(question, today);
    const lastMonth = /\blast month\b/.test(q) ? monthOf(today, -1) : undefined;
    const [fromMonth, toMonth] =
      named.length >= 2
        ? [named[0] ?? "", named[named.length - 1] ?? ""]
        : named.length === 1
          ? [monthOf(new Date(`${named[0]}-01T00:00:00Z`), -1), named[0] ?? ""]
          : lastMonth
            ? [monthOf(today, -2), lastMonth]
            : [monthOf(today, -1), monthOf(today)];
    const change = `SUM(CASE WHEN month = '${toMonth}' THEN cost_pico ELSE -cost_pico END) AS change_pico`;
    const columns = `SUM(CASE WHEN month = '${fromMonth}' THEN cost_pico ELSE 0 END) AS from_cost_pico, SUM(CASE WHEN month = '${toMonth}' THEN cost_pico ELSE 0 END) AS to_cost_pico, ${change}`;
    const where = `month IN ('${fromMonth}', '${toMonth}')`;
    const order = /\bdecrease|\bshr[ua]nk|\bfell\b|\bdropped\b/.test(q) ? "ASC" : "DESC";
    const sql = dim
      ? `SELECT ${dim.column}, ${columns} FROM usage_by_month WHERE ${where} GROUP BY ${dim.column} ORDER BY change_pico ${order}${limit ? ` LIMIT ${limit}` : /\bmost\b|\bwhich\b/.test(q) ? " LIMIT 1" : ""}`
      : `SELECT ${columns} FROM usage_by_month WHERE ${where}`;
    return {
      sql,
      description: `cost change ${dim ? `by ${dim.label} ` : ""}from ${fromMonth} to ${toMonth}${toMonth === monthOf(today) ? " (this month so far)" : ""}`,
    };
  }

  const period = findPeriod(question, today);
  const { view, where } = periodFilter(period);
  if (dim) {
    return {
      sql: `SELECT ${dim.column}, SUM(cost_pico) AS cost_pico, SUM(requests) AS requests FROM ${view} WHERE ${where} GROUP BY ${dim.column} ORDER BY cost_pico DESC${limit ? ` LIMIT ${limit}` : ""}`,
      description: `${limit ? `top ${limit} ${dim.label}s` : `cost by ${dim.label}`} for ${period.label}`,
    };
  }
  return {
    sql: `SELECT SUM(cost_pico) AS cost_pico, SUM(requests) AS requests FROM ${view} WHERE ${where}`,
    description: `total cost for ${period.label}`,
  };
}
