/// <reference types="vitest/config" />
// The Launchpad's build (to dist/, served by the ATOM server at /) and its component tests.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const server = process.env.ATOM_URL ?? "http://127.0.0.1:8000";

type ModuleInfo = { importers: readonly string[]; dynamicImporters: readonly string[] } | null;

const NODE_MODULES = "/node_modules/";
const REACT = /\/node_modules\/(react|react-dom|scheduler|react-router|react-router-dom|cookie|set-cookie-parser)\//;
const RECHARTS = /\/node_modules\/recharts\//;
// Ed25519 and P-256 for signing uploads. Only Publish signs, but the SDK's AtomClient imports its
// signing module statically (publishWPK), so this chunk is part of every first load, cached on its own.
const CRYPTO = /\/node_modules\/@noble\//;

/**
 * Whether a vendor module is recharts or is reached only through it (d3, lodash, react-smooth, …):
 * those go to the `charts` chunk, which only the pages drawing charts load. A package the app also
 * reaches another way stays out of it, so the first load never pulls the charts in through a shared module.
 */
function chartsOnly(id: string, info: (id: string) => ModuleInfo, seen = new Map<string, boolean>()): boolean {
  if (RECHARTS.test(id)) return true;
  if (!id.includes(NODE_MODULES)) return false;
  const known = seen.get(id);
  if (known !== undefined) return known;
  seen.set(id, true); // an import cycle among vendor modules decides nothing by itself
  const module = info(id);
  const importers = module ? [...module.importers, ...module.dynamicImporters] : [];
  const only = importers.length > 0 && importers.every((importer) => chartsOnly(importer, info, seen));
  seen.set(id, only);
  return only;
}

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      output: {
        // Pages are lazy (App.tsx); vendor code in chunks of its own that change only with its versions.
        manualChunks(id, { getModuleInfo }) {
          if (chartsOnly(id, getModuleInfo)) return "charts";
          if (REACT.test(id)) return "react";
          if (CRYPTO.test(id)) return "crypto";
          return undefined;
        },
      },
    },
  },
  // `npm exec vite` for development: the API is proxied, so the app runs at one origin as in production.
  server: { proxy: { "/graphql": { target: server, ws: true }, "/artifacts": server, "/uploads": server } },
  test: { environment: "jsdom", include: ["src/**/*.test.tsx", "src/**/*.test.ts"], setupFiles: ["src/test-setup.ts"] },
});
