import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "infra",
    include: ["src/**/*.test.ts"],
    testTimeout: 120_000,
    setupFiles: ["aws-sdk-client-mock-vitest/extend"],
  },
});
