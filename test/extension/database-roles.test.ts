import { afterAll, beforeAll, expect, it } from "vitest";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { AdminRoleError } from "prisma-tenant-kit/admin";
import { DEFAULTED_TENANT_TABLES, TENANT_TABLES } from "../../fixtures/tenant-tables.ts";
import { initTest, type TestDatabase } from "../setup/init-test.ts";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

// The tests prove isolation only if the app role could not bypass RLS anyway.
let database: TestDatabase;
beforeAll(async () => (database = await initTest()));
afterAll(() => database.drop());

it("connects the app as a role that is not superuser, has no BYPASSRLS and owns no table", async () => {
  const app = createPgClient({ connectionString: database.appUrl() });
  await app.connect();
  try {
    const { rows } = await app.query(
      `SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*)::int FROM pg_tables WHERE tableowner = current_user) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owned: 0 });
    const forced = await app.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relrowsecurity AND relforcerowsecurity AND relkind = 'r'`,
    );
    expect(forced.rows[0].n).toBe(TENANT_TABLES.length + DEFAULTED_TENANT_TABLES.length);
  } finally {
    await app.end();
  }
});

it("refuses the admin escape hatch on a role that cannot bypass RLS", async () => {
  const adapter = createAdminAdapter({ connectionString: database.appUrl() });
  await expect(adapter.connect()).rejects.toBeInstanceOf(AdminRoleError);
});
