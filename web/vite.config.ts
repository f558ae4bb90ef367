import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Builds web/ into dist/web, which `wellness serve` serves at `/`; `vite --config web/vite.config.ts` proxies the API to a running server. */
export default defineConfig({
  root: here,
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2_000,
  },
  server: {
    proxy: Object.fromEntries(["/api", "/health", "/threads", "/runs", "/assistants"].map((path) => [path, "http://127.0.0.1:8000"])),
  },
});
