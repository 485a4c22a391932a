import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { TenantAdapterFactory } from "prisma-tenant-kit";
import { initReplicatedTest, type ReplicatedTestDatabase, replicationAvailable } from "../setup/init-test.ts";
import {
  createReplicatedAppClient,
  type DedicatedReplica,
  seedReplicatedTenants,
  startDedicatedReplica,
  waitUntil,
} from "../setup/replicated-app.ts";

// Replay is paused on a replica of this file's own, so it cannot see any write made after the pause: a read that
// returns the new value was served by the primary, and the counters say which reads the replica served.
describe.skipIf(!replicationAvailable())("read-your-writes with a replica that does not replay", () => {
  let database: ReplicatedTestDatabase;
  let replica: DedicatedReplica;
  let tenants: SeededTenant[];
  let prisma: ReturnType<typeof createReplicatedAppClient>["prisma"];
  let adapter: TenantAdapterFactory;

  beforeAll(async () => {
    database = await initReplicatedTest();
    replica = await startDedicatedReplica();
    tenants = await seedReplicatedTenants(database, { tenants: 2, customersPerTenant: 2 });
    await replica.caughtUp();
    ({ prisma, adapter } = createReplicatedAppClient({
      primaryUrl: database.appUrl("primary"),
      replicaUrls: [replica.appUrl(database)],
      // Lag must not take the paused replica out: only the tenant's own writes may send its reads to the primary.
      replicaPolicy: { maxLagMillis: 3_600_000 },
    }));
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await replica?.node.stop();
    await database?.drop();
  });
  beforeEach(async () => {
    await replica.superuser("SELECT pg_wal_replay_resume()");
    await replica.caughtUp();
    await replica.superuser("SELECT pg_wal_replay_pause()");
    await waitUntil(
      async () => (await replica.superuser("SELECT pg_get_wal_replay_pause_state() AS s")).rows[0].s === "paused",
      "replay is paused",
    );
  });

  const served = () => {
    const stats = adapter.replicaStats();
    return {
      replica: stats.replicas[0]!.reads,
      primary: stats.primaryReads,
      behind: stats.fallbacks["behind-own-write"],
    };
  };

  it("reads a $withTenant update at once (from the primary); the other tenant still reads the replica", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const id = a.customerIds[0]!;
    const before = await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } });
    await prisma.$withTenant(a.id, (tx) => tx.customer.update({ where: { id }, data: { name: `${before.name}+` } }));
    const start = served();
    const after = await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } });
    expect(after.name).toBe(`${before.name}+`);
    expect(served()).toEqual({ replica: start.replica, primary: start.primary + 1, behind: start.behind + 1 });
    await prisma.$forTenant(b.id).customer.findMany();
    expect(served().replica).toBe(start.replica + 1);
  });

  it("reads a $withTenant insert at once", async () => {
    const [a] = tenants as [SeededTenant];
    const created = await prisma.$withTenant(a.id, (tx) =>
      tx.customer.create({ data: { tenantId: a.id, name: "new", email: "new@a.test" } }),
    );
    const customers = await prisma.$forTenant(a.id).customer.findMany();
    expect(customers.map((c) => c.id)).toContain(created.id);
  });

  it("reads a per-query write ($forTenant(t).customer.update) at once", async () => {
    const [a] = tenants as [SeededTenant];
    const id = a.customerIds[1]!;
    await prisma.$forTenant(a.id).customer.update({ where: { id }, data: { name: "per-query" } });
    const start = served();
    expect((await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } })).name).toBe("per-query");
    expect(served().behind).toBe(start.behind + 1);
  });

  it("reads a nested write (Prisma's own transaction) at once", async () => {
    const [a] = tenants as [SeededTenant];
    const customer = await prisma.$forTenant(a.id).customer.create({
      data: { tenantId: a.id, name: "nested", email: "nested@a.test", notes: { create: [{ body: "n1" }] } },
    });
    const notes = await prisma.$forTenant(a.id).customerNote.findMany({ where: { customerId: customer.id } });
    expect(notes.map((n) => n.body)).toEqual(["n1"]);
  });

  it("does not send a tenant's reads to the primary after a transaction that wrote nothing", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    // Someone else's write moves the primary's WAL position past what the paused replica has replayed.
    await database.admin.query(`UPDATE "Customer" SET name = name || '.' WHERE id = $1`, [a.customerIds[0]]);
    await prisma.$withTenant(b.id, (tx) => tx.customer.findMany());
    const start = served();
    await prisma.$forTenant(b.id).customer.findMany();
    expect(served()).toEqual({ ...start, replica: start.replica + 1 });
  });

  it("rejects a transaction whose failed statement the callback caught (rolled back)", async () => {
    const [a] = tenants as [SeededTenant];
    const duplicate = { id: a.customerIds[0]!, tenantId: a.id, name: "dup", email: "dup@a.test" };
    const outcome = prisma.$withTenant(a.id, async (tx) => {
      await tx.customer.create({ data: { tenantId: a.id, name: "lost", email: "lost@a.test" } });
      return tx.customer.create({ data: duplicate }).then(
        () => "created",
        (error: { code?: string }) => error.code,
      );
    });
    await expect(outcome).rejects.toMatchObject({ code: "TRANSACTION_NOT_COMMITTED", reason: "rolled-back" });
    // Postgres turned the COMMIT of the aborted transaction into a rollback: the first create is gone too.
    expect(await prisma.$forTenant(a.id).customer.count({ where: { email: "lost@a.test" } })).toBe(0);
    expect(await prisma.$forTenant(a.id).customer.count()).toBeGreaterThan(0);
  });

  it("goes back to the replica once it has replayed the write", async () => {
    const [a] = tenants as [SeededTenant];
    const id = a.customerIds[0]!;
    await prisma.$forTenant(a.id).customer.update({ where: { id }, data: { name: "replayed" } });
    const start = served();
    expect((await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } })).name).toBe("replayed");
    expect(served().replica).toBe(start.replica);
    await replica.superuser("SELECT pg_wal_replay_resume()");
    await waitUntil(async () => {
      const before = served().replica;
      const { name } = await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } });
      expect(name).toBe("replayed");
      return served().replica > before;
    }, "the replica serves the tenant's reads again");
    // The tenant's entry is dropped by its next read, now that every replica has reported replaying past it.
    await prisma.$forTenant(a.id).customer.count();
    expect(adapter.replicaStats().trackedTenants).toBe(0);
  });
});
