/**
 * The billing domain: periods, invoices (with adjustments and markups), prices and reprices,
 * budgets, exports. Plain functions over the store, shared by the API, the CLI and the alarms.
 */
export * from "./attribution";
export * from "./budgets";
export * from "./csv";
export * from "./errors";
export * from "./exports";
export * from "./focus-conformance";
export * from "./freshness";
export * from "./invoice-pdf";
export * from "./invoices";
export * from "./markups";
export * from "./months";
export * from "./period-status";
export * from "./periods";
export * from "./prices";
export * from "./profiles";
export * from "./true-up";
