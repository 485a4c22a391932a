import { randomUUID } from "node:crypto";
import type pg from "pg";
import { inject } from "vitest";
import { createFixtureDatabase, dropFixtureDatabase } from "../../fixtures/database/create-fixture-database.ts";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import { type SeededTenant, type SeedOptions, seedTenants } from "../../fixtures/database/seed-tenants.ts";
import { startWireProxy, type WireProxy } from "../../fixtures/database/wire-proxy.ts";
import { waitForReplay } from "../../fixtures/database/start-replication.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type {
  TenantAdapterFactory,
  TenantContextMode,
  TenantExtensionOptions,
  TenantPoolOptions,
} from "prisma-tenant-kit";
import { importPrismaClient } from "./prisma-client-under-test.ts";
import { createPgPool } from "../../fixtures/database/pg-connection.ts";

/** The generated client under test: Prisma 7's, or Prisma 6's in the `prisma6` projects (see vitest.config.ts). */
const PrismaClient = await importPrismaClient();

/** How the application connects in a test: straight to Postgres, or through PgBouncer in transaction mode. */
export type Route = "direct" | "pgbouncer";

/** The routes this machine can test: PgBouncer only where Debian's pgbouncer is installed (.ci/run installs it). */
export function availableRoutes(): Route[] {
  return inject("database").pgbouncer ? ["direct", "pgbouncer"] : ["direct"];
}

/** A fresh database cloned from the migrated template, and the URLs of its three roles. */
export interface TestDatabase {
  name: string;
  /** The application role (no BYPASSRLS, owns nothing), on `route` or through a proxy at `host:port`. */
  appUrl(route?: Route | { host: string; port: number }): string;
  /** The admin role (BYPASSRLS), direct. */
  adminUrl: string;
  /** The table owner (RLS is forced on it too), direct. */
  ownerUrl: string;
  /** A plain pg client as the admin role, for assertions that must see every tenant. */
  admin: pg.Pool;
  drop(): Promise<void>;
}

/** Creates a database for one test file. Call in `beforeAll`; `drop()` in `afterAll`. */
export async function initTest(): Promise<TestDatabase> {
  const { superuserUrl, template, pgbouncer } = inject("database");
  const name = `t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await createFixtureDatabase(superuserUrl, name, template);
  const admin = createPgPool({ connectionString: roleUrl(superuserUrl, "admin", name), max: 2 });
  return {
    name,
    appUrl: (route = "direct") => {
      if (typeof route === "object") return roleUrl(superuserUrl, "app", name, route);
      if (route === "direct") return roleUrl(superuserUrl, "app", name);
      if (!pgbouncer)
        throw new Error("PgBouncer is not running: install Debian's pgbouncer (apt-get install pgbouncer).");
      return roleUrl(superuserUrl, "app", name, pgbouncer);
    },
    adminUrl: roleUrl(superuserUrl, "admin", name),
    ownerUrl: roleUrl(superuserUrl, "owner", name),
    admin,
    drop: async () => {
      await admin.end();
      await dropFixtureDatabase(superuserUrl, name);
    },
  };
}

/**
 * The adapter's `contextMode` under test: `TENANT_KIT_CONTEXT_MODE` (set by the `prisma7-transaction-block` project
 * in vitest.config.ts), else the kit's default.
 */
export const CONTEXT_MODE = (process.env.TENANT_KIT_CONTEXT_MODE || "set-config") as TenantContextMode;

/** The replication pair, where the machine has it (see `ProvidedDatabase.replication`); tests skip without it. */
export function replicationAvailable(): boolean {
  return inject("database").replication !== undefined;
}

/** A fresh database on the replication primary, cloned from the migrated template, and its URLs on both servers. */
export interface ReplicatedTestDatabase {
  name: string;
  /** The application role on the primary or the replica, direct or through that server's PgBouncer. */
  appUrl(server: "primary" | "replica", route?: Route): string;
  /** The admin role (BYPASSRLS) on the primary, direct. */
  adminUrl: string;
  /** A plain pg client as the admin role on the primary, for assertions that must see every tenant. */
  admin: pg.Pool;
  /** The superuser on the replica, for pg_wal_replay_pause() / pg_wal_replay_resume() / pg_promote(). */
  replicaSuperuserUrl: string;
  /** Waits until the replica has replayed everything written on the primary so far (e.g. after seeding). */
  caughtUp(): Promise<void>;
  drop(): Promise<void>;
}

/** Creates a database for one test file on the replication primary; it reaches the replica by WAL replay. */
export async function initReplicatedTest(): Promise<ReplicatedTestDatabase> {
  const { template, replication } = inject("database");
  if (!replication) throw new Error("Replication is not running: apt-get install postgresql-15.");
  const { primary, replica } = replication;
  const name = `r_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await createFixtureDatabase(primary.superuserUrl, name, template);
  const adminUrl = roleUrl(primary.superuserUrl, "admin", name);
  const admin = createPgPool({ connectionString: adminUrl, max: 2 });
  return {
    name,
    appUrl: (server, route = "direct") => {
      const node = replication[server];
      if (route === "direct") return roleUrl(node.superuserUrl, "app", name);
      if (!node.pgbouncer) throw new Error("PgBouncer is not running: apt-get install pgbouncer.");
      return roleUrl(node.superuserUrl, "app", name, node.pgbouncer);
    },
    adminUrl,
    admin,
    replicaSuperuserUrl: replica.superuserUrl,
    caughtUp: () => waitForReplay(primary.superuserUrl, replica.superuserUrl),
    drop: async () => {
      await admin.end();
      await dropFixtureDatabase(primary.superuserUrl, name);
    },
  };
}

/** The application's client, exactly as a user builds it, plus its adapter (for the pool). */
export function createAppClient(
  database: TestDatabase,
  options: {
    route?: Route | { host: string; port: number };
    pool?: TenantPoolOptions;
    extension?: TenantExtensionOptions;
    /** Default {@link CONTEXT_MODE}. */
    contextMode?: TenantContextMode;
  } = {},
) {
  const adapter: TenantAdapterFactory = createTenantAdapter({
    connectionString: database.appUrl(options.route),
    pool: { max: 3, ...options.pool },
    contextMode: options.contextMode ?? CONTEXT_MODE,
  });
  const prisma = new PrismaClient({ adapter }).$extends(tenantExtension(options.extension));
  return { prisma, adapter };
}

export type AppClient = ReturnType<typeof createAppClient>["prisma"];

/** A Prisma client on the admin escape hatch (BYPASSRLS role), for seeding. */
export function createAdminClient(database: TestDatabase) {
  return new PrismaClient({ adapter: createAdminAdapter({ connectionString: database.adminUrl }) });
}

/** Seeds tenants into `database` through the admin escape hatch (see fixtures/database/seed-tenants.ts). */
export async function seedTestTenants(database: TestDatabase, options?: SeedOptions): Promise<SeededTenant[]> {
  const admin = createAdminClient(database);
  try {
    return await seedTenants(admin, options);
  } finally {
    await admin.$disconnect();
  }
}

/** A recording wire proxy in front of `database`'s server (see fixtures/database/wire-proxy.ts). */
export function startProxyFor(database: TestDatabase): Promise<WireProxy> {
  const url = new URL(database.adminUrl);
  return startWireProxy({ host: url.hostname, port: Number(url.port) });
}
