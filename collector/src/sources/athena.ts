/**
 * Runs Athena queries to completion: StartQueryExecution in the configured workgroup and output
 * location, poll GetQueryExecution (QUEUED / RUNNING, which can go back to QUEUED), retry FAILED
 * when Athena says it is retryable, report CANCELLED, then page GetQueryResults 1,000 rows at a
 * time (header row first). Bytes scanned are recorded, failed and cancelled queries included.
 */
import { z } from "zod";
import type { AthenaApi } from "./aws";
import { backoffMs, type Clock, Limiter } from "./clock";
import { SourceError, toSourceError } from "./errors";
import { athenaScanCostPico } from "./scan-cost";

export type AthenaQueryOptions = {
  workgroup: string;
  /** s3://… for results; omit when the workgroup enforces its own. */
  outputLocation?: string;
  catalog: string;
  database: string;
  maxAttempts: number;
  maxConcurrent: number;
  pollInitialMs: number;
  pollMaxMs: number;
  maxPolls: number;
  maxStartRetries: number;
  pageSize: number;
  microsPerTb: bigint;
  minBilledMb: bigint;
};

export const DEFAULT_ATHENA_OPTIONS: Omit<AthenaQueryOptions, "workgroup" | "database"> = {
  catalog: "AwsDataCatalog",
  maxAttempts: 3,
  maxConcurrent: 2,
  pollInitialMs: 500,
  pollMaxMs: 10_000,
  maxPolls: 1_440,
  maxStartRetries: 20,
  pageSize: 1_000,
  microsPerTb: 5_000_000n,
  minBilledMb: 10n,
};

const executionSchema = z.object({
  QueryExecution: z.object({
    Status: z
      .object({
        State: z.enum(["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]).optional(),
        StateChangeReason: z.string().optional(),
        AthenaError: z
          .object({ Retryable: z.boolean().optional(), ErrorMessage: z.string().optional() })
          .optional(),
      })
      .optional(),
    Statistics: z.object({ DataScannedInBytes: z.number().optional() }).optional(),
  }),
});

export type AthenaRun = { pages: unknown[]; bytesScanned: number; queryExecutionId: string };

export class AthenaSession {
  readonly limiter: Limiter;
  bytesScanned = 0;
  scanCostPico = 0n;
  queries = 0;

  constructor(
    readonly api: AthenaApi,
    readonly options: AthenaQueryOptions,
    readonly clock: Clock,
  ) {
    this.limiter = new Limiter(options.maxConcurrent);
  }

  /** Runs `sql` to SUCCEEDED and returns every result page. */
  async run(sql: string, label: string): Promise<AthenaRun> {
    return this.limiter.run(async () => {
      let lastReason = "";
      for (let attempt = 0; attempt < this.options.maxAttempts; attempt++) {
        const id = await this.start(sql, label);
        this.queries++;
        const done = await this.wait(id, label);
        this.bytesScanned += done.bytes;
        // Athena bills every query that scanned, with a minimum; failed and cancelled ones too.
        this.scanCostPico += athenaScanCostPico(
          done.bytes,
          this.options.microsPerTb,
          this.options.minBilledMb,
        );
        if (done.state === "SUCCEEDED")
          return { pages: await this.pages(id), bytesScanned: done.bytes, queryExecutionId: id };
        lastReason = `${done.state}: ${done.reason}`;
        if (done.state === "CANCELLED" || !done.retryable) {
          throw new SourceError("query_failed", `Athena query ${label} (${id}) ${lastReason}`, false);
        }
        await this.clock.sleep(backoffMs(attempt, this.options.pollInitialMs, this.options.pollMaxMs));
      }
      throw new SourceError(
        "query_failed",
        `Athena query ${label} failed ${this.options.maxAttempts} times; last ${lastReason}`,
        true,
      );
    });
  }

  private async start(sql: string, label: string): Promise<string> {
    for (let retry = 0; ; retry++) {
      try {
        const out = await this.api.startQueryExecution({
          QueryString: sql,
          WorkGroup: this.options.workgroup,
          QueryExecutionContext: { Catalog: this.options.catalog, Database: this.options.database },
          ...(this.options.outputLocation
            ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } }
            : {}),
        });
        const id = z.string().min(1).safeParse(out.QueryExecutionId);
        if (!id.success)
          throw new SourceError("bad_response", "StartQueryExecution returned no QueryExecutionId", false);
        return id.data;
      } catch (error) {
        // TooManyRequestsException: the active-query quota (running + queued) is full.
        const e = toSourceError(error, `StartQueryExecution ${label}`);
        if (!e.retryable || retry >= this.options.maxStartRetries) throw e;
        await this.clock.sleep(backoffMs(retry, this.options.pollInitialMs * 4, this.options.pollMaxMs * 3));
      }
    }
  }

  private async wait(id: string, label: string) {
    for (let poll = 0; poll < this.options.maxPolls; poll++) {
      let raw: unknown;
      try {
        raw = await this.api.getQueryExecution({ QueryExecutionId: id });
      } catch (error) {
        const e = toSourceError(error, `GetQueryExecution ${id}`);
        if (!e.retryable) throw e;
        await this.clock.sleep(backoffMs(poll, this.options.pollInitialMs, this.options.pollMaxMs));
        continue;
      }
      const parsed = executionSchema.safeParse(raw);
      if (!parsed.success)
        throw new SourceError(
          "bad_response",
          `GetQueryExecution ${id}: ${parsed.error.issues[0]?.message}`,
          false,
        );
      const q = parsed.data.QueryExecution;
      const state = q.Status?.State ?? "QUEUED";
      if (state === "QUEUED" || state === "RUNNING") {
        await this.clock.sleep(backoffMs(poll, this.options.pollInitialMs, this.options.pollMaxMs));
        continue;
      }
      return {
        state,
        bytes: q.Statistics?.DataScannedInBytes ?? 0,
        reason: q.Status?.AthenaError?.ErrorMessage ?? q.Status?.StateChangeReason ?? "no reason given",
        retryable: q.Status?.AthenaError?.Retryable ?? false,
      };
    }
    throw new SourceError(
      "query_failed",
      `Athena query ${label} (${id}) still not finished after ${this.options.maxPolls} polls`,
      true,
    );
  }

  private async pages(id: string): Promise<unknown[]> {
    const pages: unknown[] = [];
    let nextToken: string | undefined;
    do {
      let page: Awaited<ReturnType<AthenaApi["getQueryResults"]>> | undefined;
      for (let retry = 0; !page; retry++) {
        try {
          page = await this.api.getQueryResults({
            QueryExecutionId: id,
            MaxResults: this.options.pageSize,
            ...(nextToken ? { NextToken: nextToken } : {}),
          });
        } catch (error) {
          const e = toSourceError(error, `GetQueryResults ${id}`);
          if (!e.retryable || retry >= this.options.maxStartRetries) throw e;
          await this.clock.sleep(backoffMs(retry, this.options.pollInitialMs, this.options.pollMaxMs));
        }
      }
      pages.push(page);
      const token = z.string().optional().safeParse(page.NextToken);
      nextToken = token.success && token.data ? token.data : undefined;
    } while (nextToken);
    return pages;
  }
}
