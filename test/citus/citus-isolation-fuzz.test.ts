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
import { expectIsolationHeld, type FuzzOperation, runIsolationFuzz } from "../setup/isolation-fuzz-run.ts";

// The seeded isolation fuzz of test/isolation/isolation-fuzz.test.ts (test/setup/isolation-fuzz-run.ts) on the Citus
// cluster in the transaction-block mode: random reads and writes of 5 tenants interleaved over a pool of 3 connections,
// per-query and in transactions, writes aimed at another tenant, plus Citus's two query shapes: router reads (filtered
// on the distribution column) and a multi-shard raw join. Its failure paths (timeouts, terminated backends) are left
// out here: they test the pool, which the main fuzz covers; this one tests that the tenant reaches every shard.
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
      const outcome = await runIsolationFuzz({
        prisma,
        tenants,
        seed: SEED,
        operations: OPERATIONS,
        concurrency: CONCURRENCY,
        failurePathShare: 0,
        terminators: [],
        extraOperations: ({ random, outcome }): FuzzOperation[] => {
          const readsOwn = (t: SeededTenant, rows: Array<{ tenantId: string }>, what: string) => {
            for (const row of rows)
              if (row.tenantId !== t.id) outcome.foreignReads.push(`${what}: ${t.slug} got ${row.tenantId}`);
          };
          return [
            async (t) => {
              const asked = tenants[Math.floor(random() * tenants.length)]!;
              const rows = await prisma.$forTenant(t.id).customer.findMany({ where: { tenantId: asked.id } });
              readsOwn(t, rows, "router findMany");
              if (asked.id === t.id && rows.length !== t.customerIds.length)
                outcome.foreignReads.push(`router findMany: ${t.slug} read ${rows.length} of its customers`);
            },
            async (t) => {
              const rows = await prisma.$forTenant(t.id).customer.findMany();
              readsOwn(t, rows, "multi-shard findMany");
              if (rows.length !== t.customerIds.length)
                outcome.foreignReads.push(`multi-shard findMany: ${t.slug} read ${rows.length} of its customers`);
            },
            async (t, n) => {
              const thrown = prisma.$withTenant(t.id, async (tx) => {
                await tx.auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}:rolled-back` } });
                throw new Error("fuzz: rollback");
              });
              await expect(thrown).rejects.toThrow("fuzz: rollback");
            },
            async (t) => {
              const rows = await prisma.$forTenant(t.id).$queryRaw<Array<{ tenantId: string }>>`
                SELECT c."tenantId" FROM "Customer" c JOIN "Inventory" i ON i."tenantId" = c."tenantId"`;
              readsOwn(t, rows, "multi-shard join");
            },
          ];
        },
      });
      expect(adapter.pool.totalCount - adapter.pool.idleCount).toBe(0);
      await expectIsolationHeld(outcome, admin, tenants, { failurePaths: false });
      const rolledBack = await admin.query(
        `SELECT count(*)::int AS n FROM "AuditLog" WHERE action LIKE '%:rolled-back'`,
      );
      expect(rolledBack.rows[0].n).toBe(0);
    }, 300_000); // a budget, not an assertion
  });
});
