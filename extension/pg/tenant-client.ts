import pg from "pg";
import type { QueryPipeline } from "./query-pipeline.ts";
import { TenantQuery } from "./tenant-query.ts";

/**
 * The pg.Client a {@link TenantPool} creates. It adds {@link TenantClient.queryInPipeline}: a query and the statements
 * that carry its tenant in one round trip, with a hook that can refuse the statement at the moment pg would write it.
 * Which statements carry the tenant is the pool's and the checkout's choice (see TenantPrelude).
 */
export class TenantClient extends pg.Client {
  /**
   * Runs `config` between the statements of `pipeline` (see TenantQuery), all before one Sync. `beforeSend` runs when
   * pg is about to write the statement; an Error it returns rejects the call and nothing is sent.
   */
  queryInPipeline(
    pipeline: QueryPipeline,
    config: string | pg.QueryConfig,
    values?: unknown[],
    beforeSend?: () => Error | undefined,
  ): Promise<pg.QueryResult> {
    const queryConfig: pg.QueryConfig = typeof config === "string" ? { text: config } : { ...config };
    if (values !== undefined) queryConfig.values = values;
    return new Promise((resolve, reject) => {
      const callback = (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result));
      // Submittables bypass the promise API; pg queues them behind anything already running on this client.
      const query = new TenantQuery(pipeline, queryConfig, callback, beforeSend);
      (this.query as (submittable: unknown) => unknown)(query);
    });
  }
}
