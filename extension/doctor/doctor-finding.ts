/**
 * Stable codes of the problems `runDoctor` reports. Scripts may match on them; the wording of `problem` and `fix` may
 * change between releases.
 */
export const DOCTOR_FINDING_CODES = [
  /** The application role is a superuser or has BYPASSRLS: no policy applies to it. */
  "ROLE_BYPASSES_RLS",
  /** The application role is a member (transitively) of a SUPERUSER or BYPASSRLS role: it can SET ROLE to it. */
  "ROLE_CAN_BECOME_BYPASSING_ROLE",
  /** A database-, role- or server-level default gives the tenant setting a value in sessions that set none. */
  "TENANT_SETTING_HAS_DEFAULT",
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
  /** A policy compares the tenant column with the bare setting: `''` is a pseudo-tenant of every query without one. */
  "POLICY_SETTING_NOT_GUARDED",
  /** A policy calls a function the application role owns (or can act as the owner of): it can replace it. */
  "POLICY_CALLS_REPLACEABLE_FUNCTION",
  /** A policy reads a table the application role can write (a lookup table it can add itself to). */
  "POLICY_READS_WRITABLE_TABLE",
  /**
   * A policy reads the tenant setting but is not provably the tenant predicate (LIKE, an OR branch, "a tenant is
   * set", a WITH CHECK that never compares the column...). The finding shows the expression; review it.
   */
  "POLICY_NOT_PROVEN",
  /** A view or materialized view the application role can read reaches a tenant table with RLS bypassed. */
  "VIEW_BYPASSES_RLS",
  /**
   * A SECURITY DEFINER function the application role can execute reads a tenant table with RLS bypassed, in its body
   * or through the SECURITY INVOKER helpers it calls.
   */
  "SECURITY_DEFINER_READS_TENANT_TABLE",
  /**
   * A SECURITY DEFINER function whose owner bypasses RLS on tenant tables runs dynamic SQL (EXECUTE), or a body the
   * doctor cannot read: nothing proves it stays away from them.
   */
  "SECURITY_DEFINER_RUNS_DYNAMIC_SQL",
  /** A foreign table with the tenant column the application role can use: RLS cannot apply to foreign tables. */
  "FOREIGN_TABLE_BYPASSES_RLS",
  /** The application role may TRUNCATE a tenant table; TRUNCATE ignores row-level security. */
  "TRUNCATE_GRANTED",
  /** A foreign key between two tenant tables leaves out the tenant column. */
  "FOREIGN_KEY_WITHOUT_TENANT_COLUMN",
  /**
   * The database is a Citus cluster and the application uses the `"set-config"` context mode, whose setting never
   * reaches the worker nodes: every tenant reads 0 rows of its distributed tables.
   */
  "CITUS_NEEDS_TRANSACTION_BLOCK",
  /** A policy calls `auth.uid()` (or another `auth.*` function) per row instead of `(select auth.uid())`. */
  "POLICY_CALLS_AUTH_PER_ROW",
  /** On a database with Supabase's roles, a policy reading the JWT applies TO public instead of authenticated. */
  "POLICY_FOR_PUBLIC_READS_JWT",
  /** A column a policy compares leads no index: every query reads the whole table. */
  "POLICY_COLUMN_NOT_INDEXED",
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
  | "foreign key"
  | "foreign table";

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

/** The version of {@link DoctorReport}'s shape; `--json` prints it. 2 added `version` and new finding codes. */
export const DOCTOR_REPORT_VERSION = 2;

/** What `runDoctor` returns. `findings` is empty when nothing is wrong. */
export interface DoctorReport {
  /** {@link DOCTOR_REPORT_VERSION}: bumped when a field changes meaning or goes away. */
  readonly version: typeof DOCTOR_REPORT_VERSION;
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

/**
 * One line per finding code, what the problem is in general: the heading `tenant-kit doctor` prints above the objects
 * that have it. docs/doctor.md has the same list with the fixes.
 *
 * @example
 * ```ts
 * DOCTOR_FINDING_TITLES.RLS_NOT_FORCED; // "RLS is enabled but not FORCEd on a table the application role owns"
 * ```
 */
export const DOCTOR_FINDING_TITLES: Readonly<Record<DoctorFindingCode, string>> = {
  ROLE_BYPASSES_RLS: "The application role is SUPERUSER or BYPASSRLS: no policy applies to it",
  ROLE_CAN_BECOME_BYPASSING_ROLE: "The application role can SET ROLE to a role that bypasses RLS",
  TENANT_SETTING_HAS_DEFAULT: "The tenant setting has a default: queries without a tenant run as that tenant",
  NO_TENANT_TABLES: "No table has the tenant column: nothing was checked",
  RLS_NOT_ENABLED: "Row-level security is disabled on a tenant table the application role can use",
  RLS_NOT_FORCED: "RLS is enabled but not FORCEd on a table the application role owns",
  POLICY_READS_OTHER_SETTING: "A policy reads another setting than the one the kit sets",
  PERMISSIVE_POLICY_ALLOWS_ANY_TENANT: "A permissive policy does not depend on the tenant setting",
  POLICY_CASTS_UNGUARDED_SETTING: "A policy casts the setting without NULLIF: queries without a tenant fail",
  POLICY_SETTING_NOT_GUARDED: "A policy compares with the bare setting: '' is a tenant shared by queries without one",
  POLICY_CALLS_REPLACEABLE_FUNCTION: "A policy calls a function the application role can replace",
  POLICY_READS_WRITABLE_TABLE: "A policy reads a table the application role can write",
  POLICY_NOT_PROVEN: "A policy is not provably the tenant predicate: review its expression",
  VIEW_BYPASSES_RLS: "A view the application role can read reaches a tenant table past RLS",
  SECURITY_DEFINER_READS_TENANT_TABLE: "A SECURITY DEFINER function reads a tenant table past RLS",
  SECURITY_DEFINER_RUNS_DYNAMIC_SQL:
    "A SECURITY DEFINER function whose owner bypasses RLS runs SQL the doctor cannot read",
  FOREIGN_TABLE_BYPASSES_RLS: "A foreign table with the tenant column: RLS cannot apply to it",
  TRUNCATE_GRANTED: "The application role may TRUNCATE a tenant table (TRUNCATE ignores RLS)",
  FOREIGN_KEY_WITHOUT_TENANT_COLUMN: "A foreign key between tenant tables leaves out the tenant column",
  CITUS_NEEDS_TRANSACTION_BLOCK: "A Citus database needs the transaction-block context mode",
  POLICY_CALLS_AUTH_PER_ROW: "A policy calls auth.*() per row instead of (select auth.*())",
  POLICY_FOR_PUBLIC_READS_JWT: "A policy reading the JWT applies TO public instead of authenticated",
  POLICY_COLUMN_NOT_INDEXED: "A column a policy compares leads no index (performance)",
  LIVE_PROBE_RETURNED_ROWS: "Live probe: a query without a tenant returned rows",
  LIVE_PROBE_FAILED: "Live probe: a query without a tenant failed instead of returning nothing",
};
