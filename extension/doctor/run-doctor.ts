import pg from "pg";
import { resolveContextMode } from "../adapter-options.ts";
import { DoctorConnectionError } from "../errors/doctor-connection-error.ts";
import { InvalidTenantKitOptionError } from "../errors/invalid-tenant-kit-option-error.ts";
import type { TenantContextMode } from "../pg/tenant-prelude.ts";
import { assertTenantSettingName, DEFAULT_TENANT_SETTING } from "../tenant-setting-name.ts";
import type { DOCTOR_FINDING_CODES, DoctorFinding, DoctorReport } from "./doctor-finding.ts";
import { findProblems } from "./find-problems.ts";
import { probeWithoutTenant } from "./live-probe.ts";
import { readCatalog } from "./read-catalog.ts";

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** URL of the application role, the same DATABASE_URL the app's createTenantAdapter uses. */
  connectionString: string | undefined;
  /** The setting the policies should read. Default `app.tenant_id`; must equal createTenantAdapter({ setting }). */
  setting?: string;
  /** The column that makes a table tenant-scoped. Default `tenantId`. */
  tenantColumn?: string;
  /** Only tables, views and functions in these schemas. Default: every user schema. */
  schemas?: readonly string[];
  /**
   * The application's createTenantAdapter({ contextMode }). Default `"set-config"`. On a Citus database only
   * `"transaction-block"` reaches the shards (finding CITUS_NEEDS_TRANSACTION_BLOCK otherwise).
   */
  contextMode?: TenantContextMode;
  /** Skip the live probe (it reads one row per tenant table). Default false. */
  skipProbe?: boolean;
  /** Connect timeout, in ms. Default 10,000. */
  connectionTimeoutMillis?: number;
}

/**
 * Checks a database for what would break tenant isolation under prisma-tenant-kit, connected as the application role
 * (catalogs are world-readable, so that role sees everything needed). Read-only: catalog queries, then one
 * `SELECT 1 FROM <table> LIMIT 1` per tenant table with the setting empty, in a rolled-back READ ONLY transaction.
 * Works through PgBouncer in transaction mode. Every finding names the object and the fix; see
 * {@link DOCTOR_FINDING_CODES} and docs/doctor.md.
 *
 * @example
 * ```ts
 * // instrumentation.ts: refuse to start on a database that leaks
 * const report = await runDoctor({ connectionString: process.env.DATABASE_URL });
 * if (report.findings.length > 0) throw new Error(report.findings.map((f) => `${f.code}: ${f.problem}`).join("\n"));
 * ```
 * @throws {InvalidTenantKitOptionError} for a missing URL, a malformed setting name, an empty tenant column or an
 *   unknown context mode.
 * @throws {DoctorConnectionError} when it cannot connect or read the catalogs.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  if (typeof options?.connectionString !== "string" || options.connectionString.length === 0) {
    throw new InvalidTenantKitOptionError(
      "connectionString",
      'pass the application role\'s URL (DATABASE_URL), e.g. --url "$DATABASE_URL".',
    );
  }
  const setting = assertTenantSettingName(options.setting ?? DEFAULT_TENANT_SETTING);
  const tenantColumn = options.tenantColumn ?? "tenantId";
  if (typeof tenantColumn !== "string" || tenantColumn.length === 0) {
    throw new InvalidTenantKitOptionError(
      "tenantColumn",
      "pass the name of the column holding the tenant id, e.g. tenantId or tenant_id.",
    );
  }
  const contextMode = resolveContextMode(options.contextMode);
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: "tenant-kit-doctor",
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
  });
  const target = describeTarget(options.connectionString);
  client.on("error", () => undefined); // a dropped connection also fails the pending query, which reports it
  // Only talking to the server is wrapped: a failure there means nothing was judged. Anything else is a bug.
  const talk = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw new DoctorConnectionError(target, { cause: error });
    }
  };
  try {
    await talk(() => client.connect());
    const catalog = await talk(() => readCatalog(client, tenantColumn, options.schemas));
    const findings: DoctorFinding[] = findProblems(catalog, setting, tenantColumn, contextMode);
    const probe = options.skipProbe
      ? { findings: [], notes: [] }
      : await talk(() => probeWithoutTenant(client, catalog.tables, setting));
    return {
      role: catalog.role.name,
      database: catalog.database,
      setting,
      tenantColumn,
      tenantTables: catalog.tables.map((t) => `${t.schema}.${t.name}`),
      findings: [...findings, ...probe.findings].sort(
        (a, b) => compare(a.code, b.code) || compare(a.object.name, b.object.name),
      ),
      notes: probe.notes,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Code-unit order: the same on every machine, whatever its locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `host:port/database` of a URL, without credentials. */
function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return "the database (the URL could not be parsed)";
  }
}
