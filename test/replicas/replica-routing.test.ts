import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { startWireProxy, type WireProxy } from "../../fixtures/database/wire-proxy.ts";
import type { TenantAdapterFactory } from "prisma-tenant-kit";
import { instrumentPool } from "prisma-tenant-kit/pool";
import {
  availableRoutes,
  CONTEXT_MODE,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
} from "../setup/init-test.ts";
import { appUrlAt, createReplicatedAppClient, seedReplicatedTenants, serverAddress } from "../setup/replicated-app.ts";

// Where each call runs, read off recording wire proxies in front of the primary and the replica (or their PgBouncers):
// a statement naming a model's table reached that server.
describe.skipIf(!replicationAvailable())("read replica routing", () => {
  let database: ReplicatedTestDatabase;
  let tenants: SeededTenant[];
  beforeAll(async () => {
    database = await initReplicatedTest();
    tenants = await seedReplicatedTenants(database, { tenants: 2, customersPerTenant: 3 });
    await database.caughtUp();
  });
  afterAll(() => database?.drop());

  describe.each(availableRoutes())("%s", (route) => {
    let primary: WireProxy;
    let replica: WireProxy;
    let prisma: ReturnType<typeof createReplicatedAppClient>["prisma"];
    let adapter: TenantAdapterFactory;
    beforeAll(async () => {
      primary = await startWireProxy(serverAddress("primary", route));
      replica = await startWireProxy(serverAddress("replica", route));
      ({ prisma, adapter } = createReplicatedAppClient({
        primaryUrl: appUrlAt(database, primary),
        replicaUrls: [appUrlAt(database, replica)],
        // The shared replica may lag behind other test files' writes; lag is not what this file tests.
        replicaPolicy: { maxLagMillis: 600_000 },
      }));
      await prisma.$connect();
    });
    afterAll(async () => {
      await prisma?.$disconnect();
      await primary?.stop();
      await replica?.stop();
    });
    beforeEach(() => {
      primary.clear();
      replica.clear();
    });

    /** Which servers received a statement on a model table. */
    const servedBy = () => {
      const onTable = (proxy: WireProxy) => proxy.messages.some((m) => m.sql?.includes('"public".'));
      return { primary: onTable(primary), replica: onTable(replica) };
    };
    const db = () => prisma.$forTenant(tenants[0]!.id);

    const reads: [string, () => Promise<unknown>][] = [
      ["findMany", () => db().customer.findMany()],
      ["findFirst", () => db().customer.findFirst()],
      ["findFirstOrThrow", () => db().customer.findFirstOrThrow()],
      ["findUnique", () => db().customer.findUnique({ where: { id: tenants[0]!.customerIds[0]! } })],
      ["findUniqueOrThrow", () => db().customer.findUniqueOrThrow({ where: { id: tenants[0]!.customerIds[0]! } })],
      ["count", () => db().customer.count()],
      ["aggregate", () => db().inventory.aggregate({ _sum: { quantity: true } })],
      ["groupBy", () => db().customer.groupBy({ by: ["tenantId"], _count: true })],
      ["a relation load", () => db().user.findMany({ include: { roles: { include: { role: true } } } })],
    ];
    it.each(reads)("sends a $forTenant %s to the replica only", async (_name, read) => {
      const before = adapter.replicaStats();
      await read();
      expect(servedBy()).toEqual({ primary: false, replica: true });
      const after = adapter.replicaStats();
      expect(after.replicas[0]!.reads).toBeGreaterThan(before.replicas[0]!.reads);
      expect(after.primaryReads).toBe(before.primaryReads);
    });

    const onPrimary: [string, () => Promise<unknown>][] = [
      ["a create", () => db().auditLog.create({ data: { tenantId: tenants[0]!.id, action: "a", entityId: "e" } })],
      ["an update", () => db().customer.update({ where: { id: tenants[0]!.customerIds[0]! }, data: { name: "u" } })],
      ["an updateMany", () => db().customer.updateMany({ where: { name: "nobody" }, data: { name: "x" } })],
      ["a deleteMany", () => db().auditLog.deleteMany({ where: { action: "none" } })],
      ["a $withTenant read", () => prisma.$withTenant(tenants[0]!.id, (tx) => tx.customer.findMany())],
      ["a $transaction(fn) read", () => db().$transaction((tx) => tx.customer.findMany())],
      ["a batch $transaction read", () => db().$transaction([db().customer.findMany(), db().customer.count()])],
      ["a $queryRaw", () => db().$queryRaw`SELECT count(*) FROM "public"."Customer"`],
      ["a $executeRaw", () => db().$executeRaw`UPDATE "public"."Customer" SET name = name WHERE false`],
      ["a bare client read", () => prisma.customer.findMany()],
    ];
    it.each(onPrimary)("sends %s to the primary only", async (_name, call) => {
      await call();
      expect(servedBy()).toEqual({ primary: true, replica: false });
    });

    it("returns the tenant's rows, and only them, from the replica; none to the bare client", async () => {
      for (const tenant of tenants) {
        const customers = await prisma.$forTenant(tenant.id).customer.findMany({ orderBy: { id: "asc" } });
        expect(customers.map((c) => c.id)).toEqual([...tenant.customerIds].sort());
        expect(new Set(customers.map((c) => c.tenantId))).toEqual(new Set([tenant.id]));
      }
      expect(servedBy()).toEqual({ primary: false, replica: true });
      expect(await prisma.customer.findMany()).toEqual([]);
      expect(await prisma.customer.count()).toBe(0);
    });

    it("sends the tenant prelude and the replica's health in a READ COMMITTED block, before ONE Sync", async () => {
      await db().customer.findMany();
      const statements = replica.messages.filter((m) => m.sql !== undefined).map((m) => m.sql!);
      expect(replica.messages.filter((m) => m.type === "S" || m.type === "Q")).toHaveLength(1);
      const health = /^SELECT pg_is_in_recovery\(\), pg_last_wal_replay_lsn\(\)/;
      const read = /FROM "public"\."Customer"/;
      const tenant = CONTEXT_MODE === "transaction-block" ? /^SET LOCAL app\.tenant_id = / : /^SELECT set_config\(/;
      // The read's snapshot is taken after the health statement read the replay position, whatever the server's
      // default isolation.
      expect(statements).toEqual([
        "BEGIN ISOLATION LEVEL READ COMMITTED",
        ...[tenant, health, read].map((pattern) => expect.stringMatching(pattern)),
        "COMMIT",
      ]);
    });

    it("sends a per-query write as BEGIN ... COMMIT + pg_current_wal_insert_lsn() before ONE Sync", async () => {
      await db().customer.update({ where: { id: tenants[0]!.customerIds[1]! }, data: { name: "w" } });
      const statements = primary.messages.filter((m) => m.sql !== undefined).map((m) => m.sql!);
      expect(primary.messages.filter((m) => m.type === "S" || m.type === "Q")).toHaveLength(1);
      expect(statements[0]).toBe("BEGIN");
      expect(statements.slice(-3)).toEqual([
        "SELECT pg_current_xact_id_if_assigned() IS NOT NULL",
        "COMMIT",
        "SELECT pg_current_wal_insert_lsn()",
      ]);
      expect(statements.filter((sql) => sql.includes('"public"."Customer"'))).toHaveLength(1);
    });

    it("rolls a failed per-query write back and keeps its connection clean", async () => {
      const one = createReplicatedAppClient({
        primaryUrl: appUrlAt(database, primary),
        replicaUrls: [appUrlAt(database, replica)],
        replicaPolicy: { maxLagMillis: 600_000 },
        pool: { max: 1 },
      });
      try {
        const scoped = one.prisma.$forTenant(tenants[0]!.id);
        const [existing] = tenants[0]!.customerIds;
        const duplicate = { id: existing!, tenantId: tenants[0]!.id, name: "dup", email: "dup@x.test" };
        await expect(scoped.customer.create({ data: duplicate })).rejects.toMatchObject({ code: "P2002" });
        // The one connection is back in the pool, idle: the next write commits and the tracked tenant reads it.
        await scoped.customer.update({ where: { id: existing! }, data: { name: "after-failure" } });
        expect((await scoped.customer.findUniqueOrThrow({ where: { id: existing! } })).name).toBe("after-failure");
        expect(one.adapter.pool.totalCount).toBe(1);
      } finally {
        await one.prisma.$disconnect();
      }
    });

    it("refuses to read through a replica whose role bypasses RLS (its own role check)", async () => {
      const bypassing = new URL(appUrlAt(database, replica));
      const admin = new URL(database.adminUrl);
      [bypassing.username, bypassing.password] = [admin.username, admin.password];
      const app = createReplicatedAppClient({ primaryUrl: appUrlAt(database, primary), replicaUrls: [bypassing.href] });
      try {
        // Raised below Prisma during a query, it reaches the caller as Prisma's error with the kit's code and message.
        const read = app.prisma.$forTenant(tenants[0]!.id).customer.findMany();
        await expect(read).rejects.toMatchObject({ code: "RLS_BYPASSING_ROLE", message: /BYPASSRLS/ });
        expect(servedBy()).toEqual({ primary: false, replica: false });
      } finally {
        await app.prisma.$disconnect();
      }
    });

    it("publishes each replica pool's own metrics through instrumentPool", async () => {
      const exporter = new PrometheusExporter({ preventServerStart: true });
      const meter = new MeterProvider({ readers: [exporter] }).getMeter("test");
      const stops = [
        instrumentPool(adapter.pool, { meter, name: "primary" }),
        instrumentPool(adapter.replicaPools[0]!, { meter, name: "replica-0" }),
      ];
      await db().customer.findMany();
      await db().customer.findMany();
      const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
      stops.forEach((stop) => stop());
      expect(text).toMatch(/db_client_connections_max\{pool="replica-0"[^}]*\} 3\n/);
      const waits = /db_client_connections_acquire_wait_count\{pool="replica-0"[^}]*\} (\d+)\n/.exec(text);
      expect(Number(waits?.[1])).toBeGreaterThanOrEqual(2); // and the pool's role check, the first time
      expect(text).not.toMatch(/db_client_connections_acquire_wait_count\{pool="primary"/);
    });

    it("round-robins over two replicas per operation, each with its own pool and role check", async () => {
      const second = await startWireProxy(serverAddress("replica", route));
      const two = createReplicatedAppClient({
        primaryUrl: appUrlAt(database, primary),
        replicaUrls: [appUrlAt(database, replica), appUrlAt(database, second)],
        replicaPolicy: { maxLagMillis: 600_000 },
        pool: { max: 2 },
      });
      try {
        // No $connect(): the first read connects, and the primary's role check must still go to the primary.
        for (let i = 0; i < 4; i++) await two.prisma.$forTenant(tenants[1]!.id).customer.count();
        expect(two.adapter.replicaStats().replicas.map((r) => r.reads)).toEqual([2, 2]);
        // A relation load's statements (users, their roles, the roles) stay on one replica.
        await two.prisma.$forTenant(tenants[1]!.id).user.findMany({ include: { roles: { include: { role: true } } } });
        expect(two.adapter.replicaStats().replicas.map((r) => r.reads)).toEqual([5, 2]);
        expect(two.adapter.replicaPools.map((pool) => pool.options.max)).toEqual([2, 2]);
        const roleChecks = (proxy: WireProxy) => proxy.messages.filter((m) => m.sql?.includes("rolbypassrls")).length;
        expect([roleChecks(primary), roleChecks(replica), roleChecks(second)]).toEqual([1, 1, 1]);
      } finally {
        await two.prisma.$disconnect();
        await second.stop();
      }
    });
  });
});
