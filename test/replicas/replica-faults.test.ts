import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import { freePort } from "../../fixtures/database/postgres-server.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { ReplicaPolicy, ReplicaStateChange } from "prisma-tenant-kit";
import { instrumentReplicas } from "prisma-tenant-kit/pool";
import { initReplicatedTest, type ReplicatedTestDatabase, replicationAvailable } from "../setup/init-test.ts";
import {
  appUrlAt,
  createReplicatedAppClient,
  type DedicatedReplica,
  seedReplicatedTenants,
  startDedicatedReplica,
  waitUntil,
} from "../setup/replicated-app.ts";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

// Each fault on a replica of this file's own: every read still returns the tenant's rows, no error reaches the caller,
// the counters and one log line per state change say what happened, and the replica comes back when healthy.
describe.skipIf(!replicationAvailable())("replica faults", () => {
  let database: ReplicatedTestDatabase;
  let tenant: SeededTenant;
  let replica: DedicatedReplica;
  beforeAll(async () => {
    database = await initReplicatedTest();
    [tenant] = (await seedReplicatedTenants(database, { tenants: 2, customersPerTenant: 3 })) as [SeededTenant];
    replica = await startDedicatedReplica();
    await replica.caughtUp();
  });
  afterAll(async () => {
    await replica?.node.stop();
    await database?.drop();
  });

  /** A client whose only replica is `replicaUrl`, re-checked every 20 ms, logging state changes to `changes`. */
  function clientWith(replicaUrl: string, policy: ReplicaPolicy = {}) {
    const changes: ReplicaStateChange[] = [];
    const app = createReplicatedAppClient({
      primaryUrl: database.appUrl("primary"),
      replicaUrls: [replicaUrl],
      replicaPolicy: { recheckAfterMillis: 20, logger: (_message, change) => changes.push(change), ...policy },
      pool: { acquireTimeoutMillis: 5_000 },
    });
    /** Reads the tenant's customers (which must all come back) and says whether the replica served them. */
    const read = async () => {
      const before = app.adapter.replicaStats().replicas[0]!.reads;
      const customers = await app.prisma.$forTenant(tenant.id).customer.findMany();
      expect(customers.map((c) => c.id).sort()).toEqual([...tenant.customerIds].sort());
      return app.adapter.replicaStats().replicas[0]!.reads > before;
    };
    return { ...app, changes, read };
  }

  it("serves every read from the primary when the replica's port is closed, with a metric and a log line", async () => {
    const closed = appUrlAt(database, { host: "127.0.0.1", port: await freePort() });
    const { prisma, adapter, changes, read } = clientWith(closed);
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    const stop = instrumentReplicas(adapter, { meter: provider.getMeter("test") });
    try {
      for (let i = 0; i < 5; i++) {
        expect(await read()).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 25)); // past recheckAfterMillis: probes run and fail
      }
      const { fallbacks, primaryReads, replicas } = adapter.replicaStats();
      expect(fallbacks.unavailable).toBe(1);
      expect(fallbacks["out-of-rotation"]).toBe(4);
      expect(primaryReads).toBe(5);
      expect(replicas[0]!.state).toBe("unavailable");
      expect(changes.map((c) => c.to)).toEqual(["unavailable"]);
      expect(changes[0]!.detail).toMatch(/ECONNREFUSED/);
      const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
      expect(text).toMatch(/tenant_kit_replica_fallbacks(_total)?\{reason="unavailable"[^}]*\} 1\n/);
      expect(text).toMatch(/tenant_kit_replica_fallbacks(_total)?\{reason="out-of-rotation"[^}]*\} 4\n/);
      expect(text).toMatch(/tenant_kit_replica_reads(_total)?\{replica="primary"[^}]*\} 5\n/);
      expect(text).toMatch(/tenant_kit_replica_in_rotation\{replica="replica-0",state="unavailable"[^}]*\} 0\n/);
    } finally {
      stop();
      await prisma.$disconnect();
    }
  });

  it("leaves out a replica whose connection string is empty (e.g. REPLICA_URL unset), saying so once", async () => {
    const { prisma, adapter, changes, read } = clientWith("");
    try {
      expect(changes).toEqual([
        { replica: "replica-0", from: "in-rotation", to: "unavailable", detail: "no connectionString" },
      ]);
      expect(await read()).toBe(false);
      expect(await read()).toBe(false);
      expect(adapter.replicaStats().fallbacks["out-of-rotation"]).toBe(2);
      expect(changes).toHaveLength(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("falls back while the replica is down and uses it again once it is back", async () => {
    const { prisma, adapter, changes, read } = clientWith(replica.appUrl(database));
    try {
      expect(await read()).toBe(true);
      await replica.node.halt();
      expect(await read()).toBe(false);
      expect(await read()).toBe(false);
      expect(adapter.replicaStats().replicas[0]!.state).toBe("unavailable");
      await replica.node.start();
      await waitUntil(read, "the restarted replica serves reads again");
      expect(changes.map((c) => c.to)).toEqual(["unavailable", "in-rotation"]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("falls back while the replica lags past maxLagMillis and uses it again once it has caught up", async () => {
    const { prisma, adapter, changes, read } = clientWith(replica.appUrl(database), { maxLagMillis: 100 });
    try {
      // A transaction it has replayed, so its lag is measured from that one's commit time.
      await database.admin.query(`UPDATE "Tenant" SET name = name WHERE id = $1`, [tenant.id]);
      await replica.caughtUp();
      await waitUntil(read, "the replica serves reads");
      await replica.superuser("SELECT pg_wal_replay_pause()");
      // A write it receives but does not replay: its lag grows from the last transaction it replayed.
      await database.admin.query(
        `INSERT INTO "AuditLog" (id, "tenantId", action) VALUES (gen_random_uuid(), $1, 'x')`,
        [tenant.id],
      );
      await waitUntil(async () => !(await read()) && adapter.replicaStats().fallbacks.lagging > 0, "reads fall back");
      expect(adapter.replicaStats().replicas[0]!.state).toBe("lagging");
      await replica.superuser("SELECT pg_wal_replay_resume()");
      await waitUntil(read, "the replica serves reads again after replaying");
      expect(changes.map((c) => c.to)).toEqual(["lagging", "in-rotation"]);
    } finally {
      await replica.superuser("SELECT pg_wal_replay_resume()");
      await prisma.$disconnect();
    }
  });

  it("takes out a standby that refuses every read (default SERIALIZABLE), so no read runs twice", async () => {
    const owner = createPgClient({
      connectionString: roleUrl(inject("database").replication!.primary.superuserUrl, "owner", database.name),
    });
    await owner.connect();
    await owner.query(`ALTER DATABASE "${database.name}" SET default_transaction_isolation = serializable`);
    await database.caughtUp();
    const { prisma, adapter, changes, read } = clientWith(database.appUrl("replica"));
    try {
      for (let i = 0; i < 4; i++) {
        expect(await read()).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 25)); // past recheckAfterMillis: probes run and fail
      }
      const { fallbacks, replicas } = adapter.replicaStats();
      // The first read met the standby's refusal; the rest went straight to the primary.
      expect(fallbacks["replica-error"]).toBe(1);
      expect(fallbacks["out-of-rotation"]).toBe(3);
      expect(replicas[0]!.state).toBe("unavailable");
      expect(changes.map((c) => c.to)).toEqual(["unavailable"]);
      expect(changes[0]!.detail).toMatch(/serializable mode in a hot standby/);
    } finally {
      await prisma.$disconnect();
      await owner.query(`ALTER DATABASE "${database.name}" RESET default_transaction_isolation`);
      await owner.end();
      await database.caughtUp();
    }
  });

  it("takes a promoted replica out of rotation for good", async () => {
    const promoted = await startDedicatedReplica();
    const { prisma, adapter, changes, read } = clientWith(promoted.appUrl(database));
    try {
      await promoted.caughtUp();
      expect(await read()).toBe(true);
      await promoted.superuser("SELECT pg_promote(true)");
      expect(await read()).toBe(false);
      expect(adapter.replicaStats().fallbacks.promoted).toBe(1);
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25)); // past recheckAfterMillis: each read starts a probe
        expect(await read()).toBe(false);
      }
      expect(adapter.replicaStats().replicas[0]!.state).toBe("promoted");
      expect(changes.map((c) => c.to)).toEqual(["promoted"]);
    } finally {
      await prisma.$disconnect();
      await promoted.node.stop();
    }
  });
});
