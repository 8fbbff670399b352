/** GET /v1/experiments and /v1/experiments/{id}: A/B variants compared on cost per call, tenant-scoped. */
import {
  DEFAULT_EXPERIMENT_KEYS,
  type ExperimentKeys,
  experimentReport,
  listExperiments,
  type PriceBook,
  UsageQueryError,
  type VariantStats,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { cachedJson, type Services, scopeFilters } from "../context";
import { ApiError, badRequest } from "../errors";
import { ALL, access, responses, router } from "../openapi";
import { ExperimentListResponse, ExperimentResponse, type ExperimentVariant } from "../schemas";
import { extractFilters, type Filters, timeBound } from "../validation";
import { figures } from "../views";

const RESERVED = new Set(["from", "to", "experiment_key", "variant_key", "baseline"]);
/** A metadata key, as `meta:<key>` accepts it (ledger/src/dimensions.ts). */
const metadataKey = z.string().regex(/^[A-Za-z0-9 _.:/=+@#$,-]{1,256}$/, "expected a metadata key");

const querySchema = z
  .looseObject({
    from: timeBound.meta({ description: "inclusive, YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z (UTC)" }),
    to: timeBound.meta({ description: "exclusive, same forms" }),
    experiment_key: metadataKey
      .default(DEFAULT_EXPERIMENT_KEYS.experiment)
      .meta({ description: "metadata key naming the experiment (default experiment_id)" }),
    variant_key: metadataKey
      .default(DEFAULT_EXPERIMENT_KEYS.variant)
      .meta({ description: "metadata key naming the variant (default variant)" }),
    baseline: z
      .string()
      .max(256)
      .optional()
      .meta({ description: "the variant the others are compared with (default: the first by name)" }),
  })
  .transform((q, ctx) => {
    if (q.experiment_key === q.variant_key)
      ctx.addIssue({
        code: "custom",
        path: ["variant_key"],
        message: "expected a key other than experiment_key",
      });
    return {
      from: q.from,
      to: q.to,
      keys: { experiment: q.experiment_key, variant: q.variant_key } as ExperimentKeys,
      baseline: q.baseline,
      filters: extractFilters(q, RESERVED, ctx),
    };
  });

type Params = z.output<typeof querySchema>;

export const WELCH_STATISTIC =
  "Welch's t interval (95 %, two-sided, Welch–Satterthwaite df) on cost per call (errors count as calls costing 0), variant − baseline, from exact per-variant n, Σ cost and Σ cost²; significant = the interval excludes 0. Each variant is compared with the baseline alone (no correction for several comparisons).";

function plainFilters(filters: Filters): Record<string, (string | null)[]> {
  const out: Record<string, (string | null)[]> = {};
  for (const [k, v] of Object.entries(filters)) if (v) out[k] = v;
  return out;
}

function guarded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof UsageQueryError) throw badRequest(error.message);
    throw error;
  }
}

export function getExperiments(s: Services, q: Params): ExperimentListResponse {
  const list = guarded(() => listExperiments(s.db, s.cache.prices(), q));
  return {
    query: {
      from: q.from,
      to: q.to,
      experiment_key: q.keys.experiment,
      variant_key: q.keys.variant,
      filters: plainFilters(q.filters),
    },
    experiments: list.map((e) => ({ experiment_id: e.id, variants: e.variants, ...figures(e.totals) })),
  };
}

function variantView(v: VariantStats): ExperimentVariant {
  return {
    variant: v.variant,
    ...figures(v.totals),
    calls: v.calls,
    error_rate: v.errorRate,
    tokens_per_request: v.tokensPerRequest,
    cost_per_call_micro_usd: v.costPerCallMicros,
    cost_per_successful_request_micro_usd: v.costPerSuccessMicros,
    cost_per_call_sd_micro_usd: v.costPerCallSdMicros,
    latency_ms: v.latencyMs,
    latency_calls: v.latencyCalls,
  };
}

export function getExperiment(s: Services, prices: PriceBook, id: string, q: Params): ExperimentResponse {
  const report = guarded(() => experimentReport(s.db, prices, id, q));
  if (!report) throw new ApiError("not_found", `no usage of experiment ${JSON.stringify(id)} in this range`);
  return {
    query: {
      from: q.from,
      to: q.to,
      experiment_key: q.keys.experiment,
      variant_key: q.keys.variant,
      baseline: q.baseline ?? null,
      filters: plainFilters(q.filters),
    },
    experiment_id: report.id,
    baseline: report.baseline,
    variants: report.variants.map(variantView),
    comparisons: report.comparisons.map((c) => ({
      variant: c.variant,
      baseline: c.baseline,
      welch: c.welch
        ? {
            diff_micro_usd: c.welch.diff,
            low_micro_usd: c.welch.low,
            high_micro_usd: c.welch.high,
            df: c.welch.df,
            t: c.welch.t,
            significant: c.welch.significant,
          }
        : null,
    })),
    unpriced: report.unpriced,
    statistic: WELCH_STATISTIC,
  };
}

const idParam = z.object({ id: z.string().min(1).max(256).meta({ description: "the experiment id" }) });
const filterNote = "Any dimension name is also a filter parameter (repeatable; __null__ = missing).";

export function experimentRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        summary: `A/B experiments (requests carrying the experiment metadata key) with their variants and totals, biggest cost first. ${filterNote}`,
        ...access(ALL),
        request: { query: querySchema },
        responses: responses(200, ExperimentListResponse),
      }),
      (c) => {
        const q = c.req.valid("query");
        const params = { ...q, filters: scopeFilters(c, q.filters) };
        return cachedJson(c, s, ["experiments", params], () => getExperiments(s, params));
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/{id}",
        summary: `One experiment: per variant calls, errors and error rate, tokens per request, cost per call and per successful request, latency where the log carries it, and each variant against the baseline by Welch's t interval on cost per call. ${filterNote}`,
        ...access(ALL),
        request: { params: idParam, query: querySchema },
        responses: responses(200, ExperimentResponse, { extra: [404] }),
      }),
      (c) => {
        const { id } = c.req.valid("param");
        const q = c.req.valid("query");
        const params = { ...q, filters: scopeFilters(c, q.filters) };
        return cachedJson(c, s, ["experiment", id, params], () =>
          getExperiment(s, s.cache.prices(), id, params),
        );
      },
    );
}
