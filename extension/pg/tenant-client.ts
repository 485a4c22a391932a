import pg from "pg";
import type { TenantPrelude } from "./tenant-prelude.ts";
import { TenantQuery } from "./tenant-query.ts";

/** pg.Client options plus the statement that carries the tenant. */
export interface TenantClientConfig extends pg.ClientConfig {
  tenantPrelude: TenantPrelude;
}

/**
 * The pg.Client a {@link TenantPool} creates. It adds {@link TenantClient.queryForTenant}: tenant + query in one round
 * trip, with a hook that can refuse the statement at the moment pg would write it. Transactions get the tenant through
 * the per-checkout handle of `pool.connect()` (see TenantCheckout).
 */
export class TenantClient extends pg.Client {
  readonly #prelude: TenantPrelude;

  constructor(config: TenantClientConfig) {
    super(config);
    this.#prelude = config.tenantPrelude;
  }

  /**
   * Runs `config` with `setting = tenantId` for the duration of its (implicit or explicit) transaction, in one round
   * trip. `tenantId = ""` runs it with the setting explicitly empty, which every kit policy treats as "no rows";
   * `undefined` sends the statement alone (a transaction whose tenant is already set). `beforeSend` runs when pg is
   * about to write the statement; an Error it returns rejects the call and nothing is sent.
   */
  queryForTenant(
    tenantId: string | undefined,
    config: string | pg.QueryConfig,
    values?: unknown[],
    beforeSend?: () => Error | undefined,
  ): Promise<pg.QueryResult> {
    const queryConfig: pg.QueryConfig = typeof config === "string" ? { text: config } : { ...config };
    if (values !== undefined) queryConfig.values = values;
    return new Promise((resolve, reject) => {
      const callback = (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result));
      // Submittables bypass the promise API; pg queues them behind anything already running on this client.
      const query = new TenantQuery(this.#prelude, tenantId, queryConfig, callback, beforeSend);
      (this.query as (submittable: unknown) => unknown)(query);
    });
  }
}
