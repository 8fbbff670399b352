import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "collector",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    setupFiles: ["aws-sdk-client-mock-vitest/extend"],
  },
});
