/// <reference types="vitest/config" />
// The Launchpad's build (to dist/, served by the ATOM server at /) and its component tests.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const server = process.env.ATOM_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  // `npm exec vite` for development: the API is proxied, so the app runs at one origin as in production.
  server: { proxy: { "/graphql": { target: server, ws: true }, "/artifacts": server, "/uploads": server } },
  test: { environment: "jsdom", include: ["src/**/*.test.tsx", "src/**/*.test.ts"], setupFiles: ["src/test-setup.ts"] },
});
