import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";

const OWNER = DATABASE_ROLES.owner.name;
const APP = DATABASE_ROLES.app.name;
const ADMIN = DATABASE_ROLES.admin.name;
export const T1 = "00000000-0000-4000-8000-000000000001";
export const T2 = "00000000-0000-4000-8000-000000000002";

const TENANT = `NULLIF(current_setting('app.tenant_id', true), '')`;

/** A table of schema `traps` with one row per tenant, an index on "tenantId", RLS forced, DML for the app. */
const table = (name: string, policies: string, rows = [T1, T2]) => `
CREATE TABLE traps.${name} (id serial PRIMARY KEY, "tenantId" text NOT NULL);
CREATE INDEX ON traps.${name} ("tenantId");
ALTER TABLE traps.${name} ENABLE ROW LEVEL SECURITY;
ALTER TABLE traps.${name} FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON traps.${name} TO ${APP};
GRANT USAGE ON SEQUENCE traps.${name}_id_seq TO ${APP};
${policies}
INSERT INTO traps.${name} ("tenantId") VALUES ${rows.map((row) => `('${row}')`).join(", ")};`;

/**
 * Schema `traps`: the second set of traps (each exploitable as the application role, see planted-traps.test.ts) beside
 * one clean table, `traps.safe`. Run as the superuser (it creates the rows, bypassing RLS).
 */
export const TRAPS_SCHEMA_SQL = `
CREATE SCHEMA traps AUTHORIZATION ${OWNER};
GRANT USAGE ON SCHEMA traps TO ${APP}, ${ADMIN};
${table(
  "safe",
  `CREATE POLICY tenant_isolation ON traps.safe
  USING ("tenantId" = ${TENANT}) WITH CHECK ("tenantId" = ${TENANT});`,
)}
GRANT SELECT ON traps.safe TO ${ADMIN};

-- A LIKE prefix: tenant 'acme' also matches 'acme-corp'.
${table("like_prefix", `CREATE POLICY by_prefix ON traps.like_prefix USING ("tenantId" LIKE ${TENANT} || '%');`, [
  "acme",
  "acme-corp",
])}

-- An OR branch for a "super tenant".
${table(
  "super_tenant",
  `CREATE POLICY with_root ON traps.super_tenant USING ("tenantId" = ${TENANT} OR ${TENANT} = 'root');`,
)}

-- Only checks that some tenant is set.
${table("any_tenant", `CREATE POLICY tenant_set ON traps.any_tenant USING (${TENANT} IS NOT NULL);`)}

-- A RESTRICTIVE policy that reads the setting but compares no column, beside a permissive USING (true).
${table(
  "restrictive_open",
  `CREATE POLICY open_all ON traps.restrictive_open USING (true) WITH CHECK (true);
CREATE POLICY needs_tenant ON traps.restrictive_open AS RESTRICTIVE
  USING (current_setting('app.tenant_id', true) <> '');`,
)}

-- WITH CHECK reads the setting but never compares the column: a tenant writes rows as another.
${table(
  "check_no_column",
  `CREATE POLICY loose_check ON traps.check_no_column
  USING ("tenantId" = ${TENANT}) WITH CHECK (${TENANT} IS NOT NULL);`,
)}

-- A lookup table the application role can write.
CREATE TABLE traps.memberships (member text NOT NULL, tenant text NOT NULL);
GRANT SELECT, INSERT ON traps.memberships TO ${APP};
INSERT INTO traps.memberships VALUES ('${T1}', '${T1}'), ('${T2}', '${T2}');
${table(
  "via_lookup",
  `CREATE POLICY by_membership ON traps.via_lookup
  USING ("tenantId" IN (SELECT tenant FROM traps.memberships WHERE member = ${TENANT}));`,
)}

-- A helper function the application role owns (in a schema where it may create): it can replace it.
CREATE SCHEMA traps_fn AUTHORIZATION ${OWNER};
GRANT USAGE, CREATE ON SCHEMA traps_fn TO ${APP};
CREATE FUNCTION traps_fn.current_tenant() RETURNS text LANGUAGE sql STABLE AS $$ SELECT ${TENANT} $$;
ALTER FUNCTION traps_fn.current_tenant() OWNER TO ${APP};
${table(
  "via_app_function",
  `CREATE POLICY by_function ON traps.via_app_function USING ("tenantId" = traps_fn.current_tenant());`,
)}

-- '' as a tenant: no NULLIF, so every query without a tenant shares the rows whose tenant is ''.
${table(
  "unguarded",
  `CREATE POLICY bare_setting ON traps.unguarded USING ("tenantId" = current_setting('app.tenant_id', true));`,
)}

-- SECURITY DEFINER owned by a BYPASSRLS role (not a superuser), reading the clean table.
CREATE FUNCTION traps.all_tenant_ids() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
  AS $$ SELECT "tenantId" FROM traps.safe $$;
ALTER FUNCTION traps.all_tenant_ids() OWNER TO ${ADMIN};

-- SECURITY DEFINER reaching the clean table through a SECURITY INVOKER helper (it runs as the definer's owner).
CREATE FUNCTION traps.count_rows() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM traps.safe $$;
CREATE FUNCTION traps.row_stats() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
  AS $$ BEGIN RETURN traps.count_rows(); END $$;

-- SECURITY DEFINER with dynamic SQL: no table name in its body.
CREATE FUNCTION traps.count_of(relation text) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM traps.%I', relation) INTO n;
  RETURN n;
END $$;

-- Clean neighbours: a definer function reading no table, an invoker function reading a tenant table.
CREATE FUNCTION traps.answer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 42';
CREATE FUNCTION traps.my_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM traps.safe $$;
-- The tests count rows as the admin role (BYPASSRLS).
GRANT SELECT ON ALL TABLES IN SCHEMA traps TO ${ADMIN};
`;

/**
 * A foreign table over traps.safe through postgres_fdw, whose user mapping logs in as the BYPASSRLS admin role.
 * `server` is the host, port and database of this very server.
 */
export const foreignTableSql = (server: { host: string; port: string; database: string }) => `
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '${server.host}', port '${server.port}', dbname '${server.database}');
CREATE USER MAPPING FOR ${APP} SERVER loopback
  OPTIONS (user '${ADMIN}', password '${DATABASE_ROLES.admin.password}', password_required 'false');
CREATE FOREIGN TABLE traps.remote_safe (id int, "tenantId" text) SERVER loopback
  OPTIONS (schema_name 'traps', table_name 'safe');
GRANT SELECT ON traps.remote_safe TO ${APP};
`;

/**
 * Schema `shadow`: a look-alike `current_setting` that a policy was created with (shadow before pg_catalog on the
 * search path, so the policy calls it, not the built-in), beside a clean table whose policy calls the built-in. The
 * test also puts shadow first on the application role's search path in that database, where a doctor printing
 * pg_get_expr with the app's path would see a plain `current_setting`.
 */
export const SHADOW_SCHEMA_SQL = `
CREATE SCHEMA shadow AUTHORIZATION ${OWNER};
GRANT USAGE ON SCHEMA shadow TO ${APP};
CREATE FUNCTION shadow.current_setting(text, boolean) RETURNS text LANGUAGE sql STABLE AS $$ SELECT '${T2}'::text $$;
${["lookalike", "safe"]
  .map(
    (name) => `
CREATE TABLE shadow.${name} (id serial PRIMARY KEY, "tenantId" text NOT NULL);
CREATE INDEX ON shadow.${name} ("tenantId");
ALTER TABLE shadow.${name} ENABLE ROW LEVEL SECURITY;
ALTER TABLE shadow.${name} FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON shadow.${name} TO ${APP};
INSERT INTO shadow.${name} ("tenantId") VALUES ('${T1}'), ('${T2}');`,
  )
  .join("\n")}
CREATE POLICY tenant_isolation ON shadow.safe USING ("tenantId" = ${TENANT});
SET search_path = shadow, pg_catalog;
CREATE POLICY shadowed ON shadow.lookalike USING ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''));
RESET search_path;
`;
