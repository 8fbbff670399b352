import { defineConfig } from "vitest/config";

// The repo's own scripts and repository-wide checks (picked up by the root config's
// `*/vitest.config.ts` projects). Some walk the whole workspace: a generous timeout, as elsewhere.
export default defineConfig({ test: { name: "scripts", include: ["*.test.mjs"], testTimeout: 60_000 } });
