import { defineConfig } from "vitest/config";

// The repo's own scripts (picked up by the root config's `*/vitest.config.ts` projects).
export default defineConfig({ test: { name: "scripts", include: ["*.test.mjs"] } });
