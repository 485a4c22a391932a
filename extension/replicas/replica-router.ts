import type pg from "pg";
import { type ContextScope, NO_SCOPE } from "../context-scope.ts";
import { RlsBypassingRoleError } from "../errors/rls-bypassing-role-error.ts";
import { isConnectionFailure } from "../pg/connection-failure.ts";
import type { PipelineStatement, QueryPipeline } from "../pg/query-pipeline.ts";
import type { PrimaryPipelineRunner, ReadRouter } from "../pg/read-router.ts";
import { type TenantContext, tenantContext } from "../tenant-context.ts";
import { type ReplicaNode, unavailable } from "./replica-node.ts";
import { endOfLastRecord, type PrimaryWalPositions } from "./primary-wal-positions.ts";
import type { ReplicaFallbackReason, ReplicaStats } from "./replica-state.ts";
import { REPLICA_FALLBACK_REASONS } from "./replica-state.ts";
import { readAfterContext } from "./read-after-context.ts";
import { tenantPositionKey } from "./tenant-position-key.ts";
import { maxLsn, type TenantWritePositions } from "./tenant-write-positions.ts";
import type { WritePositionTokens } from "./write-position-token.ts";

/** Runs a statement on the primary, recording the commit's WAL position if it wrote (see ReplicaRouter.route). */
type OnPrimary = () => Promise<pg.QueryResult>;

/**
 * An operation's pin once one of its statements was served by the primary: its later statements go there too (counted
 * under the same reason), never to a replica that may be behind what that statement read.
 */
interface PinnedToPrimary {
  readonly fellBackFor: ReplicaFallbackReason;
}

/** In a transaction, before its COMMIT: did it write (is a transaction id assigned)? */
const WROTE_SQL = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL";
/**
 * After a COMMIT: the primary's WAL insert position, at or past the end of that commit's record. Not
 * `pg_current_wal_lsn()` (how far WAL was written out) nor the flush position: with `synchronous_commit = off` the
 * commit returns before its record is written, so both can still be short of it. A standby replays only WAL the
 * primary has flushed and sent, so a replay position at or past this one includes the commit (docs/read-replicas.md).
 */
const WAL_POSITION_SQL = "SELECT pg_current_wal_insert_lsn()";
/** The same, alone, for a replica's health probe (see ReplicaNode): its values as text, `0/3000028`. */
const WAL_POSITION_QUERY = { text: WAL_POSITION_SQL, rowMode: "array" } as pg.QueryConfig;
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
  readonly #primary: PrimaryWalPositions;
  readonly #fallbacks: Record<ReplicaFallbackReason, number>;
  #primaryReads = 0;
  #next = 0;

  readonly #tokens: WritePositionTokens;

  /** `primary`: the samples of the primary's WAL position the `nodes` judge a standby without a lag of its own by. */
  constructor(
    nodes: readonly ReplicaNode[],
    positions: TenantWritePositions,
    tokens: WritePositionTokens,
    primary: PrimaryWalPositions,
  ) {
    this.nodes = nodes;
    this.#positions = positions;
    this.#primary = primary;
    this.#tokens = tokens;
    this.#fallbacks = Object.fromEntries(REPLICA_FALLBACK_REASONS.map((reason) => [reason, 0])) as Record<
      ReplicaFallbackReason,
      number
    >;
  }

  /**
   * Runs a per-query statement of `primary` where it belongs: a `$forTenant` model read on a replica; any other
   * statement of a tenant, and a read no replica can serve, on the primary in a transaction block that reports the
   * commit's WAL position (see {@link commitPipeline}), still in one round trip:
   * ```sql
   * BEGIN; SELECT set_config($1, $2, true); <statement>; SELECT pg_current_xact_id_if_assigned() IS NOT NULL;
   * COMMIT; SELECT pg_current_wal_insert_lsn()  -- before one Sync
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
    if (scope.id === "") return primary.queryInPipeline(primary.tenantPrelude.standalone(scope), config, values);
    // Every statement of a tenant that runs on the primary reports its commit's position if it wrote, also a read
    // that fell back there: a "read" can write (`SELECT fn_that_updates()` under a read mark), and once it ran on the
    // primary, the replica it was meant for has not replayed it.
    const inBlock = primary.tenantPrelude.inTransaction(scope);
    // Read-your-writes is keyed by the writer: the tenant for $forTenant, QueryContext.writer for $forContext.
    const commit = this.commitPipeline(scope.writer);
    const pipeline = {
      before: [BEGIN, ...inBlock.before],
      after: [...inBlock.after, ...commit.before, COMMIT, ...commit.after],
      opensBlock: true,
    };
    const onPrimary = () => primary.queryInPipeline(pipeline, config, values);
    // The mark covers everything sent while the operation's hooks run, also a statement the kit's own hook never saw
    // (a later extension's hook writing through the client the kit was applied to): only a SELECT is a read.
    if (context?.replicaRead && READ_STATEMENT.test(typeof config === "string" ? config : config.text)) {
      return this.#read(primary, context.replicaRead, scope, config, values, onPrimary);
    }
    return onPrimary();
  }

  /**
   * The statements around the COMMIT of a tenant's transaction on the primary: if it wrote, the WAL position after
   * the commit is recorded for the tenant, and replicas serve its reads only once they have replayed that far.
   * ```sql
   * SELECT pg_current_xact_id_if_assigned() IS NOT NULL; COMMIT; SELECT pg_current_wal_insert_lsn()  -- one Sync
   * ```
   * `afterError`: a statement of the transaction failed, so it may be aborted, where any statement before the COMMIT
   * would fail too; the position is then recorded as if it wrote (`COMMIT; SELECT pg_current_wal_insert_lsn()`).
   * Positions are kept per {@link tenantPositionKey}: every spelling of one tenant id waits for the others' writes.
   * Written or not, the position is also a sample of the primary's (see {@link PrimaryWalPositions}), taken as of
   * now, before the pipeline is sent.
   */
  commitPipeline(tenantId: string, afterError = false): QueryPipeline {
    let wrote = afterError;
    const key = tenantPositionKey(tenantId);
    const sentAt = Date.now();
    const wroteCheck: PipelineStatement = { text: WROTE_SQL, onRow: ([assigned]) => void (wrote = assigned === "t") };
    const position: PipelineStatement = {
      text: WAL_POSITION_SQL,
      onRow: ([text]) => {
        const lsn = endOfLastRecord(text);
        this.#primary.record(lsn, sentAt);
        if (wrote) this.#positions.record(key, lsn);
      },
    };
    return { before: afterError ? [] : [wroteCheck], after: [position] };
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
    primary: PrimaryPipelineRunner,
    operation: { replica?: unknown },
    scope: ContextScope,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
    onPrimary: OnPrimary,
  ): Promise<pg.QueryResult> {
    // The statements of one operation (a relation load sends several) stay where its first one was served, so a later
    // statement never reads an older state than an earlier one did: on one replica, whose replay position only
    // grows; and once a statement was served by the primary (a fallback for any reason) or the replica left rotation,
    // on the primary, which is ahead of every replica, never on a replica that may be further behind. Why it holds:
    // every return through #onPrimary pins the operation to the primary before that statement is sent, and a later
    // statement of the operation (Prisma sends it after the earlier one's result) reads the pin first, here.
    const pinned = operation.replica as ReplicaNode | PinnedToPrimary | undefined;
    if (pinned && "fellBackFor" in pinned) return this.#onPrimary(pinned.fellBackFor, operation, onPrimary);
    const node = pinned ? (pinned.state === "in-rotation" ? pinned : undefined) : this.#pick(primary);
    if (!node) return this.#onPrimary("out-of-rotation", operation, onPrimary);
    operation.replica = node;
    // Taken before the read is sent: another read's report may drop the tenant's entry while this one is in flight,
    // and this read's own health row, taken earlier on the server, may still be behind that write.
    const required = this.#required(tenantPositionKey(scope.writer));
    if (required === undefined) return this.#onPrimary("behind-own-write", operation, onPrimary);
    let read: Awaited<ReturnType<ReplicaNode["read"]>>;
    try {
      read = await node.read(scope, config, values);
    } catch (error) {
      if (error instanceof RlsBypassingRoleError) throw error;
      if (!isConnectionFailure(error)) {
        // A standby refuses what a primary does (a feature of the primary only): out until a probe succeeds, so each
        // read does not run twice. A query's own such error costs a replica only until its next probe.
        if ((error as { code?: unknown }).code === FEATURE_NOT_SUPPORTED) {
          node.takeOut({ reason: "unavailable", detail: (error as Error).message });
        }
        return this.#onPrimary("replica-error", operation, onPrimary);
      }
      node.takeOut(unavailable(error));
      return this.#onPrimary("unavailable", operation, onPrimary);
    }
    const { health } = read;
    this.#positions.replayed(node.index, health.replayLsn);
    const problem = node.problemWith(health);
    if (problem) {
      node.takeOut(problem);
      return this.#onPrimary(problem.reason, operation, onPrimary);
    }
    if (health.replayLsn < required) return this.#onPrimary("behind-own-write", operation, onPrimary);
    node.reads++;
    return read.result;
  }

  /**
   * A token for the position `tenantId`'s reads must reach (its last write through this adapter, or the floor),
   * undefined when there is none; see {@link WritePositionTokens}.
   */
  positionToken(tenantId: string): string | undefined {
    const key = tenantPositionKey(tenantId);
    const lsn = this.#positions.required(key);
    return lsn === 0n ? undefined : this.#tokens.issue(key, lsn);
  }

  /**
   * The position a read of `key` must see: the tenant's writes through this adapter and, inside `readAfter(token)`,
   * the token's. Undefined when the token does not check out for this tenant: then no replica may serve the read.
   */
  #required(key: string): bigint | undefined {
    const own = this.#positions.required(key);
    const token = readAfterContext.getStore()?.token;
    if (token === undefined) return own;
    const vouched = this.#tokens.check(token, key);
    if (!vouched.valid) return undefined;
    return maxLsn(vouched.lsn, own);
  }

  /**
   * The next replica in rotation, round-robin; undefined when none is. Each one due for a probe starts it, in the
   * background, with a sample of `primary`'s WAL position alongside (see ReplicaNode.takesReads).
   */
  #pick(primary: PrimaryPipelineRunner): ReplicaNode | undefined {
    const count = this.nodes.length;
    const samplePrimary = () => this.#samplePrimary(primary);
    for (let i = 0; i < count; i++) {
      const node = this.nodes[(this.#next + i) % count]!;
      if (node.takesReads(samplePrimary)) {
        this.#next = (node.index + 1) % count;
        return node;
      }
    }
    return undefined;
  }

  /**
   * Reads the primary's WAL position for a probe, outside any tenant context (it reads no table), in one round trip:
   * `SELECT set_config($1, '', true); SELECT pg_current_wal_insert_lsn()` (in a block in the transaction-block mode).
   */
  async #samplePrimary(primary: PrimaryPipelineRunner): Promise<void> {
    const sentAt = Date.now();
    const pipeline = primary.tenantPrelude.standalone(NO_SCOPE);
    const { rows } = await tenantContext.exit(() => primary.queryInPipeline(pipeline, WAL_POSITION_QUERY, undefined));
    this.#primary.record(endOfLastRecord((rows as unknown[][])[0]?.[0] as string | undefined), sentAt);
  }

  /** Serves a read on the primary, and pins the rest of its operation there. */
  #onPrimary(
    reason: ReplicaFallbackReason,
    operation: { replica?: unknown },
    onPrimary: OnPrimary,
  ): Promise<pg.QueryResult> {
    const pin: PinnedToPrimary = { fellBackFor: reason };
    operation.replica = pin;
    this.#fallbacks[reason]++;
    this.#primaryReads++;
    return onPrimary();
  }
}
