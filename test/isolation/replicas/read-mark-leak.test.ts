import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../../fixtures/database/seed-tenants.ts";
import { startWireProxy, type WireProxy } from "../../../fixtures/database/wire-proxy.ts";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import {
  CONTEXT_MODE,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
} from "../../setup/init-test.ts";
import { importPrismaClient } from "../../setup/prisma-client-under-test.ts";
import { appUrlAt, seedReplicatedTenants, serverAddress } from "../../setup/replicated-app.ts";

const PrismaClient = await importPrismaClient();

// A read operation's replica mark is in the AsyncLocalStorage context while later extensions' hooks run. A statement
// sent from there that the kit's own hook never sees (through the client the app built the kit on) inherits it: it
// must still never be sent to a replica, and a write must still count for read-your-writes.
describe.skipIf(!replicationAvailable())("the read mark and statements sent inside a read's hooks", () => {
  let database: ReplicatedTestDatabase;
  let tenants: SeededTenant[];
  let primary: WireProxy;
  let replica: WireProxy;

  beforeAll(async () => {
    database = await initReplicatedTest();
    tenants = await seedReplicatedTenants(database, { tenants: 1, customersPerTenant: 1 });
    await database.caughtUp();
    primary = await startWireProxy(serverAddress("primary"));
    replica = await startWireProxy(serverAddress("replica"));
  });
  afterAll(async () => {
    await primary?.stop();
    await replica?.stop();
    await database?.drop();
  });

  it("sends a write made through the base client in a read's hook to the primary, once, and tracks it", async () => {
    const [a] = tenants as [SeededTenant];
    const adapter = createTenantAdapter({
      connectionString: appUrlAt(database, primary),
      pool: { max: 3 },
      replicas: [{ connectionString: appUrlAt(database, replica), pool: { max: 3 } }],
      replicaPolicy: { maxLagMillis: 600_000, logger: () => undefined },
      contextMode: CONTEXT_MODE,
    });
    const base = new PrismaClient({ adapter });
    const prisma = base.$extends(tenantExtension()).$extends({
      name: "audit-reads",
      query: {
        customer: {
          async findMany({ args, query }) {
            const rows = await query(args);
            // An audit row through the client the kit was applied to (a common shape: `base` is module-scoped).
            await base.customerNote.create({ data: { customerId: a.customerIds[0]!, body: "audit: customers read" } });
            return rows;
          },
        },
      },
    });
    try {
      await prisma.$connect();
      primary.clear();
      replica.clear();
      await prisma.$forTenant(a.id).customer.findMany();

      const inserts = (proxy: WireProxy) => proxy.messages.filter((m) => /^\s*INSERT\b/i.test(m.sql ?? "")).length;
      expect(inserts(replica)).toBe(0);
      expect(inserts(primary)).toBe(1);
      const stats = adapter.replicaStats();
      expect(stats.fallbacks["replica-error"]).toBe(0);
      // Its commit position is recorded: the tenant's next read waits for a replica that has replayed it.
      expect(stats.trackedTenants).toBe(1);
      const { rows } = await database.admin.query(`SELECT count(*)::int AS n FROM "CustomerNote" WHERE body = $1`, [
        "audit: customers read",
      ]);
      expect(rows[0].n).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });
});
