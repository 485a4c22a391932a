/**
 * `npm run bench:replicas`: what a streaming replica takes off the primary, in one run on the same data. A closed loop
 * of CALLERS callers runs the same seeded 80/20 mix of `$forTenant` reads and `$withTenant` writes twice side by side:
 *   primary    createTenantAdapter({ connectionString: primary }): every query on the primary
 *   replica    the same plus `replicas: [replica]`: `$forTenant` model reads may go to the replica
 * Both variants' phases alternate round by round (the order flips each round) so drift hits both alike.
 * Per variant it prints the share of reads the replica served, queries sent to each node (pool checkouts: one per
 * query round trip or per transaction), the CPU time the primary's and the replica's Postgres processes used (utime +
 * stime from /proc/<pid>/stat of the postmaster and its children, including exited children's via cutime/cstime),
 * read and write p50/p95 latency, throughput, and the ratios against primary-only.
 * Options (env): BENCH_OPERATIONS (operations per phase, default 2000), BENCH_ROUNDS (default 4), BENCH_CALLERS
 * (closed-loop callers, default 20), BENCH_POOL (connections per node, default 10).
 * Loopback only; it starts its own PostgreSQL 15 primary and replica (Debian's postgresql-15) and removes them.
 */
import { execFileSync } from "node:child_process";
import type { EventEmitter } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pc from "picocolors";
import { createDatabaseRoles, createFixtureDatabase } from "../fixtures/database/create-fixture-database.ts";
import { roleUrl } from "../fixtures/database/database-roles.ts";
import { debianPostgresAvailable } from "../fixtures/database/debian-postgres-node.ts";
import { ensurePrismaClient } from "../fixtures/database/ensure-prisma-client.ts";
import { exitOnPostgresStartError } from "../fixtures/database/postgres-start-error.ts";
import { seedTenants } from "../fixtures/database/seed-tenants.ts";
import { startReplication, waitForReplay } from "../fixtures/database/start-replication.ts";
import { seededRandom } from "../fixtures/seeded-random.ts";
import { percentile } from "./bench-timing.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, type TenantAdapterFactory, tenantExtension } from "prisma-tenant-kit";
import { POOL_TIMING_EVENTS, type TenantPool } from "prisma-tenant-kit/pool";

const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 20);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const READ_SHARE = 0.8;
const TENANTS = 20;
const DATABASE = "tenant_kit_bench";
const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

if (!debianPostgresAvailable()) {
  console.error("bench:replicas needs Debian's PostgreSQL 15 (pg_basebackup): apt-get install postgresql-15");
  process.exit(1);
}
await ensurePrismaClient();
const { PrismaClient } = await import("../fixtures/sales-app/src/generated/prisma/client.ts");

/**
 * CPU seconds (user + system) of one PostgreSQL server so far: the postmaster's own and its exited children's
 * (cutime/cstime, which the postmaster collects when it reaps a backend), plus every live child's (backends,
 * walsender or walreceiver and startup process, background workers).
 */
async function serverCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number((await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  let ticks = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => undefined);
    if (!stat) continue;
    // Fields after "(comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1 for pid.
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const [ppid, utime, stime, cutime, cstime] = [fields[1]!, fields[11]!, fields[12]!, fields[13]!, fields[14]!];
    if (Number(entry) === postmaster) ticks += utime + stime + cutime + cstime;
    else if (ppid === postmaster) ticks += utime + stime;
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Counts a pool's checkouts (one per query round trip, or per transaction) until `stop()`. */
function countCheckouts(pool: TenantPool): { count: number; stop(): void } {
  // pg.Pool's typings list only its own events; TenantPool emits the timing events on the same emitter.
  const emitter = pool as unknown as EventEmitter;
  const counter = { count: 0, stop: () => emitter.off(POOL_TIMING_EVENTS.acquired, listener) };
  const listener = () => counter.count++;
  emitter.on(POOL_TIMING_EVENTS.acquired, listener);
  return counter;
}

interface Totals {
  reads: number[];
  writes: number[];
  seconds: number;
  primaryQueries: number;
  replicaQueries: number;
  primaryCpu: number;
  replicaCpu: number;
}

const replication = await startReplication().catch(exitOnPostgresStartError);
try {
  const { primary, replica } = replication;
  await createDatabaseRoles(primary.superuserUrl);
  await createFixtureDatabase(primary.superuserUrl, DATABASE);
  const admin = new PrismaClient({
    adapter: createAdminAdapter({ connectionString: roleUrl(primary.superuserUrl, "admin", DATABASE) }),
  });
  const tenants = await seedTenants(admin, { tenants: TENANTS, customersPerTenant: 50, skusPerTenant: 20 });
  await admin.$disconnect();
  await waitForReplay(primary.superuserUrl, replica.superuserUrl);

  const primaryUrl = roleUrl(primary.superuserUrl, "app", DATABASE);
  const replicaUrl = roleUrl(replica.superuserUrl, "app", DATABASE);
  const clients = {
    primary: createTenantAdapter({ connectionString: primaryUrl, pool: { max: POOL } }),
    replica: createTenantAdapter({
      connectionString: primaryUrl,
      pool: { max: POOL },
      replicas: [{ connectionString: replicaUrl, pool: { max: POOL } }],
      replicaPolicy: { maxLagMillis: 5_000, recheckAfterMillis: 1_000 },
    }),
  };
  const variants = Object.entries(clients).map(([name, adapter]) => ({
    name,
    adapter,
    // As the runbook says: Prisma's own 2 s wait to start a transaction would fail writes a busy box still serves.
    prisma: new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000 } }).$extends(tenantExtension()),
  }));
  type Variant = (typeof variants)[number];

  // One operation: a page of a tenant's customers (a read), or a stock decrement plus audit row in one transaction.
  const operation = (prisma: Variant["prisma"], next: () => number) => {
    const tenant = tenants[Math.floor(next() * tenants.length)]!;
    if (next() < READ_SHARE) {
      const skip = Math.floor(next() * 30);
      return {
        read: true,
        run: () =>
          prisma
            .$forTenant(tenant.id)
            .customer.findMany({ take: 20, skip, orderBy: { name: "asc" } }) as Promise<unknown>,
      };
    }
    const skuId = tenant.skuIds[Math.floor(next() * tenant.skuIds.length)]!;
    return {
      read: false,
      run: () =>
        prisma.$withTenant(tenant.id, async (tx) => {
          await tx.inventory.update({
            where: { tenantId_skuId: { tenantId: tenant.id, skuId } },
            data: { quantity: { decrement: 1 } },
          });
          return tx.auditLog.create({ data: { tenantId: tenant.id, action: `bench:${skuId}` } });
        }) as Promise<unknown>,
    };
  };

  const runPhase = async (variant: Variant, count: number, seed: number, totals?: Totals) => {
    const next = seededRandom(seed);
    const nodes = [variant.adapter.pool, ...variant.adapter.replicaPools].map(countCheckouts);
    const cpuBefore = [await serverCpuSeconds(primary.dataDir), await serverCpuSeconds(replica.dataDir)];
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (issued++ < count) {
          const { read, run } = operation(variant.prisma, next);
          const start = performance.now();
          await run();
          totals?.[read ? "reads" : "writes"].push(performance.now() - start);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = [await serverCpuSeconds(primary.dataDir), await serverCpuSeconds(replica.dataDir)];
    for (const node of nodes) node.stop();
    if (!totals) return;
    totals.seconds += seconds;
    totals.primaryQueries += nodes[0]!.count;
    totals.replicaQueries += nodes.slice(1).reduce((sum, node) => sum + node.count, 0);
    totals.primaryCpu += cpuAfter[0]! - cpuBefore[0]!;
    totals.replicaCpu += cpuAfter[1]! - cpuBefore[1]!;
  };

  for (const { name, prisma } of variants) {
    const tenant = tenants[0]!;
    const rows = await prisma.$forTenant(tenant.id).customer.findMany({ take: 20 });
    if (rows.length !== 20 || rows.some((row) => row.tenantId !== tenant.id)) throw new Error(`${name}: wrong rows`);
  }
  // Warm-up: connections, plan caches; the replica variant also learns the replica is healthy.
  for (const variant of variants) await runPhase(variant, 400, 1);
  const statsBefore = clients.replica.replicaStats();
  const totals = new Map<string, Totals>(
    variants.map((v) => [
      v.name,
      { reads: [], writes: [], seconds: 0, primaryQueries: 0, replicaQueries: 0, primaryCpu: 0, replicaCpu: 0 },
    ]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) await runPhase(variant, OPERATIONS, 1000 + round, totals.get(variant.name));
  }
  const statsAfter = clients.replica.replicaStats();

  const summary = new Map(
    [...totals].map(([name, t]) => {
      const reads = t.reads.sort((a, b) => a - b);
      const writes = t.writes.sort((a, b) => a - b);
      return [
        name,
        {
          ...t,
          readP50: percentile(reads, 50),
          readP95: percentile(reads, 95),
          writeP50: percentile(writes, 50),
          writeP95: percentile(writes, 95),
          rate: (t.reads.length + t.writes.length) / t.seconds,
        },
      ];
    }),
  );
  const base = summary.get("primary")!;
  const withReplica = summary.get("replica")!;
  console.log(
    pc.bold(
      `\n${ROUNDS} x ${OPERATIONS} operations per variant (80% $forTenant customer.findMany take 20, ` +
        `20% $withTenant update + insert), ${CALLERS} callers, pool ${POOL} per node, loopback`,
    ),
  );
  console.log(
    "variant   read p50  read p95  write p50  write p95    ops/s  primary queries  replica queries  " +
      "primary CPU s  replica CPU s",
  );
  for (const [name, s] of summary) {
    console.log(
      `${name.padEnd(8)} ${s.readP50.toFixed(2).padStart(9)} ${s.readP95.toFixed(2).padStart(9)} ` +
        `${s.writeP50.toFixed(2).padStart(10)} ${s.writeP95.toFixed(2).padStart(10)} ` +
        `${s.rate.toFixed(0).padStart(8)} ` +
        `${String(s.primaryQueries).padStart(16)} ${String(s.replicaQueries).padStart(16)} ` +
        `${s.primaryCpu.toFixed(2).padStart(14)} ${s.replicaCpu.toFixed(2).padStart(14)}`,
    );
  }
  const reads = withReplica.reads.length;
  console.log(pc.bold("\nreplica stats of the measured phases"));
  console.log(`before: ${JSON.stringify(statsBefore)}`);
  console.log(`after:  ${JSON.stringify(statsAfter)}`);
  const servedByReplica = replicaReads(statsAfter) - replicaReads(statsBefore);
  console.log(pc.bold("\nratios"));
  console.log(`reads served by the replica: ${servedByReplica} of ${reads} = ${pct(servedByReplica / reads)}`);
  console.log(
    `primary queries: ${withReplica.primaryQueries} vs ${base.primaryQueries} primary-only = ` +
      `${pct(1 - withReplica.primaryQueries / base.primaryQueries)} saved`,
  );
  console.log(
    `primary CPU: ${withReplica.primaryCpu.toFixed(2)} s vs ${base.primaryCpu.toFixed(2)} s primary-only = ` +
      `${pct(1 - withReplica.primaryCpu / base.primaryCpu)} saved ` +
      `(the replica used ${withReplica.replicaCpu.toFixed(2)} s; both nodes together ` +
      `${((withReplica.primaryCpu + withReplica.replicaCpu) / base.primaryCpu).toFixed(2)}x primary-only's)`,
  );
  console.log(
    `read p50 ${(withReplica.readP50 / base.readP50).toFixed(2)}x, ` +
      `p95 ${(withReplica.readP95 / base.readP95).toFixed(2)}x; ` +
      `write p50 ${(withReplica.writeP50 / base.writeP50).toFixed(2)}x, ` +
      `p95 ${(withReplica.writeP95 / base.writeP95).toFixed(2)}x; ` +
      `throughput ${(withReplica.rate / base.rate).toFixed(2)}x primary-only`,
  );
  for (const variant of variants) await variant.prisma.$disconnect();
} finally {
  await replication.stop();
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Reads the kit says the replicas served, summed. */
function replicaReads(stats: ReturnType<TenantAdapterFactory["replicaStats"]>): number {
  return stats.replicas.reduce((sum, replica) => sum + replica.reads, 0);
}
