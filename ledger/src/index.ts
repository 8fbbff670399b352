/**
 * The ledger: what the numbers are. The store and its migrations, prices and model resolution,
 * dimensions, rollup writing, usage queries, billing periods, invoices, budgets and exports.
 * `collector/` fills it; `api/`, `cli/` and `infra/` read it (docs/adr/0005-package-layout.md).
 */

export * from "./billing";
export { escapeCsvField, toCsv, unescapeCsvField } from "./billing/csv";
export * from "./billing/price-sync";
export * from "./dimensions";
export * from "./models/resolve-model";
export * from "./pricing/catalog";
export * from "./pricing/cost";
export * from "./pricing/money";
export * from "./pricing/price-book";
export * from "./pricing/price-list";
export * from "./reconcile";
export type { UsageRecord } from "./records/usage-record";
export * from "./report/experiments";
export * from "./report/usage";
export * from "./report/welch";
export * from "./rollup/accumulate";
export { rebuildDaily } from "./rollup/daily";
export * from "./rollup/types";
export * from "./rollup/write";
export * from "./store/backup";
export { codeMigrationLevel, createDb, type Db } from "./store/db";
export * from "./store/run-lock";
export * as schema from "./store/schema";
export * as apiSchema from "./store/schema-api";
export * from "./user-input";
