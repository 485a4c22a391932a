import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { WireProxy } from "../../fixtures/database/wire-proxy.ts";
import { MixedTenantBatchError } from "prisma-tenant-kit";
import {
  type AppClient,
  CONTEXT_MODE,
  createAppClient,
  initTest,
  seedTestTenants,
  startProxyFor,
} from "../setup/init-test.ts";
import type { TestDatabase } from "../setup/init-test.ts";
import { clearDatabase } from "../setup/clear-database.ts";

// A batch $transaction([...]) is one transaction of one tenant. Prisma queues its requests under one DataLoader key;
// the batching guard must neither split it (the parts would run as separate, non-transactional statements: one commits
// while the $transaction rejects) nor run it when its queries belong to different tenants.
let database: TestDatabase;
let a: SeededTenant;
let b: SeededTenant;
let proxy: WireProxy;
let prisma: AppClient;

beforeAll(async () => {
  database = await initTest();
  proxy = await startProxyFor(database);
  ({ prisma } = createAppClient(database, { route: proxy }));
  await prisma.$connect();
});
afterAll(async () => {
  await prisma.$disconnect();
  await proxy.stop();
  await database.drop();
});
beforeEach(async () => {
  await clearDatabase(database.admin);
  [a, b] = (await seedTestTenants(database, { tenants: 2 })) as [SeededTenant, SeededTenant];
  proxy.clear();
});

const statements = () => proxy.messages.filter((m) => m.sql !== undefined).map((m) => m.sql!);
type AuditRow = { tenantId: string; action: string; xmin: string };
const auditRows = async () =>
  (await database.admin.query<AuditRow>(`SELECT "tenantId", action, xmin FROM "AuditLog" ORDER BY action`)).rows;

describe("a batch $transaction mixing tenants", () => {
  const mixed: [string, () => Promise<unknown>][] = [
    [
      "two tenants' writes",
      () =>
        prisma.$transaction([
          prisma.$forTenant(a.id).auditLog.create({ data: { tenantId: a.id, action: "a" } }),
          prisma.$forTenant(b.id).auditLog.create({ data: { tenantId: b.id, action: "b" } }),
        ]),
    ],
    [
      // Before the guard refused it, A's insert committed on its own while B's failed WITH CHECK.
      "a write of A and a failing write of B",
      () =>
        prisma.$transaction([
          prisma.$forTenant(a.id).auditLog.create({ data: { tenantId: a.id, action: "a" } }),
          prisma.$forTenant(b.id).auditLog.create({ data: { tenantId: a.id, action: "b" } }),
        ]),
    ],
    [
      "a scoped and a bare write",
      () =>
        prisma.$transaction([
          prisma.$forTenant(a.id).auditLog.create({ data: { tenantId: a.id, action: "a" } }),
          prisma.auditLog.create({ data: { tenantId: a.id, action: "bare" } }),
        ]),
    ],
    [
      "$forTenant(A).$transaction([B's write])",
      () => {
        const writeOfB = prisma.$forTenant(b.id).auditLog.create({ data: { tenantId: b.id, action: "b" } });
        return prisma.$forTenant(a.id).$transaction([writeOfB]);
      },
    ],
    [
      "$forTenant(A).$transaction([A's write, B's read])",
      () => {
        const db = prisma.$forTenant(a.id);
        const readOfB = prisma.$forTenant(b.id).customer.count();
        return db.$transaction([db.auditLog.create({ data: { tenantId: a.id, action: "a" } }), readOfB]);
      },
    ],
  ];

  it.each(mixed)("%s: throws MixedTenantBatchError and sends nothing", async (_name, run) => {
    const result = run();
    await expect(result).rejects.toBeInstanceOf(MixedTenantBatchError);
    await expect(result).rejects.toMatchObject({ code: "TENANT_BATCH_MIXED", name: "MixedTenantBatchError" });
    expect(statements()).toEqual([]);
    expect(await auditRows()).toEqual([]);
  });

  it("names the tenants it found, the bare client as null", async () => {
    const error = await prisma
      .$transaction([prisma.$forTenant(a.id).customer.count(), prisma.customer.count()])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ meta: { tenants: [a.id, null] } });
    expect((error as Error).message).toContain(`${JSON.stringify(a.id)} and no tenant (bare client)`);
  });
});

describe("a single-tenant batch $transaction", () => {
  it("is one transaction on one connection: BEGIN, the tenant, every statement, COMMIT", async () => {
    const db = prisma.$forTenant(a.id);
    const [first, second, customers] = await prisma.$transaction([
      db.auditLog.create({ data: { tenantId: a.id, action: "first" } }),
      db.auditLog.create({ data: { tenantId: a.id, action: "second" } }),
      db.customer.count(),
    ]);
    expect([first.tenantId, second.tenantId, customers]).toEqual([a.id, a.id, 5]);
    const sent = statements();
    // The statement that carries the tenant, exactly as the kit sends it in the context mode under test.
    const setTenant =
      CONTEXT_MODE === "transaction-block" ? `SET LOCAL app.tenant_id = '${a.id}'` : "SELECT set_config($1, $2, true)";
    expect(sent[0]).toBe("BEGIN");
    expect(sent[1]).toBe(setTenant);
    expect(sent.filter((sql) => sql === setTenant)).toHaveLength(1);
    expect(sent.filter((sql) => /^INSERT/.test(sql))).toHaveLength(2);
    expect(sent.at(-1)).toBe("COMMIT");
    // Both rows were written by the same server transaction.
    const rows = await auditRows();
    expect(rows.map((row) => row.tenantId)).toEqual([a.id, a.id]);
    expect(new Set(rows.map((row) => row.xmin)).size).toBe(1);
  });

  it("rolls back every statement when one fails", async () => {
    const db = prisma.$forTenant(a.id);
    await expect(
      db.$transaction([
        db.auditLog.create({ data: { tenantId: a.id, action: "kept?" } }),
        db.auditLog.create({ data: { tenantId: b.id, action: "refused by WITH CHECK" } }),
      ]),
    ).rejects.toThrow(/row-level security/);
    expect(statements()).toContain("ROLLBACK");
    expect(await auditRows()).toEqual([]);
  });
});
