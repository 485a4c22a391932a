import { createRequire } from "node:module";
import { join } from "node:path";
import { configDefaults, defineConfig, type Plugin, type TestProjectInlineConfiguration } from "vitest/config";

/**
 * Which tests run in which project is decided by folder, so a new test file joins every run its folder is in:
 *
 * - `test/isolation/` (and `test/isolation/replicas/`, on a streaming replica): the proofs of tenant isolation and of
 *   how the client composes: reads, writes, transactions in both forms, batching, the seeded fuzzes with their failure
 *   paths, the failure paths of a query (errors, statement_timeout, cancel, terminate) and of transaction control (a
 *   raw BEGIN / COMMIT, stray statements after a transaction closed), read-replica routing and read-your-writes. They
 *   run in every project: Prisma 7 in both context modes, and Prisma 6 with both of its generators.
 * - `test/driver/`: what the kit sends on the wire and which Prisma it accepts. Each of these tests names the context
 *   mode per client (it asserts both), so they run under each Prisma major but not again in the transaction-block
 *   project.
 * - Everything else in `test/` (option and role checks, metrics, RLS SQL generation, the doctor, the packed package,
 *   the HTTP app) does not depend on how the tenant is sent or on the Prisma major: Prisma 7 only.
 */
const ISOLATION_TESTS = "test/isolation/**/*.test.ts";
/**
 * Query contexts (several settings and a role) and Supabase's policies: Prisma 7, in both context modes (not yet run
 * on Prisma 6).
 */
const CONTEXT_TESTS = ["test/context/**/*.test.ts", "test/supabase/**/*.test.ts"];
const DRIVER_TESTS = "test/driver/**/*.test.ts";

/**
 * Left out of the Prisma 6 projects, each for its reason. composition.test.ts: Prisma 6's interactive-transaction
 * client has no $transaction and the kit does not recognise it as a transaction client, so three cells of the table
 * differ on Prisma 6.
 */
const NOT_ON_PRISMA6 = ["test/isolation/composition.test.ts"];

/**
 * Prisma 6's `prisma-client` generator differs from `prisma-client-js` only in the generated code around the same
 * runtime, so its project runs the same files without the read replicas and the fuzzes (which exercise the runtime,
 * the pool and the server, already covered by the `prisma6` project).
 */
const NOT_ON_PRISMA6_CLIENT_GENERATOR = ["test/isolation/replicas/**", "**/*-fuzz.test.ts"];

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
      include: [ISOLATION_TESTS, DRIVER_TESTS],
      exclude: [
        ...configDefaults.exclude,
        ...NOT_ON_PRISMA6,
        ...(generator === "prisma-client" ? NOT_ON_PRISMA6_CLIENT_GENERATOR : []),
      ],
      env: { PRISMA_MAJOR: "6", PRISMA6_GENERATOR: generator },
    },
  };
}

export default defineConfig({
  test: {
    globalSetup: ["test/setup/global-setup.ts"],
    // Budgets, not assertions: a type-check of a fixture app took 86 s while the suite shared 2 cores with other work.
    testTimeout: 240_000,
    hookTimeout: 240_000,
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
          include: [ISOLATION_TESTS, ...CONTEXT_TESTS],
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
