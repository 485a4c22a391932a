import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { type AppClient, availableRoutes, createAppClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

// >= 10,000 random operations of >= 5 tenants interleaved over a pool of 3 connections. Replay a failure with
// FUZZ_SEED=<the seed in the test name> npx vitest run test/extension/isolation-fuzz.test.ts
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const OPERATIONS = Number(process.env.FUZZ_OPERATIONS ?? 10_000);
const CONCURRENCY = 24;
const TENANTS = 5;

/** mulberry32: a tiny seeded PRNG, so a run is replayable from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let database: TestDatabase;
beforeAll(async () => (database = await initTest()));
afterAll(() => database.drop());

describe.each(availableRoutes())("isolation fuzz (%s)", (route) => {
  let prisma: AppClient;
  let tenants: SeededTenant[];
  beforeAll(async () => {
    tenants = await seedTestTenants(database, { tenants: TENANTS, prefix: `fuzz-${route}` });
    ({ prisma } = createAppClient(database, { route, pool: { max: 3 } }));
  });
  afterAll(() => prisma.$disconnect());

  it(`reads 0 and writes 0 rows of another tenant in ${OPERATIONS} operations (seed ${SEED})`, async () => {
    const next = random(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const foreignReads: string[] = [];
    const increments = new Map<string, number>(tenants.map((t) => [t.id, 0]));
    let rejectedForeignWrites = 0;
    const readsOwn = (tenant: SeededTenant, rows: Array<{ tenantId: string } | null>, what: string) => {
      for (const row of rows) if (row && row.tenantId !== tenant.id) foreignReads.push(`${what}: ${tenant.slug} got ${row.tenantId}`);
    };
    const allCustomerIds = tenants.flatMap((t) => t.customerIds);
    const allSkus = tenants.flatMap((t) => t.skuIds);

    const operations: Array<(t: SeededTenant, n: number) => Promise<void>> = [
      async (t) => readsOwn(t, await prisma.$forTenant(t.id).customer.findMany(), "findMany"),
      async (t) => readsOwn(t, [await prisma.$forTenant(t.id).customer.findUnique({ where: { id: pick(allCustomerIds) } })], "findUnique"),
      async (t) => {
        // Same-tick findUniques of different tenants: Prisma's batching path.
        const other = pick(tenants);
        const id = pick(allCustomerIds);
        const [mine, theirs] = await Promise.all([
          prisma.$forTenant(t.id).customer.findUnique({ where: { id } }),
          prisma.$forTenant(other.id).customer.findUnique({ where: { id } }),
        ]);
        readsOwn(t, [mine], "batched findUnique");
        readsOwn(other, [theirs], "batched findUnique");
      },
      async (t, n) => {
        const log = await prisma.$forTenant(t.id).auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}` } });
        readsOwn(t, [log], "create");
      },
      async (t, n) => {
        const victim = pick(tenants.filter((other) => other.id !== t.id));
        try {
          await prisma.$forTenant(t.id).auditLog.create({ data: { tenantId: victim.id, action: `fuzz:${t.id}:${n}:foreign` } });
        } catch {
          rejectedForeignWrites++;
        }
      },
      async (t) => {
        const sku = pick(allSkus);
        const { count } = await prisma.$forTenant(t.id).inventory.updateMany({ where: { skuId: sku }, data: { quantity: { increment: 1 } } });
        increments.set(t.id, increments.get(t.id)! + count);
        if (count > 0 && !t.skuIds.includes(sku)) foreignReads.push(`updateMany: ${t.slug} updated ${sku}`);
      },
      async (t, n) => {
        // update by primary key: succeeds only for the tenant's own row, P2025 (not found) for anyone else's.
        const id = pick(allCustomerIds);
        try {
          const row = await prisma.$forTenant(t.id).customer.update({ where: { id }, data: { name: `fuzz ${t.id} ${n}` } });
          readsOwn(t, [row], "update");
        } catch (error) {
          if ((error as { code?: string }).code !== "P2025" || t.customerIds.includes(id)) throw error;
        }
      },
      async (t) => readsOwn(t, await prisma.$forTenant(t.id).$queryRaw<{ tenantId: string }[]>`SELECT "tenantId" FROM "Customer"`, "queryRaw"),
      async (t, n) => {
        const rows = await prisma.$withTenant(t.id, async (tx) => {
          await tx.auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}:tx` } });
          return tx.customer.findMany({ take: 2 });
        });
        readsOwn(t, rows, "$withTenant");
      },
      async (t) => {
        const db = prisma.$forTenant(t.id);
        const [customers, inventory] = await db.$transaction([db.customer.findMany({ take: 3 }), db.inventory.findMany()]);
        readsOwn(t, [...customers, ...inventory], "batch $transaction");
      },
      async (t) => readsOwn(t, await prisma.customer.findMany(), "bare client"),
    ];

    let issued = 0;
    const worker = async () => {
      while (issued < OPERATIONS) {
        const n = issued++;
        await pick(operations)(pick(tenants), n);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(foreignReads).toEqual([]);
    // Writes: every audit row sits in the tenant that wrote it, no attempt to write into another tenant succeeded,
    // and each tenant's stock grew by exactly the increments its own updates reported.
    const misplaced = await database.admin.query(
      `SELECT count(*)::int AS n FROM "AuditLog" WHERE action LIKE 'fuzz:%' AND split_part(action, ':', 2) <> "tenantId"`,
    );
    expect(misplaced.rows[0].n).toBe(0);
    const renamed = await database.admin.query(
      `SELECT count(*)::int AS n FROM "Customer" WHERE name LIKE 'fuzz %' AND split_part(name, ' ', 2) <> "tenantId"`,
    );
    expect(renamed.rows[0].n).toBe(0);
    const foreign = await database.admin.query(`SELECT count(*)::int AS n FROM "AuditLog" WHERE action LIKE '%:foreign'`);
    expect(foreign.rows[0].n).toBe(0);
    expect(rejectedForeignWrites).toBeGreaterThan(0);
    for (const tenant of tenants) {
      const { rows } = await database.admin.query(`SELECT sum(quantity)::int AS total FROM "Inventory" WHERE "tenantId" = $1`, [tenant.id]);
      expect(rows[0].total).toBe(5 * 1_000 + increments.get(tenant.id)!);
    }
  });
});
