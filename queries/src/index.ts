export * from "./athena/ddl";
export * from "./athena/results";
export * from "./athena/rollup";
export * from "./common";
export * from "./console";
export * from "./escape";
export * from "./logs-insights/results";
export * from "./logs-insights/rollup";
