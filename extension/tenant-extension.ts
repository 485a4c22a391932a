import { Prisma } from "@prisma/client/extension";
import { type ContextScope, contextScope, type QueryContext, tenantScope } from "./context-scope.ts";
import { InvalidTransactionCallbackError } from "./errors/invalid-transaction-callback-error.ts";
import { TenantContextMissingError } from "./errors/tenant-context-missing-error.ts";
import { unwrapKitError } from "./errors/tenant-kit-error.ts";
import { TenantMismatchError } from "./errors/tenant-mismatch-error.ts";
import { UnsupportedPrismaVersionError } from "./errors/unsupported-prisma-version-error.ts";
import { guardRequestBatching } from "./prisma/batching-guard.ts";
import { assertSupportedPrismaClient, prismaClientVersion } from "./prisma/supported-prisma-client.ts";
import { type TenantContext, tenantContext } from "./tenant-context.ts";
import { assertTenantId } from "./tenant-id.ts";

/** Options of {@link tenantExtension}. */
export interface TenantExtensionOptions {
  /**
   * Throw {@link TenantContextMissingError} for any query on the bare client (no `$forTenant` / `$withTenant`),
   * before it reaches the database. Default `false`: such queries run with an empty tenant and RLS returns and writes
   * nothing.
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

/** The kit's client methods, which a transaction client does not have (a transaction is one tenant's already). */
type KitClientMethods = "$forTenant" | "$withTenant" | "$withContext";

/**
 * The interactive transaction client Prisma passes to `$transaction(fn)` on a client of type `T` (Prisma's own
 * `Prisma.TransactionClient` for a `PrismaClient`: Prisma 6 takes `$transaction` away from it, Prisma 7 keeps it),
 * without the kit's methods. For a `T` without an interactive `$transaction`: `T` minus connection and transaction
 * control.
 */
export type TenantTransactionClient<T> = T extends {
  $transaction(fn: (tx: infer X) => Promise<unknown>, options?: never): unknown;
}
  ? Omit<X, KitClientMethods>
  : Omit<T, "$connect" | "$disconnect" | "$on" | "$use" | "$transaction" | "$extends" | KitClientMethods>;

/**
 * The Prisma Client extension half of the kit (the other half is {@link createTenantAdapter}). Adds:
 *
 * - `$forTenant(tenantId)`: the same client (every extension it has, in order), every query of which runs with the
 *   tenant's RLS context, per query and without a transaction. Model queries, `$queryRaw`, `$executeRaw`, relation
 *   loads over several statements and `$transaction(...)` in both forms all carry it.
 * - `$withTenant(tenantId, fn, options?)`: `$forTenant(tenantId).$transaction(fn)`, one short interactive transaction
 *   with the tenant set before its first statement; rolls back if `fn` throws; a nested call for the same tenant joins
 *   it, for another tenant throws.
 *
 * A query runs as the tenant of the client it is called on; the bare client has none, also inside a `$withTenant`
 * callback. Every composition is in the table of docs/design.md ("Composition").
 *
 * The tenant is sent as (one round trip, no BEGIN/COMMIT outside transactions):
 * ```sql
 * SELECT set_config('app.tenant_id', $tenantId, true); SELECT ... -- before one Sync
 * ```
 *
 * @example
 * ```ts
 * export const prisma = new PrismaClient({ adapter: createTenantAdapter({ connectionString }) })
 *   .$extends(tenantExtension({ strict: true }))
 *   .$extends(softDelete); // kept by $forTenant and $withTenant, in order
 * const db = prisma.$forTenant(session.tenantId);
 * const customers = await db.customer.findMany();
 * await prisma.$withTenant(session.tenantId, async (tx) => {
 *   const order = await tx.order.create({ data });
 *   await tx.auditLog.create({ data: { tenantId: session.tenantId, action: "order.created", entityId: order.id } });
 * });
 * ```
 * @throws {UnsupportedPrismaVersionError} when applied to a Prisma Client outside `>=6.16 <8`, without a driver
 *   adapter, on Prisma 6's Rust engine, or whose request batching or extension list it cannot handle.
 */
export function tenantExtension(options: TenantExtensionOptions = {}) {
  return Prisma.defineExtension((client) => {
    assertSupportedPrismaClient(client);
    guardRequestBatching(client);
    // Prisma's own $transaction: the one `$forTenant` clients override has to reach it on the scoped client itself.
    const prismaTransaction = (client as unknown as TransactionRunner).$transaction;
    const scopeOfExtension = new WeakMap<object, ContextScope>();

    const kitExtension = {
      name: "prisma-tenant-kit",
      query: {
        // First of the client's hooks, for every query: a query starts without a tenant (a $forTenant client's hook
        // sets one next), so none leaks to the bare client; and kit errors raised below Prisma get their class back.
        $allOperations: async ({ args, query }: QueryHookArgs) => {
          const store = tenantContext.getStore();
          try {
            // Nothing to drop (a call outside any scope, the usual case): no second context to enter per query.
            if (store?.scope === undefined && store?.tenantId === undefined && store?.replicaRead === undefined) {
              return await query(args);
            }
            const { tenantId: _dropped, scope: _scope, replicaRead: _read, ...outer } = store;
            // A Prisma query is a lazy promise: awaited outside run() it would start outside the context.
            return await tenantContext.run(outer, async () => await query(args));
          } catch (error) {
            throw unwrapKitError(error);
          }
        },
      },
      client: {
        /**
         * The same client, with every extension it has, whose every query is scoped to `tenantId`: the RLS context is
         * set per query, without a transaction. `$transaction(fn)` on it is `$withTenant(tenantId, fn)`.
         * @example `const db = prisma.$forTenant(tenantId); await db.customer.findMany();`
         * @throws {TenantMismatchError} when called on a client or transaction of another tenant.
         */
        $forTenant<T>(this: T, tenantId: string): T {
          const id = assertTenantId(tenantId);
          return scopeOf(this as object, tenantScope(id), `$forTenant(${JSON.stringify(id)})`) as T;
        },
        /**
         * The same client, with every extension it has, whose every query runs with `context`'s settings and role, set
         * per query in one statement before it, without a transaction (`$forTenant(id)` is its one-setting form):
         * ```sql
         * SELECT set_config($1, $2, true), set_config($3, $4, true), set_config('role', $5, true); SELECT ...
         * ```
         * The role must be one of the adapter's `roles`. `$transaction(fn)` on it is `$withContext(context, fn)`.
         * @example
         * ```ts
         * const settings = { "app.tenant_id": tenantId, "app.user_id": userId };
         * const db = prisma.$forContext({ settings, role: "app_user" });
         * await db.document.findMany(); // the drafts only their author sees, too
         * ```
         * @throws {InvalidQueryContextError} for a malformed context (nothing is sent).
         * @throws {TenantMismatchError} when called on a client or transaction of another context.
         */
        $forContext<T>(this: T, context: QueryContext): T {
          const scope = contextScope(context);
          return scopeOf(this as object, scope, `$forContext(${scope.shown})`) as T;
        },
        /**
         * Runs `fn` in one interactive transaction whose first statement carries `context` (settings and role, local to
         * the transaction): `this.$forContext(context).$transaction(fn, options)`. Inside the callback of another
         * transaction of the same context it joins it.
         * @example
         * ```ts
         * const context = { settings: { "app.tenant_id": tenantId, "app.user_id": userId } };
         * await prisma.$withContext(context, (tx) => tx.document.create({ data }));
         * ```
         * @throws {InvalidQueryContextError} for a malformed context.
         * @throws {TenantMismatchError} inside a transaction, or on a client, of another context.
         */
        async $withContext<T, R>(
          this: T,
          context: QueryContext,
          fn: (tx: TenantTransactionClient<T>) => Promise<R>,
          txOptions?: TenantTransactionOptions,
        ): Promise<R> {
          const scope = contextScope(context);
          if (typeof fn !== "function") throw new InvalidTransactionCallbackError(fn);
          const call = `$withContext(${scope.shown})`;
          const scoped = scopeOf(this as object, scope, call);
          return (await runTransaction(scoped, scope, fn as TransactionCallback, txOptions, call)) as R;
        },
        /**
         * Runs `fn` in one interactive transaction whose first statement carries the tenant's RLS context: the same as
         * `this.$forTenant(tenantId).$transaction(fn, options)`. Inside the callback of another `$withTenant` of the
         * same tenant it joins that transaction.
         * @example `await prisma.$withTenant(tenantId, (tx) => tx.order.create({ data }))`
         * @throws {TenantMismatchError} inside a transaction, or on a client, of another tenant.
         */
        async $withTenant<T, R>(
          this: T,
          tenantId: string,
          fn: (tx: TenantTransactionClient<T>) => Promise<R>,
          txOptions?: TenantTransactionOptions,
        ): Promise<R> {
          const id = assertTenantId(tenantId);
          if (typeof fn !== "function") throw new InvalidTransactionCallbackError(fn);
          const call = `$withTenant(${JSON.stringify(id)})`;
          const scope = tenantScope(id);
          const scoped = scopeOf(this as object, scope, call);
          return (await runTransaction(scoped, scope, fn as TransactionCallback, txOptions, call)) as R;
        },
      },
    };

    /** `on` scoped to `scope`: `on` itself when it already is, else `on` with the scope inserted after the kit. */
    function scopeOf(on: object, scope: ContextScope, call: string): object {
      const { scope: owner, later } = inspect(on);
      if (owner !== undefined) {
        if (owner.id !== scope.id) throw new TenantMismatchError(call, `a client of ${owner.label}`);
        return on;
      }
      if ((on as Record<symbol, unknown>)[TRANSACTION_SCOPE] !== undefined) {
        throw new TenantMismatchError(call, "the client of a transaction without a tenant (prisma.$transaction)");
      }
      const extension = forTenantExtension(scope);
      scopeOfExtension.set(extension, scope);
      // Inserted right after the kit, before the strict hook and every extension applied later, so their query hooks
      // run with the tenant set, and re-applied in order so their result fields and methods stay.
      let scoped = methods.$extends(extension) as Extendable;
      for (const extension of later) scoped = scoped.$extends(extension) as Extendable;
      return scoped;
    }

    /** The scope `client` is scoped to, if any, and the extensions applied after the kit's, in order. */
    function inspect(client: object): { scope?: ContextScope; later: object[] } {
      const later: object[] = [];
      for (let node = (client as ClientInternals)._extensions?.head; node !== undefined; node = node.previous) {
        if (node.extension === kitExtension) return { later };
        const scope = scopeOfExtension.get(node.extension);
        if (scope !== undefined) return { scope, later };
        later.unshift(node.extension);
      }
      throw new UnsupportedPrismaVersionError(
        prismaClientVersion(client),
        "Its extension list (client._extensions) does not hold the kit's own; open an issue with your Prisma version.",
      );
    }

    function forTenantExtension(scope: ContextScope) {
      const tenantId = scope.id;
      // The context of a query that is not a model read, called outside any other scope (the usual case): one object
      // per client, not one per query. Contexts are never mutated.
      const alone: TenantContext = Object.freeze({ scope, tenantId });
      return {
        name: "prisma-tenant-kit:for-tenant",
        query: {
          $allOperations: ({ args, query, model, operation }: QueryHookArgs) => {
            const store = tenantContext.getStore();
            const read = model !== undefined && REPLICA_READ_OPERATIONS.has(operation);
            let context: TenantContext;
            if (store === undefined) context = read ? { scope, tenantId, replicaRead: {} } : alone;
            else {
              const { replicaRead: _outer, ...outer } = store;
              context = read ? { ...outer, scope, tenantId, replicaRead: {} } : { ...outer, scope, tenantId };
            }
            return tenantContext.run(context, async () => await query(args));
          },
        },
        client: {
          $transaction(this: unknown, arg: unknown, txOptions?: unknown) {
            const self = Prisma.getExtensionContext(this) as object;
            if (typeof arg === "function") {
              const on = `${scope.tenantId === undefined ? "$forContext" : "$forTenant"}(${scope.shown})`;
              return runTransaction(self, scope, arg as TransactionCallback, txOptions, `${on}.$transaction(fn)`);
            }
            // The batching guard refuses the batch if one of its queries is not this tenant's.
            return tenantContext.run({ ...tenantContext.getStore(), batchTenantId: tenantId }, () =>
              prismaTransaction.call(self, arg, txOptions),
            );
          },
        },
      };
    }

    /**
     * Runs `fn` in a transaction of `scope` on `scoped` (a client scoped to it), or joins the open transaction of the
     * same scope. The callback's context names the transaction, not a scope: the bare client stays bare in it.
     */
    async function runTransaction(
      scoped: object,
      scope: ContextScope,
      fn: TransactionCallback,
      options: unknown,
      call: string,
    ) {
      const open = tenantContext.getStore()?.transaction;
      // A callback's context reaches work it scheduled (timers, queues) even after the transaction ended.
      if (open !== undefined && !open.closed) {
        if (open.tenantId !== scope.id) throw new TenantMismatchError(call, `a transaction of ${open.label}`);
        return fn(open.client);
      }
      // Started under the scope: the pool marks the connection it checks out for BEGIN with it.
      return tenantContext.run({ scope, tenantId: scope.id }, () =>
        prismaTransaction.call(
          scoped,
          async (tx: unknown) => {
            const transaction = { tenantId: scope.id, label: scope.label, client: tx, closed: false };
            try {
              return await tenantContext.run({ transaction }, () => fn(tx));
            } finally {
              transaction.closed = true;
            }
          },
          options,
        ),
      );
    }

    const methods = client.$extends(kitExtension);
    inspect(methods);
    if (!options.strict) return methods;
    return methods.$extends({
      name: "prisma-tenant-kit:strict",
      query: {
        $allOperations({ args, query, operation, model }) {
          const context = tenantContext.getStore();
          if (context?.tenantId === undefined) {
            const call = model ? `prisma.${lowerFirst(model)}.${operation}()` : `prisma.${operation}()`;
            throw new TenantContextMissingError(call, { inTransactionCallback: context?.transaction !== undefined });
          }
          return query(args);
        },
      },
    });
  });
}

/** Marks Prisma's interactive transaction clients (src/runtime/getPrismaClient.ts, @prisma/client 7.x). */
const TRANSACTION_SCOPE = Symbol.for("prisma.client.transaction.scope_context");

type TransactionCallback = (tx: unknown) => Promise<unknown>;
type TransactionRunner = { $transaction(this: unknown, arg: unknown, options?: unknown): Promise<unknown> };
type Extendable = { $extends(extension: object): unknown };
type QueryHookArgs = { args: unknown; query: (args: unknown) => Promise<unknown>; model?: string; operation: string };

/**
 * Model operations that only read: a `$forTenant` client's call of one of them may be served by a read replica.
 * Raw statements are not here: the kit cannot prove them read-only.
 */
const REPLICA_READ_OPERATIONS: ReadonlySet<string> = new Set([
  "findMany",
  "findFirst",
  "findFirstOrThrow",
  "findUnique",
  "findUniqueOrThrow",
  "count",
  "aggregate",
  "groupBy",
]);
/** Prisma Client's list of applied extensions, newest first (src/runtime/core/extensions/MergedExtensionsList.ts). */
type ClientInternals = { _extensions?: { head?: ExtensionNode } };
type ExtensionNode = { extension: object; previous?: ExtensionNode };

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
