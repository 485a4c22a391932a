import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTenantAdapter, RlsBypassingRoleError } from "prisma-tenant-kit";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import { initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { runAsSuperuser } from "./planted-schemas.ts";

// Roles are server-wide and test files run in parallel: these roles are this file's own, never the fixture's app role.
const suffix = randomUUID().replaceAll("-", "").slice(0, 10);
const MEMBER = `tk_rc_member_${suffix}`;
const MIDDLE = `tk_rc_middle_${suffix}`;
const OWNER = `tk_rc_owner_${suffix}`;
const PASSWORD = "role-check";

let database: TestDatabase;
let tenants: SeededTenant[];
beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2, customersPerTenant: 2 });
  const [t1, t2] = tenants.map((t) => t.id);
  await runAsSuperuser(
    inject("database").superuserUrl,
    database.name,
    `
    CREATE ROLE ${MIDDLE} NOLOGIN;
    CREATE ROLE ${MEMBER} LOGIN PASSWORD '${PASSWORD}' NOSUPERUSER NOBYPASSRLS;
    -- Transitively a member of the BYPASSRLS admin role, through a role that bypasses nothing itself.
    GRANT ${DATABASE_ROLES.admin.name} TO ${MIDDLE};
    GRANT ${MIDDLE} TO ${MEMBER};
    GRANT ${DATABASE_ROLES.app.name} TO ${MEMBER};
    CREATE ROLE ${OWNER} LOGIN PASSWORD '${PASSWORD}' NOSUPERUSER NOBYPASSRLS;
    GRANT USAGE, CREATE ON SCHEMA public TO ${OWNER};
    CREATE TABLE public.owned_notes (id serial PRIMARY KEY, "tenantId" text NOT NULL);
    ALTER TABLE public.owned_notes OWNER TO ${OWNER};
    ALTER TABLE public.owned_notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON public.owned_notes
      USING ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''));
    INSERT INTO public.owned_notes ("tenantId") VALUES ('${t1}'), ('${t2}');
    `,
  );
});
afterAll(async () => {
  await database.drop();
  await runAsSuperuser(inject("database").superuserUrl, "postgres", `DROP ROLE ${MEMBER}, ${MIDDLE}, ${OWNER};`);
});

function urlOf(role: string): string {
  const url = new URL(database.appUrl());
  url.username = role;
  url.password = PASSWORD;
  return url.toString();
}

async function asRole<T>(role: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlOf(role) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function refusal(connectionString: string): Promise<unknown> {
  const adapter = createTenantAdapter({ connectionString, pool: { max: 1 } });
  const driver = await adapter.connect().catch((error: unknown) => error);
  if (driver instanceof Error) return driver;
  await (driver as { dispose(): Promise<void> }).dispose();
  return undefined;
}

describe("the adapter's once-per-pool role check", () => {
  it("refuses a role that can SET ROLE to a BYPASSRLS role (transitively), whose exploit works", async () => {
    // The exploit: nothing in the role's own attributes bypasses RLS, but SET ROLE reaches every tenant's rows.
    const seen = await asRole(MEMBER, async (client) => {
      await client.query(`SET ROLE ${DATABASE_ROLES.admin.name}`);
      const { rows } = await client.query<{ tenantId: string }>('SELECT DISTINCT "tenantId" FROM "Customer"');
      return new Set(rows.map((row) => row.tenantId));
    });
    expect(seen).toEqual(new Set(tenants.map((t) => t.id)));

    const error = await refusal(urlOf(MEMBER));
    expect(error).toBeInstanceOf(RlsBypassingRoleError);
    expect(error).toMatchObject({
      code: "RLS_BYPASSING_ROLE",
      role: MEMBER,
      attributes: [],
      bypassingRoles: [DATABASE_ROLES.admin.name],
      ownedUnforcedTables: [],
    });
    expect((error as Error).message).toContain(`can SET ROLE to it`);
  });

  it("refuses a role that owns a table whose RLS is not FORCEd, and accepts it once FORCEd", async () => {
    const [t1, t2] = tenants.map((t) => t.id);
    const read = () =>
      asRole(OWNER, async (client) => {
        await client.query("SELECT set_config('app.tenant_id', $1, false)", [t1]);
        const { rows } = await client.query<{ tenantId: string }>('SELECT "tenantId" FROM public.owned_notes');
        return rows.map((row) => row.tenantId).sort();
      });
    // The exploit: the owner skips its table's policy and reads tenant 2's row with tenant 1 set.
    expect(await read()).toEqual([t1, t2].sort());
    const error = await refusal(urlOf(OWNER));
    expect(error).toBeInstanceOf(RlsBypassingRoleError);
    expect(error).toMatchObject({ ownedUnforcedTables: ["public.owned_notes"], bypassingRoles: [] });
    expect((error as Error).message).toContain("public.owned_notes, whose row-level security is not FORCEd");

    await runAsSuperuser(
      inject("database").superuserUrl,
      database.name,
      "ALTER TABLE public.owned_notes FORCE ROW LEVEL SECURITY",
    );
    expect(await read()).toEqual([t1]);
    expect(await refusal(urlOf(OWNER))).toBeUndefined();
  });

  it("accepts the fixture's application role", async () => {
    expect(await refusal(database.appUrl())).toBeUndefined();
  });
});
