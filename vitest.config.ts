import { createRequire } from "node:module";
import { join } from "node:path";
import { configDefaults, defineConfig, type Plugin, type TestProjectInlineConfiguration } from "vitest/config";

/**
 * The tests that prove tenant isolation (and how the client composes), the transaction-block mode's failure paths and
 * read-replica routing with read-your-writes; they also run against Prisma 6's `prisma-client-js` (fixtures/prisma6).
 */
const DUAL_MAJOR_TESTS = [
  "test/extension/batch-transaction.test.ts",
  "test/extension/isolation-fuzz.test.ts",
  "test/extension/later-extensions.test.ts",
  "test/extension/per-query-tenant.test.ts",
  "test/extension/query-errors.test.ts",
  "test/extension/request-batching.test.ts",
  "test/extension/stray-statement.test.ts",
  "test/extension/strict-mode.test.ts",
  "test/extension/supported-prisma-version.test.ts",
  "test/extension/wire-protocol.test.ts",
  "test/extension/with-tenant.test.ts",
  "test/extension/transaction-block-mode.test.ts",
  "test/extension/transaction-outcome.test.ts",
  "test/replicas/read-mark-leak.test.ts",
  "test/replicas/read-your-writes.test.ts",
  "test/replicas/replica-routing.test.ts",
];

// Prisma 7 only, for now: composition.test.ts (Prisma 6's interactive-transaction client has no $transaction and the
// kit does not recognise it as a transaction client, so three cells of the table differ), role-check.test.ts (it
// builds its clients from the Prisma 7 fixture client directly) and transaction-left-open.test.ts (every case passes
// on Prisma 6, but its worker then never exits; being investigated).

/**
 * The subset that also runs against Prisma 6's `prisma-client` generator: its output differs from `prisma-client-js`
 * only in the generated code around the same runtime, so reads, writes, transactions and batching are enough.
 */
const GENERATOR_TESTS = [
  "test/extension/per-query-tenant.test.ts",
  "test/extension/request-batching.test.ts",
  "test/extension/supported-prisma-version.test.ts",
  "test/extension/with-tenant.test.ts",
];

/**
 * The tests that run again with the adapter in the transaction-block context mode (`TENANT_KIT_CONTEXT_MODE`, read by
 * createAppClient in test/setup/init-test.ts), direct and through PgBouncer like every test: the isolation proofs
 * (reads, writes, transactions in both forms, batching, the seeded fuzz with its failure paths, also across primary
 * and replica), the failure paths of a query (errors, statement_timeout, cancel, terminate) and of transaction control
 * (a raw BEGIN / COMMIT, stray statements after a transaction closed), and read-replica routing and read-your-writes
 * (createReplicatedAppClient). Not here: wire-protocol.test.ts and transaction-block-mode.test.ts name their mode per
 * client (they assert both), and the rest does not depend on how the tenant is sent (option and role checks, metrics,
 * RLS SQL generation, the Prisma version gate).
 */
const TRANSACTION_BLOCK_TESTS = [
  "test/context/context-composition.test.ts",
  "test/context/context-replicas.test.ts",
  "test/supabase/supabase-isolation-fuzz.test.ts",
  "test/extension/batch-transaction.test.ts",
  "test/extension/composition.test.ts",
  "test/extension/isolation-fuzz.test.ts",
  "test/extension/later-extensions.test.ts",
  "test/extension/per-query-tenant.test.ts",
  "test/extension/query-errors.test.ts",
  "test/extension/request-batching.test.ts",
  "test/extension/stray-statement.test.ts",
  "test/extension/strict-mode.test.ts",
  "test/extension/transaction-left-open.test.ts",
  "test/extension/with-tenant.test.ts",
  "test/replicas/read-mark-leak.test.ts",
  "test/replicas/read-your-writes.test.ts",
  "test/replicas/replica-behind-same-url.test.ts",
  "test/replicas/replica-isolation-fuzz.test.ts",
  "test/replicas/replica-routing.test.ts",
];

/**
 * What the Prisma 6 projects resolve as an app in fixtures/prisma6 would: the kit's peer dependencies (`pg` too, so
 * the kit's pool is an `instanceof` the Prisma 6 adapter's pg.Pool) and, once extension/ is a package installed there
 * from its tarball (fixtures/prisma6/ensure-prisma6-client.ts), `prisma-tenant-kit` itself, whose imports then resolve
 * there natively. Node's resolver does it, so each resolves to the one file the Prisma 6 adapter itself loads. A
 * specifier fixtures/prisma6 does not have resolves as usual.
 */
const FROM_PRISMA6_APP = ["prisma-tenant-kit", "@prisma/adapter-pg", "@prisma/client", "pg"];
const requireFromPrisma6App = createRequire(join(import.meta.dirname, "fixtures", "prisma6", "package.json"));

function resolveFromPrisma6App(): Plugin {
  return {
    name: "prisma-tenant-kit:resolve-from-prisma6-app",
    enforce: "pre",
    resolveId(source) {
      const name = source
        .split("/")
        .slice(0, source.startsWith("@") ? 2 : 1)
        .join("/");
      if (!FROM_PRISMA6_APP.includes(name)) return null;
      try {
        return requireFromPrisma6App.resolve(source);
      } catch {
        return null;
      }
    },
  };
}

function prisma6Project(generator: "prisma-client-js" | "prisma-client"): TestProjectInlineConfiguration {
  return {
    extends: true,
    plugins: [resolveFromPrisma6App()],
    test: {
      name: generator === "prisma-client-js" ? "prisma6" : "prisma6-client",
      include: generator === "prisma-client-js" ? DUAL_MAJOR_TESTS : GENERATOR_TESTS,
      // The fuzz's failure paths (timeouts, throwing callbacks, terminated backends) hang a worker on Prisma 6: no
      // row crosses tenants, but the run never ends. Until that is understood the Prisma 6 fuzz runs without them;
      // stray-statement.test.ts covers the same closes deterministically on Prisma 6.
      env: { PRISMA_MAJOR: "6", PRISMA6_GENERATOR: generator, FUZZ_FAILURE_PATHS: "0" },
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
      {
        extends: true,
        test: {
          name: "prisma7",
          include: ["test/**/*.test.ts", "codemods/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/citus/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "prisma7-transaction-block",
          include: TRANSACTION_BLOCK_TESTS,
          env: { TENANT_KIT_CONTEXT_MODE: "transaction-block" },
        },
      },
      // On a Citus cluster (coordinator + 2 workers, started only when a test/citus file runs; without Citus its
      // tests skip with one line saying how to enable them). Not `extends`: it needs no embedded Postgres.
      {
        test: {
          name: "citus",
          include: ["test/citus/**/*.test.ts"],
          globalSetup: ["test/setup/citus-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: "forks",
        },
      },
      prisma6Project("prisma-client-js"),
      prisma6Project("prisma-client"),
    ],
  },
});
