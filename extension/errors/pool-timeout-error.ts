import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when a query could not get a connection within the pool's `acquireTimeoutMillis` because every connection
 * was busy (the pool is saturated). Nothing was sent to the database. Answer it with HTTP 503 and `Retry-After`, and
 * see docs/RUNBOOK-connection-pool.md for sizing. (A new connection that could not be opened in that time is a
 * `DatabaseUnreachableError`.)
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof PoolTimeoutError) {
 *     return new Response("busy", { status: 503, headers: { "Retry-After": "1" } });
 *   }
 * }
 * ```
 */
export class PoolTimeoutError extends TenantKitError {
  override readonly name = "PoolTimeoutError";
  readonly code = "POOL_TIMEOUT";

  constructor(
    /** How long the query waited, in ms. */
    readonly waitedMillis: number,
    /** The pool's `max`. */
    readonly poolMax: number,
    options?: { cause?: unknown },
  ) {
    super(
      `No database connection became available within ${waitedMillis} ms (pool max ${poolMax}, all busy or slow to ` +
        "open). The request was not run: answer 503 with Retry-After, and if it recurs raise pool.max or shorten " +
        "how long handlers hold connections (docs/RUNBOOK-connection-pool.md).",
      options,
    );
  }
}

/**
 * True for a {@link PoolTimeoutError} (what a `tenantExtension()` client throws), also as the
 * `PrismaClientKnownRequestError` Prisma wraps it in (what a query extension applied after the kit's sees), and for
 * Prisma's P2028 "Unable to start a transaction in the given time": an interactive transaction that waited `maxWait`
 * for a connection. All mean the pool was saturated and nothing ran.
 *
 * @example
 * ```ts
 * try {
 *   return await db.customer.findMany();
 * } catch (error) {
 *   if (isPoolTimeoutError(error)) {
 *     return Response.json({ error: "busy" }, { status: 503, headers: { "Retry-After": "1" } });
 *   }
 *   throw error;
 * }
 * ```
 */
export function isPoolTimeoutError(error: unknown): boolean {
  if (error instanceof PoolTimeoutError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === "POOL_TIMEOUT" ||
    (code === "P2028" && typeof message === "string" && message.includes(TRANSACTION_START_TIMEOUT))
  );
}

/** Prisma's message when an interactive transaction could not start within `maxWait`. */
const TRANSACTION_START_TIMEOUT = "Unable to start a transaction in the given time";
