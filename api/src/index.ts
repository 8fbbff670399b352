/** The chargeback API package: response types (for the dashboard) and the app factory. */
export type * from "./types";
