import { metrics, type Meter } from "@opentelemetry/api";
import type { EventEmitter } from "node:events";
import { POOL_TIMING_EVENTS } from "../pg/tenant-pool.ts";
import type { TenantPool } from "./tenant-pool.ts";

/** Options of {@link instrumentPool}. */
export interface InstrumentPoolOptions {
  /** Meter to record on. Default: `metrics.getMeter("prisma-tenant-kit")` of the global MeterProvider. */
  meter?: Meter;
  /** Value of the `pool` attribute on every instrument, to tell several pools apart. Default "default". */
  name?: string;
}

/**
 * Publishes a pool's state through the OpenTelemetry metrics API (export it with any SDK reader, e.g. Prometheus):
 *
 * | instrument | kind | unit |
 * | --- | --- | --- |
 * | `db.client.connections.total` / `.idle` / `.in_use` / `.max` | observable gauge | {connection} |
 * | `db.client.connections.waiting` | observable gauge | {request} |
 * | `db.client.connections.acquire_wait` | histogram | ms: how long a query waited for a connection |
 * | `db.client.connections.hold_time` | histogram | ms: how long a connection was held (see below) |
 * | `db.client.connections.timeouts` | counter | {timeout}: PoolTimeoutError count |
 *
 * A per-query read holds its connection for one round trip.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString, pool: { max: 17 } });
 * instrumentPool(adapter.pool, { name: "app" });
 * ```
 * @returns a function that stops recording.
 */
export function instrumentPool(pool: TenantPool, options: InstrumentPoolOptions = {}): () => void {
  const meter = options.meter ?? metrics.getMeter("prisma-tenant-kit");
  const attributes = { pool: options.name ?? "default" };
  const gauges = {
    "db.client.connections.total": () => pool.totalCount,
    "db.client.connections.idle": () => pool.idleCount,
    "db.client.connections.in_use": () => pool.totalCount - pool.idleCount,
    "db.client.connections.waiting": () => pool.waitingCount,
    "db.client.connections.max": () => pool.options.max,
  };
  const observables = Object.entries(gauges).map(([name, read]) => {
    const gauge = meter.createObservableGauge(name, { unit: name.endsWith("waiting") ? "{request}" : "{connection}" });
    const callback = (result: { observe(value: number, attributes: Record<string, string>): void }) =>
      result.observe(read(), attributes);
    gauge.addCallback(callback);
    return () => gauge.removeCallback(callback);
  });
  const wait = meter.createHistogram("db.client.connections.acquire_wait", {
    unit: "ms",
    description: "Time waiting for a pooled connection",
  });
  const hold = meter.createHistogram("db.client.connections.hold_time", {
    unit: "ms",
    description: "Time a connection was checked out",
  });
  const timeouts = meter.createCounter("db.client.connections.timeouts", {
    description: "Queries failed with PoolTimeoutError",
  });
  const onAcquired = (ms: number) => wait.record(ms, attributes);
  const onReleased = (ms: number) => hold.record(ms, attributes);
  const onTimedOut = (ms: number) => {
    wait.record(ms, attributes);
    timeouts.add(1, attributes);
  };
  // pg.Pool's typings list only pg-pool's own events.
  const events = pool as unknown as EventEmitter;
  events
    .on(POOL_TIMING_EVENTS.acquired, onAcquired)
    .on(POOL_TIMING_EVENTS.released, onReleased)
    .on(POOL_TIMING_EVENTS.timedOut, onTimedOut);
  return () => {
    observables.forEach((stop) => stop());
    events
      .off(POOL_TIMING_EVENTS.acquired, onAcquired)
      .off(POOL_TIMING_EVENTS.released, onReleased)
      .off(POOL_TIMING_EVENTS.timedOut, onTimedOut);
  };
}
