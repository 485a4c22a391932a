import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import {
  type ResolvedAdapterOptions,
  resolveAdapterOptions,
  type TenantAdapterOptions,
  type TenantPoolOptions,
} from "./adapter-options.ts";
import { ConnectionStringMissingError } from "./errors/connection-string-missing-error.ts";
import { DuplicatePgError } from "./errors/duplicate-pg-error.ts";
import { checkPoolRole } from "./pg/role-check.ts";
import { createTenantPrelude } from "./pg/tenant-prelude.ts";
import { TenantPool, type TenantPoolConfig } from "./pg/tenant-pool.ts";
import type { TenantPool as PublishedTenantPool } from "./pool/tenant-pool.ts";
import { ReplicaNode } from "./replicas/replica-node.ts";
import { ReplicaRouter } from "./replicas/replica-router.ts";
import { PrimaryWalPositions } from "./replicas/primary-wal-positions.ts";
import type { ReplicaStats } from "./replicas/replica-state.ts";
import { readAfterContext } from "./replicas/read-after-context.ts";
import { TenantWritePositions } from "./replicas/tenant-write-positions.ts";
import { WritePositionTokens } from "./replicas/write-position-token.ts";

/**
 * The Prisma driver adapter factory returned by {@link createTenantAdapter}: `@prisma/adapter-pg` over a
 * {@link TenantPool}. `pool` is the live pool of the primary and `replicaPools` those of the read replicas, for metrics
 * and health checks; `replicaStats()` counts where reads went.
 */
export class TenantAdapterFactory implements SqlDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  readonly setting: string;
  readonly #options: ResolvedAdapterOptions;
  #pool: TenantPool;
  /** The role check of each pool: one query per pool, shared by concurrent connects. */
  readonly #roleChecks = new WeakMap<TenantPool, Promise<void>>();
  readonly #replicaRouter: ReplicaRouter | undefined;

  /** @throws {InvalidTenantKitOptionError} as {@link createTenantAdapter}. */
  constructor(options: TenantAdapterOptions) {
    this.#options = resolveAdapterOptions(options);
    this.setting = this.#options.setting;
    this.#replicaRouter = this.#createReplicaRouter();
    this.#pool = this.#createPool();
  }

  /** The primary's pool, which queries run on now. A new one replaces it when Prisma reconnects (`$disconnect()`). */
  get pool(): PublishedTenantPool {
    return this.#pool;
  }

  /**
   * The pool of each replica, in the order of `replicas` (empty without replicas), e.g. for
   * `instrumentPool(adapter.replicaPools[0], { name: "replica-0" })`. Replaced, like `pool`, after a reconnect.
   */
  get replicaPools(): readonly PublishedTenantPool[] {
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

  /**
   * Read-your-writes across processes: a signed, tenant-bound token for the WAL position that `tenantId`'s reads must
   * reach after its writes through this adapter, to hand to the user (a cookie, a header) and back to
   * {@link readAfter} in whichever process serves the user's next request. Undefined when nothing is pending (or
   * without replicas). Every process needs the same `replicaPolicy.writePositionSecret`.
   * @example
   * ```ts
   * await prisma.$withTenant(tenantId, (tx) => tx.order.create({ data }));
   * const token = adapter.writePositionToken(tenantId);
   * if (token) cookies().set("rw", token, { httpOnly: true, sameSite: "lax", maxAge: 60 });
   * ```
   */
  writePositionToken(tenantId: string): string | undefined {
    return this.#replicaRouter?.positionToken(tenantId);
  }

  /**
   * Runs `fn` with the position of a {@link writePositionToken} (e.g. from the request's cookie): `$forTenant` reads
   * inside it go to a replica only once it has replayed that far, else to the primary. A token that is malformed,
   * altered, signed with another secret or issued for another tenant sends that tenant's reads to the primary (it can
   * never do more); an expired one (`replicaPolicy.writePositionMaxAgeMillis`) or undefined counts as none.
   * @example `const orders = await adapter.readAfter(cookies().get("rw")?.value, () => db.order.findMany());`
   */
  readAfter<T>(token: string | undefined, fn: () => T | PromiseLike<T>): Promise<T> {
    // Awaited inside run(): a Prisma query is a lazy promise and would otherwise start outside the context.
    if (token === undefined || !this.#replicaRouter) return Promise.resolve().then(fn);
    return readAfterContext.run({ token }, async () => await fn());
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
    if (!this.#options.checkRole) return Promise.resolve();
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
    return this.#newPool(
      this.#options.connectionString,
      this.#options.pool,
      replicaRouter ? { readRouter: replicaRouter } : {},
    );
  }

  #createReplicaRouter(): ReplicaRouter | undefined {
    const { replicas, replicaPolicy: policy } = this.#options;
    if (replicas.length === 0) return undefined;
    const primary = new PrimaryWalPositions();
    const nodes = replicas.map(
      (replica, index) =>
        new ReplicaNode({
          createPool: () => this.#newPool(replica.connectionString, replica.pool),
          name: replica.name ?? `replica-${index}`,
          index,
          connectionString: replica.connectionString,
          policy,
          primary,
          checkRole: this.#options.checkRole
            ? (pool) => checkPoolRole(pool, this.#options.contextMode, this.#options.roles)
            : undefined,
        }),
    );
    const tokens = new WritePositionTokens(policy.writePositionSecret, policy.writePositionMaxAgeMillis);
    return new ReplicaRouter(nodes, new TenantWritePositions(nodes.length), tokens, primary);
  }

  #newPool(
    connectionString: string | undefined,
    pool: TenantPoolOptions = {},
    extra: Pick<TenantPoolConfig, "readRouter"> = {},
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
  return new TenantAdapterFactory(options);
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
