import pg from "pg";
import { PoolTimeoutError } from "../errors/pool-timeout-error.ts";
import { TransactionLeftOpenError } from "../errors/transaction-left-open-error.ts";
import type { ReplicaRouter } from "../replicas/replica-router.ts";
import { tenantContext } from "../tenant-context.ts";
import { isConnectionFailure } from "./connection-failure.ts";
import { TenantCheckout } from "./tenant-checkout.ts";
import { TenantClient } from "./tenant-client.ts";
import type { TenantPrelude } from "./tenant-prelude.ts";

/** pg.Pool options plus the statement that carries the tenant (see createTenantPrelude). */
export interface TenantPoolConfig extends pg.PoolConfig {
  tenantPrelude: TenantPrelude;
  /** The primary's: sends `$forTenant` model reads to read replicas (see ReplicaRouter). */
  replicaRouter?: ReplicaRouter;
}

/**
 * A pg.Pool whose every statement carries the tenant of the calling `$forTenant` / `$withTenant` scope (read from the
 * kit's AsyncLocalStorage when the statement reaches the pool), or an explicitly empty tenant when there is none.
 *
 * - `pool.query(...)` (how `@prisma/adapter-pg` runs every statement outside a transaction) checks out a client,
 *   sends `SELECT set_config($1, $2, true)` + the statement before one Sync (one round trip, see TenantQuery) and
 *   returns the client at once: the connection is held for that round trip only. If the server's ReadyForQuery then
 *   says the connection is in a transaction block (the statement was a raw `BEGIN`), the call fails with
 *   {@link TransactionLeftOpenError} and the connection is discarded, so no other caller's statement lands in it.
 * - `pool.connect()` (how the adapter starts a transaction) returns a per-checkout handle (see TenantCheckout): the
 *   transaction's first data statement carries the tenant, and statements sent after the checkout was released or its
 *   transaction ended are refused unsent.
 *
 * Statement errors from the server (unique violation, statement_timeout, cancel) leave the connection usable, so it
 * goes back to the pool; only broken connections, and connections not idle at release, are discarded.
 */
export class TenantPool extends pg.Pool {
  readonly #replicaRouter: ReplicaRouter | undefined;

  constructor(config: TenantPoolConfig) {
    const { replicaRouter, ...poolConfig } = config;
    super({ ...poolConfig, Client: TenantClient as unknown as new () => pg.ClientBase });
    this.#replicaRouter = replicaRouter;
  }

  // pg.Pool#query is heavily overloaded; the adapter uses the promise form with a config object.
  // biome-ignore lint/suspicious/noExplicitAny: overrides pg's overloaded signature as is.
  override query(...args: any[]): any {
    const callback = args.find((arg) => typeof arg === "function") as
      | ((e: Error | null, r?: pg.QueryResult) => void)
      | undefined;
    const [config, values] = args as [string | pg.QueryConfig, unknown];
    const context = tenantContext.getStore();
    const queryValues = Array.isArray(values) ? values : undefined;
    const onPrimary = () => this.#queryForTenant(context?.tenantId ?? "", config, queryValues);
    const router = this.#replicaRouter;
    const result = router ? router.route(context, config, queryValues, onPrimary) : onPrimary();
    if (!callback) return result;
    result.then(
      (r) => callback(null, r),
      (e: Error) => callback(e),
    );
    return undefined;
  }

  async #queryForTenant(
    tenantId: string,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
  ): Promise<pg.QueryResult> {
    const client = (await this.#acquire()) as TenantClient & pg.PoolClient;
    // As in pg-pool's own query(): the server can end the connection right after the reply (e.g. a FATAL from
    // pg_terminate_backend in the same packet as the ReadyForQuery), before this checkout is released.
    let lost: Error | undefined;
    const onError = (error: Error) => void (lost ??= error);
    client.on("error", onError);
    let result: pg.QueryResult | undefined;
    let failure: unknown;
    try {
      result = await client.queryForTenant(tenantId, config, values);
    } catch (error) {
      failure = error;
    }
    client.removeListener("error", onError);
    if (lost || isConnectionFailure(failure)) {
      client.release(lost ?? (failure as Error));
      if (failure === undefined) return result!;
      throw failure;
    }
    // The ReadyForQuery that ended this round trip: anything but idle means the statement opened a transaction block.
    const status = client.getTransactionStatus();
    if (status !== "I") {
      const leftOpen = new TransactionLeftOpenError(status ?? "unknown", { cause: failure });
      client.release(leftOpen);
      throw leftOpen;
    }
    client.release();
    if (failure !== undefined) throw failure;
    return result!;
  }

  // biome-ignore lint/suspicious/noExplicitAny: overrides pg's overloaded signature as is.
  override end(...args: any[]): any {
    // The adapter ends the primary pool on $disconnect(); the replica pools end with it.
    const ended = Promise.all([super.end(), this.#replicaRouter?.end()]).then(() => undefined);
    const callback = args[0] as (() => void) | undefined;
    if (!callback) return ended;
    ended.then(callback, callback);
    return undefined;
  }

  // biome-ignore lint/suspicious/noExplicitAny: overrides pg's overloaded signature as is.
  override connect(...args: any[]): any {
    const tenantId = tenantContext.getStore()?.tenantId ?? "";
    // Both forms go through #acquire, so the callback form also gets PoolTimeoutError and the timing events.
    const acquired = this.#acquire().then(
      (client) => new TenantCheckout(client as TenantClient & pg.PoolClient, tenantId).handle,
    );
    const callback = args[0] as
      | ((e: Error | undefined, c: pg.PoolClient | undefined, done: unknown) => void)
      | undefined;
    if (!callback) return acquired;
    acquired.then(
      (client) => callback(undefined, client, client.release),
      (error: Error) => callback(error, undefined, () => undefined),
    );
    return undefined;
  }

  async #acquire(): Promise<pg.PoolClient> {
    const started = performance.now();
    try {
      const client = await super.connect();
      const acquired = performance.now();
      this.emit(POOL_TIMING_EVENTS.acquired, acquired - started);
      const release = client.release;
      client.release = (error?: Error | boolean) => {
        this.emit(POOL_TIMING_EVENTS.released, performance.now() - acquired);
        return release(error);
      };
      return client;
    } catch (error) {
      if (error instanceof Error && /timeout exceeded when trying to connect|connection timeout/i.test(error.message)) {
        const waited = performance.now() - started;
        this.emit(POOL_TIMING_EVENTS.timedOut, waited);
        throw new PoolTimeoutError(Math.round(waited), this.options.max, { cause: error });
      }
      throw error;
    }
  }
}

/**
 * Events a {@link TenantPool} emits besides pg-pool's own, each with a duration in milliseconds:
 * `acquired` (how long the caller waited for a connection), `released` (how long it held it) and `timedOut` (how long
 * it waited before a {@link PoolTimeoutError}).
 */
export const POOL_TIMING_EVENTS = {
  acquired: "tenant-kit:acquired",
  released: "tenant-kit:released",
  timedOut: "tenant-kit:timed-out",
} as const;
