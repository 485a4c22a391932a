import type { TenantContextMode } from "../pg/tenant-prelude.ts";
import type { DoctorFinding } from "./doctor-finding.ts";
import { settingsRead, unguardedSettingCasts } from "./policy-expression.ts";
import type { CatalogSnapshot, TablePolicy, TenantTable } from "./read-catalog.ts";
import { qualifiedName, quoteIdentifier } from "./sql-names.ts";

const COMMAND_NAMES = { r: "SELECT", a: "INSERT", w: "UPDATE", d: "DELETE", "*": "ALL" } as const;

/**
 * Judges a catalog snapshot: every finding except the live probe's. Pure, so each rule is testable on its own.
 * `contextMode` is the application's createTenantAdapter({ contextMode }).
 */
export function findProblems(
  catalog: CatalogSnapshot,
  setting: string,
  tenantColumn: string,
  contextMode: TenantContextMode = "set-config",
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
    if (table.rls) {
      findings.push(
        ...policyFindings(
          table,
          name,
          catalog.policies.filter((p) => p.tableOid === table.oid),
          setting,
        ),
      );
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

  for (const fn of catalog.functions) {
    const read = fn.bypassedTables.filter((oid) => fn.dependsOn.includes(oid) || mentions(fn.source, tables.get(oid)!));
    if (read.length === 0) continue;
    const name = `${qualifiedName(fn.schema, fn.name)}(${fn.arguments})`;
    findings.push({
      code: "SECURITY_DEFINER_READS_TENANT_TABLE",
      object: { kind: "function", name },
      problem:
        `The SECURITY DEFINER function ${name}, executable by ${app}, reads ${read.map(nameOf).join(", ")} as its ` +
        `owner ${quoteIdentifier(fn.owner)}, who bypasses RLS there.`,
      fix:
        `ALTER FUNCTION ${name} SECURITY INVOKER; or REVOKE EXECUTE ON FUNCTION ${name} FROM PUBLIC, ${app}; or ` +
        `make a role subject to RLS own it.`,
    });
  }

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

function policyFindings(
  table: TenantTable,
  tableName: string,
  policies: TablePolicy[],
  setting: string,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const tenantSetting = setting.toLowerCase();
  const applicable = policies.filter((policy) => policy.appliesToApp);
  const readsSetting = (text: string | null, sources: string) =>
    text !== null && settingsRead(`${text}\n${sources}`).has(tenantSetting);
  // A restrictive policy that compares with the setting scopes the commands it covers, whatever permissive ones allow.
  const restricted = (command: TablePolicy["command"], side: "using" | "withCheck") =>
    applicable.some(
      (p) =>
        !p.permissive &&
        (p.command === "*" || p.command === command) &&
        readsSetting(side === "using" ? p.using : (p.withCheck ?? p.using), p.functionSources),
    );

  for (const policy of applicable) {
    const name = `${quoteIdentifier(policy.name)} on ${tableName}`;
    const object = { kind: "policy", name } as const;
    const text = [policy.using, policy.withCheck].filter((part) => part !== null).join("\n");
    const read = settingsRead(`${text}\n${policy.functionSources}`);
    const others = [...read].filter((other) => other !== tenantSetting);
    const readsOtherSetting = others.length > 0 && !read.has(tenantSetting);
    if (readsOtherSetting) {
      findings.push({
        code: "POLICY_READS_OTHER_SETTING",
        object,
        problem:
          `Policy ${name} reads ${others.map((s) => `'${s}'`).join(", ")}, but the kit sets '${setting}': the ` +
          `policy never sees the tenant.`,
        fix:
          `Recreate the policy on current_setting('${setting}', true) (generateRlsSql), or pass the setting the ` +
          `policies read to createTenantAdapter({ setting }) and to the doctor (--setting).`,
      });
    }
    const casts = unguardedSettingCasts(text, policy.functionSources);
    if (casts.length > 0) {
      findings.push({
        code: "POLICY_CASTS_UNGUARDED_SETTING",
        object,
        problem:
          `Policy ${name} casts the setting to ${casts.join(", ")} without guarding '': a query without a tenant ` +
          `(the kit sends '') fails with an invalid-input error instead of returning no rows.`,
        fix:
          `Cast NULLIF(current_setting('${setting}', true), '') instead, or use generateRlsSql with ` +
          `columnType: "uuid", which also turns a malformed id into no rows.`,
      });
    }
    if (!policy.permissive || readsOtherSetting) continue; // one finding per problem: that one says it all
    const commands = policy.command === "*" ? (["r", "a", "w", "d"] as const) : [policy.command];
    const check = policy.withCheck ?? policy.using;
    const reachesAll =
      policy.using !== null &&
      !readsSetting(policy.using, policy.functionSources) &&
      commands.some((c) => c !== "a" && !restricted(c, "using"));
    const writesAll =
      check !== null &&
      !readsSetting(check, policy.functionSources) &&
      commands.some((c) => (c === "a" || c === "w") && !restricted(c, "withCheck"));
    if (!reachesAll && !writesAll) continue;
    const clauses = [reachesAll && `USING (${policy.using})`, writesAll && `WITH CHECK (${check})`].filter(Boolean);
    const effect = [reachesAll && "reach", writesAll && "write"].filter(Boolean).join(" and ");
    findings.push({
      code: "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT",
      object,
      problem:
        `Permissive policy ${name} (FOR ${COMMAND_NAMES[policy.command]}) has ${clauses.join(" and ")}, which does ` +
        `not depend on '${setting}': permissive policies are OR-ed, so any tenant's queries ${effect} every ` +
        `tenant's rows.`,
      fix:
        `DROP POLICY ${quoteIdentifier(policy.name)} ON ${tableName}; or make it compare the tenant column of ` +
        `${quoteIdentifier(table.name)} with NULLIF(current_setting('${setting}', true), ''), or add a RESTRICTIVE ` +
        `tenant policy.`,
    });
  }
  return findings;
}

/** Whether a function body names `table`: `"Customer"`, `public."Customer"` or, for a lower-case name, `customer`. */
function mentions(source: string, table: TenantTable): boolean {
  if (source.includes(`"${table.name.replaceAll('"', '""')}"`)) return true;
  const escaped = table.name.replace(/[$]/g, "\\$&");
  return /^[a-z_][a-z0-9_$]*$/.test(table.name) && new RegExp(`(^|[^\\w$"])${escaped}($|[^\\w$"])`, "i").test(source);
}
