import type { CommandEntry } from "../io";

/**
 * Every command, in `chargeback help` order. Add one line per command; its module loads only
 * when that command runs.
 */
export const commands: CommandEntry[] = [
  {
    name: "simulate",
    summary: "write simulated Bedrock invocation logs (S3 layout) with ground truth",
    load: async () => (await import("./simulate")).simulateCommand,
  },
  {
    name: "ingest",
    summary: "read invocation log objects (folder or S3) into the store, exactly once",
    load: async () => (await import("./ingest")).ingestCommand,
  },
  {
    name: "report",
    summary: "usage and cost by any dimensions over a UTC date range",
    load: async () => (await import("./report")).reportCommand,
  },
  {
    name: "ask",
    summary: "ask a question about spend in plain language (Bedrock Text2SQL, or templates without it)",
    load: async () => (await import("./ask")).askCommand,
  },
  {
    name: "experiments",
    summary: "A/B experiments: variants compared on errors, tokens and cost per call (Welch interval)",
    load: async () => (await import("./experiments")).experimentsCommand,
  },
  {
    name: "collect",
    summary: "roll up usage from CloudWatch Logs Insights or Athena into the store",
    load: async () => (await import("./collect")).collectCommand,
  },
  {
    name: "query",
    summary: "print or run a console query, the rollup queries or the Athena DDL",
    load: async () => (await import("./query")).queryCommand,
  },
  {
    name: "doctor",
    summary: "check logging, log group, bucket, Athena table and permissions",
    load: async () => (await import("./doctor")).doctorCommand,
  },
  {
    name: "serve",
    summary: "serve the chargeback API (and the dashboard build) over the store",
    load: async () => (await import("./serve")).serveCommand,
  },
  {
    name: "backup",
    summary: "copy the store (online, consistent) to a file or S3, with a manifest",
    load: async () => (await import("./backup")).backupCommand,
  },
  {
    name: "restore",
    summary: "verify a backup and put it in place of the store",
    load: async () => (await import("./restore")).restoreCommand,
  },
  {
    name: "keys",
    summary: "create, list and revoke API keys",
    load: async () => (await import("./keys")).keysCommand,
  },
  {
    name: "prices",
    summary: "list and add prices, sync from the AWS Price List, reprice open months, list unpriced models",
    load: async () => (await import("./prices")).pricesCommand,
  },
  {
    name: "profiles",
    summary: "map application inference profile ARNs to models; re-resolves open months",
    load: async () => (await import("./profiles")).profilesCommand,
  },
  {
    name: "reconcile",
    summary: "compare the ledger with the AWS bill (CUR 2.0 export or Cost Explorer) for a month",
    load: async () => (await import("./reconcile")).reconcileCommand,
  },
  {
    name: "periods",
    summary: "billing periods: list, close a month, export invoices (CSV, JSON, FOCUS)",
    load: async () => (await import("./periods")).periodsCommand,
  },
  {
    name: "alarms",
    summary: "plan, apply or export the CloudWatch alarms",
    load: async () => (await import("./alarms")).alarmsCommand,
  },
];
