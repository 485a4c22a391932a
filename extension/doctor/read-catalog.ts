import type pg from "pg";

/** What the doctor reads from pg_catalog (world-readable, so the application role sees all of it). */
export interface CatalogSnapshot {
  role: { name: string; superuser: boolean; bypassRls: boolean };
  database: string;
  /** The `citus` extension is installed in the database (a Citus coordinator or worker). */
  citus: boolean;
  tables: TenantTable[];
  policies: TablePolicy[];
  views: ViewOverTenantTable[];
  functions: SecurityDefinerFunction[];
  foreignKeys: TenantForeignKey[];
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
  /** Source of the user functions the expressions call (recorded in pg_depend). */
  functionSources: string;
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

export interface SecurityDefinerFunction {
  schema: string;
  name: string;
  arguments: string;
  owner: string;
  source: string;
  /** Tenant tables on which the owner bypasses RLS. */
  bypassedTables: number[];
  /** Tables the function depends on in pg_depend (SQL-standard `BEGIN ATOMIC` bodies record them). */
  dependsOn: number[];
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
       pg_get_userbyid(c.relowner) AS owner, pg_has_role(c.relowner, 'USAGE') AS "ownedByApp",
       (has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE')
         OR has_any_column_privilege(c.oid, 'SELECT,INSERT,UPDATE')) AS usable,
       has_table_privilege(c.oid, 'SELECT') AS "canSelect", has_table_privilege(c.oid, 'TRUNCATE') AS "canTruncate"
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMA("n")}
 ORDER BY n.nspname, c.relname`;

const POLICIES_SQL = `
SELECT p.polrelid::int AS "tableOid", p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
       pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck",
       (0::oid = ANY(p.polroles) OR EXISTS (
          SELECT 1 FROM unnest(p.polroles) AS r(oid) WHERE pg_has_role(r.oid, 'MEMBER'))) AS "appliesToApp",
       coalesce((SELECT string_agg(f.prosrc, E'\\n')
                   FROM pg_depend d JOIN pg_proc f ON f.oid = d.refobjid
                  WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                    AND d.refclassid = 'pg_proc'::regclass), '') AS "functionSources"
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

const FUNCTIONS_SQL = `
SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_userbyid(p.proowner) AS owner, coalesce(p.prosrc, '') AS source,
       ARRAY(SELECT t.oid::int FROM pg_class t
              WHERE t.oid = ANY($1::oid[]) AND ${BYPASSES("p.proowner", "o")}) AS "bypassedTables",
       ARRAY(SELECT d.refobjid::int FROM pg_depend d
              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                AND d.refclassid = 'pg_class'::regclass) AS "dependsOn"
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_roles o ON o.oid = p.proowner
 WHERE p.prosecdef AND has_function_privilege(p.oid, 'EXECUTE') AND ${USER_SCHEMA("n")}
 ORDER BY 1, 2, 3`;

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

/**
 * Reads everything the doctor judges, as the connected role. `schemas` limits tables, views and functions to those
 * schemas (all user schemas when undefined).
 */
export async function readCatalog(
  client: pg.ClientBase,
  tenantColumn: string,
  schemas: readonly string[] | undefined,
): Promise<CatalogSnapshot> {
  const scope = schemas ? [...schemas] : null;
  const role = await client.query<{
    name: string;
    superuser: boolean;
    bypassRls: boolean;
    database: string;
    citus: boolean;
  }>(
    `SELECT current_user AS name, rolsuper AS superuser, rolbypassrls AS "bypassRls", current_database() AS database,
            EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus
       FROM pg_roles WHERE rolname = current_user`,
  );
  const tables = (await client.query<TenantTable>(TABLES_SQL, [tenantColumn, scope])).rows;
  const oids = tables.map((table) => table.oid);
  // One query at a time: pg's Client queues concurrent queries but warns (DeprecationWarning) on every run.
  const policies = await client.query<TablePolicy>(POLICIES_SQL, [oids]);
  const views = await client.query<Omit<ViewOverTenantTable, "securityInvoker"> & { options: string[] }>(VIEWS_SQL, [
    oids,
    scope,
  ]);
  const functions = await client.query<SecurityDefinerFunction>(FUNCTIONS_SQL, [oids, scope]);
  const foreignKeys = await client.query<Omit<TenantForeignKey, "includesTenantColumn">>(FOREIGN_KEYS_SQL, [oids]);
  return {
    role: { name: role.rows[0]!.name, superuser: role.rows[0]!.superuser, bypassRls: role.rows[0]!.bypassRls },
    database: role.rows[0]!.database,
    citus: role.rows[0]!.citus,
    tables,
    policies: policies.rows,
    views: views.rows.map(({ options, ...view }) => ({
      ...view,
      bypassedTables: view.bypassedTables ?? [],
      securityInvoker: options.some((option) => /^security_invoker=(true|on|yes|1)$/i.test(option)),
    })),
    functions: functions.rows,
    foreignKeys: foreignKeys.rows.map((key) => ({
      ...key,
      includesTenantColumn: key.columns.some(
        (column, i) => column === tenantColumn && key.referencedColumns[i] === tenantColumn,
      ),
    })),
  };
}
