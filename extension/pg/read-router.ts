import type pg from "pg";
import type { TenantContext } from "../tenant-context.ts";
import type { QueryPipeline } from "./query-pipeline.ts";
import type { TenantPrelude } from "./tenant-prelude.ts";

/** What a {@link ReadRouter} needs of the primary's pool to run a statement there itself. */
export interface PrimaryPipelineRunner {
  readonly tenantPrelude: TenantPrelude;
  /** Runs `config` between the statements of `pipeline` on one pooled connection, in one round trip. */
  queryInPipeline(
    pipeline: QueryPipeline,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
  ): Promise<pg.QueryResult>;
}

/**
 * Where a tenant pool's per-query statements run and what its transactions report at COMMIT, when the adapter has
 * read replicas. The pool is given one (the replica routing implements it) and calls it; the pool itself knows
 * nothing of replicas, so dependencies point one way: replicas/ -> pg/.
 */
export interface ReadRouter {
  /** Runs one per-query statement of `primary` (under `context`) on the primary or on a replica. */
  route(
    primary: PrimaryPipelineRunner,
    context: TenantContext | undefined,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
  ): Promise<pg.QueryResult>;
  /**
   * The statements around the COMMIT of a transaction of writer `tenantId` (ContextScope.writer: the tenant id of a
   * `$forTenant` scope) on the primary (e.g. to learn the commit's WAL
   * position). `afterError`: a statement of the transaction failed, so nothing may run before its COMMIT.
   */
  commitPipeline(tenantId: string, afterError: boolean): QueryPipeline;
  /** Ends what the router holds (the replicas' pools), with the primary's pool. */
  end(): Promise<void>;
}
