/**
 * Why a replica is out of rotation: it refused or lost connections (or its pool timed out), its replay lag passed
 * `maxLagMillis`, or it is no longer in recovery (promoted, or a primary given as a replica).
 */
export type ReplicaOutReason = "unavailable" | "lagging" | "promoted";

/** Whether a replica takes reads now. */
export type ReplicaState = "in-rotation" | ReplicaOutReason;

/**
 * Why a read that could have gone to a replica was served by the primary:
 * - `unavailable` / `lagging` / `promoted`: the replica it was sent to turned out to be (it is taken out of rotation);
 * - `replica-error`: the replica answered with an error, e.g. a recovery conflict (the replica stays in rotation; after
 *   SQLSTATE 0A000, what a standby refuses, it is out as `unavailable` until a probe succeeds);
 * - `behind-own-write`: the replica had not replayed the tenant's last write through this adapter yet;
 * - `out-of-rotation`: every replica was out of rotation.
 */
export type ReplicaFallbackReason = ReplicaOutReason | "replica-error" | "behind-own-write" | "out-of-rotation";

/** Every {@link ReplicaFallbackReason}, e.g. to pre-create metric series. */
export const REPLICA_FALLBACK_REASONS: readonly ReplicaFallbackReason[] = [
  "unavailable",
  "lagging",
  "promoted",
  "replica-error",
  "behind-own-write",
  "out-of-rotation",
];

/** What `replicaPolicy.logger` receives with each message. */
export interface ReplicaStateChange {
  /** The replica's name (`replicas[i].name`, default `replica-<i>`). */
  readonly replica: string;
  readonly from: ReplicaState;
  readonly to: ReplicaState;
  /** What was seen: the error message, the lag, ... */
  readonly detail?: string;
}

/** Counters of an adapter's read routing since it was created (`adapter.replicaStats()`). Counts statements. */
export interface ReplicaStats {
  /** One entry per configured replica, in the order of `replicas`. */
  readonly replicas: readonly {
    readonly name: string;
    readonly state: ReplicaState;
    /** Read statements this replica served. */
    readonly reads: number;
  }[];
  /** Read statements that could have gone to a replica and were served by the primary (every fallback included). */
  readonly primaryReads: number;
  /** Those primary reads by reason. */
  readonly fallbacks: Readonly<Record<ReplicaFallbackReason, number>>;
  /** Tenants whose last write a replica may not have replayed yet (bounded; see docs/read-replicas.md). */
  readonly trackedTenants: number;
}
