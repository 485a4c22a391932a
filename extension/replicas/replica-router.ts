import type pg from "pg";
import { type ContextScope, NO_SCOPE } from "../context-scope.ts";
import { RlsBypassingRoleError } from "../errors/rls-bypassing-role-error.ts";
import { isConnectionFailure } from "../pg/connection-failure.ts";
import type { PipelineStatement, QueryPipeline } from "../pg/query-pipeline.ts";
import type { PrimaryPipelineRunner, ReadRouter } from "../pg/read-router.ts";
import type { TenantContext } from "../tenant-context.ts";
import { type ReplicaNode, unavailable } from "./replica-node.ts";
import type { ReplicaFallbackReason, ReplicaStats } from "./replica-state.ts";
import { REPLICA_FALLBACK_REASONS } from "./replica-state.ts";
import { parseLsn, type TenantWritePositions } from "./tenant-write-positions.ts";

/** Runs a statement on the primary, the way the pool runs it without replicas. */
type OnPrimary = () => Promise<pg.QueryResult>;

/** In a transaction, before its COMMIT: did it write (is a transaction id assigned)? */
const WROTE_SQL = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL";
/** After a COMMIT: the primary's WAL position, at or past that commit's record. */
const WAL_POSITION_SQL = "SELECT pg_current_wal_lsn()";
/** What Prisma sends for a model read: a plain SELECT. Anything else under a read mark runs on the primary. */
const READ_STATEMENT = /^\s*SELECT\b/i;
/** SQLSTATE 0A000, e.g. "cannot use serializable mode in a hot standby". */
const FEATURE_NOT_SUPPORTED = "0A000";
const BEGIN: PipelineStatement = { text: "BEGIN" };
const COMMIT: PipelineStatement = { text: "COMMIT" };

/**
 * Decides where a per-query statement of the primary TenantPool runs when the adapter has replicas: a model
 * read of a `$forTenant` client (marked `replicaRead` in the kit's context) goes to the next replica in rotation,
 * round-robin, as the same tenant; everything else, and every read a replica cannot serve correctly, runs on the
 * primary. No replica fault reaches the caller: the read is re-run on the primary and counted by reason.
 */
export class ReplicaRouter implements ReadRouter {
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

  /**
   * Runs a per-query statement of `primary` where it belongs: a `$forTenant` model read on a replica (or, when no
   * replica can serve it, on the primary); any other statement of a tenant on the primary in a transaction block
   * that reports the commit's WAL position (see {@link commitPipeline}), still in one round trip:
   * ```sql
   * BEGIN; SELECT set_config($1, $2, true); <statement>; SELECT pg_current_xact_id_if_assigned() IS NOT NULL;
   * COMMIT; SELECT pg_current_wal_lsn()  -- before one Sync
   * ```
   * and a statement without a tenant (the bare client) as without replicas.
   */
  route(
    primary: PrimaryPipelineRunner,
    context: TenantContext | undefined,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
  ): Promise<pg.QueryResult> {
    const scope = context?.scope ?? NO_SCOPE;
    const onPrimary = () => primary.queryInPipeline(primary.tenantPrelude.standalone(scope), config, values);
    if (scope.id === "") return onPrimary();
    // The mark covers everything sent while the operation's hooks run, also a statement the kit's own hook never saw
    // (a later extension's hook writing through the client the kit was applied to): only a SELECT is a read.
    if (context?.replicaRead && READ_STATEMENT.test(typeof config === "string" ? config : config.text)) {
      return this.#read(context.replicaRead, scope, config, values, onPrimary);
    }
    const inBlock = primary.tenantPrelude.inTransaction(scope);
    // Read-your-writes is keyed by the writer (the tenant for $forTenant, QueryContext.writer for $forContext).
    const commit = this.commitPipeline(scope.writer);
    const pipeline = {
      before: [BEGIN, ...inBlock.before],
      after: [...inBlock.after, ...commit.before, COMMIT, ...commit.after],
      opensBlock: true,
    };
    return primary.queryInPipeline(pipeline, config, values);
  }

  /**
   * The statements around the COMMIT of a tenant's transaction on the primary: if it wrote, the WAL position after
   * the commit is recorded for the tenant, and replicas serve its reads only once they have replayed that far.
   * ```sql
   * SELECT pg_current_xact_id_if_assigned() IS NOT NULL; COMMIT; SELECT pg_current_wal_lsn()  -- before one Sync
   * ```
   * `afterError`: a statement of the transaction failed, so it may be aborted, where any statement before the COMMIT
   * would fail too; the position is then recorded as if it wrote (`COMMIT; SELECT pg_current_wal_lsn()`).
   */
  commitPipeline(tenantId: string, afterError = false): QueryPipeline {
    let wrote = afterError;
    const wroteCheck: PipelineStatement = { text: WROTE_SQL, onRow: ([assigned]) => void (wrote = assigned === "t") };
    return {
      before: afterError ? [] : [wroteCheck],
      after: [{ text: WAL_POSITION_SQL, onRow: ([lsn]) => wrote && this.#positions.record(tenantId, parseLsn(lsn)) }],
    };
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
    operation: { replica?: unknown },
    scope: ContextScope,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
    onPrimary: OnPrimary,
  ): Promise<pg.QueryResult> {
    // The statements of one operation (a relation load sends several) stay on one replica, so a later statement never
    // reads an older state than an earlier one did; once that replica left rotation they go to the primary, which is
    // ahead of every replica, never to another replica that may be further behind.
    const pinned = operation.replica as ReplicaNode | undefined;
    const node = pinned ? (pinned.state === "in-rotation" ? pinned : undefined) : this.#pick();
    if (!node) return this.#onPrimary("out-of-rotation", onPrimary);
    operation.replica = node;
    // Taken before the read is sent: another read's report may drop the tenant's entry while this one is in flight,
    // and this read's own health row, taken earlier on the server, may still be behind that write.
    const required = this.#positions.required(scope.writer);
    let read: Awaited<ReturnType<ReplicaNode["read"]>>;
    try {
      read = await node.read(scope, config, values);
    } catch (error) {
      if (error instanceof RlsBypassingRoleError) throw error;
      if (!isConnectionFailure(error)) {
        // A standby refuses what a primary does (SERIALIZABLE as the default isolation, a feature of the primary
        // only): out until a probe succeeds, so each read does not run twice. A query's own such error costs a
        // replica only until its next probe.
        if ((error as { code?: unknown }).code === FEATURE_NOT_SUPPORTED) {
          node.takeOut({ reason: "unavailable", detail: (error as Error).message });
        }
        return this.#onPrimary("replica-error", onPrimary);
      }
      node.takeOut(unavailable(error));
      return this.#onPrimary("unavailable", onPrimary);
    }
    const { health } = read;
    this.#positions.replayed(node.index, health.replayLsn);
    const problem = node.problemWith(health);
    if (problem) {
      node.takeOut(problem);
      return this.#onPrimary(problem.reason, onPrimary);
    }
    if (health.replayLsn < required) return this.#onPrimary("behind-own-write", onPrimary);
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
