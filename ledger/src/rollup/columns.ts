/** The rollup tables' shared column lists, for the SQL in write.ts and daily.ts. */
const COUNTERS = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
] as const;

export const DIM_COLUMNS =
  "account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope";
export const COUNTER_COLUMNS = COUNTERS.join(", ");
export const SUM_COUNTERS = COUNTERS.map((c) => `SUM(${c})`).join(", ");
export const NEGATED_COUNTERS = COUNTERS.map((c) => `-${c}`).join(", ");
/** The SET clause of an upsert that adds the new row's counters to the existing row's. */
export const ADD_COUNTERS = COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");

/** usage_facts' token-product sums, in the order of `Moments` (rollup/types.ts). */
const MOMENTS = ["m_ii", "m_oo", "m_rr", "m_ww", "m_io", "m_ir", "m_iw", "m_or", "m_ow", "m_rw"] as const;
export const MOMENT_COLUMNS = MOMENTS.join(", ");
export const ADD_MOMENTS = MOMENTS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");
