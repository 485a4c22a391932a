import type pg from "pg";
import { inject } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import type { DebianPostgresNode } from "../../fixtures/database/debian-postgres-node.ts";
import type { SeededTenant, SeedOptions } from "../../fixtures/database/seed-tenants.ts";
import { seedTenants } from "../../fixtures/database/seed-tenants.ts";
import { startReplica, waitForReplay } from "../../fixtures/database/start-replication.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { ReplicaPolicy, TenantAdapterFactory, TenantContextMode, TenantPoolOptions } from "prisma-tenant-kit";
import { CONTEXT_MODE, type ReplicatedTestDatabase, type Route } from "./init-test.ts";
import { importPrismaClient } from "./prisma-client-under-test.ts";
import { withClient } from "../../fixtures/database/pg-connection.ts";

const PrismaClient = await importPrismaClient();

/** Seeds tenants into a replicated test database (on the primary) through the admin escape hatch. */
export async function seedReplicatedTenants(
  database: ReplicatedTestDatabase,
  options?: SeedOptions,
): Promise<SeededTenant[]> {
  const admin = new PrismaClient({ adapter: createAdminAdapter({ connectionString: database.adminUrl }) });
  try {
    return await seedTenants(admin, options);
  } finally {
    await admin.$disconnect();
  }
}

/** Where a server of the replication pair (or its PgBouncer) listens, e.g. to put a wire proxy in front of it. */
export function serverAddress(server: "primary" | "replica", route: Route = "direct"): { host: string; port: number } {
  const node = inject("database").replication![server];
  if (route === "direct") return { host: node.host, port: node.port };
  if (!node.pgbouncer) throw new Error("PgBouncer is not running: apt-get install pgbouncer.");
  return node.pgbouncer;
}

/** The application role's URL for `database` at `address` (a server of the pair, its PgBouncer, or a proxy). */
export function appUrlAt(database: ReplicatedTestDatabase, address: { host: string; port: number }): string {
  return roleUrl(inject("database").replication!.primary.superuserUrl, "app", database.name, address);
}

/** The application's client with read replicas, exactly as a user builds it, plus its adapter. */
export function createReplicatedAppClient(options: {
  primaryUrl: string;
  replicaUrls: string[];
  replicaPolicy?: ReplicaPolicy;
  pool?: TenantPoolOptions;
  /** Default CONTEXT_MODE. */
  contextMode?: TenantContextMode;
}) {
  const adapter: TenantAdapterFactory = createTenantAdapter({
    connectionString: options.primaryUrl,
    pool: { max: 3, ...options.pool },
    replicas: options.replicaUrls.map((connectionString) => ({ connectionString, pool: { max: 3, ...options.pool } })),
    replicaPolicy: { logger: () => undefined, ...options.replicaPolicy },
    contextMode: options.contextMode ?? CONTEXT_MODE,
  });
  const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());
  return { prisma, adapter };
}

/** A streaming replica of the pair's primary for one test file alone, which it may pause, halt or promote. */
export interface DedicatedReplica {
  readonly node: DebianPostgresNode;
  /** The application role on this replica, for `database`. */
  appUrl(database: ReplicatedTestDatabase): string;
  /** Runs one statement as the replica's superuser, e.g. `SELECT pg_wal_replay_pause()`. */
  superuser(sql: string): Promise<pg.QueryResult>;
  /** Waits until it has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
}

/** Starts a {@link DedicatedReplica} (pg_basebackup of the pair's primary: a few seconds). `node.stop()` removes it. */
export async function startDedicatedReplica(): Promise<DedicatedReplica> {
  const { primary } = inject("database").replication!;
  const node = await startReplica(primary);
  return {
    node,
    appUrl: (database) => roleUrl(primary.superuserUrl, "app", database.name, node),
    superuser: async (sql) => {
      return withClient(node.superuserUrl, (client) => client.query(sql));
    },
    caughtUp: () => waitForReplay(primary.superuserUrl, node.superuserUrl),
  };
}

/**
 * Polls `condition` (every 25 ms, up to `timeoutMillis`) until it returns true: waits on a state, never asserts a
 * duration.
 */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMillis = 30_000) {
  const deadline = Date.now() + timeoutMillis;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMillis} ms waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
