import { InvalidTenantKitOptionError } from "../errors/invalid-tenant-kit-option-error.ts";

/** Inputs of {@link recommendPoolSize}. Measure them; don't guess (the runbook shows how). */
export interface PoolSizingInput {
  /** Peak rate of connection checkouts per second across the app (queries + transactions). */
  checkoutsPerSecond: number;
  /** Connection hold time per checkout at the tail (p95 or p99), in ms: one round trip for a per-query read. */
  holdTimeMillis: number;
  /** Extra room over Little's law for bursts. Default 1.5. */
  headroom?: number;
  /** App instances (processes) sharing the server, each with its own pool. Default 1. */
  instances?: number;
  /** The server's `max_connections`. */
  maxConnections: number;
  /**
   * Slots not available to the app: superuser_reserved_connections + reserved_connections + other clients.
   * Default 3.
   */
  reservedConnections?: number;
}

/** What {@link recommendPoolSize} advises. */
export interface PoolSizingAdvice {
  /** Recommended `pool.max` per instance. */
  max: number;
  /** Connections busy on average (Little's law: L = λ × W), for the whole app. */
  averageBusy: number;
  /** Connections this app may use on the server, per instance. */
  budgetPerInstance: number;
  /** False when the recommendation does not fit the server: put PgBouncer in front or cut hold times. */
  fits: boolean;
  explanation: string;
}

/**
 * Sizes a pool with Little's law: connections busy on average L = λ (checkouts/s) × W (hold time, s), times headroom
 * for bursts, split across instances, checked against what the server can give (`max_connections` minus reserved).
 *
 * @example
 * ```ts
 * recommendPoolSize({ checkoutsPerSecond: 2000, holdTimeMillis: 4, maxConnections: 100, instances: 2 });
 * // { max: 6, averageBusy: 8, budgetPerInstance: 48, fits: true, ... }
 * ```
 * @throws {InvalidTenantKitOptionError} for a non-positive or non-finite input.
 */
export function recommendPoolSize(input: PoolSizingInput): PoolSizingAdvice {
  const { checkoutsPerSecond, holdTimeMillis, maxConnections } = input;
  const headroom = input.headroom ?? 1.5;
  const instances = input.instances ?? 1;
  const reserved = input.reservedConnections ?? 3;
  for (const [name, value] of Object.entries({
    checkoutsPerSecond,
    holdTimeMillis,
    maxConnections,
    headroom,
    instances,
  })) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new InvalidTenantKitOptionError(
        name,
        `${value} is not a positive number; measure it (docs/RUNBOOK-connection-pool.md).`,
      );
    }
  }
  const averageBusy = checkoutsPerSecond * (holdTimeMillis / 1000);
  const max = Math.max(2, Math.ceil((averageBusy * headroom) / instances));
  const budgetPerInstance = Math.floor((maxConnections - reserved) / instances);
  const fits = max <= budgetPerInstance;
  const explanation =
    `${checkoutsPerSecond}/s × ${holdTimeMillis} ms = ${averageBusy.toFixed(1)} connections busy on average; ` +
    `× ${headroom} headroom / ${instances} instance(s) = ${max} per instance. ` +
    `The server allows ${budgetPerInstance} per instance ` +
    `((${maxConnections} max_connections − ${reserved} reserved) / ${instances}): ` +
    (fits
      ? "fits."
      : "does NOT fit: shorten hold times (per-query reads, short $withTenant), or pool through PgBouncer.");
  return { max, averageBusy, budgetPerInstance, fits, explanation };
}
