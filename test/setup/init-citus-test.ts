import type pg from "pg";
import { inject } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import { type SeededTenant, type SeedOptions, seedTenants } from "../../fixtures/database/seed-tenants.ts";
import { ENABLE_CITUS_HINT } from "../../fixtures/database/start-citus-cluster.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantAdapterOptions, TenantExtensionOptions } from "prisma-tenant-kit";
import type { ProvidedCitus } from "./citus-global-setup.ts";
import type { Route } from "./init-test.ts";
import { importPrismaClient } from "./prisma-client-under-test.ts";
import { createPgPool } from "../../fixtures/database/pg-connection.ts";

const PrismaClient = await importPrismaClient();

/** The cluster of this run, or null (and {@link CITUS_SKIP_REASON} says why) when Citus is not installed. */
export const citus: ProvidedCitus | null = inject("citus");

/** Why the Citus tests skip, when they do: `describe.skipIf(!citus)(\`... ${CITUS_SKIP_REASON}\`)`. */
export const CITUS_SKIP_REASON = citus ? "" : `(skipped: ${ENABLE_CITUS_HINT})`;

/** The routes to the coordinator this machine can test: through PgBouncer only where it is installed. */
export function citusRoutes(): Route[] {
  return citus?.pgbouncer ? ["direct", "pgbouncer"] : ["direct"];
}

function cluster(): ProvidedCitus {
  if (!citus) throw new Error(ENABLE_CITUS_HINT);
  return citus;
}

/** URL of the application role on the Citus fixture database, straight to the coordinator or through PgBouncer. */
export function citusAppUrl(route: Route | { host: string; port: number } = "direct"): string {
  const { superuserUrl, database, pgbouncer } = cluster();
  if (typeof route === "object") return roleUrl(superuserUrl, "app", database, route);
  if (route === "pgbouncer" && !pgbouncer) throw new Error("PgBouncer is not running: apt-get install pgbouncer.");
  return roleUrl(superuserUrl, "app", database, route === "pgbouncer" ? pgbouncer : undefined);
}

/** A plain pg pool as the admin role (BYPASSRLS) on the coordinator, for assertions that must see every tenant. */
export function citusAdminPool(): pg.Pool {
  const { superuserUrl, database } = cluster();
  return createPgPool({ connectionString: roleUrl(superuserUrl, "admin", database), max: 2 });
}

/**
 * The application's client on the cluster, as a Citus user builds it: `contextMode: "transaction-block"` unless
 * `options.contextMode` says otherwise.
 */
export function createCitusAppClient(
  options: Partial<TenantAdapterOptions> & {
    route?: Route | { host: string; port: number };
    extension?: TenantExtensionOptions;
  } = {},
) {
  const { route, extension, ...adapterOptions } = options;
  const adapter = createTenantAdapter({
    connectionString: citusAppUrl(route),
    contextMode: "transaction-block",
    ...adapterOptions,
    pool: { max: 3, ...adapterOptions.pool },
  });
  const prisma = new PrismaClient({ adapter }).$extends(tenantExtension(extension));
  return { prisma, adapter };
}

/**
 * Seeds tenants into the cluster through the admin escape hatch (see fixtures/database/seed-tenants.ts). The test
 * files share one database, so each passes its own `prefix`.
 */
export async function seedCitusTenants(options: SeedOptions & { prefix: string }): Promise<SeededTenant[]> {
  const { superuserUrl, database } = cluster();
  const admin = new PrismaClient({
    adapter: createAdminAdapter({ connectionString: roleUrl(superuserUrl, "admin", database) }),
  });
  try {
    return await seedTenants(admin, options);
  } finally {
    await admin.$disconnect();
  }
}
