import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { type AdminAdapterOptions, resolveAdminAdapterOptions } from "../adapter-options.ts";
import { AdminRoleError } from "../errors/admin-role-error.ts";
import { DuplicatePgError } from "../errors/duplicate-pg-error.ts";

/**
 * THE ESCAPE HATCH: a plain `@prisma/adapter-pg` adapter for cross-tenant admin, seeding and data migrations. It sets
 * no tenant and is meant for a role that bypasses RLS, on its own connection string and pool, so the application's
 * client can never reach other tenants' rows by accident. Grep for `createAdminAdapter` to audit every use.
 *
 * On connect it runs `SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user` and refuses a role
 * that would see nothing.
 *
 * @example
 * ```ts
 * const admin = new PrismaClient({
 *   adapter: createAdminAdapter({ connectionString: process.env.ADMIN_DATABASE_URL! }),
 * });
 * await admin.tenant.create({ data: { slug: "acme", name: "Acme" } });
 * ```
 * @throws {InvalidTenantKitOptionError} for a missing URL or a bad `max`.
 * @throws {AdminRoleError} (from the first query) when the role can neither bypass RLS nor is superuser.
 * @throws {DuplicatePgError} (from the first query) when `@prisma/adapter-pg` resolves another copy of `pg`.
 */
export function createAdminAdapter(options: AdminAdapterOptions): SqlDriverAdapterFactory {
  const { connectionString, max } = resolveAdminAdapterOptions(options);
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    async connect(): Promise<SqlDriverAdapter> {
      const pool = new pg.Pool({
        connectionString,
        max,
        application_name: "prisma-tenant-kit-admin",
      });
      const { rows } = await pool.query<{ role: string; bypasses: boolean }>(
        "SELECT current_user AS role, rolbypassrls OR rolsuper AS bypasses FROM pg_roles WHERE rolname = current_user",
      );
      if (!rows[0]?.bypasses) {
        await pool.end();
        throw new AdminRoleError(rows[0]?.role ?? "unknown");
      }
      const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
      if (adapter.underlyingDriver() !== pool) {
        await adapter.dispose();
        await pool.end();
        throw new DuplicatePgError();
      }
      return adapter;
    },
  };
}
