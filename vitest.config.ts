import { defineConfig } from "vitest/config";

// Each package has its own vitest.config.ts (a "project"); this runs them all in one process.
export default defineConfig({
  test: {
    projects: ["*/vitest.config.ts"],
  },
});
