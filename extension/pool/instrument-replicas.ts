import type { TenantAdapterFactory } from "../create-tenant-adapter.ts";
import { REPLICA_FALLBACK_REASONS, type ReplicaFallbackReason, type ReplicaState } from "../replicas/replica-state.ts";
import { type MetricsMeter, meterOrDefault } from "./opentelemetry-meter.ts";

/** Options of {@link instrumentReplicas}. */
export interface InstrumentReplicasOptions {
  /**
   * Meter to record on. Default: `metrics.getMeter("prisma-tenant-kit")` of the global MeterProvider, which needs the
   * optional peer `@opentelemetry/api` installed.
   */
  meter?: MetricsMeter;
}

/**
 * Publishes an adapter's read routing through the OpenTelemetry metrics API, from `adapter.replicaStats()`:
 *
 * | instrument | kind | attributes |
 * | --- | --- | --- |
 * | `tenant_kit.replica.reads` | observable counter, {statement} | `replica`: a replica's name, or `primary` |
 * | `tenant_kit.replica.fallbacks` | observable counter, {statement} | `reason` (a {@link ReplicaFallbackReason}) |
 * | `tenant_kit.replica.in_rotation` | observable gauge, 1 or 0 | `replica`, `state` (a {@link ReplicaState}) |
 *
 * Alert on `in_rotation` = 0 for long, or a rising `fallbacks` rate with reason `lagging` / `unavailable`. Each
 * replica's pool has its own `instrumentPool(adapter.replicaPools[i], { name })`.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString, replicas: [{ connectionString: replicaUrl }] });
 * instrumentPool(adapter.pool, { name: "primary" });
 * adapter.replicaPools.forEach((pool, i) => instrumentPool(pool, { name: `replica-${i}` }));
 * instrumentReplicas(adapter);
 * ```
 * @returns a function that stops recording.
 * @throws {PeerDependencyMissingError} without `options.meter` when `@opentelemetry/api` is not installed.
 */
export function instrumentReplicas(adapter: TenantAdapterFactory, options: InstrumentReplicasOptions = {}): () => void {
  const meter = meterOrDefault(options.meter, "instrumentReplicas");
  const reads = meter.createObservableCounter("tenant_kit.replica.reads", {
    unit: "{statement}",
    description: "Read statements of $forTenant clients, by the server that served them",
  });
  const fallbacks = meter.createObservableCounter("tenant_kit.replica.fallbacks", {
    unit: "{statement}",
    description: "Reads that could have gone to a replica and were served by the primary, by reason",
  });
  const inRotation = meter.createObservableGauge("tenant_kit.replica.in_rotation", {
    description: "1 when the replica takes reads, 0 when it is out of rotation (state says why)",
  });
  type Observer = { observe(value: number, attributes: Record<string, string>): void };
  const onReads = (result: Observer) => {
    const stats = adapter.replicaStats();
    for (const replica of stats.replicas) result.observe(replica.reads, { replica: replica.name });
    result.observe(stats.primaryReads, { replica: "primary" });
  };
  const onFallbacks = (result: Observer) => {
    const { fallbacks: counts } = adapter.replicaStats();
    for (const reason of REPLICA_FALLBACK_REASONS) result.observe(counts[reason], { reason });
  };
  const onRotation = (result: Observer) => {
    for (const { name, state } of adapter.replicaStats().replicas) {
      result.observe(state === "in-rotation" ? 1 : 0, { replica: name, state });
    }
  };
  reads.addCallback(onReads);
  fallbacks.addCallback(onFallbacks);
  inRotation.addCallback(onRotation);
  return () => {
    reads.removeCallback(onReads);
    fallbacks.removeCallback(onFallbacks);
    inRotation.removeCallback(onRotation);
  };
}
