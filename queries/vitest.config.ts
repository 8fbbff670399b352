import { defineConfig } from "vitest/config";

export default defineConfig({ test: { name: "queries", include: ["src/**/*.test.ts"] } });
