import { defineConfig } from "vitest/config";

// Each package has its own vitest.config.ts (a "project"); this runs them all in one process.
// Two test files at a time: Vitest's default (cores − 1) is one on a 2-core CI machine, which made
// the suite the sum of its files (vitest 574–639 s; with two, 440 s on a fresh clone). Most of the
// long files wait on child processes (the CLI, s3rver, chromium, npm), so two overlap well.
export default defineConfig({
  test: {
    projects: ["*/vitest.config.ts"],
    maxWorkers: 2,
  },
});
