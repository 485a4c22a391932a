/**
 * Base class of every error the kit throws. `code` is stable across releases: match on it, not on the message.
 * Every subclass sets `name` as a string literal, so minified builds still show e.g. `TenantMismatchError`.
 *
 * An error the kit raises below Prisma Client (in the driver adapter: pool timeouts, the role check, a write refused
 * for want of a tenant) reaches the caller of a `tenantExtension()` client as this same instance, whatever path the
 * query took: model queries, `$queryRaw` / `$executeRaw`, batch and interactive `$transaction`, replica reads.
 *
 * @example
 * ```ts
 * try { await db.customer.findMany(); }
 * catch (error) { if (error instanceof TenantKitError && error.code === "TENANT_CONTEXT_MISSING") { ... } }
 * ```
 */
export abstract class TenantKitError extends Error {
  abstract readonly code: string;
  abstract override readonly name: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Prisma Client re-throws an error raised below it as a PrismaClientKnownRequestError that keeps only `code`,
    // `message` and a copy of `meta`'s own enumerable keys: the kit's query hook finds this instance there again.
    Object.defineProperty(this, "meta", { value: kitErrorMeta(this), writable: true, configurable: true });
  }
}

/** The key under which a kit error's `meta` holds the error itself. `Symbol.for`: one key for every copy of the kit. */
const KIT_ERROR = Symbol.for("prisma-tenant-kit.error");

/**
 * `meta` for a kit error: `fields` plus the error itself under a symbol key, which Prisma's copy of `meta` keeps.
 * A subclass with a public `meta` builds it with this.
 */
export function kitErrorMeta<T extends object>(error: TenantKitError, fields?: T): T {
  return Object.assign(fields ?? ({} as T), { [KIT_ERROR]: error });
}

/**
 * The kit error behind `error`: `error` itself, or the kit error Prisma Client wrapped (found in its `meta`). Anything
 * else comes back unchanged.
 */
export function unwrapKitError(error: unknown): unknown {
  if (error instanceof TenantKitError) return error;
  const meta: unknown = (error as { meta?: unknown } | null | undefined)?.meta;
  if (typeof meta !== "object" || meta === null) return error;
  const original = (meta as Record<symbol, unknown>)[KIT_ERROR];
  return original instanceof Error ? original : error;
}
