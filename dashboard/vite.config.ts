import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

// Built once into dashboard/dist; `chargeback serve` serves it at `/` next to the API.
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1200, sourcemap: false },
  // `vite dev` for working on the UI: proxy the API of a running `chargeback serve`.
  server: { proxy: { "/v1": "http://127.0.0.1:8787" } },
});
