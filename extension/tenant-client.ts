import type { QueryContext } from "./context-scope.ts";
import {
  type TenantExtensionOptions,
  tenantExtension,
  type TenantTransactionClient,
  type TenantTransactionOptions,
} from "./tenant-extension.ts";

/** The methods {@link tenantExtension} adds to a client, as {@link TenantClient} types them. */
export interface TenantClientMethods {
  /** The same client, every query of which runs with the tenant's RLS context, per query (see `tenantExtension`). */
  $forTenant<T>(this: T, tenantId: string): T;
  /** The same client, every query of which runs with `context`'s settings and role (see `tenantExtension`). */
  $forContext<T>(this: T, context: QueryContext): T;
  /** `fn` in one interactive transaction whose first statement carries the tenant's RLS context. */
  $withTenant<T, R>(
    this: T,
    tenantId: string,
    fn: (tx: TenantTransactionClient<T>) => Promise<R>,
    txOptions?: TenantTransactionOptions,
  ): Promise<R>;
  /** `fn` in one interactive transaction whose first statement carries `context`. */
  $withContext<T, R>(
    this: T,
    context: QueryContext,
    fn: (tx: TenantTransactionClient<T>) => Promise<R>,
    txOptions?: TenantTransactionOptions,
  ): Promise<R>;
}

/**
 * The client `C` extended with the tenant kit, typed with `C`'s own model and client types: what an extended client
 * has (no `$on`, which Prisma takes away from extended clients) plus the kit's methods. Unlike the type Prisma infers
 * for `client.$extends(tenantExtension())`, its delegates are `C`'s, so it and its transactions pass wherever the app
 * already takes `Prisma.TransactionClient`, and errors the app had keep their wording.
 *
 * @example
 * ```ts
 * export const tenantPrisma = tenantClient(prisma); // TenantClient<PrismaClient>
 * async function audit(db: Prisma.TransactionClient) { ... }
 * await tenantPrisma.$withTenant(tenantId, (tx) => audit(tx)); // compiles: tx is a Prisma.TransactionClient too
 * ```
 */
export type TenantClient<C> = Omit<C, "$on" | "$use"> & TenantClientMethods;

type Extendable = { $extends(extension: object): unknown };

/**
 * `client.$extends(tenantExtension(options))`, typed {@link TenantClient}: the kit's view of an existing client, on its
 * connection pool (the client must be built on `createTenantAdapter`). The client itself stays as it was (its own
 * type, `$on`, every query of it without a tenant), so code not yet migrated keeps compiling; migrated code calls
 * `$forTenant` / `$withTenant` on the view. Per query it sends:
 * ```sql
 * SELECT set_config('app.tenant_id', $1, true); SELECT ... -- before one Sync
 * ```
 *
 * @example
 * ```ts
 * export const prisma = new PrismaClient({ adapter: createTenantAdapter({ connectionString }) });
 * export const tenantPrisma = tenantClient(prisma);
 * const customers = await tenantPrisma.$forTenant(tenantId).customer.findMany();
 * ```
 * @throws {UnsupportedPrismaVersionError} as {@link tenantExtension} does (no driver adapter, Prisma outside
 *   `>=6.16 <8`...).
 */
export function tenantClient<C extends Extendable>(client: C, options?: TenantExtensionOptions): TenantClient<C> {
  // Prisma's inferred extension type re-derives every delegate with the extension's arguments, which the app's own
  // `PrismaClient` and `Prisma.TransactionClient` annotations do not accept; the kit adds no model, result or query
  // type, so the client's own types describe the extended client exactly, minus `$on` (absent on extended clients).
  return client.$extends(tenantExtension(options)) as TenantClient<C>;
}
