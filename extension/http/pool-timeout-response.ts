import { isPoolTimeoutError } from "../errors/pool-timeout-error.ts";

/** Options of {@link poolTimeoutResponse}. */
export type PoolTimeoutResponseOptions = {
  /** Sent as `Retry-After`, in seconds. Default 1: pool waits clear in well under a second once load drops. */
  retryAfterSeconds?: number;
};

/**
 * The HTTP answer to a saturated pool: `503 Service Unavailable` with `Retry-After` and a JSON body
 * `{ error, code: "POOL_TIMEOUT" }` when `error` is a pool timeout (also in the form Prisma re-throws), else
 * `undefined`. Clients and load balancers retry a 503; a 500 or a hung request they would not.
 *
 * @example
 * ```ts
 * } catch (error) {
 *   const busy = poolTimeoutResponse(error);
 *   if (busy) return busy; // 503, Retry-After: 1
 *   return Response.json({ error: "Unable to validate session." }, { status: 500 });
 * }
 * ```
 */
export function poolTimeoutResponse(error: unknown, options: PoolTimeoutResponseOptions = {}): Response | undefined {
  if (!isPoolTimeoutError(error)) return undefined;
  return Response.json(
    {
      error: "The service is busy: no database connection became available in time. Retry shortly.",
      code: "POOL_TIMEOUT",
    },
    { status: 503, headers: { "Retry-After": String(options.retryAfterSeconds ?? 1) } },
  );
}
