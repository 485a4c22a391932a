import type { TenantPool } from "./tenant-pool.ts";

/** A pool alert, raised once when its condition starts and once (`resolved: true`) when it clears. */
export interface PoolAlert {
  kind: "utilization" | "waiters";
  resolved: boolean;
  /** Connections checked out, and the pool's `max`, when the alert was raised. */
  inUse: number;
  max: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** For `waiters`: how long requests have been waiting continuously, in ms. */
  waitingForMillis: number;
  message: string;
}

/** Options of {@link monitorPool}. */
export interface MonitorPoolOptions {
  /** Raise `utilization` when checked-out / max reaches this fraction. Default 0.8. */
  utilizationThreshold?: number;
  /** Raise `waiters` when some query has been waiting continuously this long, in ms. Default 250. */
  waitersForMillis?: number;
  /** How often to sample between pool events, in ms. Default 50. */
  sampleEveryMillis?: number;
  onAlert(alert: PoolAlert): void;
}

/**
 * Watches a pool and calls `onAlert` BEFORE it runs out: when utilization passes a threshold, and when queries keep
 * waiting for a connection, well before they hit `acquireTimeoutMillis` and fail with PoolTimeoutError. Each alert
 * fires once per episode and again with `resolved: true` when it clears. Set `waitersForMillis` below the pool's
 * acquire timeout (the default 250 ms is far below the default 10 s).
 *
 * @example
 * ```ts
 * const stop = monitorPool(adapter.pool, { onAlert: (a) => logger.warn(a.message, a) });
 * ```
 * @returns a function that stops monitoring.
 */
export function monitorPool(pool: TenantPool, options: MonitorPoolOptions): () => void {
  const threshold = options.utilizationThreshold ?? 0.8;
  const waitersFor = options.waitersForMillis ?? 250;
  let utilizationRaised = false;
  let waitersRaised = false;
  let waitingSince: number | undefined;

  const sample = () => {
    const max = pool.options.max;
    const inUse = pool.totalCount - pool.idleCount;
    const waiting = pool.waitingCount;
    const now = performance.now();
    waitingSince = waiting > 0 ? (waitingSince ?? now) : undefined;
    const waitedFor = waitingSince === undefined ? 0 : now - waitingSince;
    const base = { inUse, max, waiting, waitingForMillis: Math.round(waitedFor) };

    const overThreshold = inUse / max >= threshold;
    if (overThreshold !== utilizationRaised) {
      utilizationRaised = overThreshold;
      options.onAlert({
        kind: "utilization",
        resolved: !overThreshold,
        ...base,
        message: overThreshold
          ? `Pool utilization ${inUse}/${max} reached the ${Math.round(threshold * 100)}% threshold; ` +
            `${waiting} queries waiting.`
          : `Pool utilization back to ${inUse}/${max}.`,
      });
    }
    const waitersPersist = waitedFor >= waitersFor;
    if (waitersPersist !== waitersRaised && (waitersPersist || waiting === 0)) {
      waitersRaised = waitersPersist;
      options.onAlert({
        kind: "waiters",
        resolved: !waitersPersist,
        ...base,
        message: waitersPersist
          ? `${waiting} queries have waited for a connection for ${Math.round(waitedFor)} ms ` +
            `(pool ${inUse}/${max} busy); requests will start failing with PoolTimeoutError.`
          : "No query is waiting for a connection any more.",
      });
    }
  };

  const timer = setInterval(sample, options.sampleEveryMillis ?? 50);
  timer.unref();
  pool.on("acquire", sample).on("release", sample);
  return () => {
    clearInterval(timer);
    pool.off("acquire", sample).off("release", sample);
  };
}
