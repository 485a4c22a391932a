import { defineConfig } from "tsdown";

// The CLI and the jscodeshift entries are compiled JavaScript: no TypeScript loader at run time. jscodeshift
// require()s its transforms, so those are CommonJS.
const shared = { platform: "node", target: "node20.19", dts: false, outDir: "dist" } as const;

export default defineConfig([
  // The type check of a phase runs in a process of its own, with a heap sized for large apps.
  {
    ...shared,
    entry: { "tenant-kit": "cli/tenant-kit-bin.ts", "type-check-worker": "verify/type-check-worker.ts" },
    format: ["esm"],
    clean: true,
  },
  {
    ...shared,
    entry: Object.fromEntries(
      ["install", "scaffold", "reads", "writes", "finalize"].map((id) => [`jscodeshift/${id}`, `jscodeshift/${id}.ts`]),
    ),
    format: ["cjs"],
    // jscodeshift takes `module.default` as the transform and `module.parser` as the parser.
    outputOptions: { exports: "named" },
  },
]);
