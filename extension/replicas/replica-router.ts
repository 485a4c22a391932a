import type pg from "pg";
import { RlsBypassingRoleError } from "../errors/rls-bypassing-role-error.ts";
import { isConnectionFailure } from "../pg/connection-failure.ts";
import type { TenantContext } from "../tenant-context.ts";
import { problemOf, type ReplicaNode } from "./replica-node.ts";
import type { ReplicaFallbackReason, ReplicaStats } from "./replica-state.ts";
import { REPLICA_FALLBACK_REASONS } from "./replica-state.ts";
import type { TenantWritePositions } from "./tenant-write-positions.ts";

/** Runs a statement on the primary, the way the pool runs it without replicas. */
type OnPrimary = () => Promise<pg.QueryResult>;

/**
 * Decides where a per-query statement of the primary {@link TenantPool} runs when the adapter has replicas: a model
 * read of a `$forTenant` client (marked `replicaRead` in the kit's context) goes to the next replica in rotation,
 * round-robin, as the same tenant; everything else, and every read a replica cannot serve correctly, runs on the
 * primary. No replica fault reaches the caller: the read is re-run on the primary and counted by reason.
 */
export class ReplicaRouter {
  readonly nodes: readonly ReplicaNode[];
  readonly #positions: TenantWritePositions;
  readonly #fallbacks: Record<ReplicaFallbackReason, number>;
  #primaryReads = 0;
  #next = 0;

  constructor(nodes: readonly ReplicaNode[], positions: TenantWritePositions) {
    this.nodes = nodes;
    this.#positions = positions;
    this.#fallbacks = Object.fromEntries(REPLICA_FALLBACK_REASONS.map((reason) => [reason, 0])) as Record<
      ReplicaFallbackReason,
      number
    >;
  }

  /** Runs the statement where it belongs: a replica for a `$forTenant` model read, else `onPrimary`. */
  route(
    context: TenantContext | undefined,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
    onPrimary: OnPrimary,
  ): Promise<pg.QueryResult> {
    const tenantId = context?.tenantId;
    if (!context?.replicaRead || !tenantId) return onPrimary();
    return this.#read(tenantId, config, values, onPrimary);
  }

  stats(): ReplicaStats {
    return {
      replicas: this.nodes.map((node) => ({ name: node.name, state: node.state, reads: node.reads })),
      primaryReads: this.#primaryReads,
      fallbacks: { ...this.#fallbacks },
      trackedTenants: this.#positions.size,
    };
  }

  /** After `$disconnect()` ended them: new replica pools for the reconnected primary pool. */
  reopen(): void {
    for (const node of this.nodes) node.reopen();
  }

  async end(): Promise<void> {
    await Promise.all(this.nodes.map((node) => (node.pool.ended || node.pool.ending ? undefined : node.pool.end())));
  }

  async #read(
    tenantId: string,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
    onPrimary: OnPrimary,
  ): Promise<pg.QueryResult> {
    const node = this.#pick();
    if (!node) return this.#onPrimary("out-of-rotation", onPrimary);
    let read: Awaited<ReturnType<ReplicaNode["read"]>>;
    try {
      read = await node.read(config, values);
    } catch (error) {
      if (error instanceof RlsBypassingRoleError) throw error;
      if (!isConnectionFailure(error)) return this.#onPrimary("replica-error", onPrimary);
      node.takeOut(problemOf(error));
      return this.#onPrimary("unavailable", onPrimary);
    }
    const { health } = read;
    if (health) {
      this.#positions.replayed(node.index, health.replayLsn);
      const problem = node.problemWith(health);
      if (problem) {
        node.takeOut(problem);
        return this.#onPrimary(problem.reason, onPrimary);
      }
      if (health.replayLsn < this.#positions.required(tenantId)) return this.#onPrimary("behind-own-write", onPrimary);
    }
    node.reads++;
    return read.result;
  }

  /** The next replica in rotation, round-robin; undefined when none is (each due one then starts a probe). */
  #pick(): ReplicaNode | undefined {
    const count = this.nodes.length;
    for (let i = 0; i < count; i++) {
      const node = this.nodes[(this.#next + i) % count]!;
      if (node.takesReads()) {
        this.#next = (node.index + 1) % count;
        return node;
      }
    }
    return undefined;
  }

  #onPrimary(reason: ReplicaFallbackReason, onPrimary: OnPrimary): Promise<pg.QueryResult> {
    this.#fallbacks[reason]++;
    this.#primaryReads++;
    return onPrimary();
  }
}
