import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../../fixtures/database/seed-tenants.ts";
import { initReplicatedTest, type ReplicatedTestDatabase, replicationAvailable } from "../../setup/init-test.ts";
import {
  appUrlAt,
  createReplicatedAppClient,
  type DedicatedReplica,
  seedReplicatedTenants,
  serverAddress,
  startDedicatedReplica,
  waitUntil,
} from "../../setup/replicated-app.ts";

/**
 * A TCP forwarder whose target can be switched, as a load balancer or a DNS name in front of several replicas, or a
 * replica rebuilt behind the same address: new connections go to the current target; `switchTo` drops the old ones.
 */
async function startSwitchableForwarder(target: { host: string; port: number }) {
  let current = target;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(current.port, current.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: { host: "127.0.0.1", port },
    switchTo(next: { host: string; port: number }) {
      current = next;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// One replica URL, two servers behind it over time: a replica that has replayed a tenant's write, then one that has
// not (paused replay). Every replica's report is per server; the kit cannot assume one URL's position only grows.
describe.skipIf(!replicationAvailable())("read-your-writes when the server behind a replica URL changes", () => {
  let database: ReplicatedTestDatabase;
  let behind: DedicatedReplica;
  let tenants: SeededTenant[];
  let forwarder: Awaited<ReturnType<typeof startSwitchableForwarder>>;

  beforeAll(async () => {
    database = await initReplicatedTest();
    behind = await startDedicatedReplica();
    tenants = await seedReplicatedTenants(database, { tenants: 2, customersPerTenant: 1 });
    await behind.caughtUp();
    await database.caughtUp();
    forwarder = await startSwitchableForwarder(serverAddress("replica"));
  });
  afterAll(async () => {
    await forwarder?.stop();
    await behind?.node.stop();
    await database?.drop();
  });

  it("never serves a tenant's read from a server that has not replayed the tenant's acknowledged write", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const id = a.customerIds[0]!;
    await behind.superuser("SELECT pg_wal_replay_pause()");
    await waitUntil(
      async () => (await behind.superuser("SELECT pg_get_wal_replay_pause_state() AS s")).rows[0].s === "paused",
      "replay is paused",
    );
    const { prisma, adapter } = createReplicatedAppClient({
      primaryUrl: database.appUrl("primary"),
      replicaUrls: [appUrlAt(database, forwarder.address)],
      replicaPolicy: { maxLagMillis: 3_600_000, recheckAfterMillis: 0 },
    });
    try {
      await prisma.$forTenant(a.id).customer.update({ where: { id }, data: { name: "acknowledged" } });
      await database.caughtUp();
      // Served by the pair's replica, which has replayed the write: it reports a replay position past it.
      const replicaReads = adapter.replicaStats().replicas[0]!.reads;
      expect((await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } })).name).toBe("acknowledged");
      expect(adapter.replicaStats().replicas[0]!.reads).toBe(replicaReads + 1);

      // The address now reaches a replica whose replay stopped before the write (a failover behind a DNS name).
      forwarder.switchTo(behind.node);
      await waitUntil(async () => {
        const before = adapter.replicaStats().replicas[0]!.reads;
        await prisma.$forTenant(b.id).customer.findMany();
        return adapter.replicaStats().replicas[0]!.reads > before;
      }, "the replica URL serves reads again");

      const after = await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } });
      expect(after.name).toBe("acknowledged");
    } finally {
      await prisma.$disconnect();
      await behind.superuser("SELECT pg_wal_replay_resume()");
    }
  });
});
