import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";

// Prisma merges findUnique/findUniqueOrThrow calls made in the same tick into one statement and dispatches batches
// from one process.nextTick. These tests fire such calls for different tenants in the same tick.
let database: TestDatabase;
let tenants: SeededTenant[];

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 3 });
});
afterAll(() => database.drop());

describe.each(availableRoutes())("request batching across tenants (%s)", (route) => {
  let prisma: AppClient;
  beforeAll(() => ({ prisma } = createAppClient(database, { route })));
  afterAll(() => prisma.$disconnect());

  it("gives each tenant its own row from same-tick findUnique calls", async () => {
    const [a, b, c] = tenants as [SeededTenant, SeededTenant, SeededTenant];
    const found = await Promise.all(
      [a, b, c, a, b, c].map((t, i) =>
        prisma.$forTenant(t.id).customer.findUnique({ where: { id: t.customerIds[i % 5]! } }),
      ),
    );
    found.forEach((row, i) => expect(row?.tenantId).toBe([a, b, c, a, b, c][i]!.id));
  });

  it("never hands tenant B a row of tenant A asked for in the same tick", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const id = a.customerIds[0]!;
    const [forA, forB, bare] = await Promise.all([
      prisma.$forTenant(a.id).customer.findUnique({ where: { id } }),
      prisma.$forTenant(b.id).customer.findUnique({ where: { id } }),
      prisma.customer.findUnique({ where: { id } }),
    ]);
    expect(forA?.id).toBe(id);
    expect(forB).toBeNull();
    expect(bare).toBeNull();
  });

  it("keeps findUniqueOrThrow per tenant: the other tenant gets P2025, not the row", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const id = a.customerIds[1]!;
    const results = await Promise.allSettled([
      prisma.$forTenant(b.id).customer.findUniqueOrThrow({ where: { id } }),
      prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } }),
    ]);
    expect(results[0]).toMatchObject({ status: "rejected", reason: { code: "P2025" } });
    expect(results[1]).toMatchObject({ status: "fulfilled", value: { id, tenantId: a.id } });
  });

  it("runs a batch $transaction under its own tenant while others batch in the same tick", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const dbA = prisma.$forTenant(a.id);
    const dbB = prisma.$forTenant(b.id);
    const [fromB, [customersA, countA], fromBagain] = await Promise.all([
      dbB.customer.findUnique({ where: { id: a.customerIds[2]! } }),
      dbA.$transaction([dbA.customer.findMany(), dbA.inventory.count()]),
      dbB.$transaction([dbB.customer.findUnique({ where: { id: a.customerIds[3]! } })]),
    ]);
    expect(fromB).toBeNull();
    expect(customersA.map((c) => c.tenantId)).toEqual(Array(5).fill(a.id));
    expect(countA).toBe(5);
    expect(fromBagain).toEqual([null]);
  });

  it("keeps a batch $transaction of findUniques (compacted into one statement) inside its tenant", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const dbA = prisma.$forTenant(a.id);
    const dbB = prisma.$forTenant(b.id);
    const [inA, inB] = await Promise.all([
      dbA.$transaction(a.customerIds.map((id) => dbA.customer.findUnique({ where: { id } }))),
      dbB.$transaction(a.customerIds.map((id) => dbB.customer.findUnique({ where: { id } }))),
    ]);
    expect(inA.map((c) => c?.tenantId)).toEqual(Array(5).fill(a.id));
    expect(inB).toEqual(Array(5).fill(null));
  });
});
