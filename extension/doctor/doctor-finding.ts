/**
 * Stable codes of the problems `runDoctor` reports. Scripts may match on them; the wording of `problem` and `fix` may
 * change between releases.
 */
export const DOCTOR_FINDING_CODES = [
  /** The application role is a superuser or has BYPASSRLS: no policy applies to it. */
  "ROLE_BYPASSES_RLS",
  /** No table has the tenant column: wrong `tenantColumn`, wrong database, or nothing is tenant-scoped yet. */
  "NO_TENANT_TABLES",
  /** A table with the tenant column that the application role can use has row-level security disabled. */
  "RLS_NOT_ENABLED",
  /** RLS is enabled but not FORCEd on a table the application role owns (or inherits ownership of). */
  "RLS_NOT_FORCED",
  /** A policy reads settings other than the tenant setting, and not the tenant setting. */
  "POLICY_READS_OTHER_SETTING",
  /** A permissive policy's USING or WITH CHECK does not depend on the tenant setting (e.g. `true`). */
  "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT",
  /** A policy (or a function it calls) casts the setting without guarding `''` (e.g. `::uuid` without NULLIF). */
  "POLICY_CASTS_UNGUARDED_SETTING",
  /** A view or materialized view the application role can read reaches a tenant table with RLS bypassed. */
  "VIEW_BYPASSES_RLS",
  /** A SECURITY DEFINER function the application role can execute reads a tenant table with RLS bypassed. */
  "SECURITY_DEFINER_READS_TENANT_TABLE",
  /** The application role may TRUNCATE a tenant table; TRUNCATE ignores row-level security. */
  "TRUNCATE_GRANTED",
  /** A foreign key between two tenant tables leaves out the tenant column. */
  "FOREIGN_KEY_WITHOUT_TENANT_COLUMN",
  /**
   * The database is a Citus cluster and the application uses the `"set-config"` context mode, whose setting never
   * reaches the worker nodes: every tenant reads 0 rows of its distributed tables.
   */
  "CITUS_NEEDS_TRANSACTION_BLOCK",
  /** Live probe: a query with the tenant setting empty returned rows. */
  "LIVE_PROBE_RETURNED_ROWS",
  /** Live probe: a query with the tenant setting empty failed (instead of returning nothing). */
  "LIVE_PROBE_FAILED",
] as const;

/** One of {@link DOCTOR_FINDING_CODES}. */
export type DoctorFindingCode = (typeof DOCTOR_FINDING_CODES)[number];

/** The kind of database object a finding is about. */
export type DoctorObjectKind =
  | "role"
  | "database"
  | "table"
  | "policy"
  | "view"
  | "materialized view"
  | "function"
  | "foreign key";

/**
 * One problem found by `runDoctor`: what, on which object, and the fix.
 *
 * @example
 * ```ts
 * { code: "RLS_NOT_FORCED", object: { kind: "table", name: "public.\"Customer\"" },
 *   problem: "...", fix: "ALTER TABLE public.\"Customer\" FORCE ROW LEVEL SECURITY;" }
 * ```
 */
export interface DoctorFinding {
  readonly code: DoctorFindingCode;
  /** The object, schema-qualified and quoted as in SQL (`public."Customer"`, `policy "p" on public."Order"`). */
  readonly object: { readonly kind: DoctorObjectKind; readonly name: string };
  /** What is wrong, as a sentence. */
  readonly problem: string;
  /** What to do, as a sentence or SQL. */
  readonly fix: string;
}

/** What `runDoctor` returns. `findings` is empty when nothing is wrong. */
export interface DoctorReport {
  /** `current_user` of the connection. */
  readonly role: string;
  readonly database: string;
  readonly setting: string;
  readonly tenantColumn: string;
  /** Tables that have the tenant column, schema-qualified. */
  readonly tenantTables: readonly string[];
  /** Problems, sorted by code then object. */
  readonly findings: readonly DoctorFinding[];
  /** Things the doctor could not decide (e.g. a probe that hit its timeout). They are not findings. */
  readonly notes: readonly string[];
}
