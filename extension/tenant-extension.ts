import { Prisma } from "@prisma/client/extension";
import { TenantContextMissingError } from "./errors/tenant-context-missing-error.ts";
import { TenantMismatchError } from "./errors/tenant-mismatch-error.ts";
import { guardRequestBatching } from "./prisma/batching-guard.ts";
import { assertSupportedPrismaClient } from "./prisma/supported-prisma-client.ts";
import { tenantContext } from "./tenant-context.ts";
import { assertTenantId } from "./tenant-id.ts";

/** Options of {@link tenantExtension}. */
export interface TenantExtensionOptions {
  /**
   * Throw {@link TenantContextMissingError} for any query on the bare client (no `$forTenant` / `$withTenant`), before it
   * reaches the database. Default `false`: such queries run with an empty tenant and RLS returns and writes nothing.
   */
  strict?: boolean;
}

/** Options of an interactive transaction, as Prisma's `$transaction(fn, options)` takes them. */
export interface TenantTransactionOptions {
  /** Longest wait for a connection to start the transaction, in ms. Prisma's default 2,000. */
  maxWait?: number;
  /** Longest the whole transaction may run, in ms. Prisma's default 5,000. */
  timeout?: number;
  isolationLevel?: "ReadUncommitted" | "ReadCommitted" | "RepeatableRead" | "Serializable";
}

/** The interactive transaction client Prisma passes to `$transaction(fn)`: the client minus connection/tx control. */
export type TenantTransactionClient<T> = Omit<T, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends" | "$forTenant" | "$withTenant">;

/**
 * The Prisma Client extension half of the kit (the other half is {@link createTenantAdapter}). Adds:
 *
 * - `$forTenant(tenantId)`: the same client, every query of which runs with the tenant's RLS context, per query and
 *   without a transaction. Model queries, `$queryRaw`, `$executeRaw`, relation loads over several statements and
 *   `$transaction(...)` in both forms all carry it.
 * - `$withTenant(tenantId, fn, options?)`: one short interactive transaction with the tenant set before its first
 *   statement; rolls back if `fn` throws; a nested call for the same tenant joins it, for another tenant throws.
 *
 * The tenant is sent as (one round trip, no BEGIN/COMMIT outside `$withTenant`):
 * ```sql
 * SELECT set_config('app.tenant_id', $tenantId, true); SELECT ... -- before one Sync
 * ```
 *
 * @example
 * ```ts
 * export const prisma = new PrismaClient({ adapter: createTenantAdapter({ connectionString }) })
 *   .$extends(tenantExtension({ strict: true }));
 * const db = prisma.$forTenant(session.tenantId);
 * const customers = await db.customer.findMany();
 * await prisma.$withTenant(session.tenantId, async (tx) => {
 *   const order = await tx.order.create({ data });
 *   await tx.auditLog.create({ data: { tenantId: session.tenantId, action: "order.created", entityId: order.id } });
 * });
 * ```
 * @throws {UnsupportedPrismaVersionError} when applied to a Prisma Client outside `>=6.16 <8`, without a driver
 * adapter, on Prisma 6's Rust engine, or whose request batching it cannot guard.
 */
export function tenantExtension(options: TenantExtensionOptions = {}) {
  return Prisma.defineExtension((client) => {
    assertSupportedPrismaClient(client);
    guardRequestBatching(client);

    const withTenant = async (on: TransactionRunner, tenantId: unknown, fn: (tx: unknown) => Promise<unknown>, txOptions?: unknown) => {
      const id = assertTenantId(tenantId);
      const active = tenantContext.getStore();
      if (active?.transaction !== undefined) {
        if (active.tenantId !== id) throw new TenantMismatchError(active.tenantId, id);
        return fn(active.transaction);
      }
      return tenantContext.run({ tenantId: id }, () =>
        on.$transaction((tx: unknown) => tenantContext.run({ tenantId: id, transaction: tx }, () => fn(tx)), txOptions),
      );
    };

    const methods = client.$extends({
      name: "prisma-tenant-kit",
      client: {
        /**
         * The same client with every query scoped to `tenantId`: the RLS context is set per query, without a
         * transaction. `$transaction(fn)` on it is `$withTenant(tenantId, fn)`.
         * @example `const db = prisma.$forTenant(tenantId); await db.customer.findMany();`
         */
        $forTenant<T>(this: T, tenantId: string): T {
          const context = { tenantId: assertTenantId(tenantId) };
          // Built on `methods`, not on `this`: a strict client's hook would run before this one sets the context.
          const scoped = (methods as unknown as Extendable).$extends({
            name: "prisma-tenant-kit:for-tenant",
            query: {
              // A Prisma query is a lazy promise: awaited outside run() it would start outside the context.
              $allOperations: ({ args, query }: QueryHookArgs) => tenantContext.run(context, async () => await query(args)),
            },
            client: {
              $transaction(arg: unknown, txOptions?: unknown) {
                const parent = methods as unknown as TransactionRunner;
                if (typeof arg === "function") return withTenant(parent, context.tenantId, arg as (tx: unknown) => Promise<unknown>, txOptions);
                return tenantContext.run(context, () => parent.$transaction(arg, txOptions));
              },
            },
          });
          return scoped as T;
        },
        /**
         * Runs `fn` in one interactive transaction whose first statement carries the tenant's RLS context.
         * @example `await prisma.$withTenant(tenantId, (tx) => tx.order.create({ data }))`
         */
        $withTenant<T, R>(
          this: T,
          tenantId: string,
          fn: (tx: TenantTransactionClient<T>) => Promise<R>,
          txOptions?: TenantTransactionOptions,
        ): Promise<R> {
          const self = Prisma.getExtensionContext(this) as unknown as TransactionRunner;
          return withTenant(self, tenantId, fn as (tx: unknown) => Promise<unknown>, txOptions) as Promise<R>;
        },
      },
    });

    if (!options.strict) return methods;
    return methods.$extends({
      name: "prisma-tenant-kit:strict",
      query: {
        $allOperations({ args, query, operation, model }) {
          if (tenantContext.getStore() === undefined) {
            throw new TenantContextMissingError(model ? `prisma.${lowerFirst(model)}.${operation}()` : `prisma.${operation}()`);
          }
          return query(args);
        },
      },
    });
  });
}

type TransactionRunner = { $transaction(arg: unknown, options?: unknown): Promise<unknown> };
type Extendable = { $extends(extension: object): unknown };
type QueryHookArgs = { args: unknown; query: (args: unknown) => Promise<unknown> };

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
