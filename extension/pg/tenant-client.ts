import pg from "pg";
import type { TenantPrelude } from "./tenant-prelude.ts";
import { TenantQuery } from "./tenant-query.ts";

/** Statements that must come before any query of a transaction, so the tenant prelude waits until after them. */
const TRANSACTION_PREAMBLE = /^\s*(BEGIN|START\s+TRANSACTION|SET\s+TRANSACTION)\b/i;

/** pg.Client options plus the statement that carries the tenant. */
export interface TenantClientConfig extends pg.ClientConfig {
  tenantPrelude: TenantPrelude;
}

type QueryArguments = [config: string | pg.QueryConfig, values?: unknown[]];

/**
 * The pg.Client a {@link TenantPool} creates. It adds {@link TenantClient.queryForTenant} (tenant + query in one round
 * trip) and, for a client checked out to run a transaction, `pendingTenantId`: the first statement after
 * `BEGIN` / `SET TRANSACTION` gets the tenant prelude, so the whole transaction runs with the tenant set and no extra
 * round trip is spent on it.
 */
export class TenantClient extends pg.Client {
  /** Tenant to set before the next data statement; `""` means "explicitly no tenant". Consumed once. */
  pendingTenantId: string | undefined;
  readonly #prelude: TenantPrelude;

  constructor(config: TenantClientConfig) {
    super(config);
    this.#prelude = config.tenantPrelude;
  }

  /**
   * Runs `config` with `setting = tenantId` for the duration of its (implicit or explicit) transaction, in one round
   * trip. `tenantId = ""` runs it with the setting explicitly empty, which every kit policy treats as "no rows".
   */
  queryForTenant(tenantId: string, ...[config, values]: QueryArguments): Promise<pg.QueryResult> {
    const queryConfig: pg.QueryConfig = typeof config === "string" ? { text: config } : { ...config };
    if (values !== undefined) queryConfig.values = values;
    return new Promise((resolve, reject) => {
      const query = new TenantQuery(this.#prelude, tenantId, queryConfig, (error, result) =>
        error ? reject(error) : resolve(result),
      );
      // Submittables bypass the promise API; pg queues them behind anything already running on this client.
      (super.query as (submittable: unknown) => unknown)(query);
    });
  }

  // pg.Client#query is heavily overloaded; the promise and callback forms are both kept intact.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [config, values] = args as QueryArguments;
    const tenantId = this.pendingTenantId;
    const isPlainQuery = typeof config === "string" || (config != null && typeof (config as { submit?: unknown }).submit !== "function");
    const callback = args.find((arg) => typeof arg === "function") as ((e: Error | null, r?: pg.QueryResult) => void) | undefined;
    if (tenantId === undefined || !isPlainQuery || TRANSACTION_PREAMBLE.test(textOf(config))) {
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    this.pendingTenantId = undefined;
    const result = this.queryForTenant(tenantId, config, Array.isArray(values) ? values : undefined);
    if (!callback) return result;
    result.then((r) => callback(null, r), (e: Error) => callback(e));
    return undefined;
  }
}

function textOf(config: string | pg.QueryConfig): string {
  return typeof config === "string" ? config : config.text;
}
