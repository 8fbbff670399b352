import { defineConfig } from "vitest/config";

// One project: pure unit tests (src/**/*.test.ts, node env) and the browser end-to-end test
// (e2e/**/*.e2e.test.ts: simulate → ingest → vite build → `chargeback serve` → Debian chromium).
export default defineConfig({
  test: {
    name: "dashboard",
    environment: "node",
    include: ["src/**/*.test.ts", "e2e/**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The browser test polls the page until it shows the API's figure; CI machines are busy.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
