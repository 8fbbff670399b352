export * from "./fake-bedrock-http.js";
export * from "./stub-runtime-client.js";
