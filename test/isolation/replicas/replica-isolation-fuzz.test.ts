import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../../fixtures/database/seed-tenants.ts";
import type { TenantAdapterFactory } from "prisma-tenant-kit";
import {
  type AppClient,
  availableRoutes,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
} from "../../setup/init-test.ts";
import {
  expectIsolationHeld,
  type FuzzOperation,
  type IsolationFuzzOutcome,
  runIsolationFuzz,
} from "../../setup/isolation-fuzz-run.ts";
import {
  appUrlAt,
  createReplicatedAppClient,
  type DedicatedReplica,
  seedReplicatedTenants,
  startDedicatedReplica,
} from "../../setup/replicated-app.ts";
import { createPgPool } from "../../../fixtures/database/pg-connection.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "../../../fixtures/database/start-pgbouncer.ts";

// The seeded isolation fuzz (test/setup/isolation-fuzz-run.ts) on an adapter with a streaming replica, direct and
// through each server's PgBouncer, plus read-your-writes checks: every tenant's reads after its acknowledged write
// (including one issued right after the write) must see it. Replay on the replica is paused for the middle of the run,
// so the replica really lags behind the writes then: a replica of this file's own (with a PgBouncer of its own), since
// a pause of the shared one would stall every other file waiting for it to replay. Replay a failure with
// FUZZ_SEED=<the seed in the test name> npx vitest run test/isolation/replicas/replica-isolation-fuzz.test.ts
// REPLICA_FUZZ_OPERATIONS raises the count (default sized to run in well under a minute on 2 busy cores).
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const OPERATIONS = Number(process.env.REPLICA_FUZZ_OPERATIONS ?? 2_000);
const CONCURRENCY = 24;
const TENANTS = 5;
const FAILURE_PATH_SHARE = 1 / 16;
// Replay is paused from this share of the operations to that one.
const PAUSE_AT = Math.floor(OPERATIONS * 0.3);
const RESUME_AT = Math.floor(OPERATIONS * 0.6);

// Needs Debian's postgresql-15 (pg_basebackup); without it the global setup printed one line saying how to install it.
describe.skipIf(!replicationAvailable())("isolation fuzz across primary and replica", () => {
  let database: ReplicatedTestDatabase;
  let replica: DedicatedReplica;
  let bouncer: PgBouncer | undefined;
  /** The replica's superuser on the fuzz's database: pauses replay, terminates backends, reads the replica's stats. */
  let replicaSuperuser: pg.Pool;
  beforeAll(async () => {
    database = await initReplicatedTest();
    replica = await startDedicatedReplica();
    if (pgbouncerAvailable()) bouncer = await startPgBouncer(replica.node);
    const url = new URL(replica.node.superuserUrl);
    url.pathname = `/${database.name}`;
    replicaSuperuser = createPgPool({ connectionString: url.toString(), max: 2 });
  });
  afterAll(async () => {
    await replicaSuperuser?.end();
    await bouncer?.stop();
    await replica?.node.stop();
    await database?.drop();
  });

  describe.each(availableRoutes())("%s", (route) => {
    let prisma: AppClient;
    let adapter: TenantAdapterFactory;
    let tenants: SeededTenant[];
    beforeAll(async () => {
      tenants = await seedReplicatedTenants(database, { tenants: TENANTS, prefix: `replica-fuzz-${route}` });
      await replica.caughtUp();
      const replicaUrl = route === "direct" ? replica.appUrl(database) : appUrlAt(database, bouncer!);
      ({ prisma, adapter } = createReplicatedAppClient({
        primaryUrl: database.appUrl("primary", route),
        replicaUrls: [replicaUrl],
        // A bound well above the pause, so the replica stays in rotation while it lags and read-your-writes alone
        // must keep each tenant's reads fresh (falling back on lag is the fault tests' subject).
        replicaPolicy: { maxLagMillis: 60_000, recheckAfterMillis: 1_000 },
      }));
    });
    afterAll(() => prisma?.$disconnect());

    const title = `reads 0 rows across tenants and 0 stale rows after own writes in ${OPERATIONS} operations`;
    it(`${title} (seed ${SEED})`, async () => {
      const scansBefore = await replicaTableScans(replicaSuperuser);
      const staleReads: string[] = [];
      let lagBytesAtResume = 0;
      const outcome = await runIsolationFuzz({
        prisma,
        tenants,
        seed: SEED,
        operations: OPERATIONS,
        concurrency: CONCURRENCY,
        failurePathShare: FAILURE_PATH_SHARE,
        terminators: [database.admin, replicaSuperuser],
        extraOperations: (context) => readYourWritesOperations(prisma, context.outcome, staleReads),
        beforeOperation: async (n) => {
          if (n === PAUSE_AT) await onStandby(replicaSuperuser, "SELECT pg_wal_replay_pause()");
          if (n !== RESUME_AT) return;
          const { rows } = await onStandby<{ bytes: string }>(
            replicaSuperuser,
            "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) AS bytes",
          );
          lagBytesAtResume = Number(rows[0]!.bytes);
          await onStandby(replicaSuperuser, "SELECT pg_wal_replay_resume()");
        },
      });
      const stats = adapter.replicaStats();
      console.info(`replica fuzz (${route}): ${OPERATIONS} operations, replica stats ${JSON.stringify(stats)}`);

      expect(outcome.foreignReads).toEqual([]);
      expect(outcome.unexpectedFailures).toEqual([]);
      expect(staleReads).toEqual([]);
      // The pause left WAL received but not replayed: the read-your-writes checks ran against a lagging replica.
      expect(lagBytesAtResume).toBeGreaterThan(0);
      // ... and reads a replica had not caught up for went to the primary instead (the kit's read-your-writes).
      expect(stats.fallbacks["behind-own-write"]).toBeGreaterThan(0);
      // The replica served reads (by the kit's count and by the replica's own table statistics), so the checks above
      // were not passed by sending every read to the primary.
      expect(readsServedByReplica(stats)).toBeGreaterThan(0);
      // No connection leaked on any node: once the last leftover statement is refused, all are back in their pools.
      const pools = [adapter.pool, ...adapter.replicaPools];
      const checkedOut = () => pools.reduce((sum, pool) => sum + pool.totalCount - pool.idleCount, 0);
      for (let tries = 0; tries < 100 && checkedOut() > 0; tries++) await new Promise((r) => setTimeout(r, 50));
      expect(checkedOut()).toBe(0);
      await prisma.$disconnect(); // ends every backend, which flushes its table statistics on the replica
      await expect.poll(() => replicaTableScans(replicaSuperuser), { timeout: 10_000 }).toBeGreaterThan(scansBefore);
      await expectIsolationHeld(outcome, database.admin, tenants, { failurePaths: true });
    }, 600_000); // a budget, not an assertion: the whole suite may share 2 cores with other work
  });
});

/**
 * Writes and reads that check freshness. Each tenant's first SKU is its version: every write to it is an increment,
 * so its quantity only grows, and a read issued after a write was acknowledged must see at least what that write
 * returned. An audit row written and then read at once must be found.
 */
function readYourWritesOperations(
  prisma: AppClient,
  outcome: IsolationFuzzOutcome,
  staleReads: string[],
): FuzzOperation[] {
  const acknowledgedVersion = new Map<string, number>();
  const versionOf = (t: SeededTenant) => ({ tenantId_skuId: { tenantId: t.id, skuId: t.skuIds[0]! } });
  const write = async (t: SeededTenant, inTransaction: boolean) => {
    const data = { quantity: { increment: 1 } };
    const update = inTransaction
      ? prisma.$withTenant(t.id, (tx) => tx.inventory.update({ where: versionOf(t), data }))
      : prisma.$forTenant(t.id).inventory.update({ where: versionOf(t), data });
    const row = await update.catch((error: unknown) => {
      outcome.unacknowledgedIncrements.set(t.id, outcome.unacknowledgedIncrements.get(t.id)! + 1);
      throw error;
    });
    outcome.increments.set(t.id, outcome.increments.get(t.id)! + 1);
    acknowledgedVersion.set(t.id, Math.max(acknowledgedVersion.get(t.id) ?? 0, row.quantity));
  };
  const read = async (t: SeededTenant, how: "findUnique" | "findMany") => {
    const floor = acknowledgedVersion.get(t.id) ?? 0;
    const db = prisma.$forTenant(t.id);
    const row =
      how === "findUnique"
        ? await db.inventory.findUnique({ where: versionOf(t) })
        : (await db.inventory.findMany()).find((r) => r.skuId === t.skuIds[0]);
    if (!row || row.quantity < floor)
      staleReads.push(`${how}: ${t.slug} read quantity ${row?.quantity} after a write of ${floor} was acknowledged`);
  };
  return [
    (t) => read(t, "findUnique"),
    (t) => read(t, "findMany"),
    async (t) => {
      await write(t, false);
      await read(t, "findUnique");
    },
    async (t) => {
      await write(t, true);
      await read(t, "findMany");
    },
    async (t, n) => {
      const action = `fuzz:${t.id}:${n}:read-your-write`;
      await prisma.$withTenant(t.id, (tx) => tx.auditLog.create({ data: { tenantId: t.id, action } }));
      outcome.acknowledged.AuditLog.push([action, t.id]);
      if (!(await prisma.$forTenant(t.id).auditLog.findFirst({ where: { action } })))
        staleReads.push(`findFirst: ${t.slug} did not find its acknowledged audit row ${action}`);
    },
  ];
}

/** Index and sequential scans of the application's tables counted by the replica itself (its own statistics). */
async function replicaTableScans(replicaSuperuser: pg.Pool): Promise<number> {
  const { rows } = await replicaSuperuser.query<{ scans: number }>(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::int AS scans FROM pg_stat_user_tables`,
  );
  return rows[0]!.scans;
}

/** Reads the kit says each replica served, summed. */
function readsServedByReplica(stats: ReturnType<TenantAdapterFactory["replicaStats"]>): number {
  return stats.replicas.reduce((sum, replica) => sum + replica.reads, 0);
}

/**
 * Runs one of the fuzz's own control statements on the standby. The standby cancels a statement when replay needs what
 * it holds ("canceling statement due to conflict with recovery", SQLSTATE 40001), whatever the statement: then retry.
 */
async function onStandby<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  sql: string,
): Promise<pg.QueryResult<R>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pool.query<R>(sql);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "40001" || attempt === 5) throw error;
    }
  }
}
