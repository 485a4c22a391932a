import type { TestProject } from "vitest/node";
import { createCitusFixtureDatabase } from "../../fixtures/database/create-citus-fixture-database.ts";
import { ensurePrismaClient } from "../../fixtures/database/ensure-prisma-client.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "../../fixtures/database/start-pgbouncer.ts";
import { citusAvailable, ENABLE_CITUS_HINT, startCitusCluster } from "../../fixtures/database/start-citus-cluster.ts";
import { exitOnPostgresStartError } from "../../fixtures/database/postgres-start-error.ts";

/** What the Citus test files receive through `inject("citus")`: null when Citus is not installed here. */
export interface ProvidedCitus {
  /** The coordinator's superuser URL of the fixture database (see createCitusFixtureDatabase). */
  superuserUrl: string;
  database: string;
  /** The workers, for tests that look at the shards themselves. */
  workers: Array<{ host: string; port: number }>;
  /** PgBouncer (transaction mode) in front of the coordinator, when Debian's pgbouncer is installed. */
  pgbouncer?: { host: string; port: number };
}

declare module "vitest" {
  export interface ProvidedContext {
    citus: ProvidedCitus | null;
  }
}

/** The one fixture database of the Citus tests; each test file seeds its own tenants into it. */
export const CITUS_DATABASE = "tenant_kit_citus";

/**
 * Global setup of the `citus` project (vitest.config.ts), which vitest runs only when a test/citus file is selected:
 * a coordinator and 2 workers on loopback with the fixture database distributed by tenant, and a PgBouncer in front
 * of the coordinator. Without Citus it prints one line saying how to get it, and the Citus tests skip.
 */
export default async function setup(project: TestProject) {
  if (!citusAvailable()) {
    console.warn(ENABLE_CITUS_HINT);
    project.provide("citus", null);
    return;
  }
  ensurePrismaClient();
  const cluster = await startCitusCluster().catch(exitOnPostgresStartError);
  let pgbouncer: PgBouncer | undefined;
  try {
    const superuserUrl = await createCitusFixtureDatabase(cluster, CITUS_DATABASE);
    if (pgbouncerAvailable()) pgbouncer = await startPgBouncer(cluster.coordinator);
    project.provide("citus", {
      superuserUrl,
      database: CITUS_DATABASE,
      workers: cluster.workers.map(({ host, port }) => ({ host, port })),
      pgbouncer: pgbouncer && { host: pgbouncer.host, port: pgbouncer.port },
    });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return async () => {
    await pgbouncer?.stop();
    await cluster.stop();
  };
}
