import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { InvalidTenantIdError, TenantMismatchError } from "prisma-tenant-kit";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";
import { clearDatabase } from "../setup/clear-database.ts";

let database: TestDatabase;
let tenants: SeededTenant[];

beforeAll(async () => (database = await initTest()));
afterAll(() => database.drop());
beforeEach(async () => {
  await clearDatabase(database.admin);
  tenants = await seedTestTenants(database, { tenants: 2 });
});

const auditRows = async (database: TestDatabase) =>
  (
    await database.admin.query<{ tenantId: string; action: string }>(
      `SELECT "tenantId", action FROM "AuditLog" ORDER BY action`,
    )
  ).rows;

describe.each(availableRoutes())("$withTenant (%s)", (route) => {
  let prisma: AppClient;
  beforeAll(() => ({ prisma } = createAppClient(database, { route })));
  afterAll(() => prisma.$disconnect());

  it("commits writes under the tenant", async () => {
    const [a] = tenants as [SeededTenant];
    const order = await prisma.$withTenant(a.id, async (tx) => {
      const created = await tx.order.create({
        data: { tenantId: a.id, customerId: a.customerIds[0]!, totalCents: 100 },
      });
      await tx.auditLog.create({ data: { tenantId: a.id, action: "order.created", entityId: created.id } });
      return created;
    });
    expect(order.tenantId).toBe(a.id);
    expect(await auditRows(database)).toEqual([{ tenantId: a.id, action: "order.created" }]);
  });

  it("rolls everything back when the callback throws", async () => {
    const [a] = tenants as [SeededTenant];
    await expect(
      prisma.$withTenant(a.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, action: "a" } });
        await tx.inventory.update({
          where: { tenantId_skuId: { tenantId: a.id, skuId: a.skuIds[0]! } },
          data: { quantity: 0 },
        });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await auditRows(database)).toEqual([]);
    const { rows } = await database.admin.query(`SELECT quantity FROM "Inventory" WHERE "skuId" = $1`, [a.skuIds[0]]);
    expect(rows[0].quantity).toBe(1_000);
  });

  it("refuses to write another tenant's row (WITH CHECK) and leaves the database as it was", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    await expect(
      prisma.$withTenant(a.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, action: "a" } });
        await tx.auditLog.create({ data: { tenantId: b.id, action: "b" } });
      }),
    ).rejects.toThrow(/row-level security/);
    expect(await auditRows(database)).toEqual([]);
  });

  it("joins an enclosing transaction of the same tenant, so its writes roll back with it", async () => {
    const [a] = tenants as [SeededTenant];
    await expect(
      prisma.$withTenant(a.id, async (tx) => {
        await prisma.$withTenant(a.id, (inner) => inner.auditLog.create({ data: { tenantId: a.id, action: "inner" } }));
        expect(await tx.auditLog.count()).toBe(1);
        throw new Error("outer fails");
      }),
    ).rejects.toThrow("outer fails");
    expect(await auditRows(database)).toEqual([]);
  });

  it("throws TenantMismatchError for a nested call of another tenant", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const nested = prisma.$withTenant(a.id, () => prisma.$withTenant(b.id, async () => "never"));
    await expect(nested).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(nested).rejects.toMatchObject({ code: "TENANT_MISMATCH" });
  });

  it("runs $forTenant(id).$transaction in both forms with the tenant set", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const db = prisma.$forTenant(a.id);
    const viaCallback = await db.$transaction(async (tx) => {
      await tx.auditLog.create({ data: { tenantId: a.id, action: "callback" } });
      return tx.customer.count();
    });
    const [created, count] = await db.$transaction([
      db.auditLog.create({ data: { tenantId: a.id, action: "array" } }),
      db.customer.count(),
    ]);
    expect(viaCallback).toBe(5);
    expect(count).toBe(5);
    expect(created.tenantId).toBe(a.id);
    await expect(db.$transaction([db.auditLog.create({ data: { tenantId: b.id, action: "x" } })])).rejects.toThrow(
      /row-level security/,
    );
    expect(await auditRows(database)).toEqual([
      { tenantId: a.id, action: "array" },
      { tenantId: a.id, action: "callback" },
    ]);
  });

  it("carries the tenant into Prisma's own transaction for a nested write", async () => {
    const [a] = tenants as [SeededTenant];
    const order = await prisma.$forTenant(a.id).order.create({
      data: {
        tenantId: a.id,
        customerId: a.customerIds[0]!,
        items: { create: [{ tenantId: a.id, skuId: a.skuIds[0]!, quantity: 2, unitPriceCents: 5 }] },
      },
      include: { items: true },
    });
    expect(order.items).toHaveLength(1);
  });

  it("rejects an invalid tenant id before touching the database", () => {
    expect(() => prisma.$forTenant("")).toThrow(InvalidTenantIdError);
    expect(() => prisma.$forTenant(undefined as unknown as string)).toThrow(/not valid/);
    return expect(prisma.$withTenant("", async () => 1)).rejects.toMatchObject({ code: "INVALID_TENANT_ID" });
  });
});
