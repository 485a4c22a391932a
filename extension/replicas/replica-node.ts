import type pg from "pg";
import type { ContextScope } from "../context-scope.ts";
import { isConnectionFailure } from "../pg/connection-failure.ts";
import { RlsBypassingRoleError } from "../errors/rls-bypassing-role-error.ts";
import type { PipelineStatement, QueryPipeline } from "../pg/query-pipeline.ts";
import type { TenantPool } from "../pg/tenant-pool.ts";
import { tenantContext } from "../tenant-context.ts";
import { parseReplicaHealth, REPLICA_HEALTH_SQL, type ReplicaHealth } from "./replica-health.ts";
import type { ResolvedReplicaPolicy } from "../adapter-options.ts";
import type { ReplicaOutReason, ReplicaState } from "./replica-state.ts";
import type { PrimaryWalPositions } from "./primary-wal-positions.ts";

/** What a replica found wrong with itself: why it leaves rotation, and what was seen. */
export interface ReplicaProblem {
  readonly reason: ReplicaOutReason;
  readonly detail: string;
}

/** Reads the primary's WAL position into the adapter's {@link PrimaryWalPositions}, for a probe. */
export type PrimarySampler = () => Promise<void>;

/**
 * One read replica of an adapter: its pool, whether it takes reads, and the role check its pool passes once (the same
 * check as the primary's). Out of rotation, it is probed with {@link REPLICA_HEALTH_SQL} at most once per
 * `recheckAfterMillis`, started by a read (which itself goes to the primary), and put back once the probe finds it a
 * standby within the lag bound. Each probe also reads the primary's WAL position, so a standby that has replayed no
 * transaction since it started can be judged by how far it has replayed (see {@link problemWith}); while such a
 * standby is in rotation, reads start a probe every `min(recheckAfterMillis, maxLagMillis / 2)`, in the background,
 * so its bound stays fresh. Each change of state is logged once.
 */
export class ReplicaNode {
  readonly name: string;
  readonly index: number;
  reads = 0;
  readonly #policy: ResolvedReplicaPolicy;
  readonly #checkRole: ((pool: TenantPool) => Promise<void>) | undefined;
  /** host:port, for log lines (never the URL: it holds the password). */
  readonly #address: string;
  #state: ReplicaState = "in-rotation";
  /** When (Date.now()) it last reported having replayed all it received, or a transaction committed that instant. */
  #caughtUpAt: number | undefined;
  readonly #primary: PrimaryWalPositions;
  /** Its last health row had no lag of its own (no transaction replayed since it started): probes keep it judged. */
  #lagUnknown = false;
  /** When a read may start the next probe (out of rotation, or in rotation with its lag unknown). */
  #probeAt = 0;
  #probing = false;
  #roleCheck: Promise<void> | undefined;
  readonly #missingUrl: boolean;
  readonly #createPool: () => TenantPool;
  #pool: TenantPool;

  constructor(options: {
    createPool: () => TenantPool;
    name: string;
    index: number;
    connectionString: string | undefined;
    policy: ResolvedReplicaPolicy;
    /** The primary's WAL positions the adapter has seen, shared by its replicas. */
    primary: PrimaryWalPositions;
    /** The adapter's pool check (role, Citus); undefined when `allowRlsBypassingRole` turned it off. */
    checkRole: ((pool: TenantPool) => Promise<void>) | undefined;
  }) {
    this.#createPool = () => {
      const pool = options.createPool();
      // An idle connection's error (the replica shut down or restarted): pg emits it on the pool, which must listen.
      pool.on("error", (error) => this.takeOut(unavailable(error)));
      return pool;
    };
    this.#pool = this.#createPool();
    this.name = options.name;
    this.index = options.index;
    this.#policy = options.policy;
    this.#primary = options.primary;
    this.#checkRole = options.checkRole;
    this.#address = describeAddress(options.connectionString);
    // Unset (e.g. REPLICA_URL missing in this environment): pg would fall back to PGHOST & co., a server nobody chose.
    this.#missingUrl = !options.connectionString;
    if (this.#missingUrl) this.#change("unavailable", "no connectionString");
  }

  /** The pool reads run on now. A new one replaces it when Prisma reconnects after `$disconnect()`. */
  get pool(): TenantPool {
    return this.#pool;
  }

  /** Gives the node a fresh pool (and role check) if its pool was ended by `$disconnect()`. */
  reopen(): void {
    if (!this.#pool.ending && !this.#pool.ended) return;
    this.#pool = this.#createPool();
    this.#roleCheck = undefined;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  /**
   * Whether reads may go here now. When it is out and due for a re-check, or in rotation with its lag unknown and due
   * for a fresh bound, starts one probe in the background (with `samplePrimary`): never on the read's path.
   */
  takesReads(samplePrimary: PrimarySampler): boolean {
    const inRotation = this.#state === "in-rotation";
    if (inRotation && !this.#lagUnknown) return true;
    if (this.#missingUrl) return false;
    if (!this.#probing && Date.now() >= this.#probeAt) {
      // A probe that fails puts it off by recheckAfterMillis (takeOut).
      this.#probeAt = Date.now() + this.#refreshMillis;
      void this.#probe(samplePrimary);
    }
    return inRotation;
  }

  /**
   * Runs one read statement here with `scope`'s context (settings and role), after the pool's role check, with the replica's health pipelined
   * right before it, in the same round trip, in a READ COMMITTED block (see {@link READ_COMMITTED}):
   * ```sql
   * BEGIN ISOLATION LEVEL READ COMMITTED; SELECT set_config($1, $2, true);  -- SET LOCAL in the transaction-block mode
   * SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), <lag>; <read>; COMMIT  -- one Sync
   * ```
   * @throws the replica's error: the caller falls back to the primary (see ReplicaRouter).
   */
  async read(
    scope: ContextScope,
    config: string | pg.QueryConfig,
    values: unknown[] | undefined,
  ): Promise<ReadOnReplica> {
    await this.#roleChecked();
    const pool = this.#pool;
    let health: ReplicaHealth | undefined;
    const check = {
      text: REPLICA_HEALTH_SQL,
      onRow: (fields: readonly unknown[]) => (health = parseReplicaHealth(fields)),
    };
    const tenant = pool.tenantPrelude.inTransaction(scope);
    const pipeline: QueryPipeline = {
      before: [READ_COMMITTED, ...tenant.before, check],
      after: [...tenant.after, COMMIT],
      opensBlock: true,
    };
    const result = await pool.queryInPipeline(pipeline, config, values);
    if (!health) throw new Error("The replica's health row did not arrive with the read.");
    return { result, health };
  }

  /**
   * What is wrong with a replica that reported `health`, if anything. Its lag is its own report (see
   * {@link REPLICA_HEALTH_SQL}) unless it has none: a standby that has replayed no transaction since it started (a
   * fresh or restarted one, on a primary that has committed nothing since) has no commit time to measure from, and
   * one that is not streaming (restarted before its WAL receiver connected, fed from an archive) has no receive
   * position. Its lag is then the age of the latest sample of the primary's position it has replayed: it holds every
   * commit acknowledged before that sample, transaction replayed or not. Next, the time since it last reported having
   * replayed all it received (everything it has yet to replay arrived after that). Neither: unknown, lagging.
   */
  problemWith(health: ReplicaHealth, now = Date.now()): ReplicaProblem | undefined {
    if (!health.inRecovery) return { reason: "promoted", detail: "pg_is_in_recovery() is false" };
    let lagMillis = health.lagMillis;
    this.#lagUnknown = !Number.isFinite(lagMillis);
    if (lagMillis === 0) this.#caughtUpAt = now;
    else if (this.#lagUnknown) {
      const since = latest(this.#primary.caughtUpAt(health.replayLsn), this.#caughtUpAt);
      if (since !== undefined) lagMillis = Math.max(0, now - since);
    }
    if (lagMillis > this.#policy.maxLagMillis) {
      const lag = Number.isFinite(lagMillis)
        ? `${lagMillis} ms`
        : "unknown (no transaction replayed since it started, and its replay position has not reached the primary's)";
      return { reason: "lagging", detail: `replay lag ${lag} > maxLagMillis ${this.#policy.maxLagMillis}` };
    }
    return undefined;
  }

  /** Takes the replica out of rotation until a probe after `recheckAfterMillis` finds it healthy. */
  takeOut(problem: ReplicaProblem): void {
    this.#probeAt = Date.now() + this.#policy.recheckAfterMillis;
    this.#change(problem.reason, problem.detail);
  }

  /**
   * How often a standby in rotation whose lag is unknown is probed: its bound is the age of a sample of the primary's
   * position, so it must be refreshed well within `maxLagMillis` or the standby would leave rotation on a quiet primary.
   */
  get #refreshMillis(): number {
    return Math.min(this.#policy.recheckAfterMillis, this.#policy.maxLagMillis / 2);
  }

  async #probe(samplePrimary: PrimarySampler): Promise<void> {
    this.#probing = true;
    try {
      // A replica whose role check failed (e.g. refused by the server) stays out: reads would only meet it again.
      await this.#roleChecked();
      // The primary's position, read alongside: whichever runs first, a replay position at or past it holds every
      // commit acknowledged before it was sent. A primary that cannot answer leaves the replica to its own report.
      const sampled = samplePrimary().catch(() => undefined);
      // Outside the caller's context: the probe reads no table and belongs to no tenant.
      const { rows } = await tenantContext.exit(() => this.pool.queryInPipeline(PROBE_BLOCK, PROBE_QUERY, undefined));
      await sampled;
      const problem = this.problemWith(parseReplicaHealth((rows as unknown[][])[0] ?? []));
      if (problem) this.takeOut(problem);
      else this.#change("in-rotation");
    } catch (error) {
      this.takeOut(unavailable(error));
    } finally {
      this.#probing = false;
    }
  }

  #change(to: ReplicaState, detail?: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    const where = `read replica ${JSON.stringify(this.name)} (${this.#address})`;
    const message =
      to === "in-rotation"
        ? `prisma-tenant-kit: ${where} is back in rotation.`
        : `prisma-tenant-kit: ${where} is out of rotation, ${to}${detail ? ` (${detail})` : ""}; its reads go to ` +
          `the primary${this.#missingUrl ? "" : `, re-checked every ${this.#policy.recheckAfterMillis} ms`}.`;
    this.#policy.logger(message, { replica: this.name, from, to, ...(detail === undefined ? {} : { detail }) });
  }

  #roleChecked(): Promise<void> {
    if (!this.#checkRole) return Promise.resolve();
    // A refusal (RlsBypassingRoleError) stays; a check that could not run is tried again by the next read.
    this.#roleCheck ??= this.#checkRole(this.pool).catch((error: unknown) => {
      if (isConnectionFailure(error) && !(error instanceof RlsBypassingRoleError)) this.#roleCheck = undefined;
      throw error;
    });
    return this.#roleCheck;
  }
}

/**
 * Opens the block of every replica read (and probe), whatever the server's `default_transaction_isolation`: in READ
 * COMMITTED each statement takes its own snapshot, so the read's snapshot is taken after the health statement read the
 * replay position and holds every commit replayed up to it. Under REPEATABLE READ the first statement's snapshot would
 * serve the read, older than the position checked; under SERIALIZABLE a standby refuses every statement.
 */
const READ_COMMITTED: PipelineStatement = { text: "BEGIN ISOLATION LEVEL READ COMMITTED" };
const COMMIT: PipelineStatement = { text: "COMMIT" };
const PROBE_BLOCK: QueryPipeline = { before: [READ_COMMITTED], after: [COMMIT], opensBlock: true };
const PROBE_QUERY = { text: REPLICA_HEALTH_SQL, rowMode: "array" } as pg.QueryConfig;

/** A read a replica served: its result and, with it, the replica's health. */
export interface ReadOnReplica {
  readonly result: pg.QueryResult;
  readonly health: ReplicaHealth;
}

/** A replica that refused or lost a connection, or whose pool timed out: out as `unavailable`, with the message. */
export function unavailable(error: unknown): ReplicaProblem {
  const detail = error instanceof Error ? error.message : String(error);
  return { reason: "unavailable", detail };
}

/** The later of two times, either unknown. */
function latest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}

function describeAddress(connectionString: string | undefined): string {
  try {
    const url = new URL(connectionString ?? "");
    return `${url.hostname}:${url.port || "5432"}`;
  } catch {
    return "unparsable URL";
  }
}
