import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `createTenantAdapter` on its first connection when the database is a Citus cluster (the `citus`
 * extension is installed in it) and the adapter is in the default context mode, `"set-config"`. Citus forwards to
 * its worker nodes only `SET LOCAL` commands sent inside an explicit transaction block, never `set_config(...)`, so
 * the shards would run every query without a tenant and every tenant would read 0 rows of each distributed table.
 * Nothing else ran on the pool. `contextMode: "transaction-block"` is the mode that reaches the shards.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString: citusCoordinatorUrl });
 * await new PrismaClient({ adapter }).customer.findMany(); // rejects: CITUS_NEEDS_TRANSACTION_BLOCK
 * createTenantAdapter({ connectionString: citusCoordinatorUrl, contextMode: "transaction-block" }); // the fix
 * ```
 */
export class CitusContextModeError extends TenantKitError {
  override readonly name = "CitusContextModeError";
  readonly code = "CITUS_NEEDS_TRANSACTION_BLOCK";

  constructor(
    /** The database the adapter connected to (`current_database()`). */
    readonly database: string,
  ) {
    super(
      `createTenantAdapter connected to ${JSON.stringify(database)}, a Citus database, in the context mode ` +
        `"set-config": Citus does not forward set_config(...) to its worker nodes, so the shards would see no ` +
        `tenant and every tenant would read 0 rows of its distributed tables. Pass contextMode: ` +
        `"transaction-block" to createTenantAdapter: each query then runs as BEGIN; SET LOCAL ` +
        `citus.propagate_set_commands = 'local'; SET LOCAL <setting> = '<tenant>'; <query>; COMMIT, still in one ` +
        `round trip (see docs/citus.md).`,
    );
  }
}
