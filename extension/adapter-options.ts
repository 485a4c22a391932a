import { InvalidTenantKitOptionError } from "./errors/invalid-tenant-kit-option-error.ts";
import { ALLOW_RLS_BYPASSING_ROLE } from "./pg/role-check.ts";
import { TENANT_CONTEXT_MODES, type TenantContextMode } from "./pg/tenant-prelude.ts";
import type { ReplicaStateChange } from "./replicas/replica-state.ts";
import { assertTenantSettingName, DEFAULT_TENANT_SETTING } from "./tenant-setting-name.ts";

/** Pool settings. Every duration is in milliseconds unless its name says otherwise. */
export interface TenantPoolOptions {
  /** Most connections the pool opens. Default 10. Size it with the runbook (docs/), not by guess. */
  max?: number;
  /** Close a connection idle this long, in ms. Default 10,000. 0 keeps idle connections forever. */
  idleTimeoutMillis?: number;
  /**
   * Retire a connection this many seconds after it was opened (it is closed when next idle). Default 1,800 (30 min).
   * 0 = never.
   */
  maxLifetimeSeconds?: number;
  /**
   * How long a query may wait to get a connection (from the pool or by opening one), in ms. Default 10,000. pg's own
   * default, 0, waits forever: a saturated pool then hangs requests instead of failing them.
   */
  acquireTimeoutMillis?: number;
  /**
   * `statement_timeout` of every query and transaction, in ms, sent in the tenant prelude (so it also holds behind
   * PgBouncer, which drops startup parameters). Default 0: the server's setting.
   */
  statementTimeoutMillis?: number;
  /** `application_name` shown in pg_stat_activity. Default "prisma-tenant-kit". */
  applicationName?: string;
}

/** One read replica of {@link TenantAdapterOptions.replicas}: a physical streaming replica (hot standby). */
export interface TenantReplicaOptions {
  /**
   * Postgres URL of the application role on the replica (the same role as on the primary, which replication copies),
   * directly or through the replica's own PgBouncer.
   */
  connectionString: string | undefined;
  /** This replica's own pool: its size and timeouts, with the same defaults as the primary's `pool`. */
  pool?: TenantPoolOptions;
  /** Its name in `replicaStats()`, metrics (`replica` attribute) and log lines. Default `replica-<index>`. */
  name?: string;
}

/** When a replica serves reads (see docs/read-replicas.md, "Faults"). */
export interface ReplicaPolicy {
  /**
   * Most replay lag a replica may have and still serve reads, in ms (how long ago the primary committed the last
   * transaction the replica has replayed, when it has received WAL it has not replayed yet; for a replica that has
   * replayed no transaction since it started, how long ago the primary was where the replica has replayed to, as the
   * kit last saw the primary's WAL position). Default 5,000.
   */
  maxLagMillis?: number;
  /**
   * How long a replica taken out of rotation (down, lagging, promoted) stays out before the next read starts one
   * health probe of it, in ms. Default 1,000. A replica in rotation that has replayed no transaction since it started
   * is probed every `min(recheckAfterMillis, maxLagMillis / 2)`, started by a read, in the background.
   */
  recheckAfterMillis?: number;
  /**
   * Called once per replica state change (out of rotation, and why; back in rotation), never per query. Default
   * `console.warn` of the message.
   */
  logger?: (message: string, change: ReplicaStateChange) => void;
  /**
   * The key (at least 32 characters, e.g. `process.env.WRITE_POSITION_SECRET`) that signs the tokens of
   * `adapter.writePositionToken(tenantId)` so another process of the app (another instance, a serverless function)
   * accepts them in `adapter.readAfter(token, fn)`. Every process behind one load balancer needs the same key. Default:
   * a random key per adapter, so tokens hold in this process only (docs/read-replicas.md, "Several processes").
   */
  writePositionSecret?: string;
  /**
   * How long a write-position token counts, in ms: an older one is ignored (by then every replica in rotation is far
   * past it). Default 60,000.
   */
  writePositionMaxAgeMillis?: number;
}

/** Options of `createTenantAdapter`. */
export interface TenantAdapterOptions {
  /**
   * Postgres URL of the application role: not a superuser, no BYPASSRLS, owns no table. Checked at the first
   * connection, not here, so a build that imports the module without `DATABASE_URL` still works: undefined or `""`
   * then fails that connection with `ConnectionStringMissingError`.
   */
  connectionString: string | undefined;
  /** Name of the setting the RLS policies read with `current_setting(name, true)`. Default `app.tenant_id`. */
  setting?: string;
  /**
   * How each statement carries the tenant. Default `"set-config"`.
   *
   * - `"set-config"`: one statement before the query, no transaction block, the tenant as a bind parameter. Right for
   *   PostgreSQL directly and behind PgBouncer (session or transaction mode).
   * - `"transaction-block"`: for servers and routers that honour the setting only inside an explicit transaction
   *   block. Citus propagates `SET LOCAL` (never `set_config`) to its worker nodes, and only inside `BEGIN`, and only
   *   while `citus.propagate_set_commands = 'local'`: on a Citus database (found by the first-connection check) the
   *   kit sends `SET LOCAL citus.propagate_set_commands = 'local'` first in the block (docs/citus.md).
   *   Statement-routing poolers keep a `BEGIN` ... `COMMIT` on one backend. Per query it pipelines, still before ONE
   *   Sync (one round trip, nothing left open):
   *   ```sql
   *   BEGIN;
   *   SET LOCAL app.tenant_id = 'acme';             -- the id quoted as a literal (SET takes no bind parameters)
   *   SET LOCAL statement_timeout = '5000ms';       -- only with pool.statementTimeoutMillis
   *   SELECT ... FROM "Customer" ...;               -- the query Prisma built
   *   COMMIT;
   *   ```
   *   In a transaction (`$withTenant`, `$transaction`) the first statement after `BEGIN` carries the `SET LOCAL`s.
   *   A query that fails leaves the block aborted; the pool then sends `ROLLBACK` (one more round trip, on that error
   *   path only) and the caller gets the query's own error. Costs three extra statements per query on the server;
   *   statements Postgres refuses inside a block (`VACUUM`, `CREATE INDEX CONCURRENTLY`) fail in this mode.
   */
  contextMode?: TenantContextMode;
  /**
   * The roles a query context may run as (`prisma.$forContext({ settings, role })`), e.g.
   * `["authenticated", "anon"]` on Supabase. A context naming any other role is refused before anything is sent
   * (`ContextRoleNotAllowedError`): the role comes from this list, never from a request. Checked once per pool, in the
   * first-connection query: each role must exist, the login role must be able to become it
   * (`pg_has_role(current_user, role, 'MEMBER')`), and it must be neither SUPERUSER nor BYPASSRLS
   * (`ContextRoleUnusableError` otherwise). Per query the role is set like `SET LOCAL ROLE`, for that query only:
   * `set_config('role', $n, true)` in the set-config mode, `SET LOCAL ROLE "name"` in the transaction-block mode.
   * Default none: queries run as the login role.
   */
  roles?: readonly string[];
  /** Postgres schema of the Prisma models, passed to `@prisma/adapter-pg`. Default: the connection's search_path. */
  schema?: string;
  pool?: TenantPoolOptions;
  /**
   * Physical streaming replicas (hot standbys) of the primary, each with its own pool. A `$forTenant` client's model
   * reads (findMany, findFirst(OrThrow), findUnique(OrThrow), count, aggregate, groupBy) outside a transaction go to
   * them, round-robin, with the same tenant prelude in the same round trip; writes, transactions, raw statements and
   * the bare client stay on the primary. A read is re-run on the primary, never returned stale, when the replica has
   * not replayed the tenant's last write through this adapter, and whenever the replica is down, lagging or promoted
   * (see `replicaPolicy` and docs/read-replicas.md). Default: none.
   */
  replicas?: readonly TenantReplicaOptions[];
  /** When a replica serves reads: lag bound, re-check interval, logger. Used only with `replicas`. */
  replicaPolicy?: ReplicaPolicy;
  /**
   * Skips the first-connection check that refuses a superuser or BYPASSRLS role (`RlsBypassingRoleError`). Such a
   * role sees every tenant's rows, so this is for throwaway experiments only; the value is long so it stands out in
   * review and `grep -r i-know-this-serves-every-tenant` finds every use. Default: the check runs.
   */
  allowRlsBypassingRole?: typeof ALLOW_RLS_BYPASSING_ROLE;
}

/** {@link ReplicaPolicy} with its defaults applied. */
export interface ResolvedReplicaPolicy {
  readonly maxLagMillis: number;
  readonly recheckAfterMillis: number;
  readonly logger: (message: string, change: ReplicaStateChange) => void;
  readonly writePositionSecret: string | undefined;
  readonly writePositionMaxAgeMillis: number;
}

/** {@link TenantAdapterOptions}, checked, with their defaults applied. */
export interface ResolvedAdapterOptions {
  readonly connectionString: string | undefined;
  readonly setting: string;
  readonly contextMode: TenantContextMode;
  /** The roles a query context may run as (`roles`); empty by default. */
  readonly roles: readonly string[];
  readonly schema: string | undefined;
  readonly pool: TenantPoolOptions;
  readonly replicas: readonly TenantReplicaOptions[];
  readonly replicaPolicy: ResolvedReplicaPolicy;
  /** false when `allowRlsBypassingRole` turned the role check off. */
  readonly checkRole: boolean;
}

/**
 * Checks the options of `createTenantAdapter` and applies their defaults: the one place where they are judged.
 * @throws {InvalidTenantKitOptionError} for a connection string that is not a string, a malformed setting name, a bad
 *   pool size, an unknown `contextMode`, an unknown `allowRlsBypassingRole` value, or malformed `replicas` /
 *   `replicaPolicy`.
 */
export function resolveAdapterOptions(options: TenantAdapterOptions): ResolvedAdapterOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidTenantKitOptionError(
      "options",
      "pass an object, e.g. { connectionString: process.env.DATABASE_URL }.",
    );
  }
  if (options.connectionString !== undefined && typeof options.connectionString !== "string") {
    throw new InvalidTenantKitOptionError(
      "connectionString",
      "it must be the Postgres URL of the application role, e.g. process.env.DATABASE_URL.",
    );
  }
  const allow = options.allowRlsBypassingRole;
  if (allow !== undefined && allow !== ALLOW_RLS_BYPASSING_ROLE) {
    throw new InvalidTenantKitOptionError(
      "allowRlsBypassingRole",
      `${JSON.stringify(allow)} is not accepted; leave it out (recommended) or pass "${ALLOW_RLS_BYPASSING_ROLE}".`,
    );
  }
  const setting = assertTenantSettingName(options.setting ?? DEFAULT_TENANT_SETTING);
  const contextMode = resolveContextMode(options.contextMode);
  const roles = resolveContextRoles(options.roles);
  const pool = options.pool ?? {};
  assertPoolSize(pool.max, "pool.max");
  const replicas = options.replicas ?? [];
  assertReplicaOptions(replicas);
  return {
    connectionString: options.connectionString,
    setting,
    contextMode,
    roles,
    schema: options.schema,
    pool,
    replicas,
    replicaPolicy: resolveReplicaPolicy(options.replicaPolicy),
    checkRole: allow !== ALLOW_RLS_BYPASSING_ROLE,
  };
}

/**
 * `roles`: an array of distinct, non-empty role names (Postgres then checks that each exists and may be used).
 * @throws {InvalidTenantKitOptionError} for anything else.
 */
function resolveContextRoles(roles: unknown): readonly string[] {
  if (roles === undefined) return [];
  const valid =
    Array.isArray(roles) &&
    roles.every((role) => typeof role === "string" && role.length > 0 && role.length <= 63 && !role.includes("\u0000"));
  if (!valid || new Set(roles).size !== roles.length) {
    throw new InvalidTenantKitOptionError(
      "roles",
      'pass an array of distinct role names, e.g. ["authenticated", "anon"]: the roles a query context may run as.',
    );
  }
  return Object.freeze([...roles]);
}

/**
 * The context mode `mode` names, `"set-config"` when undefined (shared by the adapter and the doctor).
 * @throws {InvalidTenantKitOptionError} for anything else.
 */
export function resolveContextMode(mode: unknown): TenantContextMode {
  if (mode === undefined) return "set-config";
  if (!TENANT_CONTEXT_MODES.includes(mode as TenantContextMode)) {
    throw new InvalidTenantKitOptionError(
      "contextMode",
      `${JSON.stringify(mode)} is not a context mode; use "set-config" (the default) or "transaction-block".`,
    );
  }
  return mode as TenantContextMode;
}

/**
 * Checks a pool's `max` (undefined keeps the default).
 * @throws {InvalidTenantKitOptionError} naming `option` for anything but a positive integer.
 */
export function assertPoolSize(max: unknown, option: string): void {
  if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1)) {
    throw new InvalidTenantKitOptionError(option, `${max} is not a positive integer number of connections.`);
  }
}

/** Options of `createAdminAdapter` (`prisma-tenant-kit/admin`). */
export interface AdminAdapterOptions {
  /** URL of a dedicated admin role with BYPASSRLS. Never the application's DATABASE_URL. */
  connectionString: string;
  /** Most connections, default 2: admin work is rare and must not compete with the application's pool. */
  max?: number;
}

/**
 * Checks the options of `createAdminAdapter` and applies their defaults.
 * @throws {InvalidTenantKitOptionError} for a missing or empty URL, or a bad `max`.
 */
export function resolveAdminAdapterOptions(options: AdminAdapterOptions): Required<AdminAdapterOptions> {
  if (typeof options?.connectionString !== "string" || options.connectionString.length === 0) {
    throw new InvalidTenantKitOptionError("connectionString", "pass the URL of a dedicated admin role with BYPASSRLS.");
  }
  assertPoolSize(options.max, "max");
  return { connectionString: options.connectionString, max: options.max ?? 2 };
}

/**
 * Applies the defaults of {@link ReplicaPolicy}.
 * @throws {InvalidTenantKitOptionError} for a negative or non-numeric duration, or a logger that is not a function.
 */
export function resolveReplicaPolicy(policy: ReplicaPolicy = {}): ResolvedReplicaPolicy {
  const duration = (
    name: "maxLagMillis" | "recheckAfterMillis" | "writePositionMaxAgeMillis",
    fallback: number,
  ): number => {
    const value = policy[name];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InvalidTenantKitOptionError(`replicaPolicy.${name}`, `${value} is not a duration in ms (>= 0).`);
    }
    return value;
  };
  if (policy.logger !== undefined && typeof policy.logger !== "function") {
    throw new InvalidTenantKitOptionError("replicaPolicy.logger", "it must be a function (message, change) => void.");
  }
  const secret = policy.writePositionSecret;
  if (secret !== undefined && (typeof secret !== "string" || secret.length < 32)) {
    throw new InvalidTenantKitOptionError(
      "replicaPolicy.writePositionSecret",
      "it must be a string of at least 32 characters, the same in every process of the app.",
    );
  }
  return {
    maxLagMillis: duration("maxLagMillis", 5_000),
    recheckAfterMillis: duration("recheckAfterMillis", 1_000),
    logger: policy.logger ?? ((message) => console.warn(message)),
    writePositionSecret: secret,
    writePositionMaxAgeMillis: duration("writePositionMaxAgeMillis", 60_000),
  };
}

/**
 * Checks `replicas` the way the primary's options are checked.
 * @throws {InvalidTenantKitOptionError} for a non-array, an entry without a string URL, or a bad pool size.
 */
function assertReplicaOptions(replicas: unknown): asserts replicas is readonly TenantReplicaOptions[] {
  if (!Array.isArray(replicas)) {
    throw new InvalidTenantKitOptionError(
      "replicas",
      "pass an array such as [{ connectionString: process.env.REPLICA_URL }].",
    );
  }
  replicas.forEach((replica: unknown, index) => {
    const { connectionString, pool, name } = (replica ?? {}) as Partial<TenantReplicaOptions>;
    if (typeof replica !== "object" || replica === null) {
      throw new InvalidTenantKitOptionError(`replicas[${index}]`, "pass an object { connectionString, pool? }.");
    }
    if (connectionString !== undefined && typeof connectionString !== "string") {
      throw new InvalidTenantKitOptionError(
        `replicas[${index}].connectionString`,
        "it must be the Postgres URL of the application role on the replica.",
      );
    }
    assertPoolSize(pool?.max, `replicas[${index}].pool.max`);
    if (name !== undefined && (typeof name !== "string" || name === "")) {
      throw new InvalidTenantKitOptionError(`replicas[${index}].name`, "it must be a non-empty string.");
    }
  });
}
