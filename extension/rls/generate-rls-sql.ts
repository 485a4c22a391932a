import { InvalidTenantKitOptionError } from "../errors/invalid-tenant-kit-option-error.ts";
import { assertTenantSettingName, DEFAULT_TENANT_SETTING } from "../tenant-setting-name.ts";

/** One tenant-scoped table: its name (as in Postgres, e.g. Prisma's model name) and where the tenant id lives. */
export interface RlsTable {
  table: string;
  /** Postgres schema. Default: unqualified (the search_path). */
  schema?: string;
  /** Column holding the tenant id. Default: the `column` option, else `tenantId`. */
  column?: string;
  /** SQL type of that column. `uuid` compares without ever throwing on a malformed setting. Default `text`. */
  columnType?: "text" | "uuid";
}

/** Options of {@link generateRlsSql}. */
export interface GenerateRlsSqlOptions {
  /** Tenant-scoped tables, by name or in full. */
  tables: ReadonlyArray<string | RlsTable>;
  /** Setting the policies read. Default `app.tenant_id`; must match `createTenantAdapter({ setting })`. */
  setting?: string;
  /** Default tenant column of every table. Default `tenantId` (Prisma's camelCase); use `tenant_id` for snake_case. */
  column?: string;
  /**
   * Name of each table's policy. Default `tenant_isolation`. Re-running with the same name replaces that policy (it is
   * dropped first); other policies on the table stay unless `replacePolicies` is set.
   */
  policyName?: string;
  /**
   * Drop every other policy of each table first, so the generated policy is the only one. Policies are OR-ed
   * (permissive) or AND-ed (restrictive): an app's earlier `USING (true)` or "admin" policy left beside the tenant
   * policy lets every tenant through. Default `false` (only the policy named `policyName` is replaced).
   */
  replacePolicies?: boolean;
  /**
   * When set, also `GRANT SELECT, INSERT, UPDATE, DELETE` on every table to this (application) role, and
   * `REVOKE TRUNCATE` from it: TRUNCATE ignores row-level security.
   */
  appRole?: string;
}

const UUID_PATTERN = "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$";

/**
 * Generates the row-level security SQL for a list of tenant tables: ENABLE and FORCE (so the table owner is held to it
 * too), and one policy whose `USING` and `WITH CHECK` compare the tenant column with the setting the kit sets.
 *
 * `current_setting(name, true)` is NULL before any set_config and `''` after a transaction-local one ends; both match
 * no row, and nothing is ever cast in a way that can throw. Idempotent (DROP POLICY IF EXISTS), so it can be re-run.
 *
 * @example
 * ```ts
 * generateRlsSql({ tables: ["Customer"] });
 * // ALTER TABLE "Customer" ENABLE ROW LEVEL SECURITY;
 * // ALTER TABLE "Customer" FORCE ROW LEVEL SECURITY;
 * // DROP POLICY IF EXISTS "tenant_isolation" ON "Customer";
 * // CREATE POLICY "tenant_isolation" ON "Customer"
 * //   USING ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''))
 * //   WITH CHECK ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''));
 * ```
 * With `replacePolicies: true`, each table's other policies are dropped first (a `DO` block over `pg_policy`), so the
 * tenant policy is the only one left:
 * ```sql
 * DO $rls$ DECLARE p record; BEGIN
 *   FOR p IN SELECT polname FROM pg_policy WHERE polrelid = '"Customer"'::regclass LOOP
 *     EXECUTE format('DROP POLICY %I ON %s', p.polname, '"Customer"'::regclass);
 *   END LOOP;
 * END $rls$;
 * ```
 * Put the output in a Prisma migration: see docs/rls-migrations.md. `tenant-kit doctor` finds nothing on tables made
 * this way whose foreign keys include the tenant column (docs/rls-migrations.md, "Foreign keys").
 * @throws {InvalidTenantKitOptionError} for an empty table list or a malformed setting name.
 */
export function generateRlsSql(options: GenerateRlsSqlOptions): string {
  if (!Array.isArray(options?.tables) || options.tables.length === 0) {
    throw new InvalidTenantKitOptionError(
      "tables",
      'list at least one tenant-scoped table, e.g. tables: ["Customer"].',
    );
  }
  const setting = assertTenantSettingName(options.setting ?? DEFAULT_TENANT_SETTING);
  const policy = quoteIdentifier(options.policyName ?? "tenant_isolation");
  const current = `NULLIF(current_setting(${quoteLiteral(setting)}, true), '')`;

  return options.tables
    .map((entry) => {
      const spec: RlsTable = typeof entry === "string" ? { table: entry } : entry;
      if (typeof spec.table !== "string" || spec.table.length === 0) {
        throw new InvalidTenantKitOptionError("tables", `an entry has no table name: ${JSON.stringify(entry)}.`);
      }
      const table = (spec.schema ? `${quoteIdentifier(spec.schema)}.` : "") + quoteIdentifier(spec.table);
      const column = quoteIdentifier(spec.column ?? options.column ?? "tenantId");
      const tenant =
        spec.columnType === "uuid"
          ? `(CASE WHEN ${current} ~ ${quoteLiteral(UUID_PATTERN)} THEN ${current}::uuid END)`
          : current;
      const check = `${column} = ${tenant}`;
      const lines = [
        `-- ${spec.table}: rows visible and writable only for the tenant in ${setting}`,
        `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`,
        `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
        ...(options.replacePolicies ? [dropEveryPolicy(table)] : []),
        `DROP POLICY IF EXISTS ${policy} ON ${table};`,
        `CREATE POLICY ${policy} ON ${table}\n  USING (${check})\n  WITH CHECK (${check});`,
      ];
      if (options.appRole) {
        const role = quoteIdentifier(options.appRole);
        lines.push(
          `GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${role};`,
          `REVOKE TRUNCATE ON ${table} FROM ${role};`,
        );
      }
      return lines.join("\n");
    })
    .join("\n\n")
    .concat("\n");
}

/** Drops every policy of `table` (a quoted, possibly schema-qualified name), whatever their names. */
function dropEveryPolicy(table: string): string {
  const relation = `${quoteLiteral(table)}::regclass`;
  return [
    "DO $rls$ DECLARE p record; BEGIN",
    `  FOR p IN SELECT polname FROM pg_policy WHERE polrelid = ${relation} LOOP`,
    `    EXECUTE format('DROP POLICY %I ON %s', p.polname, ${relation});`,
    "  END LOOP;",
    "END $rls$;",
  ].join("\n");
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
