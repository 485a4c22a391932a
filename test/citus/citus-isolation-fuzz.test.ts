import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import {
  CITUS_SKIP_REASON,
  citus,
  citusAdminPool,
  citusRoutes,
  createCitusAppClient,
  seedCitusTenants,
} from "../setup/init-citus-test.ts";
import { seededRandom } from "../../fixtures/seeded-random.ts";

// The seeded isolation fuzz of test/extension/isolation-fuzz.test.ts, compacted, on the Citus cluster in the
// transaction-block mode: random reads and writes of 5 tenants interleaved over a pool of 3 connections, router and
// multi-shard, per-query and in transactions, plus writes aimed at another tenant and a $withTenant that throws.
// Replay a failure with CITUS_FUZZ_SEED=<seed> npx vitest run test/citus/citus-isolation-fuzz.test.ts
const SEED = Number(process.env.CITUS_FUZZ_SEED ?? 20261126);
const OPERATIONS = Number(process.env.CITUS_FUZZ_OPERATIONS ?? 1_000);
const CONCURRENCY = 12;

describe.skipIf(!citus)(`isolation fuzz on a Citus cluster ${CITUS_SKIP_REASON}`, () => {
  let admin: pg.Pool;
  beforeAll(() => void (admin = citusAdminPool()));
  afterAll(() => admin?.end());

  describe.each(citusRoutes())("%s", (route) => {
    let tenants: SeededTenant[];
    let prisma: ReturnType<typeof createCitusAppClient>["prisma"];
    let adapter: ReturnType<typeof createCitusAppClient>["adapter"];
    beforeAll(async () => {
      tenants = await seedCitusTenants({
        tenants: 5,
        customersPerTenant: 4,
        skusPerTenant: 3,
        prefix: `fuzz-${route}`,
      });
      ({ prisma, adapter } = createCitusAppClient({ route, pool: { max: 3 } }));
    });
    afterAll(() => prisma.$disconnect());

    it(`reads 0 and writes 0 rows of another tenant in ${OPERATIONS} operations (seed ${SEED})`, async () => {
      const next = seededRandom(SEED);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      const crossed: string[] = [];
      const failures: string[] = [];
      const ownRows = new Map<string, number>(tenants.map((t) => [t.id, 0]));
      let rejectedForeignWrites = 0;
      const readsOwn = (tenant: SeededTenant, rows: Array<{ tenantId: string } | null>, what: string) => {
        for (const row of rows)
          if (row && row.tenantId !== tenant.id) crossed.push(`${what}: ${tenant.slug} got ${row.tenantId}`);
        return rows.filter(Boolean).length;
      };
      const allCustomerIds = tenants.flatMap((t) => t.customerIds);
      const allSkus = tenants.flatMap((t) => t.skuIds);
      const operations: Array<(t: SeededTenant, n: number) => Promise<unknown>> = [
        async (t) => {
          const n = readsOwn(t, await prisma.$forTenant(t.id).customer.findMany(), "findMany (multi-shard)");
          if (n !== t.customerIds.length) crossed.push(`findMany: ${t.slug} read ${n} of its ${t.customerIds.length}`);
        },
        async (t) =>
          readsOwn(
            t,
            await prisma.$forTenant(t.id).customer.findMany({ where: { tenantId: pick(tenants).id } }),
            "router",
          ),
        async (t) =>
          readsOwn(
            t,
            [await prisma.$forTenant(t.id).customer.findUnique({ where: { id: pick(allCustomerIds) } })],
            "findUnique",
          ),
        async (t) => {
          // Same-tick findUniques of two tenants: Prisma's batching path.
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
          const row = await prisma
            .$forTenant(t.id)
            .auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}` } });
          readsOwn(t, [row], "create");
          ownRows.set(t.id, ownRows.get(t.id)! + 1);
        },
        async (t, n) => {
          const victim = pick(tenants.filter((other) => other.id !== t.id));
          const write = prisma
            .$forTenant(t.id)
            .auditLog.create({ data: { tenantId: victim.id, action: `fuzz:${t.id}:${n}:foreign` } });
          await write.then(
            () => crossed.push(`create: ${t.slug} wrote into ${victim.slug}`),
            () => rejectedForeignWrites++,
          );
        },
        async (t) => {
          const sku = pick(allSkus);
          const { count } = await prisma
            .$forTenant(t.id)
            .inventory.updateMany({ where: { skuId: sku }, data: { quantity: { increment: 1 } } });
          if (count > 0 && !t.skuIds.includes(sku)) crossed.push(`updateMany: ${t.slug} updated ${sku}`);
        },
        async (t) =>
          readsOwn(
            t,
            await prisma.$forTenant(t.id).$queryRaw<Array<{ tenantId: string }>>`
              SELECT c."tenantId" FROM "Customer" c JOIN "Inventory" i ON i."tenantId" = c."tenantId"`,
            "queryRaw join",
          ),
        async (t, n) => {
          const rows = await prisma.$withTenant(t.id, async (tx) => {
            await tx.auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}:tx` } });
            return tx.customer.findMany({ take: 2 });
          });
          readsOwn(t, rows, "$withTenant");
          ownRows.set(t.id, ownRows.get(t.id)! + 1);
        },
        async (t, n) => {
          const thrown = prisma.$withTenant(t.id, async (tx) => {
            await tx.auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}:rolled-back` } });
            throw new Error("fuzz: rollback");
          });
          await expect(thrown).rejects.toThrow("fuzz: rollback");
        },
        async (t) => {
          const db = prisma.$forTenant(t.id);
          const [customers, inventory] = await db.$transaction([
            db.customer.findMany({ take: 3 }),
            db.inventory.findMany(),
          ]);
          readsOwn(t, [...customers, ...inventory], "batch $transaction");
        },
        async (t) => readsOwn(t, await prisma.customer.findMany(), "bare client"),
      ];

      let issued = 0;
      const worker = async () => {
        while (issued < OPERATIONS) {
          const n = issued++;
          await pick(operations)(pick(tenants), n).catch((error: unknown) => failures.push(`${n}: ${String(error)}`));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      expect(crossed).toEqual([]);
      expect(failures).toEqual([]);
      expect(rejectedForeignWrites).toBeGreaterThan(0);
      expect(adapter.pool.totalCount - adapter.pool.idleCount).toBe(0);
      // Every audit row sits in the tenant that wrote it; none of another tenant's, none rolled back; none lost.
      const { rows } = await admin.query<{ tenantId: string; writer: string; n: number }>(
        `SELECT "tenantId", split_part(action, ':', 2) AS writer, count(*)::int AS n FROM "AuditLog"
          WHERE action LIKE 'fuzz:%' AND "tenantId" = ANY($1) GROUP BY 1, 2 ORDER BY 1`,
        [tenants.map((t) => t.id)],
      );
      expect(rows.filter((r) => r.tenantId !== r.writer)).toEqual([]);
      expect(Object.fromEntries(rows.map((r) => [r.tenantId, r.n]))).toEqual(
        Object.fromEntries([...ownRows].filter(([, n]) => n > 0)),
      );
    }, 300_000); // a budget, not an assertion
  });
});
