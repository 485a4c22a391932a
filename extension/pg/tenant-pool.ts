import pg from "pg";
import { NO_SCOPE } from "../context-scope.ts";
import { asDatabaseUnreachable } from "../errors/database-unreachable-error.ts";
import { PoolTimeoutError } from "../errors/pool-timeout-error.ts";
import { TransactionLeftOpenError } from "../errors/transaction-left-open-error.ts";
import { asWriteWithoutTenant } from "../errors/write-without-tenant-error.ts";
import { tenantContext } from "../tenant-context.ts";
import { isConnectionFailure } from "./connection-failure.ts";
import { TenantCheckout } from "./tenant-checkout.ts";
import type { QueryPipeline } from "./query-pipeline.ts";
import type { PrimaryPipelineRunner, ReadRouter } from "./read-router.ts";
import { TenantClient } from "./tenant-client.ts";
import type { TenantPrelude } from "./tenant-prelude.ts";

/** pg.Pool options plus the statements that carry the tenant (see createTenantPrelude). */
export interface TenantPoolConfig extends pg.PoolConfig {
  tenantPrelude: TenantPrelude;
  /** The primary's, with read replicas: where per-query statements run, what a COMMIT reports (see ReadRouter). */
  readRouter?: ReadRouter;
}

/**
 * A pg.Pool whose every statement carries the tenant of the calling `$forTenant` / `$withTenant` scope (read from the
 * kit's AsyncLocalStorage when the statement reaches the pool), or an explicitly empty tenant when there is none.
 *
 * - `pool.query(...)` (how `@prisma/adapter-pg` runs every statement outside a transaction) checks out a client,
 *   sends the prelude's standalone pipeline with the statement before one Sync (one round trip, see TenantQuery):
 *   `SELECT set_config($1, $2, true)` + the statement, or in the transaction-block mode `BEGIN`, `SET LOCAL ...`,
 *   the statement, `COMMIT`. It returns the client at once: the connection is held for that round trip only.
 *   If the server's ReadyForQuery then says the connection is in a transaction block (the statement was a raw
 *   `BEGIN`; in the transaction-block mode, where the kit's COMMIT closes it, a statement that was a `BEGIN`), the
 *   call fails with {@link TransactionLeftOpenError} and the connection is discarded, so no other caller's statement
 *   lands in it.
 * - `pool.connect()` (how the adapter starts a transaction) returns a per-checkout handle (see TenantCheckout): the
 *   transaction's first data statement carries the tenant, and statements sent after the checkout was released or its
 *   transaction ended are refused unsent.
 *
 * Statement errors from the server (unique violation, statement_timeout, cancel) leave the connection usable, so it
 * goes back to the pool; in the transaction-block mode such an error skips the COMMIT and leaves the block aborted
 * (status `E`), so the pool first sends `ROLLBACK` (a second round trip on that error path only), then rethrows the
 * statement's error. Only broken connections, and connections not idle at release, are discarded.
 */
export class TenantPool extends pg.Pool implements PrimaryPipelineRunner {
  readonly #readRouter: ReadRouter | undefined;
  #prelude: TenantPrelude;

  constructor(config: TenantPoolConfig) {
    const { readRouter, ...poolConfig } = config;
    super({ ...poolConfig, Client: TenantClient as unknown as new () => pg.ClientBase });
    this.#readRouter = readRouter;
    this.#prelude = config.tenantPrelude;
  }

  /**
   * The statements that carry the tenant. The adapter replaces them once, after its role check and before any
   * query, when the server needs more (a Citus database, see propagateToCitusWorkers).
   */
  get tenantPrelude(): TenantPrelude {
    return this.#prelude;
  }

  set tenantPrelude(prelude: TenantPrelude) {
    this.#prelude = prelude;
  }

  // pg.Pool#query is heavily overloaded; the adapter uses the promise form with a config object.
  // biome-ignore lint/suspicious/noExplicitAny: overrides pg's overloaded signature as is.
  override query(...args: any[]): any {
    const callback = args.find((arg) => typeof arg === "function") as
      | ((e: Error | null, r?: pg.QueryResult) => void)
      | undefined;
    const [config, values] = args as [string | pg.QueryConfig, unknown];
    const context = tenantContext.getStore();
    const scope = context?.scope ?? NO_SCOPE;
    const queryValues = Array.isArray(values) ? values : undefined;
    let result: Promise<pg.QueryResult>;
    try {
      result = this.#readRouter
        ? this.#readRouter.route(this, context, config, queryValues)
        : this.queryInPipeline(this.#prelude.standalone(scope), config, queryValues);
    } catch (error) {
      // A context the prelude refuses (a role not in the adapter's roles): rejected before a connection is taken.
      result = Promise.reject(error);
    }
    result = result.catch((error: unknown) => {
      throw asWriteWithoutTenant(error, scope.id !== NO_SCOPE.id);
    });
    if (!callback) return result;
    result.then(
      (r) => callback(null, r),
      (e: Error) => callback(e),
    );
    return undefined;
  }

  /**
   * Runs one statement between the statements of `pipeline` (usually `prelude.standalone(tenantId)`) on a pooled
   * connection, in one round trip, and returns the connection at once. Internal: the replica router adds its own
   * statements (the replica's health, the commit's WAL position) this way.
   */
  async queryInPipeline(
    pipeline: QueryPipeline,
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
      result = await client.queryInPipeline(pipeline, config, values);
    } catch (error) {
      failure = error;
    }
    // A statement error inside the pipeline's BEGIN skipped its COMMIT: the block is aborted. pg reports the error
    // before the ReadyForQuery that carries the new status, so roll back unconditionally: pg sends the ROLLBACK after
    // that ReadyForQuery, and a block the failed COMMIT already ended only gets a warning.
    if (pipeline.opensBlock && failure !== undefined && !lost && !isConnectionFailure(failure)) {
      await client.query("ROLLBACK").catch((error: Error) => void (lost ??= error));
    }
    client.removeListener("error", onError);
    if (lost || isConnectionFailure(failure)) {
      client.release(lost ?? (failure as Error));
      if (failure === undefined) return result!;
      throw failure;
    }
    // The ReadyForQuery that ended this round trip: anything but idle means the statement opened a transaction block.
    // In the transaction-block mode the kit's COMMIT closes the block a raw BEGIN meant to open: refuse it the same
    // way.
    const status = client.getTransactionStatus();
    if (status !== "I" || OPENS_TRANSACTION.has(result?.command ?? "")) {
      const leftOpen = new TransactionLeftOpenError(status === "I" ? "T" : (status ?? "unknown"), { cause: failure });
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
    const ended = Promise.all([super.end(), this.#readRouter?.end()]).then(() => undefined);
    const callback = args[0] as (() => void) | undefined;
    if (!callback) return ended;
    ended.then(callback, callback);
    return undefined;
  }

  // biome-ignore lint/suspicious/noExplicitAny: overrides pg's overloaded signature as is.
  override connect(...args: any[]): any {
    const scope = tenantContext.getStore()?.scope ?? NO_SCOPE;
    const prelude = this.#prelude;
    // Both forms go through #acquire, so the callback form also gets PoolTimeoutError and the timing events. The
    // prelude is built first: a context it refuses (a role not in the adapter's roles) takes no connection.
    const acquired = Promise.resolve()
      .then(() => prelude.inTransaction(scope))
      .then(() => this.#acquire())
      .then(
        (client) =>
          new TenantCheckout(
            client as TenantClient & pg.PoolClient,
            scope,
            prelude,
            scope.id === "" || !this.#readRouter
              ? undefined
              : (afterError) => this.#readRouter!.commitPipeline(scope.writer, afterError),
          ).handle,
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
      // Opening a new connection failed: the server is down, unreachable or did not answer within the timeout.
      const { host, port } = new pg.Client(this.options);
      const timeoutMillis = this.options.connectionTimeoutMillis;
      const unreachable = asDatabaseUnreachable(error, { host, port, timeoutMillis });
      if (unreachable) throw unreachable;
      // Waiting in the queue for a busy pool's connection timed out.
      if (error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message)) {
        const waited = performance.now() - started;
        this.emit(POOL_TIMING_EVENTS.timedOut, waited);
        throw new PoolTimeoutError(Math.round(waited), this.options.max, { cause: error });
      }
      throw error;
    }
  }
}

/** Command tags (their first word, as pg's Result parses them) of statements that open a transaction block. */
const OPENS_TRANSACTION = new Set(["BEGIN", "START"]);

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
