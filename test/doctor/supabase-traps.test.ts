import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DoctorReport, runDoctor } from "prisma-tenant-kit/doctor";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import { initTest, type TestDatabase } from "../setup/init-test.ts";
import { runAsSuperuser } from "./planted-schemas.ts";

// Supabase's traps (a BYPASSRLS login role, auth.uid() per row, TO public, an unindexed policy column), planted with
// Supabase's roles and auth functions recreated in fixtures/database/supabase-auth.sql, each shown on the server
// before the doctor names it; the clean table (supa.profiles) gets no finding.

const AUTH_SQL = readFileSync(new URL("../../fixtures/database/supabase-auth.sql", import.meta.url), "utf8");
const U1 = "11111111-1111-4111-8111-111111111111";
const U2 = "22222222-2222-4222-8222-222222222222";
const LOGIN = `tk_supa_login_${randomUUID().replaceAll("-", "").slice(0, 10)}`;
const ADMIN = DATABASE_ROLES.admin.name;
const OWN = "(SELECT auth.uid()) = user_id";

const table = (name: string, policy: string, index = true) => `
CREATE TABLE supa.${name} (id serial PRIMARY KEY, user_id uuid NOT NULL, body text);
${index ? `CREATE INDEX ON supa.${name} (user_id);` : ""}
ALTER TABLE supa.${name} ENABLE ROW LEVEL SECURITY;
ALTER TABLE supa.${name} FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON supa.${name} TO authenticated;
GRANT SELECT ON supa.${name} TO anon, ${ADMIN};
${policy}
INSERT INTO supa.${name} (user_id, body) VALUES ('${U1}', 'one'), ('${U2}', 'two');`;

const SCHEMA_SQL = `
${AUTH_SQL}
CREATE ROLE ${LOGIN} LOGIN PASSWORD 'supa' NOSUPERUSER NOBYPASSRLS;
GRANT authenticated, anon TO ${LOGIN};
CREATE SCHEMA supa AUTHORIZATION ${DATABASE_ROLES.owner.name};
GRANT USAGE ON SCHEMA supa TO authenticated, anon, ${ADMIN};
GRANT USAGE ON SCHEMA auth TO ${ADMIN};
${table("profiles", `CREATE POLICY own_profile ON supa.profiles TO authenticated USING (${OWN}) WITH CHECK (${OWN});`)}
${table("per_row", "CREATE POLICY own_rows ON supa.per_row TO authenticated USING (auth.uid() = user_id);")}
${table("to_public", `CREATE POLICY own_notes ON supa.to_public USING (${OWN});`)}
${table("unindexed", `CREATE POLICY own_items ON supa.unindexed TO authenticated USING (${OWN});`, false)}
`;

let database: TestDatabase;
beforeAll(async () => {
  database = await initTest();
  await runAsSuperuser(inject("database").superuserUrl, database.name, SCHEMA_SQL);
});
afterAll(async () => {
  await database.drop();
  await runAsSuperuser(inject("database").superuserUrl, "postgres", `DROP ROLE ${LOGIN};`);
});

const urlOf = (role: string, password: string) => {
  const url = new URL(database.appUrl());
  url.username = role;
  url.password = password;
  return url.toString();
};
const loginUrl = () => urlOf(LOGIN, "supa");

/** Runs statements as `role` (SET LOCAL ROLE from the login role) with the claims of `sub`; the last one's rows. */
async function asSupabase<T extends pg.QueryResultRow>(
  role: string | null,
  sub: string,
  statements: string[],
  url = loginUrl(),
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    if (role) await client.query(`SET LOCAL ROLE ${role}`);
    const claims = JSON.stringify({ sub, role: role ?? "authenticated" });
    await client.query("SELECT set_config('request.jwt.claims', $1, true)", [claims]);
    let rows: T[] = [];
    for (const statement of statements) rows = (await client.query<T>(statement)).rows;
    await client.query("COMMIT");
    return rows;
  } finally {
    await client.end();
  }
}

const plan = async (role: string, sql: string, extra: string[] = []) =>
  (await asSupabase<{ "QUERY PLAN": string }>(role, U1, [...extra, `EXPLAIN ${sql}`]))
    .map((row) => row["QUERY PLAN"])
    .join("\n");
const found = (report: DoctorReport) => report.findings.map((f) => `${f.code} ${f.object.kind} ${f.object.name}`);
const doctorAs = (connectionString: string) =>
  runDoctor({ connectionString, schemas: ["supa"], tenantColumn: "user_id", setting: "request.jwt.claims" });

describe("Supabase's traps", () => {
  it("the doctor names each, and nothing on the clean table", async () => {
    const report = await doctorAs(loginUrl());
    expect(found(report)).toEqual([
      "POLICY_CALLS_AUTH_PER_ROW policy own_rows on supa.per_row",
      "POLICY_COLUMN_NOT_INDEXED table supa.unindexed",
      "POLICY_FOR_PUBLIC_READS_JWT policy own_notes on supa.to_public",
    ]);
    expect(report.findings[0]!.fix).toBe("Wrap each call in a sub-select: (select auth.uid()).");
    expect(report.findings[2]!.fix).toBe("ALTER POLICY own_notes ON supa.to_public TO authenticated;");
  });

  it("each user sees only their rows through the clean policy (what the doctor proves)", async () => {
    const rows = await asSupabase<{ user_id: string }>("authenticated", U1, ["SELECT user_id FROM supa.profiles"]);
    expect(rows.map((row) => row.user_id)).toEqual([U1]);
  });

  it("auth.uid() per row: no InitPlan, the claims are parsed per row; (select auth.uid()) runs once", async () => {
    expect(await plan("authenticated", "SELECT * FROM supa.profiles")).toContain("InitPlan");
    const perRow = await plan("authenticated", "SELECT * FROM supa.per_row");
    expect(perRow).not.toContain("InitPlan");
    expect(perRow).toContain("current_setting('request.jwt.claims'");
  });

  it("TO public: anon with a user's claims reads that user's rows; TO authenticated it reads none", async () => {
    const publicRows = await asSupabase<{ user_id: string }>("anon", U1, ["SELECT user_id FROM supa.to_public"]);
    expect(publicRows.map((row) => row.user_id)).toEqual([U1]);
    expect(await asSupabase("anon", U1, ["SELECT user_id FROM supa.profiles"])).toEqual([]);
  });

  it("an unindexed policy column: the only plan is a scan of the whole table", async () => {
    const off = ["SET LOCAL enable_seqscan = off"];
    expect(await plan("authenticated", "SELECT * FROM supa.profiles", off)).toMatch(/Index|Bitmap/);
    expect(await plan("authenticated", "SELECT * FROM supa.unindexed", off)).toContain("Seq Scan on unindexed");
  });

  it("a login role with BYPASSRLS (what Supabase's Prisma guide creates) reads every user's rows", async () => {
    const rows = await asSupabase<{ user_id: string }>(
      null,
      U1,
      ["SELECT user_id FROM supa.profiles ORDER BY 1"],
      database.adminUrl,
    );
    expect(rows.map((row) => row.user_id)).toEqual([U1, U2]);
    const report = await doctorAs(database.adminUrl);
    expect(found(report)).toContain(`ROLE_BYPASSES_RLS role ${ADMIN}`);
  });
});
