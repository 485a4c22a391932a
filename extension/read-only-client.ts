import { ReadOnlyClientError } from "./errors/read-only-client-error.ts";

/** The model operations a read-only client keeps: the ones that never write. */
const READ_METHODS = [
  "findMany",
  "findFirst",
  "findFirstOrThrow",
  "findUnique",
  "findUniqueOrThrow",
  "count",
  "aggregate",
  "groupBy",
] as const;

/**
 * The client-level members a read-only client keeps: raw queries (read SQL; a raw `$executeRaw` is not kept) and the
 * transaction entry points, whose callback receives a full transaction client: a write there is a span, and commits
 * with the writes beside it or not at all.
 */
const CLIENT_MEMBERS = [
  "$queryRaw",
  "$queryRawUnsafe",
  "$queryRawTyped",
  "$transaction",
  "$withTenant",
  "$withContext",
] as const;

type ReadMethod = (typeof READ_METHODS)[number];
type ClientMember = (typeof CLIENT_MEMBERS)[number];
type ReadDelegate<D> = { [M in keyof D as M extends ReadMethod ? M : never]: D[M] };

/**
 * The client `C` (a Prisma client, an extended client, a `$forTenant` client, a transaction client, or a union of
 * them) without any way to write outside a transaction: model delegates keep only `findMany`, `findFirst(OrThrow)`,
 * `findUnique(OrThrow)`, `count`, `aggregate` and `groupBy`; the client keeps `$queryRaw`, `$queryRawUnsafe`,
 * `$queryRawTyped`, `$transaction`, `$withTenant` and `$withContext`. Every client is assignable to it; it is
 * assignable to no full client, so passing it to a function whose parameter allows writes fails to type-check.
 *
 * The codemods hand it to migrated handlers: a handler that writes outside a transaction span, directly or through a
 * helper, then fails `tsc` instead of committing its writes one by one.
 *
 * @example
 * ```ts
 * type Reader = TenantReadClient<typeof prisma>;
 * async function listOrders(db: Reader) { return db.order.findMany(); } // accepts prisma, $forTenant(id) and tx
 * ```
 */
export type TenantReadClient<C> = C extends unknown
  ? {
      readonly [K in keyof C as K extends ClientMember
        ? K
        : K extends `$${string}` | symbol
          ? never
          : C[K] extends { findMany: unknown }
            ? K
            : never]: K extends ClientMember ? C[K] : ReadDelegate<C[K]>;
    }
  : never;

/** What makes a value a Prisma client for {@link TenantReadHandler}: every client and transaction client has it. */
type ClientLike = { $queryRaw: unknown };

/** The members of `C` that can open a transaction (full clients), else `C` itself. */
type FullClient<C> = [Extract<C, { $transaction: unknown }>] extends [never]
  ? C
  : Extract<C, { $transaction: unknown }>;

/**
 * The read-only client V2 hands code that V1 typed `C`: the read-only view of `C`'s full client. V1 code often types
 * its client `PrismaClient | Prisma.TransactionClient` (whichever it was handed); V2 always hands a read-only
 * `$forTenant` client, which opens transactions, so `db.$transaction(async (tx) => ...)` type-checks in V2 code where
 * `TenantReadClient<PrismaClient | Prisma.TransactionClient>` (a union, one member without `$transaction`) would not.
 *
 * @example
 * ```ts
 * type Db = PrismaClient | Prisma.TransactionClient;
 * async function handler(db: TenantReadView<Db>) {
 *   await db.$transaction(async (tx) => tx.order.create({ data })); // a span: one tenant transaction
 * }
 * ```
 */
export type TenantReadView<C> = TenantReadClient<FullClient<C>>;

/** A handler argument with its client (or the clients among its properties, one level deep) made read-only. */
type ReadOnlyArgument<A> = [A] extends [ClientLike]
  ? TenantReadView<A>
  : A extends (...args: never[]) => unknown
    ? A
    : A extends object
      ? { [K in keyof A]: NonNullable<A[K]> extends ClientLike ? TenantReadView<A[K]> : A[K] }
      : A;

/**
 * The handler type `H` with the client it receives made read-only ({@link TenantReadView}): a client argument, or a
 * client property of an argument (`{ db, session }`). The codemods type the V2 of a wrapper's handler with it, so a
 * handler that writes outside a transaction span fails to type-check.
 *
 * @example
 * ```ts
 * type SalesHandler = (context: { db: typeof prisma; tenantId: string }) => Promise<Response>;
 * export async function withSalesSessionV2(request: Request, handler: TenantReadHandler<SalesHandler>) { ... }
 * ```
 */
export type TenantReadHandler<H> = H extends (...args: infer P) => infer R
  ? (...args: { [I in keyof P]: ReadOnlyArgument<P[I]> }) => R
  : H;

const readMethods: ReadonlySet<PropertyKey> = new Set(READ_METHODS);
/** Client-level functions that write outside a transaction, or hand out a client that can. */
const WRITING_MEMBERS: ReadonlySet<PropertyKey> = new Set([
  "$executeRaw",
  "$executeRawUnsafe",
  "$runCommandRaw",
  "$forTenant",
  "$forContext",
  "$extends",
]);
const delegateProxies = new WeakMap<object, object>();

/**
 * `client` as a {@link TenantReadClient}: the same object for reads, and at run time a write through it throws
 * {@link ReadOnlyClientError} before anything is sent (a guard for code that got past the type with a cast). Sends
 * exactly what `client` sends: for a `$forTenant` client, per query
 * ```sql
 * SELECT set_config('app.tenant_id', $1, true); SELECT ... -- before one Sync
 * ```
 *
 * @example
 * ```ts
 * const db = readOnlyClient(prisma.$forTenant(tenantId));
 * await db.order.findMany();                                   // a read, per query
 * await db.$transaction(async (tx) => tx.order.create({ data })); // a write, in a tenant transaction
 * ```
 */
export function readOnlyClient<C extends object>(client: C): TenantReadClient<C> {
  const guarded = new Proxy(client, {
    get(target, key) {
      // Read from the client itself (not through the proxy), so Prisma's own getters and methods see the real client.
      const value: unknown = Reflect.get(target, key);
      if (WRITING_MEMBERS.has(key)) return refuse(String(key));
      if (typeof value === "function") return value.bind(target);
      if (typeof key === "string" && !key.startsWith("$") && isDelegate(value)) return readOnlyDelegate(key, value);
      return value;
    },
  });
  return guarded as unknown as TenantReadClient<C>;
}

function isDelegate(value: unknown): value is object {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "findMany") === "function";
}

function readOnlyDelegate(model: string, delegate: object): object {
  const cached = delegateProxies.get(delegate);
  if (cached) return cached;
  const guarded = new Proxy(delegate, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function" || typeof key === "symbol") return value;
      return readMethods.has(key) ? value.bind(target) : refuse(`${model}.${key}`);
    },
  });
  delegateProxies.set(delegate, guarded);
  return guarded;
}

function refuse(call: string): () => never {
  return () => {
    throw new ReadOnlyClientError(call);
  };
}
