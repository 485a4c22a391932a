import type { TenantContextMode } from "../pg/tenant-prelude.ts";
import type { DoctorFinding } from "./doctor-finding.ts";
import { functionFindings } from "./function-findings.ts";
import { policyFindings } from "./policy-findings.ts";
import type { CatalogSnapshot } from "./read-catalog.ts";
import type { SqlParser } from "./sql-parser.ts";
import { qualifiedName, quoteIdentifier } from "./sql-names.ts";
import { supabaseFindings } from "./supabase-findings.ts";

/**
 * Judges a catalog snapshot: every finding except the live probe's. Pure, so each rule is testable on its own.
 * `contextMode` is the application's createTenantAdapter({ contextMode }); `parser` reads policy expressions and
 * function bodies (needed as soon as the snapshot has policies or functions); `schemas` limits function findings.
 */
export function findProblems(
  catalog: CatalogSnapshot,
  setting: string,
  tenantColumn: string,
  contextMode: TenantContextMode = "set-config",
  parser?: SqlParser,
  schemas?: readonly string[],
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const { role } = catalog;
  const app = quoteIdentifier(role.name);
  const column = quoteIdentifier(tenantColumn);
  const tables = new Map(catalog.tables.map((t) => [t.oid, t]));
  const nameOf = (oid: number) => qualifiedName(tables.get(oid)!.schema, tables.get(oid)!.name);

  if (role.superuser || role.bypassRls) {
    const attributes = [role.superuser && "SUPERUSER", role.bypassRls && "BYPASSRLS"].filter(Boolean).join(" and ");
    findings.push({
      code: "ROLE_BYPASSES_RLS",
      object: { kind: "role", name: app },
      problem:
        `The application role ${app} is ${attributes}: no row-level security policy applies to it, so every ` +
        `tenant reads every tenant's rows.`,
      fix:
        `Connect the application as a role with NOSUPERUSER NOBYPASSRLS that owns no table ` +
        `(docs/rls-migrations.md#2-roles); keep ${app} for migrations or createAdminAdapter.`,
    });
  }
  // A superuser is a member of every role and may replace every function: ROLE_BYPASSES_RLS says it all.
  const bypassingRoles = role.superuser || role.bypassRls ? [] : (role.bypassingRoles ?? []);
  const functions = (catalog.userFunctions ?? []).map((fn) =>
    role.superuser ? { ...fn, replaceableByApp: false } : fn,
  );
  if (bypassingRoles.length > 0) {
    const names = bypassingRoles.map(quoteIdentifier).join(", ");
    findings.push({
      code: "ROLE_CAN_BECOME_BYPASSING_ROLE",
      object: { kind: "role", name: app },
      problem:
        `The application role ${app} is a member of ${names}, which bypasses row-level security (SUPERUSER or ` +
        `BYPASSRLS): any of its sessions can SET ROLE ${quoteIdentifier(bypassingRoles[0]!)} and read every ` +
        `tenant's rows. createTenantAdapter refuses it (RlsBypassingRoleError).`,
      fix: (role.bypassingGrants?.length ? role.bypassingGrants : bypassingRoles)
        .map((granted) => `REVOKE ${quoteIdentifier(granted)} FROM ${app};`)
        .join(" "),
    });
  }
  for (const fallback of catalog.settingDefaults ?? []) {
    const source = {
      database: `ALTER DATABASE ${quoteIdentifier(fallback.target)} SET ${setting} = ...`,
      role: `ALTER ROLE ${quoteIdentifier(fallback.target)} SET ${setting} = ...`,
      "database and role": `ALTER ROLE ${quoteIdentifier(fallback.target)} IN DATABASE ... SET ${setting} = ...`,
      session: "the server configuration (postgresql.conf, ALTER SYSTEM) or the connection's options",
    }[fallback.scope];
    const reset = {
      database: `ALTER DATABASE ${quoteIdentifier(fallback.target)} RESET ${setting};`,
      role: `ALTER ROLE ${quoteIdentifier(fallback.target)} RESET ${setting};`,
      "database and role": `ALTER ROLE ${quoteIdentifier(fallback.target)} IN DATABASE ${quoteIdentifier(
        catalog.database,
      )} RESET ${setting};`,
      session:
        `Remove ${setting} from postgresql.conf / ALTER SYSTEM (ALTER SYSTEM RESET ${setting};) and from the ` +
        `URL's options.`,
    }[fallback.scope];
    findings.push({
      code: "TENANT_SETTING_HAS_DEFAULT",
      object: {
        kind: fallback.scope === "session" || fallback.scope === "database" ? "database" : "role",
        name: quoteIdentifier(fallback.target),
      },
      problem:
        `The tenant setting ${setting} has a default, '${fallback.value}', from ${source}: every query that sets ` +
        `no tenant (a raw pool, a script, a forgotten $forTenant) runs as that tenant and reads its rows.`,
      fix: reset,
    });
  }
  for (const foreign of catalog.foreignTables ?? []) {
    const name = qualifiedName(foreign.schema, foreign.name);
    findings.push({
      code: "FOREIGN_TABLE_BYPASSES_RLS",
      object: { kind: "foreign table", name },
      problem:
        `The foreign table ${name} (server ${quoteIdentifier(foreign.server)}) has the tenant column ` +
        `${column} and ${app} can use it, but row-level security cannot apply to foreign tables: every tenant ` +
        `reads every row the remote side returns for the user mapping.`,
      fix:
        `REVOKE ALL ON ${name} FROM ${app}; reach the remote rows through a view WITH (security_invoker = true) ` +
        `filtered on ${column}, or a local table with a tenant policy.`,
    });
  }
  if (catalog.citus && contextMode !== "transaction-block") {
    findings.push({
      code: "CITUS_NEEDS_TRANSACTION_BLOCK",
      object: { kind: "database", name: quoteIdentifier(catalog.database) },
      problem:
        `${quoteIdentifier(catalog.database)} is a Citus database (the citus extension is installed) and the ` +
        `application sets the tenant with set_config(...) (contextMode "set-config"), which Citus does not forward ` +
        `to its worker nodes: every tenant reads 0 rows of its distributed tables, and createTenantAdapter refuses ` +
        `to connect (CitusContextModeError).`,
      fix:
        `createTenantAdapter({ connectionString, contextMode: "transaction-block" }) (docs/citus.md), then run ` +
        `tenant-kit doctor --context-mode transaction-block.`,
    });
  }
  if (catalog.tables.length === 0) {
    findings.push({
      code: "NO_TENANT_TABLES",
      object: { kind: "database", name: quoteIdentifier(catalog.database) },
      problem: `No table has a column ${column}, so nothing was checked.`,
      fix: `Pass the tenant column your tables use (--tenant-column, e.g. tenant_id) and the application's URL.`,
    });
  }

  for (const table of catalog.tables) {
    const name = qualifiedName(table.schema, table.name);
    if (!table.usable && !table.canTruncate && !table.ownedByApp) continue; // the app cannot touch it directly
    if (!table.rls) {
      findings.push({
        code: "RLS_NOT_ENABLED",
        object: { kind: "table", name },
        problem:
          `${name} has the tenant column ${column} but row-level security is disabled: every tenant reads and ` +
          `writes every row.`,
        fix:
          `Enable and force RLS with a tenant policy: generateRlsSql({ tables: [{ schema: ` +
          `${JSON.stringify(table.schema)}, table: ${JSON.stringify(table.name)} }] }) (docs/rls-migrations.md).`,
      });
    } else if (!table.forced && table.ownedByApp) {
      const owner =
        table.owner === role.name
          ? "the application role itself"
          : `${quoteIdentifier(table.owner)}, whose privileges ${app} has`;
      findings.push({
        code: "RLS_NOT_FORCED",
        object: { kind: "table", name },
        problem: `${name} is owned by ${owner}, and RLS is not FORCEd: its policies do not apply to the application.`,
        fix:
          `ALTER TABLE ${name} FORCE ROW LEVEL SECURITY; better, make another role own the table ` +
          `(ALTER TABLE ${name} OWNER TO <migration role>).`,
      });
    }
    if (table.canTruncate) {
      findings.push({
        code: "TRUNCATE_GRANTED",
        object: { kind: "table", name },
        problem:
          `The application role ${app} may TRUNCATE ${name}; TRUNCATE ignores row-level security and empties every ` +
          `tenant's rows.`,
        fix: table.ownedByApp
          ? `Make another role own ${name} (an owner can always TRUNCATE); grant the application DML only.`
          : `REVOKE TRUNCATE ON ${name} FROM ${app}; (also check grants to PUBLIC and to roles it is a member of).`,
      });
    }
    const policies = catalog.policies.filter((p) => p.tableOid === table.oid);
    if (policies.length > 0 && !parser) throw new Error("findProblems needs the SQL parser to judge policies");
    if (table.rls && parser) {
      const context = {
        parser,
        setting: setting.toLowerCase(),
        column: tenantColumn,
        functions,
        writable: new Set(catalog.writableRelations ?? []),
      };
      findings.push(...policyFindings(table, name, policies, context));
      findings.push(...supabaseFindings(table, name, policies, parser, catalog.supabaseRoles ?? false));
    }
  }

  for (const view of catalog.views) {
    if (view.bypassedTables.length === 0 || (view.kind === "v" && view.securityInvoker)) continue;
    const name = qualifiedName(view.schema, view.name);
    const owner = quoteIdentifier(view.owner);
    const read = view.bypassedTables.map(nameOf).join(", ");
    findings.push(
      view.kind === "m"
        ? {
            code: "VIEW_BYPASSES_RLS",
            object: { kind: "materialized view", name },
            problem:
              `The materialized view ${name}, readable by ${app}, holds rows of ${read} as read by its owner ` +
              `${owner}, who bypasses RLS there; a materialized view has no policies.`,
            fix:
              `REVOKE SELECT ON ${name} FROM ${app}; or replace it with a view WITH (security_invoker = true) or a ` +
              `table with a tenant column and its own policy.`,
          }
        : {
            code: "VIEW_BYPASSES_RLS",
            object: { kind: "view", name },
            problem:
              `The view ${name} reads ${read} with the privileges of its owner ${owner}, who bypasses RLS there, so ` +
              `every tenant sees every tenant's rows through it.`,
            fix:
              `ALTER VIEW ${name} SET (security_invoker = true); (PostgreSQL 15+), or make a role that is subject to ` +
              `RLS (and FORCEd) own it.`,
          },
    );
  }

  if (parser) findings.push(...functionFindings(functions, catalog.tables, schemas, parser, app));

  for (const key of catalog.foreignKeys) {
    if (key.includesTenantColumn) continue;
    const table = nameOf(key.tableOid);
    const referenced = nameOf(key.referencedOid);
    const columns = key.columns.map(quoteIdentifier).join(", ");
    const referencedColumns = key.referencedColumns.map(quoteIdentifier).join(", ");
    findings.push({
      code: "FOREIGN_KEY_WITHOUT_TENANT_COLUMN",
      object: { kind: "foreign key", name: `${quoteIdentifier(key.name)} on ${table}` },
      problem:
        `${table}(${columns}) references ${referenced}(${referencedColumns}) without ${column}: a row can point at ` +
        `another tenant's row (foreign keys ignore RLS), and P2003/P2002 errors reveal whether another tenant's id ` +
        `exists.`,
      fix:
        `Use a composite key: UNIQUE (${column}, ${referencedColumns}) on ${referenced}, then FOREIGN KEY ` +
        `(${column}, ${columns}) REFERENCES ${referenced} (${column}, ${referencedColumns}) ` +
        `(docs/rls-migrations.md#4-foreign-keys).`,
    });
  }
  return findings;
}
