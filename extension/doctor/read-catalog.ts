import type pg from "pg";
import type { UserFunction } from "./function-body.ts";

/** What the doctor reads from pg_catalog (world-readable, so the application role sees all of it). */
export interface CatalogSnapshot {
  role: {
    name: string;
    superuser: boolean;
    bypassRls: boolean;
    /** SUPERUSER or BYPASSRLS roles it is a member of, transitively: it can SET ROLE to them. */
    bypassingRoles?: string[];
    /** The roles granted to it directly through which it reaches those. */
    bypassingGrants?: string[];
  };
  database: string;
  /** The `citus` extension is installed in the database (a Citus coordinator or worker). */
  citus: boolean;
  tables: TenantTable[];
  policies: TablePolicy[];
  views: ViewOverTenantTable[];
  foreignKeys: TenantForeignKey[];
  /** Every user-defined function of every user schema (helpers policies and definer functions call). */
  userFunctions?: UserFunction[];
  /** `schema.name` (unquoted) of every relation the application role can INSERT, UPDATE or DELETE. */
  writableRelations?: string[];
  /** Foreign tables with the tenant column the application role can read or write: RLS cannot apply to them. */
  foreignTables?: Array<{ schema: string; name: string; server: string }>;
  /** Defaults of the tenant setting that a session starts with. */
  settingDefaults?: SettingDefault[];
  /** The role `authenticated` exists: a Supabase database (or one built like it). */
  supabaseRoles?: boolean;
}

/** A value of the tenant setting a session gets without setting it. */
export interface SettingDefault {
  /** Where it comes from: `ALTER DATABASE`, `ALTER ROLE`, both (`database user`), or the server or connection. */
  scope: "database" | "role" | "database and role" | "session";
  /** The role (for the role scopes) or the database. */
  target: string;
  value: string;
}

export interface TenantTable {
  oid: number;
  schema: string;
  name: string;
  rls: boolean;
  forced: boolean;
  owner: string;
  /** The application role is the owner or inherits its privileges: RLS skips it unless FORCEd. */
  ownedByApp: boolean;
  /** The application role may SELECT, INSERT, UPDATE or DELETE (whole table or some columns). */
  usable: boolean;
  canSelect: boolean;
  canInsert?: boolean;
  canUpdate?: boolean;
  canDelete?: boolean;
  /** The first column of each of its indexes. */
  indexedColumns?: string[];
  canTruncate: boolean;
}

export interface TablePolicy {
  tableOid: number;
  name: string;
  /** `r` SELECT, `a` INSERT, `w` UPDATE, `d` DELETE, `*` ALL. */
  command: "r" | "a" | "w" | "d" | "*";
  permissive: boolean;
  using: string | null;
  withCheck: string | null;
  /** The policy's roles include PUBLIC or a role the application role is a member of. */
  appliesToApp: boolean;
  /** The policy's roles by name, `public` for PUBLIC. */
  roles?: string[];
}

export interface ViewOverTenantTable {
  schema: string;
  name: string;
  kind: "v" | "m";
  owner: string;
  securityInvoker: boolean;
  /** Tenant tables reached (through other views too) on which the view owner bypasses RLS. */
  bypassedTables: number[];
}

export interface TenantForeignKey {
  name: string;
  tableOid: number;
  referencedOid: number;
  columns: string[];
  referencedColumns: string[];
  /** Some position pairs the tenant column of both tables. */
  includesTenantColumn: boolean;
}

/** Who bypasses RLS on table `t` when acting as role `r` (pg_roles row `o` of r). */
const BYPASSES = (role: string, owner: string) =>
  `(${owner}.rolsuper OR ${owner}.rolbypassrls OR NOT t.relrowsecurity ` +
  `OR (pg_has_role(${role}, t.relowner, 'USAGE') AND NOT t.relforcerowsecurity))`;

const USER_SCHEMA = (alias: string) =>
  `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${alias}.nspname NOT LIKE 'pg\\_%' ` +
  `AND ($2::text[] IS NULL OR ${alias}.nspname = ANY($2::text[]))`;

const TABLES_SQL = `
SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
       c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       pg_get_userbyid(c.relowner) AS owner, pg_has_role(c.relowner, 'MEMBER') AS "ownedByApp",
       (has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE')
         OR has_any_column_privilege(c.oid, 'SELECT,INSERT,UPDATE')) AS usable,
       has_table_privilege(c.oid, 'SELECT') AS "canSelect", has_table_privilege(c.oid, 'TRUNCATE') AS "canTruncate",
       (has_table_privilege(c.oid, 'INSERT') OR has_any_column_privilege(c.oid, 'INSERT')) AS "canInsert",
       (has_table_privilege(c.oid, 'UPDATE') OR has_any_column_privilege(c.oid, 'UPDATE')) AS "canUpdate",
       has_table_privilege(c.oid, 'DELETE') AS "canDelete",
       ARRAY(SELECT k.attname::text FROM pg_index i
               JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = i.indkey[0]
              WHERE i.indrelid = c.oid) AS "indexedColumns"
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMA("n")}
 ORDER BY n.nspname, c.relname`;

const POLICIES_SQL = `
SELECT p.polrelid::int AS "tableOid", p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
       pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck",
       (0::oid = ANY(p.polroles) OR EXISTS (
          SELECT 1 FROM unnest(p.polroles) AS r(oid)
           WHERE r.oid <> 0 AND pg_has_role(r.oid, 'MEMBER'))) AS "appliesToApp",
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_get_userbyid(r.oid)::text END
               FROM unnest(p.polroles) AS r(oid)) AS roles
  FROM pg_policy p
 WHERE p.polrelid = ANY($1::oid[])`;

// A view's rewrite rule depends on every relation it reads; following views through views finds the tables.
const VIEWS_SQL = `
WITH RECURSIVE edge AS (
  SELECT DISTINCT r.ev_class AS view_oid, d.refobjid AS rel_oid
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
), reach(view_oid, rel_oid) AS (
  SELECT view_oid, rel_oid FROM edge
  UNION
  SELECT reach.view_oid, edge.rel_oid FROM reach JOIN edge ON edge.view_oid = reach.rel_oid
)
SELECT n.nspname AS schema, v.relname AS name, v.relkind AS kind, pg_get_userbyid(v.relowner) AS owner,
       coalesce(v.reloptions, '{}') AS options,
       array_agg(t.oid::int ORDER BY t.oid) FILTER (WHERE ${BYPASSES("v.relowner", "o")}) AS "bypassedTables"
  FROM reach
  JOIN pg_class v ON v.oid = reach.view_oid AND v.relkind IN ('v', 'm')
  JOIN pg_namespace n ON n.oid = v.relnamespace
  JOIN pg_roles o ON o.oid = v.relowner
  JOIN pg_class t ON t.oid = reach.rel_oid
 WHERE t.oid = ANY($1::oid[]) AND has_table_privilege(v.oid, 'SELECT') AND ${USER_SCHEMA("n")}
 GROUP BY n.nspname, v.relname, v.relkind, v.relowner, v.reloptions
 ORDER BY 1, 2`;

const FOREIGN_KEYS_SQL = `
SELECT c.conname AS name, c.conrelid::int AS "tableOid", c.confrelid::int AS "referencedOid",
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i) AS columns,
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, i)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
              ORDER BY k.i) AS "referencedColumns"
  FROM pg_constraint c
 WHERE c.contype = 'f' AND c.conrelid = ANY($1::oid[]) AND c.confrelid = ANY($1::oid[])
 ORDER BY c.conrelid, c.conname`;

const USER_FUNCTIONS_SQL = `
SELECT p.oid::int AS oid, n.nspname AS schema, p.proname AS name, p.pronargs::int AS "argCount",
       pg_get_function_identity_arguments(p.oid) AS arguments,
       l.lanname AS language, coalesce(p.prosrc, '') AS source,
       CASE WHEN l.lanname = 'plpgsql' THEN pg_get_functiondef(p.oid) END AS definition,
       p.prosecdef AS "securityDefiner", p.proconfig AS config, pg_get_userbyid(p.proowner) AS owner,
       pg_has_role(p.proowner, 'MEMBER') AS "replaceableByApp", has_function_privilege(p.oid, 'EXECUTE') AS executable,
       ARRAY(SELECT t.oid::int FROM pg_class t
              WHERE t.oid = ANY($1::oid[]) AND ${BYPASSES("p.proowner", "o")}) AS "bypassedTables",
       ARRAY(SELECT d.refobjid::int FROM pg_depend d
              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                AND d.refclassid = 'pg_class'::regclass) AS "dependsOn"
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_roles o ON o.oid = p.proowner
 WHERE p.prokind = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = p.oid AND e.deptype = 'e')
 ORDER BY 2, 3, 1`;

const WRITABLE_SQL = `
SELECT n.nspname || '.' || c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
        OR has_table_privilege(c.oid, 'DELETE') OR has_any_column_privilege(c.oid, 'INSERT,UPDATE'))`;

const FOREIGN_TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, s.srvname AS server
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_foreign_table f ON f.ftrelid = c.oid
  JOIN pg_foreign_server s ON s.oid = f.ftserver
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind = 'f' AND ${USER_SCHEMA("n")}
   AND (has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE') OR has_any_column_privilege(c.oid, 'SELECT'))
 ORDER BY 1, 2`;

// Role-level defaults apply to the login role (session_user), not to the roles it is a member of.
const SETTING_DEFAULTS_SQL = `
SELECT CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 'database and role'
            WHEN s.setdatabase <> 0 THEN 'database' ELSE 'role' END AS scope,
       CASE WHEN s.setrole <> 0 THEN pg_get_userbyid(s.setrole)::text ELSE current_database()::text END AS target,
       substr(cfg, strpos(cfg, '=') + 1) AS value
  FROM pg_db_role_setting s, unnest(s.setconfig) AS cfg
 WHERE (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
   AND (s.setrole = 0 OR s.setrole = (SELECT oid FROM pg_roles WHERE rolname = session_user))
   AND lower(split_part(cfg, '=', 1)) = lower($1)
 ORDER BY 1, 2`;

/**
 * Reads everything the doctor judges, as the connected role. `schemas` limits tables, views and functions to those
 * schemas (all user schemas when undefined).
 */
export async function readCatalog(
  client: pg.ClientBase,
  tenantColumn: string,
  schemas: readonly string[] | undefined,
  setting: string,
): Promise<CatalogSnapshot> {
  const scope = schemas ? [...schemas] : null;
  // First, before anything this session sets: the value a session without a tenant starts with.
  const session = await client.query<{ value: string | null }>("SELECT pg_catalog.current_setting($1, true) AS value", [
    setting,
  ]);
  const role = await client.query<{
    name: string;
    superuser: boolean;
    bypassRls: boolean;
    database: string;
    citus: boolean;
    bypassingRoles: string[];
    bypassingGrants: string[];
    supabaseRoles: boolean;
  }>(
    `SELECT current_user AS name, r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
            current_database() AS database, EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus,
            ARRAY(SELECT b.rolname::text FROM pg_roles b
                   WHERE (b.rolsuper OR b.rolbypassrls) AND b.oid <> r.oid AND pg_has_role(r.oid, b.oid, 'MEMBER')
                   ORDER BY 1) AS "bypassingRoles",
            ARRAY(SELECT DISTINCT g.rolname::text FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
                   WHERE am.member = r.oid AND EXISTS (
                     SELECT 1 FROM pg_roles b
                      WHERE (b.rolsuper OR b.rolbypassrls) AND pg_has_role(g.oid, b.oid, 'MEMBER'))
                   ORDER BY 1) AS "bypassingGrants",
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') AS "supabaseRoles"
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  // pg_get_expr and pg_get_functiondef qualify every name not on the search path: with only pg_catalog on it, an
  // unqualified current_setting or = is the built-in one, never a look-alike from a schema earlier on the app's path.
  // SET LOCAL, in a transaction, so nothing stays on a pooled connection behind PgBouncer.
  await client.query("BEGIN READ ONLY");
  await client.query("SET LOCAL search_path = pg_catalog");
  const tables = (await client.query<TenantTable>(TABLES_SQL, [tenantColumn, scope])).rows;
  const oids = tables.map((table) => table.oid);
  // One query at a time: pg's Client queues concurrent queries but warns (DeprecationWarning) on every run.
  const policies = await client.query<TablePolicy>(POLICIES_SQL, [oids]);
  const views = await client.query<Omit<ViewOverTenantTable, "securityInvoker"> & { options: string[] }>(VIEWS_SQL, [
    oids,
    scope,
  ]);
  const foreignKeys = await client.query<Omit<TenantForeignKey, "includesTenantColumn">>(FOREIGN_KEYS_SQL, [oids]);
  const userFunctions = await client.query<UserFunction>(USER_FUNCTIONS_SQL, [oids]);
  const writable = await client.query<{ name: string }>(WRITABLE_SQL);
  const foreignTables = await client.query<{ schema: string; name: string; server: string }>(FOREIGN_TABLES_SQL, [
    tenantColumn,
    scope,
  ]);
  const defaults = await client.query<SettingDefault>(SETTING_DEFAULTS_SQL, [setting]);
  await client.query("COMMIT");
  const sessionValue = session.rows[0]?.value;
  return {
    role: {
      name: role.rows[0]!.name,
      superuser: role.rows[0]!.superuser,
      bypassRls: role.rows[0]!.bypassRls,
      bypassingRoles: role.rows[0]!.bypassingRoles,
      bypassingGrants: role.rows[0]!.bypassingGrants,
    },
    supabaseRoles: role.rows[0]!.supabaseRoles,
    userFunctions: userFunctions.rows,
    writableRelations: writable.rows.map((row) => row.name),
    foreignTables: foreignTables.rows,
    settingDefaults: [
      ...defaults.rows,
      // A value no ALTER DATABASE / ALTER ROLE explains comes from the server's configuration or the connection.
      ...(sessionValue && !defaults.rows.some((row) => row.value === sessionValue)
        ? [{ scope: "session" as const, target: role.rows[0]!.database, value: sessionValue }]
        : []),
    ],
    database: role.rows[0]!.database,
    citus: role.rows[0]!.citus,
    tables,
    policies: policies.rows,
    views: views.rows.map(({ options, ...view }) => ({
      ...view,
      bypassedTables: view.bypassedTables ?? [],
      securityInvoker: options.some((option) => /^security_invoker=(true|on|yes|1)$/i.test(option)),
    })),
    foreignKeys: foreignKeys.rows.map((key) => ({
      ...key,
      includesTenantColumn: key.columns.some(
        (column, i) => column === tenantColumn && key.referencedColumns[i] === tenantColumn,
      ),
    })),
  };
}
