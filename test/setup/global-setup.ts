import type { TestProject } from "vitest/node";
import { createDatabaseRoles, createFixtureDatabase } from "../../fixtures/database/create-fixture-database.ts";
import { startPostgres } from "../../fixtures/database/postgres-server.ts";
import { exitOnPostgresStartError } from "../../fixtures/database/postgres-start-error.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "../../fixtures/database/start-pgbouncer.ts";
import { ensurePrismaClient } from "../../fixtures/database/ensure-prisma-client.ts";

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

/** Starts one Postgres (and PgBouncer) for the whole run and prepares a migrated template database. */
export default async function setup(project: TestProject) {
  await ensurePrismaClient();
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
  project.provide("database", {
    superuserUrl: server.superuserUrl,
    template: TEMPLATE_DATABASE,
    pgbouncer: pgbouncer && { host: pgbouncer.host, port: pgbouncer.port },
  });
  return async () => {
    await pgbouncer?.stop();
    await server.stop();
  };
}
