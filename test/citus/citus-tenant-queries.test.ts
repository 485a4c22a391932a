import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { startWireProxy, type WireProxy } from "../../fixtures/database/wire-proxy.ts";
import {
  CITUS_SKIP_REASON,
  citus,
  citusAdminPool,
  citusRoutes,
  createCitusAppClient,
  seedCitusTenants,
} from "../setup/init-citus-test.ts";

// The kit on a Citus cluster (coordinator + 2 workers, tenant tables distributed by "tenantId" in 4 shards, see
// fixtures/database/citus-distribution.sql), as the application role, in the transaction-block context mode.
// "Router" queries filter on the tenant column, so Citus sends them to the one shard of the tenant; the rest are
// "multi-shard": RLS alone filters them, so Citus plans a task per shard, each on a worker that only knows the tenant
// if the kit's SET LOCAL reached it. EXPLAIN below checks which kind each shape is.

const ROUTER_SQL = `SELECT "tenantId" FROM "Customer" WHERE "tenantId" = $1`;
const MULTI_SHARD_SQL = `SELECT "tenantId" FROM "Customer"`;
// A co-located join and an aggregate over the tenant's tables, planned across the shards.
const MULTI_SHARD_JOIN_SQL = `
  SELECT c."tenantId", count(*)::int AS orders, sum(o."totalCents")::int AS cents
    FROM "Customer" c JOIN "Order" o ON o."tenantId" = c."tenantId" AND o."customerId" = c.id
   GROUP BY c."tenantId"`;

/** Citus's task count of a plan: 1 for a router query, one per shard for a multi-shard one. */
function taskCount(plan: Array<{ "QUERY PLAN": string }>): number {
  const line = plan.map((row) => row["QUERY PLAN"]).find((text) => /Task Count: \d+/.test(text));
  return Number(/Task Count: (\d+)/.exec(line ?? "")?.[1]);
}

describe.skipIf(!citus)(`tenant-scoped queries on a Citus cluster ${CITUS_SKIP_REASON}`, () => {
  let tenants: SeededTenant[];
  let admin: pg.Pool;
  const orderCents = new Map<string, number>();

  beforeAll(async () => {
    tenants = await seedCitusTenants({ tenants: 3, customersPerTenant: 4, prefix: "citus-queries" });
    admin = citusAdminPool();
    // One order per customer, so includes and joins have rows on both sides.
    for (const [t, tenant] of tenants.entries()) {
      let cents = 0;
      for (const [c, customerId] of tenant.customerIds.entries()) {
        const total = 100 * (t + 1) + c;
        cents += total;
        await admin.query(`INSERT INTO "Order" (id, "tenantId", "customerId", "totalCents") VALUES ($1, $2, $3, $4)`, [
          `${tenant.slug}-order-${c}`,
          tenant.id,
          customerId,
          total,
        ]);
      }
      orderCents.set(tenant.id, cents);
    }
  });
  afterAll(() => admin?.end());

  it("plans the tenant-filtered shapes as router queries and the RLS-only ones across every shard", async () => {
    const { prisma } = createCitusAppClient();
    try {
      const db = prisma.$forTenant(tenants[0]!.id);
      const explain = (sql: string, ...values: unknown[]) =>
        db.$queryRawUnsafe<Array<{ "QUERY PLAN": string }>>(`EXPLAIN ${sql}`, ...values);
      expect(taskCount(await explain(ROUTER_SQL, tenants[0]!.id))).toBe(1);
      expect(taskCount(await explain(MULTI_SHARD_SQL))).toBe(4);
      expect(taskCount(await explain(MULTI_SHARD_JOIN_SQL))).toBe(4);
    } finally {
      await prisma.$disconnect();
    }
  });

  describe.each(citusRoutes())("in the transaction-block mode (%s)", (route) => {
    let prisma: ReturnType<typeof createCitusAppClient>["prisma"];
    beforeAll(() => void ({ prisma } = createCitusAppClient({ route })));
    afterAll(() => prisma.$disconnect());

    it("$forTenant reads exactly its tenant's rows, multi-shard and router", async () => {
      for (const tenant of tenants) {
        const db = prisma.$forTenant(tenant.id);
        const all = await db.customer.findMany({ orderBy: { email: "asc" } });
        expect(all.map((c) => c.id).sort()).toEqual([...tenant.customerIds].sort());
        const routed = await db.customer.findMany({ where: { tenantId: tenant.id } });
        expect(routed).toHaveLength(tenant.customerIds.length);
        // Asking for another tenant's rows by its tenant column routes to that tenant's shard, and RLS returns none.
        const other = tenants.find((t) => t.id !== tenant.id)!;
        expect(await db.customer.findMany({ where: { tenantId: other.id } })).toEqual([]);
        expect(await db.customer.findUnique({ where: { id: other.customerIds[0]! } })).toBeNull();
        expect(await db.customer.count()).toBe(tenant.customerIds.length);
      }
    });

    it("relation includes return only the tenant's related rows", async () => {
      for (const tenant of tenants) {
        const customers = await prisma.$forTenant(tenant.id).customer.findMany({ include: { orders: true } });
        expect(customers).toHaveLength(tenant.customerIds.length);
        const orders = customers.flatMap((c) => c.orders);
        expect(orders).toHaveLength(tenant.customerIds.length);
        expect(new Set([...customers, ...orders].map((row) => row.tenantId))).toEqual(new Set([tenant.id]));
        const order = await prisma.$forTenant(tenant.id).order.findFirst({ include: { customer: true } });
        expect(order?.customer.tenantId).toBe(tenant.id);
      }
    });

    it("$queryRaw and $executeRaw see only the tenant, on router and multi-shard plans", async () => {
      for (const tenant of tenants) {
        const db = prisma.$forTenant(tenant.id);
        const multi = await db.$queryRawUnsafe<Array<{ tenantId: string }>>(MULTI_SHARD_SQL);
        expect(multi.map((r) => r.tenantId)).toEqual(tenant.customerIds.map(() => tenant.id));
        const router = await db.$queryRawUnsafe<Array<{ tenantId: string }>>(ROUTER_SQL, tenant.id);
        expect(router).toHaveLength(tenant.customerIds.length);
        const joined =
          await db.$queryRawUnsafe<Array<{ tenantId: string; orders: number; cents: number }>>(MULTI_SHARD_JOIN_SQL);
        expect(joined).toEqual([
          { tenantId: tenant.id, orders: tenant.customerIds.length, cents: orderCents.get(tenant.id) },
        ]);
        // A multi-shard UPDATE touches the tenant's rows only (every shard runs it, RLS filters on each).
        const updated = await db.$executeRaw`UPDATE "Inventory" SET quantity = quantity WHERE quantity >= 0`;
        expect(updated).toBe(tenant.skuIds.length);
      }
    });

    it("writes land in the tenant; a write into another tenant is rejected and leaves nothing", async () => {
      const [a, b] = tenants as [SeededTenant, SeededTenant];
      const email = `write-${route}@citus.test`;
      const created = await prisma.$forTenant(a.id).customer.create({ data: { tenantId: a.id, name: "n", email } });
      expect(created.tenantId).toBe(a.id);
      // The tenant column that defaults to the setting: the coordinator evaluates the default inside the block.
      const note = await prisma
        .$forTenant(a.id)
        .customerNote.create({ data: { customerId: created.id, body: `note ${route}` } });
      expect(note.tenantId).toBe(a.id);
      const foreign = prisma
        .$forTenant(a.id)
        .customer.create({ data: { tenantId: b.id, name: "n", email: `foreign-${route}@citus.test` } });
      await expect(foreign).rejects.toThrow(/row-level security/);
      const updateForeign = prisma
        .$forTenant(a.id)
        .customer.updateMany({ where: { tenantId: b.id }, data: { name: "taken" } });
      expect((await updateForeign).count).toBe(0);
      const { rows } = await admin.query(
        `SELECT "tenantId", count(*)::int AS n FROM "Customer" WHERE email LIKE $1 OR name = 'taken' GROUP BY 1`,
        [`%-${route}@citus.test`],
      );
      expect(rows).toEqual([{ tenantId: a.id, n: 1 }]);
      await admin.query(`DELETE FROM "Customer" WHERE email = $1`, [email]); // the read tests count customers
    });

    it("$withTenant commits its writes in the tenant and rolls back on a throw", async () => {
      const [a] = tenants as [SeededTenant];
      const action = `citus-tx-${route}`;
      const seen = await prisma.$withTenant(a.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, action } });
        return tx.customer.findMany();
      });
      expect(new Set(seen.map((c) => c.tenantId))).toEqual(new Set([a.id]));
      expect(seen.length).toBeGreaterThanOrEqual(a.customerIds.length);
      const thrown = prisma.$withTenant(a.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, action: `${action}-rolled-back` } });
        throw new Error("rollback");
      });
      await expect(thrown).rejects.toThrow("rollback");
      const { rows } = await admin.query(`SELECT action, "tenantId" FROM "AuditLog" WHERE action LIKE $1`, [
        `${action}%`,
      ]);
      expect(rows).toEqual([{ action, tenantId: a.id }]);
    });

    it("a batch $transaction runs every query with the tenant", async () => {
      for (const tenant of tenants) {
        const db = prisma.$forTenant(tenant.id);
        const [customers, inventory, orders] = await db.$transaction([
          db.customer.findMany(),
          db.inventory.findMany({ where: { tenantId: tenant.id } }),
          db.order.aggregate({ _sum: { totalCents: true } }),
        ]);
        expect(new Set([...customers, ...inventory].map((row) => row.tenantId))).toEqual(new Set([tenant.id]));
        expect(inventory).toHaveLength(tenant.skuIds.length);
        expect(orders._sum.totalCents).toBe(orderCents.get(tenant.id));
      }
    });

    it("the bare client (no tenant) sees no rows", async () => {
      expect(await prisma.customer.findMany()).toEqual([]);
      expect(await prisma.$queryRawUnsafe(MULTI_SHARD_JOIN_SQL)).toEqual([]);
    });
  });

  it("sends BEGIN, SET LOCAL citus.propagate_set_commands, SET LOCAL <setting>, query, COMMIT, one Sync", async () => {
    const url = new URL(citus!.superuserUrl);
    const proxy: WireProxy = await startWireProxy({ host: url.hostname, port: Number(url.port) });
    const recorded = createCitusAppClient({ route: { host: proxy.host, port: proxy.port } });
    try {
      await recorded.prisma.$connect();
      proxy.clear();
      await recorded.prisma.$forTenant(tenants[0]!.id).customer.count();
      const statements = proxy.messages.filter((m) => m.type === "P").map((m) => m.sql);
      expect(statements.slice(0, 3)).toEqual([
        "BEGIN",
        "SET LOCAL citus.propagate_set_commands = 'local'",
        `SET LOCAL app.tenant_id = '${tenants[0]!.id}'`,
      ]);
      expect(statements.at(-1)).toBe("COMMIT");
      expect(statements).toHaveLength(5);
      expect(proxy.messages.filter((m) => m.type === "S")).toHaveLength(1);
    } finally {
      await recorded.prisma.$disconnect();
      await proxy.stop();
    }
  });
});
