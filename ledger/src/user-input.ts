/**
 * Every day, hour, month and dimension list a user types (API query or path, CLI flag) is parsed
 * here, once, for the API and the CLI alike. Any string either parses to a value that prints back
 * to itself, or yields a readable message; nothing reaches month arithmetic or SQL unchecked.
 *
 * Supported range: months 2000-01 … 9998-12, times 2000-01-01T00:00:00Z … 9999-01-01T00:00:00Z
 * (the end of 9998-12, usable as an exclusive `to`). The month before and after every supported
 * month is still a four-digit month, so `nextMonth`/`previousMonth` never leave `YYYY-MM`.
 */
import { DAY_PATTERN as DAY, HOUR_PATTERN as HOUR, MONTH_PATTERN } from "@bedrock-chargeback/queries";
import { z } from "zod";
import { type Dimension, parseDimension } from "./dimensions";

export const MIN_MONTH = "2000-01";
export const MAX_MONTH = "9998-12";
export const MIN_TIME = "2000-01-01T00:00:00Z";
/** The first hour after MAX_MONTH: the latest exclusive `to`. */
export const MAX_TIME = "9999-01-01T00:00:00Z";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The shape of a month (the one pattern, queries/src/common.ts); `parseMonth` also checks the range. */
export { MONTH_PATTERN };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** `YYYY-MM` within MIN_MONTH … MAX_MONTH. @example parseMonth("2026-10") // { ok: true, value: "2026-10" } */
export function parseMonth(value: string): Parsed<string> {
  if (!MONTH_PATTERN.test(value)) return fail("expected a month YYYY-MM");
  if (value < MIN_MONTH || value > MAX_MONTH)
    return fail(`expected a month from ${MIN_MONTH} to ${MAX_MONTH}`);
  return { ok: true, value };
}

/** A calendar instant that prints back to `hour` (2026-02-30 matches the pattern but is no day). */
function isCalendarHour(hour: string): boolean {
  const ms = Date.parse(hour);
  return !Number.isNaN(ms) && new Date(ms).toISOString().replace(".000Z", "Z") === hour;
}

function checkTime(value: string, hour: string, expected: string): Parsed<string> {
  if (!isCalendarHour(hour)) return fail(`${expected} (not a calendar date)`);
  if (hour < MIN_TIME || hour > MAX_TIME)
    return fail(`expected a time from ${MIN_TIME.slice(0, 10)} to ${MAX_TIME.slice(0, 10)}`);
  return { ok: true, value };
}

/** A UTC day `YYYY-MM-DD`. @example parseDay("2026-10-01").ok // true */
export function parseDay(value: string): Parsed<string> {
  const expected = "expected a UTC day YYYY-MM-DD";
  if (!DAY.test(value)) return fail(expected);
  return checkTime(value, `${value}T00:00:00Z`, expected);
}

/** A UTC day `YYYY-MM-DD` or hour `YYYY-MM-DDTHH:00:00Z` (usage range bounds). */
export function parseTimeBound(value: string): Parsed<string> {
  const expected = "expected a UTC day YYYY-MM-DD or hour YYYY-MM-DDTHH:00:00Z";
  if (DAY.test(value)) return checkTime(value, `${value}T00:00:00Z`, expected);
  if (HOUR.test(value)) return checkTime(value, value, expected);
  return fail(expected);
}

export const DIMENSION_NAMES =
  "tenant, application, cost_center, environment, team, model, region, account, model_id, scope, user, identity, meta:<key>";
/** Every standard dimension at once plus metadata keys; requestMetadata itself holds at most 16 keys. */
export const MAX_GROUP_BY = 24;

/**
 * A comma list of dimensions (`group_by`, `--by`): known names only (never an object internal such
 * as `constructor`), no repeats, at most MAX_GROUP_BY. @example parseDimensionList("tenant,model")
 */
export function parseDimensionList(spec: string): Parsed<Dimension[]> {
  const out: Dimension[] = [];
  for (const name of spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const dim = parseDimension(name);
    if (!dim) return fail(`unknown dimension ${JSON.stringify(name)} (${DIMENSION_NAMES})`);
    if (out.includes(dim)) return fail(`${name} given twice`);
    out.push(dim);
  }
  if (out.length > MAX_GROUP_BY) return fail(`at most ${MAX_GROUP_BY} dimensions`);
  return { ok: true, value: out };
}

/** A zod string schema over one of the parsers above: the message is the parser's. */
function schemaOf(parse: (value: string) => Parsed<string>) {
  return z.string().superRefine((value, ctx) => {
    const r = parse(value);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message });
  });
}

export const monthSchema = schemaOf(parseMonth);
export const daySchema = schemaOf(parseDay);
export const timeBoundSchema = schemaOf(parseTimeBound);
