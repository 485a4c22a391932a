import { defineConfig } from "tsdown";

// Dual ESM + CJS so `require("prisma-tenant-kit")` works without require(esm) and attw's node16 profile is clean;
// shared code (the AsyncLocalStorage, the pool) lands in one chunk per format, so subpaths share it.
export default defineConfig({
  entry: {
    index: "index.ts",
    admin: "admin/index.ts",
    pool: "pool/index.ts",
    doctor: "doctor/index.ts",
    supabase: "supabase/index.ts",
  },
  format: ["esm", "cjs"],
  platform: "node",
  target: "node20.19",
  dts: true,
  clean: true,
  outDir: "dist",
  tsconfig: "tsconfig.build.json",
  // CommonJS is shipped on purpose (above); plugin timings only say the machine was busy.
  checks: { legacyCjs: false, pluginTimings: false },
});
