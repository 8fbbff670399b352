import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "wrapper",
    include: ["src/**/*.test.ts", "examples/**/*.test.ts"],
    setupFiles: ["./vitest.setup.ts"],
    // The SDK warns on every client about Node 20 support ending; it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    testTimeout: 20000,
  },
});
