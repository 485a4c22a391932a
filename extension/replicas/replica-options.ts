import type { TenantPoolOptions } from "../create-tenant-adapter.ts";
import { InvalidTenantKitOptionError } from "../errors/invalid-tenant-kit-option-error.ts";
import type { ReplicaStateChange } from "./replica-state.ts";

/** One read replica of {@link TenantAdapterOptions.replicas}: a physical streaming replica (hot standby). */
export interface TenantReplicaOptions {
  /**
   * Postgres URL of the application role on the replica (the same role as on the primary, which replication copies),
   * directly or through the replica's own PgBouncer.
   */
  connectionString: string | undefined;
  /** This replica's own pool: its size and timeouts, with the same defaults as the primary's `pool`. */
  pool?: TenantPoolOptions;
  /** Its name in `replicaStats()`, metrics (`replica` attribute) and log lines. Default `replica-<index>`. */
  name?: string;
}

/** When a replica serves reads (see docs/read-replicas.md, "Faults"). */
export interface ReplicaPolicy {
  /**
   * Most replay lag a replica may have and still serve reads, in ms (how long ago the primary committed the last
   * transaction the replica has replayed, when it has received WAL it has not replayed yet). Default 5,000.
   */
  maxLagMillis?: number;
  /**
   * How long a replica taken out of rotation (down, lagging, promoted) stays out before the next read starts one
   * health probe of it, in ms. Default 1,000.
   */
  recheckAfterMillis?: number;
  /**
   * Called once per replica state change (out of rotation, and why; back in rotation), never per query. Default
   * `console.warn` of the message.
   */
  logger?: (message: string, change: ReplicaStateChange) => void;
}

/** {@link ReplicaPolicy} with its defaults applied. */
export interface ResolvedReplicaPolicy {
  readonly maxLagMillis: number;
  readonly recheckAfterMillis: number;
  readonly logger: (message: string, change: ReplicaStateChange) => void;
}

/**
 * Applies the defaults of {@link ReplicaPolicy}.
 * @throws {InvalidTenantKitOptionError} for a negative or non-numeric duration, or a logger that is not a function.
 */
export function resolveReplicaPolicy(policy: ReplicaPolicy = {}): ResolvedReplicaPolicy {
  const duration = (name: "maxLagMillis" | "recheckAfterMillis", fallback: number): number => {
    const value = policy[name];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InvalidTenantKitOptionError(`replicaPolicy.${name}`, `${value} is not a duration in ms (>= 0).`);
    }
    return value;
  };
  if (policy.logger !== undefined && typeof policy.logger !== "function") {
    throw new InvalidTenantKitOptionError("replicaPolicy.logger", "it must be a function (message, change) => void.");
  }
  return {
    maxLagMillis: duration("maxLagMillis", 5_000),
    recheckAfterMillis: duration("recheckAfterMillis", 1_000),
    logger: policy.logger ?? ((message) => console.warn(message)),
  };
}

/**
 * Checks `replicas` the way `createTenantAdapter` checks the primary's options.
 * @throws {InvalidTenantKitOptionError} for a non-array, an entry without a string URL, or a bad pool size.
 */
export function assertReplicaOptions(replicas: unknown): asserts replicas is readonly TenantReplicaOptions[] {
  if (!Array.isArray(replicas)) {
    throw new InvalidTenantKitOptionError(
      "replicas",
      "pass an array such as [{ connectionString: process.env.REPLICA_URL }].",
    );
  }
  replicas.forEach((replica: unknown, index) => {
    const { connectionString, pool, name } = (replica ?? {}) as Partial<TenantReplicaOptions>;
    if (typeof replica !== "object" || replica === null) {
      throw new InvalidTenantKitOptionError(`replicas[${index}]`, "pass an object { connectionString, pool? }.");
    }
    if (connectionString !== undefined && typeof connectionString !== "string") {
      throw new InvalidTenantKitOptionError(
        `replicas[${index}].connectionString`,
        "it must be the Postgres URL of the application role on the replica.",
      );
    }
    const max = pool?.max;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new InvalidTenantKitOptionError(
        `replicas[${index}].pool.max`,
        `${max} is not a positive integer number of connections.`,
      );
    }
    if (name !== undefined && (typeof name !== "string" || name === "")) {
      throw new InvalidTenantKitOptionError(`replicas[${index}].name`, "it must be a non-empty string.");
    }
  });
}
