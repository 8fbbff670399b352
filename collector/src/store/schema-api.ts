/** Tables owned by the API (keys, budgets, invoices). Filled in by the API work. */
export {};
