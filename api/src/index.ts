/** The chargeback API package: response types (for the dashboard), the app factory and the server. */

export { type App, createApp } from "./app";
export { type ApiConfig, loadApiConfig, parseApiConfig } from "./config";
export type { AppDeps, Logger } from "./context";
export { type ApiKey, createApiKey, findActiveKey, hashKey, listApiKeys, ROLES, revokeApiKey } from "./keys";
export { openApiDocument } from "./openapi";
export { type RunningServer, startBareServer, startServer, stderrLogger } from "./server";
export type * from "./types";
export { exportJson } from "./views";
