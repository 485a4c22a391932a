import { AsyncLocalStorage } from "node:async_hooks";
import type { ContextScope } from "./context-scope.ts";

/**
 * What the kit knows about the current call. Only `scope` reaches the database; the rest decides how calls compose
 * (docs/design.md, "Composition").
 */
export interface TenantContext {
  /**
   * The context the current query runs as (its settings and role): set around each query of a `$forTenant` /
   * `$forContext` client (and its transaction clients) and absent for the bare client, also inside a `$withTenant`
   * callback. The pool reads it.
   */
  readonly scope?: ContextScope;
  /**
   * `scope.id`, set and cleared with it: the tenant id for `$forTenant(id)`, an id of the settings and role for
   * `$forContext`. Equal ids send the same context; request batching and strict mode compare it.
   */
  readonly tenantId?: string;
  /** The open `$withTenant` transaction around the current code: a nested one of the same tenant joins it. */
  readonly transaction?: {
    /** `scope.id` of the transaction's context. */
    readonly tenantId: string;
    /** For errors: whose transaction it is, e.g. `tenant "acme"`. */
    readonly label: string;
    readonly client: unknown;
    /** Set once the callback settled: work it scheduled for later starts its own transaction instead of joining. */
    readonly closed: boolean;
  };
  /** Inside `$forTenant(id).$transaction([...])`: the tenant every query of that batch must have. */
  readonly batchTenantId?: string;
  /**
   * Set around a model read (findMany, findFirst, findUnique, count, aggregate, groupBy and their OrThrow forms) of a
   * `$forTenant` client: its statements may go to a read replica when they reach the pool's per-query path. A
   * transaction's statements never do (they run on `pool.connect()`'s connection, on the primary). One object per
   * operation: the replica router pins the operation's statements (a relation load sends several) to one replica.
   */
  readonly replicaRead?: { replica?: unknown };
}

/**
 * The one AsyncLocalStorage the kit uses. The Prisma extension writes it around each query; the pg pool reads it
 * when the query reaches the driver. Internal: applications pass tenants through `$forTenant` / `$withTenant`.
 */
export const tenantContext = new AsyncLocalStorage<TenantContext | undefined>();
