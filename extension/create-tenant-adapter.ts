import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { ConnectionStringMissingError } from "./errors/connection-string-missing-error.ts";
import { DuplicatePgError } from "./errors/duplicate-pg-error.ts";
import { InvalidTenantKitOptionError } from "./errors/invalid-tenant-kit-option-error.ts";
import { ALLOW_RLS_BYPASSING_ROLE, checkPoolRole } from "./pg/role-check.ts";
import { createTenantPrelude, TENANT_CONTEXT_MODES, type TenantContextMode } from "./pg/tenant-prelude.ts";
import { TenantPool, type TenantPoolConfig } from "./pg/tenant-pool.ts";
import { ReplicaNode } from "./replicas/replica-node.ts";
import {
  assertReplicaOptions,
  type ReplicaPolicy,
  resolveReplicaPolicy,
  type TenantReplicaOptions,
} from "./replicas/replica-options.ts";
import { ReplicaRouter } from "./replicas/replica-router.ts";
import type { ReplicaStats } from "./replicas/replica-state.ts";
import { TenantWritePositions } from "./replicas/tenant-write-positions.ts";
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

/** Options of {@link createTenantAdapter}. */
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

/**
 * The Prisma driver adapter factory returned by {@link createTenantAdapter}: `@prisma/adapter-pg` over a
 * {@link TenantPool}. `pool` is the live pool of the primary and `replicaPools` those of the read replicas, for metrics
 * and health checks; `replicaStats()` counts where reads went.
 */
export class TenantAdapterFactory implements SqlDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  readonly setting: string;
  readonly #options: TenantAdapterOptions;
  #pool: TenantPool;
  /** The role check of each pool: one query per pool, shared by concurrent connects. */
  readonly #roleChecks = new WeakMap<TenantPool, Promise<void>>();
  readonly #replicaRouter: ReplicaRouter | undefined;

  constructor(options: TenantAdapterOptions) {
    this.#options = options;
    this.setting = options.setting ?? DEFAULT_TENANT_SETTING;
    this.#replicaRouter = this.#createReplicaRouter();
    this.#pool = this.#createPool();
  }

  /** The primary's pool, which queries run on now. A new one replaces it when Prisma reconnects (`$disconnect()`). */
  get pool(): TenantPool {
    return this.#pool;
  }

  /**
   * The pool of each replica, in the order of `replicas` (empty without replicas), e.g. for
   * `instrumentPool(adapter.replicaPools[0], { name: "replica-0" })`. Replaced, like `pool`, after a reconnect.
   */
  get replicaPools(): readonly TenantPool[] {
    return this.#replicaRouter?.nodes.map((node) => node.pool) ?? [];
  }

  /**
   * Where reads went since the adapter was created: read statements each replica served, reads the primary served
   * instead and why, each replica's state. Zeros and no replicas without `replicas`.
   * @example `const { primaryReads, fallbacks } = adapter.replicaStats();`
   */
  replicaStats(): ReplicaStats {
    return this.#replicaRouter?.stats() ?? NO_REPLICA_STATS;
  }

  /** @throws {DuplicatePgError} when `@prisma/adapter-pg` resolves another copy of `pg` than the kit. */
  async connect(): Promise<SqlDriverAdapter> {
    const { connectionString } = this.#options;
    if (!connectionString) {
      const received = connectionString === "" ? "" : undefined;
      throw new ConnectionStringMissingError(received, Boolean(process.env.DATABASE_URL));
    }
    // `ending`: a $disconnect() still waiting for checked-out clients; its pool must not serve the reconnect.
    if (this.#pool.ending || this.#pool.ended) {
      this.#pool = this.#createPool();
      this.#replicaRouter?.reopen();
    }
    const pool = this.#pool;
    await this.#checkRole(pool);
    const { schema } = this.#options;
    // The adapter ends the pool on $disconnect; connect() above then builds a fresh TenantPool, never a plain one.
    const options = { ...(schema === undefined ? {} : { schema }), disposeExternalPool: true };
    const adapter = await new PrismaPg(pool, options).connect();
    if (adapter.underlyingDriver() !== pool) {
      await adapter.dispose();
      await pool.end();
      throw new DuplicatePgError();
    }
    return adapter;
  }

  #checkRole(pool: TenantPool): Promise<void> {
    if (this.#options.allowRlsBypassingRole === ALLOW_RLS_BYPASSING_ROLE) return Promise.resolve();
    let check = this.#roleChecks.get(pool);
    if (!check) {
      // A refused (or unreachable) pool is closed; the next connect() builds a new one and checks it again.
      check = checkPoolRole(pool, this.#options.contextMode, this.#options.roles).catch(async (error: unknown) => {
        await pool.end().catch(() => undefined);
        throw error;
      });
      this.#roleChecks.set(pool, check);
    }
    return check;
  }

  #createPool(): TenantPool {
    const replicaRouter = this.#replicaRouter;
    return this.#newPool(this.#options.connectionString, this.#options.pool, replicaRouter ? { replicaRouter } : {});
  }

  #createReplicaRouter(): ReplicaRouter | undefined {
    const replicas = this.#options.replicas ?? [];
    if (replicas.length === 0) return undefined;
    const policy = resolveReplicaPolicy(this.#options.replicaPolicy);
    const nodes = replicas.map(
      (replica, index) =>
        new ReplicaNode({
          createPool: () => this.#newPool(replica.connectionString, replica.pool),
          name: replica.name ?? `replica-${index}`,
          index,
          connectionString: replica.connectionString,
          policy,
          checkRole:
            this.#options.allowRlsBypassingRole === ALLOW_RLS_BYPASSING_ROLE
              ? undefined
              : (pool) => checkPoolRole(pool, this.#options.contextMode, this.#options.roles),
        }),
    );
    return new ReplicaRouter(nodes, new TenantWritePositions(nodes.length));
  }

  #newPool(
    connectionString: string | undefined,
    pool: TenantPoolOptions = {},
    extra: Pick<TenantPoolConfig, "replicaRouter"> = {},
  ): TenantPool {
    return new TenantPool({
      connectionString,
      tenantPrelude: createTenantPrelude({
        setting: this.setting,
        statementTimeoutMillis: pool.statementTimeoutMillis,
        mode: this.#options.contextMode,
        roles: this.#options.roles,
      }),
      max: pool.max ?? 10,
      idleTimeoutMillis: pool.idleTimeoutMillis ?? 10_000,
      maxLifetimeSeconds: pool.maxLifetimeSeconds ?? 1_800,
      connectionTimeoutMillis: pool.acquireTimeoutMillis ?? 10_000,
      application_name: pool.applicationName ?? "prisma-tenant-kit",
      ...extra,
    });
  }
}

/**
 * Creates the Prisma driver adapter that carries the tenant RLS context on every statement. Pair it with
 * {@link tenantExtension}, which supplies the tenant.
 *
 * Per query it sends, in one network round trip and with no BEGIN/COMMIT:
 * ```sql
 * SELECT set_config($1, $2, true);  -- $1 = 'app.tenant_id', $2 = the tenant id ('' without a tenant)
 * SELECT ... FROM "Customer" ...;   -- the query Prisma built, closed by the same Sync
 * ```
 * With `contextMode: "transaction-block"` (Citus, statement-routing poolers) the query is wrapped in
 * `BEGIN; SET LOCAL app.tenant_id = '<id>'; ...; COMMIT`, still before one Sync (see {@link TenantAdapterOptions}).
 * With `replicas`, `$forTenant` model reads go to a replica with its health check pipelined before them, and a
 * tenant's writes report the commit's WAL position in the same round trip (docs/read-replicas.md).
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString: process.env.DATABASE_URL, pool: { max: 17 } });
 * export const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());
 * ```
 * @example with a read replica
 * ```ts
 * const adapter = createTenantAdapter({
 *   connectionString: process.env.DATABASE_URL,
 *   replicas: [{ connectionString: process.env.REPLICA_URL, pool: { max: 10 } }],
 *   replicaPolicy: { maxLagMillis: 5_000 },
 * });
 * ```
 * Its first connection (once per pool) checks the role and refuses a superuser or BYPASSRLS one, and learns whether
 * the database is a Citus cluster (there the transaction-block mode also sends
 * `SET LOCAL citus.propagate_set_commands = 'local'`, and the set-config mode is refused):
 * ```sql
 * SELECT current_user AS role, rolsuper, rolbypassrls, current_database() AS database,
 *        EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus
 *   FROM pg_roles WHERE rolname = current_user
 * ```
 * @throws {InvalidTenantKitOptionError} for a connection string that is not a string, a malformed setting name, a bad
 *   pool size, an unknown `contextMode`, an unknown `allowRlsBypassingRole` value, or malformed `replicas` /
 *   `replicaPolicy`. The first connection rejects with `ConnectionStringMissingError` (undefined or empty connection
 *   string), `RlsBypassingRoleError` or, on a Citus database in the set-config mode, `CitusContextModeError`.
 */
export function createTenantAdapter(options: TenantAdapterOptions): TenantAdapterFactory {
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
  if (options.setting !== undefined) assertTenantSettingName(options.setting);
  const mode = options.contextMode;
  if (mode !== undefined && !TENANT_CONTEXT_MODES.includes(mode)) {
    throw new InvalidTenantKitOptionError(
      "contextMode",
      `${JSON.stringify(mode)} is not a context mode; use "set-config" (the default) or "transaction-block".`,
    );
  }
  const max = options.pool?.max;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new InvalidTenantKitOptionError("pool.max", `${max} is not a positive integer number of connections.`);
  }
  if (options.roles !== undefined) assertContextRoles(options.roles);
  if (options.replicas !== undefined) assertReplicaOptions(options.replicas);
  resolveReplicaPolicy(options.replicaPolicy);
  return new TenantAdapterFactory(options);
}

/** `roles`: an array of distinct, non-empty role names (Postgres then checks that each exists and may be used). */
function assertContextRoles(roles: unknown): void {
  const valid =
    Array.isArray(roles) &&
    roles.every((role) => typeof role === "string" && role.length > 0 && role.length <= 63 && !role.includes("\u0000"));
  if (!valid || new Set(roles).size !== roles.length) {
    throw new InvalidTenantKitOptionError(
      "roles",
      'pass an array of distinct role names, e.g. ["authenticated", "anon"]: the roles a query context may run as.',
    );
  }
}

const NO_REPLICA_STATS: ReplicaStats = Object.freeze({
  replicas: [],
  primaryReads: 0,
  fallbacks: Object.freeze({
    unavailable: 0,
    lagging: 0,
    promoted: 0,
    "replica-error": 0,
    "behind-own-write": 0,
    "out-of-rotation": 0,
  }),
  trackedTenants: 0,
});
