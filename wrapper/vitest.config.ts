import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "wrapper",
    include: ["src/**/*.test.ts", "examples/**/*.test.ts"],
    setupFiles: ["./vitest.setup.ts"],
    testTimeout: 20000,
  },
});
