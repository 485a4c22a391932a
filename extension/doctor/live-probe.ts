import pg from "pg";
import type { DoctorFinding } from "./doctor-finding.ts";
import type { TenantTable } from "./read-catalog.ts";
import { qualifiedName } from "./sql-names.ts";

/** How long one probe query may run, in ms, before it is reported as undecided (a note, not a finding). */
export const PROBE_TIMEOUT_MILLIS = 5_000;

/**
 * Reads one row of every tenant table the role can SELECT, with the tenant setting empty as the kit sends it for a
 * query without a tenant, in a read-only transaction that is rolled back:
 *
 * ```sql
 * BEGIN READ ONLY;
 * SELECT set_config($1, '', true), set_config('statement_timeout', '5000ms', true);
 * SELECT 1 FROM public."Customer" LIMIT 1;
 * ROLLBACK;
 * ```
 * A row means the table leaks without a tenant; an error means such queries fail instead of returning nothing.
 */
export async function probeWithoutTenant(
  client: pg.ClientBase,
  tables: readonly TenantTable[],
  setting: string,
): Promise<{ findings: DoctorFinding[]; notes: string[] }> {
  const findings: DoctorFinding[] = [];
  const notes: string[] = [];
  for (const table of tables.filter((t) => t.canSelect)) {
    const name = qualifiedName(table.schema, table.name);
    try {
      await client.query("BEGIN READ ONLY");
      // Qualified: a look-alike set_config earlier on the role's search_path must not take the probe's setting.
      const set = "SELECT pg_catalog.set_config($1, '', true), pg_catalog.set_config('statement_timeout', $2, true)";
      await client.query(set, [setting, `${PROBE_TIMEOUT_MILLIS}ms`]);
      // Always quoted here: a bare lower-case name can still be a reserved word (user, order).
      const quoted = [table.schema, table.name].map((part) => `"${part.replaceAll('"', '""')}"`).join(".");
      const { rowCount } = await client.query(`SELECT 1 FROM ${quoted} LIMIT 1`);
      if (rowCount) {
        findings.push({
          code: "LIVE_PROBE_RETURNED_ROWS",
          object: { kind: "table", name },
          problem:
            `SELECT 1 FROM ${name} LIMIT 1 with '${setting}' = '' (a query without a tenant) returned a row: its ` +
            `rows are visible without a tenant.`,
          fix:
            `Check the other findings on ${name}; its policies must compare the tenant column with ` +
            `NULLIF(current_setting('${setting}', true), '') and nothing else may let rows through.`,
        });
      }
    } catch (error) {
      if (!(error instanceof pg.DatabaseError)) throw error;
      if (error.code === "57014") {
        notes.push(`The probe of ${name} did not finish within ${PROBE_TIMEOUT_MILLIS} ms; it is undecided.`);
      } else {
        findings.push({
          code: "LIVE_PROBE_FAILED",
          object: { kind: "table", name },
          problem:
            `SELECT 1 FROM ${name} LIMIT 1 with '${setting}' = '' (a query without a tenant) failed with ` +
            `${error.code}: ${error.message}. Queries without a tenant must return no rows, not fail.`,
          fix:
            `Guard the setting in the policies of ${name}: NULLIF(current_setting('${setting}', true), '') before ` +
            `any cast.`,
        });
      }
    } finally {
      await client.query("ROLLBACK");
    }
  }
  return { findings, notes };
}
