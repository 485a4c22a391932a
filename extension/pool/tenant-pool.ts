import type pg from "pg";

/**
 * The pool of a tenant adapter (`adapter.pool`, `adapter.replicaPools[i]`) as the application sees it: a `pg.Pool`
 * whose `query()` and `connect()` carry the tenant of the calling `$forTenant` / `$withTenant` scope, plus timing
 * events. Read its counts (`totalCount`, `idleCount`, `waitingCount`, `options.max`) for metrics, or hand it to
 * {@link instrumentPool} / {@link monitorPool}.
 *
 * Besides pg-pool's own events it emits, each with a duration in ms, `tenant-kit:acquired` (how long the caller waited
 * for a connection), `tenant-kit:released` (how long it held it) and `tenant-kit:timed-out` (how long it waited
 * before a `PoolTimeoutError`), named by `POOL_TIMING_EVENTS` (pg's typings list only pg-pool's events).
 *
 * @example
 * ```ts
 * const events = adapter.pool as EventEmitter;
 * events.on(POOL_TIMING_EVENTS.acquired, (waitedMillis: number) => histogram.record(waitedMillis));
 * ```
 */
// The kit's own members (its prelude, its pipelined query) stay off the published type.
export interface TenantPool extends pg.Pool {}
