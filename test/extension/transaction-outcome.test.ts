import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { type TenantContextMode, TransactionNotCommittedError } from "prisma-tenant-kit";
import { clearDatabase } from "../setup/clear-database.ts";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";

// A transaction that did not commit must never look committed: Postgres answers the COMMIT of an aborted transaction
// with ROLLBACK and no error, so a callback that caught a failed statement and returned would otherwise resolve with
// its earlier writes gone. Both context modes are asserted here, each direct and through PgBouncer.
let database: TestDatabase;
let tenants: SeededTenant[];

beforeAll(async () => (database = await initTest()));
afterAll(() => database.drop());
beforeEach(async () => {
  await clearDatabase(database.admin);
  tenants = await seedTestTenants(database, { tenants: 1 });
});

const auditActions = async () =>
  (await database.admin.query<{ action: string }>(`SELECT action FROM "AuditLog" ORDER BY action`)).rows.map(
    (row) => row.action,
  );

const MODES: TenantContextMode[] = ["set-config", "transaction-block"];
const CASES = availableRoutes().flatMap((route) => MODES.map((mode) => [route, mode] as const));

describe.each(CASES)("a $withTenant transaction that did not commit (%s, %s)", (route, contextMode) => {
  let prisma: AppClient;
  beforeAll(() => ({ prisma } = createAppClient(database, { route, contextMode })));
  afterAll(() => prisma.$disconnect());

  it("rejects with TransactionNotCommittedError when the callback caught a failed statement and returned", async () => {
    const [a] = tenants as [SeededTenant];
    const skuId = a.skuIds[0]!;
    const outcome = prisma.$withTenant(a.id, async (tx) => {
      await tx.auditLog.create({ data: { tenantId: a.id, action: "before the failure" } });
      // A unique violation (the seed already holds this tenant's inventory row for the sku), caught by the callback.
      const duplicate = await tx.inventory.create({ data: { tenantId: a.id, skuId, quantity: 1 } }).catch((e) => e);
      expect(duplicate).toMatchObject({ code: "P2002" });
      return "the callback returned";
    });
    await expect(outcome).rejects.toBeInstanceOf(TransactionNotCommittedError);
    await expect(outcome).rejects.toMatchObject({ code: "TRANSACTION_NOT_COMMITTED", reason: "rolled-back" });
    expect(await auditActions()).toEqual([]);
    // The connection is clean: the next transaction commits.
    await prisma.$withTenant(a.id, (tx) => tx.auditLog.create({ data: { tenantId: a.id, action: "next" } }));
    expect(await auditActions()).toEqual(["next"]);
  });

  it.each(["COMMIT AND CHAIN", "ROLLBACK AND CHAIN", "END AND CHAIN", "abort and chain"])(
    "refuses %s inside the callback and rolls the whole transaction back",
    async (control) => {
      const [a] = tenants as [SeededTenant];
      let refusal: unknown;
      const outcome = prisma.$withTenant(a.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, action: "before the chain" } });
        refusal = await tx.$executeRawUnsafe(control).catch((e) => e);
        await tx.auditLog.create({ data: { tenantId: a.id, action: "after the chain" } }).catch(() => undefined);
      });
      await expect(outcome).rejects.toMatchObject({ code: "TRANSACTION_NOT_COMMITTED", reason: "transaction-control" });
      // The raw call's own rejection passes through Prisma's raw-query error wrapping, which keeps the message.
      expect(String(refusal)).toMatch(/sent COMMIT \/ ROLLBACK AND CHAIN, which the kit refuses/);
      expect(await auditActions()).toEqual([]);
    },
  );

  it("still resolves when a failed statement was rolled back to a savepoint", async () => {
    const [a] = tenants as [SeededTenant];
    const skuId = a.skuIds[0]!;
    await prisma.$withTenant(a.id, async (tx) => {
      await tx.auditLog.create({ data: { tenantId: a.id, action: "kept" } });
      await tx.$executeRawUnsafe("SAVEPOINT before_duplicate");
      const duplicate = await tx.inventory.create({ data: { tenantId: a.id, skuId, quantity: 1 } }).catch((e) => e);
      expect(duplicate).toMatchObject({ code: "P2002" });
      await tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT before_duplicate");
    });
    expect(await auditActions()).toEqual(["kept"]);
  });
});
