import pg from "pg";
import { inject } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantAdapterFactory, TenantContextMode, TenantExtensionOptions } from "prisma-tenant-kit";
import type { Route, TestDatabase } from "../setup/init-test.ts";
import { importPrismaClient } from "../setup/prisma-client-under-test.ts";

const PrismaClient = await importPrismaClient();

/** The roles the context tests' adapters may run as: Supabase's two API roles. */
export const CONTEXT_ROLES = ["authenticated", "anon"] as const;

/**
 * URL of the Supabase-shaped login role (`tenant_kit_authenticator`: NOINHERIT, member of `anon` and
 * `authenticated`, no grants and no bypass of its own) on `database`, direct or through PgBouncer.
 */
export function authenticatorUrl(database: Pick<TestDatabase, "name">, route: Route = "direct"): string {
  const { superuserUrl, pgbouncer } = inject("database");
  if (route === "pgbouncer" && !pgbouncer) throw new Error("PgBouncer is not running: apt-get install pgbouncer.");
  return roleUrl(superuserUrl, "authenticator", database.name, route === "pgbouncer" ? pgbouncer : undefined);
}

/** The application's client as the authenticator, with {@link CONTEXT_ROLES} as the adapter's roles. */
export function createContextClient(
  database: Pick<TestDatabase, "name">,
  options: {
    route?: Route;
    contextMode: TenantContextMode;
    max?: number;
    roles?: readonly string[];
    extension?: TenantExtensionOptions;
    connectionString?: string;
  },
) {
  const adapter: TenantAdapterFactory = createTenantAdapter({
    connectionString: options.connectionString ?? authenticatorUrl(database, options.route),
    roles: options.roles ?? CONTEXT_ROLES,
    contextMode: options.contextMode,
    pool: { max: options.max ?? 3 },
  });
  const prisma = new PrismaClient({ adapter }).$extends(tenantExtension(options.extension));
  return { prisma, adapter };
}

export type ContextClient = ReturnType<typeof createContextClient>["prisma"];

/**
 * Gives Supabase's roles what the context tests need in `database`, as its owner: `authenticated` reads and writes
 * customers and audit logs, `anon` reads customers; and a per-user rule on top of the fixture's tenant policies:
 * `authenticated` sees and writes only audit log rows whose actorId is `app.user_id`.
 */
export async function grantContextRoles(database: Pick<TestDatabase, "ownerUrl">): Promise<void> {
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  try {
    await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "Customer", "AuditLog" TO authenticated`);
    await owner.query(`GRANT SELECT ON "Customer" TO anon`);
    await owner.query(
      `CREATE POLICY actor_only ON "AuditLog" AS RESTRICTIVE FOR ALL TO authenticated
         USING ("actorId" = current_setting('app.user_id', true))
         WITH CHECK ("actorId" = current_setting('app.user_id', true))`,
    );
  } finally {
    await owner.end();
  }
}
