import { generateRlsSql } from "prisma-tenant-kit";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import { withClient } from "../../fixtures/database/pg-connection.ts";

const OWNER = DATABASE_ROLES.owner.name;
const APP = DATABASE_ROLES.app.name;
const T1 = "00000000-0000-4000-8000-000000000001";
const T2 = "00000000-0000-4000-8000-000000000002";

/**
 * Schema `clean`: tenant tables made the recommended way (generateRlsSql, composite foreign keys, a security_invoker
 * view, a restrictive tenant policy beside a permissive `true` one, a SECURITY DEFINER function whose owner is held to
 * RLS). The doctor must find nothing here.
 */
export const CLEAN_SCHEMA_SQL = `
CREATE SCHEMA clean AUTHORIZATION ${OWNER};
GRANT USAGE ON SCHEMA clean TO ${APP}, ${DATABASE_ROLES.admin.name};
SET ROLE ${OWNER};
CREATE TABLE clean."Account" (
  id text PRIMARY KEY, "tenantId" text NOT NULL, name text NOT NULL, UNIQUE ("tenantId", id)
);
CREATE TABLE clean."Invoice" (
  id text PRIMARY KEY, "tenantId" text NOT NULL, "accountId" text NOT NULL,
  FOREIGN KEY ("tenantId", "accountId") REFERENCES clean."Account" ("tenantId", id)
);
CREATE TABLE clean."Device" (id int PRIMARY KEY, "tenantId" uuid NOT NULL);
CREATE TABLE clean."Note" (id int PRIMARY KEY, "tenantId" text NOT NULL, body text);
-- Policies compare "tenantId" on every query: each table has an index it leads.
CREATE INDEX ON clean."Invoice" ("tenantId");
CREATE INDEX ON clean."Device" ("tenantId");
CREATE INDEX ON clean."Note" ("tenantId");
-- A too-broad earlier grant: generateRlsSql's REVOKE TRUNCATE takes TRUNCATE back.
GRANT ALL ON clean."Account" TO ${APP};
${generateRlsSql({
  tables: [
    { schema: "clean", table: "Account" },
    { schema: "clean", table: "Invoice" },
    { schema: "clean", table: "Device", columnType: "uuid" },
    { schema: "clean", table: "Note" },
  ],
  appRole: APP,
})}
-- A permissive catch-all is harmless under a RESTRICTIVE tenant policy (they are AND-ed).
DROP POLICY tenant_isolation ON clean."Note";
CREATE POLICY open_reads ON clean."Note" USING (true) WITH CHECK (true);
CREATE POLICY tenant_only ON clean."Note" AS RESTRICTIVE
  USING ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''))
  WITH CHECK ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''));
-- A policy that reads the setting through a helper function, as many apps write it.
CREATE FUNCTION clean.current_tenant() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '') $$;
CREATE TABLE clean."Contact" (id int PRIMARY KEY, "tenantId" text NOT NULL);
CREATE INDEX ON clean."Contact" ("tenantId");
ALTER TABLE clean."Contact" ENABLE ROW LEVEL SECURITY;
ALTER TABLE clean."Contact" FORCE ROW LEVEL SECURITY;
CREATE POLICY by_helper ON clean."Contact" USING ("tenantId" = clean.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON clean."Contact" TO ${APP};
CREATE VIEW clean.account_names WITH (security_invoker = true) AS SELECT id, name FROM clean."Account";
GRANT SELECT ON clean.account_names TO ${APP};
-- Owned by the table owner, on whom RLS is FORCEd: definer rights do not bypass it.
CREATE FUNCTION clean.account_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS 'SELECT count(*) FROM clean."Account"';
RESET ROLE;
GRANT SELECT ON ALL TABLES IN SCHEMA clean TO ${DATABASE_ROLES.admin.name};
INSERT INTO clean."Account" VALUES ('a1', '${T1}', 'one'), ('a2', '${T2}', 'two');
INSERT INTO clean."Invoice" VALUES ('i1', '${T1}', 'a1');
INSERT INTO clean."Device" VALUES (1, '${T1}');
INSERT INTO clean."Note" VALUES (1, '${T1}', 'n');
INSERT INTO clean."Contact" VALUES (1, '${T1}');
`;

const RLS = (table: string, using = `"tenantId" = NULLIF(current_setting('app.tenant_id', true), '')`) => `
CREATE INDEX ON planted.${table} ("tenantId");
ALTER TABLE planted.${table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE planted.${table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON planted.${table} USING (${using});
GRANT SELECT, INSERT, UPDATE, DELETE ON planted.${table} TO ${APP};`;

/** Schema `planted`: one object per problem the doctor must find, each beside a clean table (`safe`). */
export const PLANTED_SCHEMA_SQL = `
CREATE SCHEMA planted AUTHORIZATION ${OWNER};
GRANT USAGE ON SCHEMA planted TO ${APP};
SET ROLE ${OWNER};
CREATE TABLE planted.safe (id serial PRIMARY KEY, "tenantId" text NOT NULL, UNIQUE ("tenantId", id));
${RLS("safe")}
-- RLS_NOT_ENABLED (and the probe sees its row)
CREATE TABLE planted.no_rls (id serial PRIMARY KEY, "tenantId" text NOT NULL);
GRANT SELECT, INSERT, UPDATE, DELETE ON planted.no_rls TO ${APP};
-- POLICY_READS_OTHER_SETTING
CREATE TABLE planted.other_setting (id serial PRIMARY KEY, "tenantId" text NOT NULL);
${RLS("other_setting", `"tenantId" = NULLIF(current_setting('app.current_tenant', true), '')`)}
-- PERMISSIVE_POLICY_ALLOWS_ANY_TENANT (and the probe sees its row)
CREATE TABLE planted.allow_all (id serial PRIMARY KEY, "tenantId" text NOT NULL);
${RLS("allow_all")}
CREATE POLICY anyone ON planted.allow_all USING (true) WITH CHECK (true);
-- POLICY_CASTS_UNGUARDED_SETTING (and the probe fails on ''::uuid)
CREATE TABLE planted.uuid_cast (id serial PRIMARY KEY, "tenantId" uuid NOT NULL);
${RLS("uuid_cast", `"tenantId" = current_setting('app.tenant_id', true)::uuid`)}
-- POLICY_CASTS_UNGUARDED_SETTING through a helper function the policy calls
CREATE FUNCTION planted.tenant_uuid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT current_setting('app.tenant_id', true)::uuid $$;
CREATE TABLE planted.helper_cast (id serial PRIMARY KEY, "tenantId" uuid NOT NULL);
${RLS("helper_cast", `"tenantId" = planted.tenant_uuid()`)}
-- TRUNCATE_GRANTED
CREATE TABLE planted.truncatable (id serial PRIMARY KEY, "tenantId" text NOT NULL);
${RLS("truncatable")}
GRANT TRUNCATE ON planted.truncatable TO ${APP};
-- FOREIGN_KEY_WITHOUT_TENANT_COLUMN (beside a composite one, which is fine)
CREATE TABLE planted.child (
  id serial PRIMARY KEY, "tenantId" text NOT NULL, safe_id int NOT NULL REFERENCES planted.safe (id),
  FOREIGN KEY ("tenantId", safe_id) REFERENCES planted.safe ("tenantId", id));
${RLS("child")}
-- Only the live probe can see this one: the policy reads the setting, but lets '' through.
CREATE TABLE planted.probe_only (id serial PRIMARY KEY, "tenantId" text NOT NULL);
${RLS("probe_only", `current_setting('app.tenant_id', true) IS NOT NULL`)}
RESET ROLE;
-- One row per table (as the superuser, who bypasses RLS), so the live probe has something to leak.
${["safe", "no_rls", "other_setting", "allow_all", "truncatable", "probe_only"]
  .map((table) => `INSERT INTO planted.${table} ("tenantId") VALUES ('${T1}');`)
  .join("\n")}
INSERT INTO planted.uuid_cast ("tenantId") VALUES ('${T1}');
INSERT INTO planted.helper_cast ("tenantId") VALUES ('${T1}');
INSERT INTO planted.child ("tenantId", safe_id) SELECT "tenantId", id FROM planted.safe;
-- RLS_NOT_FORCED: the application role owns this table, and RLS is only enabled.
CREATE TABLE planted.app_owned (id serial PRIMARY KEY, "tenantId" text NOT NULL);
CREATE INDEX ON planted.app_owned ("tenantId");
ALTER TABLE planted.app_owned ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON planted.app_owned
  USING ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''));
ALTER TABLE planted.app_owned OWNER TO ${APP};
INSERT INTO planted.app_owned ("tenantId") VALUES ('${T1}');
-- VIEW_BYPASSES_RLS: owned by the superuser running this script, no security_invoker.
CREATE VIEW planted.leaky_view AS SELECT id, "tenantId" FROM planted.safe;
GRANT SELECT ON planted.leaky_view TO ${APP};
CREATE MATERIALIZED VIEW planted.leaky_matview AS SELECT id, "tenantId" FROM planted.safe;
GRANT SELECT ON planted.leaky_matview TO ${APP};
-- SECURITY_DEFINER_READS_TENANT_TABLE: superuser-owned, executable by PUBLIC.
CREATE FUNCTION planted.leaky_count() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
  AS $$ BEGIN RETURN (SELECT count(*) FROM planted.safe); END $$;
-- Clean neighbours: a security_invoker view and a definer function reading no tenant table.
CREATE VIEW planted.invoker_view WITH (security_invoker = true) AS SELECT id FROM planted.safe;
GRANT SELECT ON planted.invoker_view TO ${APP};
CREATE FUNCTION planted.harmless() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
`;

/** Runs `sql` as the server's superuser on `database`. */
export async function runAsSuperuser(superuserUrl: string, database: string, sql: string): Promise<void> {
  const url = new URL(superuserUrl);
  url.pathname = `/${database}`;
  await withClient(url.toString(), (client) => client.query(sql));
}
