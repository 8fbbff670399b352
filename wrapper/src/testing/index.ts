export * from "./fake-bedrock-http";
export * from "./stub-runtime-client";
