// Vite builds the dashboard into controller/webui/dist, which the
// controller embeds (go:embed) and serves at /. `npm run dev` serves it
// with hot reload and proxies the API to a controller: PATRONUS_API
// (default https://127.0.0.1:8443, the lab's dashboard proxy).
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const api = process.env.PATRONUS_API ?? "https://127.0.0.1:8443";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../controller/webui/dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      // The controller's certificate is from its own CA: not verified here
      // (development only).
      // The controller accepts WebSockets from its own origin only: the
      // proxy presents the controller's.
      "/api": {
        target: api,
        secure: false,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => proxy.on("proxyReqWs", (req) => req.setHeader("origin", api)),
      },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // The machines that run the tests are shared and slow: typing is simulated key by key.
    testTimeout: 30_000,
  },
});
