import { join } from "node:path";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

/** The tests that prove tenant isolation; they also run against Prisma 6 (fixtures/prisma6). */
const DUAL_MAJOR_TESTS = [
  "test/extension/isolation-fuzz.test.ts",
  "test/extension/per-query-tenant.test.ts",
  "test/extension/query-errors.test.ts",
  "test/extension/request-batching.test.ts",
  "test/extension/strict-mode.test.ts",
  "test/extension/supported-prisma-version.test.ts",
  "test/extension/wire-protocol.test.ts",
  "test/extension/with-tenant.test.ts",
];

/**
 * The kit's peer dependencies, resolved from fixtures/prisma6/node_modules in the Prisma 6 projects: what an app on
 * Prisma 6 gives an installed kit. `pg` too, so the kit's pool is an `instanceof` the Prisma 6 adapter's pg.Pool.
 */
const PEER_DEPENDENCIES = ["@prisma/adapter-pg", "@prisma/client", "pg"];
const PRISMA6_MODULES = join(import.meta.dirname, "fixtures", "prisma6", "node_modules");

function prisma6Project(generator: "prisma-client-js" | "prisma-client"): TestProjectInlineConfiguration {
  return {
    extends: true,
    resolve: {
      alias: PEER_DEPENDENCIES.map((name) => ({
        find: new RegExp(`^${name.replace("/", "\\/")}(?=/|$)`),
        replacement: join(PRISMA6_MODULES, name),
      })),
    },
    test: {
      name: generator === "prisma-client-js" ? "prisma6" : "prisma6-client",
      include: DUAL_MAJOR_TESTS,
      env: { PRISMA_MAJOR: "6", PRISMA6_GENERATOR: generator },
    },
  };
}

export default defineConfig({
  test: {
    globalSetup: ["test/setup/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One Postgres serves every file of every project; files run in parallel workers against their own databases.
    pool: "forks",
    projects: [
      { extends: true, test: { name: "prisma7", include: ["test/**/*.test.ts", "codemods/**/*.test.ts"] } },
      prisma6Project("prisma-client-js"),
      prisma6Project("prisma-client"),
    ],
  },
});
