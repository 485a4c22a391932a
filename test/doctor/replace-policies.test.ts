import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateRlsSql } from "prisma-tenant-kit";
import { runDoctor } from "prisma-tenant-kit/doctor";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import { initTest, type TestDatabase } from "../setup/init-test.ts";
import { runAsSuperuser } from "./planted-schemas.ts";
import { T1, T2 } from "./planted-traps.ts";

const APP = DATABASE_ROLES.app.name;

// An app that already had policies: an "admin" OR-branch and a catch-all. generateRlsSql beside them leaves them
// active (policies are OR-ed); with replacePolicies they are dropped and only the tenant policy is left.
const EXISTING = `
CREATE SCHEMA legacy AUTHORIZATION ${DATABASE_ROLES.owner.name};
GRANT USAGE ON SCHEMA legacy TO ${APP}, ${DATABASE_ROLES.admin.name};
CREATE TABLE legacy."Ticket" (id serial PRIMARY KEY, "tenantId" text NOT NULL);
CREATE INDEX ON legacy."Ticket" ("tenantId");
ALTER TABLE legacy."Ticket" OWNER TO ${DATABASE_ROLES.owner.name};
GRANT SELECT, INSERT, UPDATE, DELETE ON legacy."Ticket" TO ${APP};
ALTER TABLE legacy."Ticket" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Ticket read" ON legacy."Ticket" USING ("tenantId" = current_setting('app.tenant_id', true) OR true);
CREATE POLICY "Ticket admin" ON legacy."Ticket" FOR UPDATE USING (true);
INSERT INTO legacy."Ticket" ("tenantId") VALUES ('${T1}'), ('${T2}');
`;

let database: TestDatabase;
beforeAll(async () => {
  database = await initTest();
  await runAsSuperuser(inject("database").superuserUrl, database.name, EXISTING);
});
afterAll(() => database.drop());

async function tenantsSeenBy(tenant: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: database.appUrl() });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
    const { rows } = await client.query<{ tenantId: string }>('SELECT "tenantId" FROM legacy."Ticket" ORDER BY 1');
    await client.query("COMMIT");
    return rows.map((row) => row.tenantId);
  } finally {
    await client.end();
  }
}

const policies = async () =>
  (
    await database.admin.query<{ name: string }>(
      `SELECT polname AS name FROM pg_policy WHERE polrelid = 'legacy."Ticket"'::regclass ORDER BY 1`,
    )
  ).rows.map((row) => row.name);

describe("generateRlsSql over a table's existing policies", () => {
  it("without replacePolicies leaves them active, and the doctor says so", async () => {
    await runAsSuperuser(
      inject("database").superuserUrl,
      database.name,
      generateRlsSql({ tables: [{ schema: "legacy", table: "Ticket" }], policyName: "tickets_by_tenant" }),
    );
    expect(await policies()).toEqual(["Ticket admin", "Ticket read", "tickets_by_tenant"]);
    expect(await tenantsSeenBy(T1)).toEqual([T1, T2]);
    const report = await runDoctor({ connectionString: database.appUrl(), schemas: ["legacy"] });
    expect(report.findings.map((f) => `${f.code} ${f.object.name}`)).toEqual([
      'LIVE_PROBE_RETURNED_ROWS legacy."Ticket"',
      'PERMISSIVE_POLICY_ALLOWS_ANY_TENANT "Ticket admin" on legacy."Ticket"',
      'POLICY_NOT_PROVEN "Ticket read" on legacy."Ticket"',
    ]);
  });

  it("with replacePolicies drops every other policy: only the tenant policy is left, and nothing leaks", async () => {
    const sql = generateRlsSql({
      tables: [{ schema: "legacy", table: "Ticket" }],
      policyName: "tickets_by_tenant",
      replacePolicies: true,
    });
    expect(sql).toContain(`SELECT polname FROM pg_policy WHERE polrelid = '"legacy"."Ticket"'::regclass LOOP`);
    await runAsSuperuser(inject("database").superuserUrl, database.name, sql);
    expect(await policies()).toEqual(["tickets_by_tenant"]);
    expect(await tenantsSeenBy(T1)).toEqual([T1]);
    expect(await tenantsSeenBy("")).toEqual([]);
    const report = await runDoctor({ connectionString: database.appUrl(), schemas: ["legacy"] });
    expect(report.findings).toEqual([]);
    // Idempotent: a second run leaves the same single policy.
    await runAsSuperuser(inject("database").superuserUrl, database.name, sql);
    expect(await policies()).toEqual(["tickets_by_tenant"]);
  });
});
