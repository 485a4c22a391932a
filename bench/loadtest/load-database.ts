import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createDatabaseRoles, createFixtureDatabase } from "../../fixtures/database/create-fixture-database.ts";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import { ensurePrismaClient } from "../../fixtures/database/ensure-prisma-client.ts";
import { startPostgres } from "../../fixtures/database/postgres-server.ts";
import { exitOnPostgresStartError } from "../../fixtures/database/postgres-start-error.ts";
import { seedTenants, type SeededTenant } from "../../fixtures/database/seed-tenants.ts";

/** The Postgres a load run targets: the fixture schema with RLS, seeded, and the URLs the app and the audit use. */
export interface LoadDatabase {
  /** The application role (no BYPASSRLS, owns nothing): what the Next app connects as. */
  appUrl: string;
  /** The admin role (BYPASSRLS, may signal backends): sees every tenant, for the audit and fault injection. */
  adminUrl: string;
  tenants: SeededTenant[];
  /** Units seeded on every SKU, for the stock audit. */
  initialStock: number;
  /** Restarts Postgres in place; only the embedded server can. */
  restart?(): Promise<void>;
  stop(): Promise<void>;
}

const DATABASE = "tenant_kit_load";
export const INITIAL_STOCK = 1_000_000_000;

/**
 * Starts Postgres (embedded by default; DATABASE_URL or TEST_DB=container like the tests), creates the fixture
 * database with its RLS policies and seeds `tenants` tenants, each with a signed-in sales rep, customers and stock
 * deep enough that no run sells out.
 */
export async function startLoadDatabase(tenantCount = 5): Promise<LoadDatabase> {
  await ensurePrismaClient();
  const { PrismaClient } = await import("../../fixtures/sales-app/src/generated/prisma/client.ts");
  const server = await startPostgres().catch(exitOnPostgresStartError);
  try {
    await createDatabaseRoles(server.superuserUrl);
    await createFixtureDatabase(server.superuserUrl, DATABASE);
    const admin = new PrismaClient({
      adapter: createAdminAdapter({ connectionString: roleUrl(server.superuserUrl, "admin", DATABASE) }),
    });
    const tenants = await seedTenants(admin, {
      tenants: tenantCount,
      customersPerTenant: 20,
      skusPerTenant: 10,
      stock: INITIAL_STOCK,
      prefix: "load",
    });
    await admin.$disconnect();
    return {
      appUrl: roleUrl(server.superuserUrl, "app", DATABASE),
      adminUrl: roleUrl(server.superuserUrl, "admin", DATABASE),
      tenants,
      initialStock: INITIAL_STOCK,
      restart: server.restart,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
