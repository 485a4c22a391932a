import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { type TenantAdapterFactory, TransactionLeftOpenError } from "prisma-tenant-kit";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";
import { clearDatabase } from "../setup/clear-database.ts";

// A connection must never go back to the pool inside a transaction block. Pool max 1, so without the ReadyForQuery
// check the next caller gets that very connection (through PgBouncer: the server connection PgBouncer keeps bound to
// it while it is in a transaction). Nor may a transaction's connection stay checked out after its ROLLBACK failed
// (Prisma 6 then never releases it: test/driver/prisma-transaction-release.test.ts), or every later caller waits.
let database: TestDatabase;
let tenants: SeededTenant[];
beforeAll(async () => (database = await initTest()));
afterAll(() => database.drop());
beforeEach(async () => {
  await clearDatabase(database.admin);
  tenants = await seedTestTenants(database, { tenants: 2, prefix: "left-open" });
});

const auditActions = async () =>
  (
    await database.admin.query<{ tenantId: string; action: string }>(
      `SELECT "tenantId", action FROM "AuditLog" ORDER BY action`,
    )
  ).rows;

describe.each(availableRoutes())("a connection left in a transaction (%s)", (route) => {
  let prisma: AppClient;
  let adapter: TenantAdapterFactory;
  beforeAll(() => ({ prisma, adapter } = createAppClient(database, { route, pool: { max: 1 } })));
  afterAll(() => prisma.$disconnect());

  it.each(["BEGIN", "START TRANSACTION", "start transaction read write"])(
    "fails a per-query %s with TRANSACTION_LEFT_OPEN and discards the connection, so B's acknowledged write stays",
    async (statement) => {
      const [a, b] = tenants as [SeededTenant, SeededTenant];
      const error = await prisma
        .$forTenant(a.id)
        .$executeRawUnsafe(statement)
        .catch((e: unknown) => e);
      await prisma.$forTenant(b.id).auditLog.create({ data: { tenantId: b.id, action: "b.write" } });
      // Without the check A's ROLLBACK (or its connection closing) would take B's write with it.
      await prisma.$forTenant(a.id).$executeRawUnsafe("ROLLBACK");
      await prisma.$disconnect();
      expect(await auditActions()).toEqual([{ tenantId: b.id, action: "b.write" }]);
      expect(error).toMatchObject({
        code: "TRANSACTION_LEFT_OPEN",
        message: expect.stringMatching(/ReadyForQuery status "T".*discarded.*\$withTenant/s),
      });
    },
  );

  it(
    "throws TransactionLeftOpenError from release() of a checkout " + "still in a transaction, and discards it",
    async () => {
      const [b] = tenants.slice(1) as [SeededTenant];
      await prisma.$connect();
      const client = await adapter.pool.connect();
      await client.query("BEGIN");
      await client.query(`SELECT 1`);
      expect(() => client.release()).toThrow(TransactionLeftOpenError);
      expect(adapter.pool.totalCount).toBe(0);
      await prisma.$forTenant(b.id).auditLog.create({ data: { tenantId: b.id, action: "b.after-release" } });
      await prisma.$disconnect();
      expect(await auditActions()).toEqual([{ tenantId: b.id, action: "b.after-release" }]);
    },
  );

  it(
    "refuses the statements after a raw COMMIT inside $withTenant " + "(its checkout's transaction has ended)",
    async () => {
      const [a] = tenants as [SeededTenant];
      await expect(
        prisma.$withTenant(a.id, async (tx) => {
          await tx.auditLog.create({ data: { tenantId: a.id, action: "a.before-commit" } });
          await tx.$executeRawUnsafe("COMMIT");
          // Would otherwise run outside any transaction, with no tenant (or, after a raw BEGIN, in one Prisma never
          // ends).
          await tx.auditLog.create({ data: { tenantId: a.id, action: "a.after-commit" } });
        }),
      ).rejects.toMatchObject({ code: "STALE_STATEMENT" });
      expect((await auditActions()).map((row) => row.action)).toEqual(["a.before-commit"]);
      // Its ROLLBACK was refused as stale, yet the connection went back: the pool (max 1) still serves.
      expect(adapter.pool.totalCount - adapter.pool.idleCount).toBe(0);
    },
  );

  it("hands back a transaction's connection that the server terminated (its ROLLBACK fails)", async () => {
    const [a, b] = tenants as [SeededTenant, SeededTenant];
    const failure = await prisma
      .$withTenant(a.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, action: "a.terminated" } });
        const [backend] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        await database.admin.query("SELECT pg_terminate_backend($1)", [backend!.pid]);
        await tx.auditLog.create({ data: { tenantId: a.id, action: "a.after-terminate" } });
      })
      .catch((error: unknown) => error);
    expect(String(failure)).toMatch(/terminat|closed|connection/i);
    await expect.poll(() => adapter.pool.totalCount - adapter.pool.idleCount).toBe(0);
    await prisma.$forTenant(b.id).auditLog.create({ data: { tenantId: b.id, action: "b.after" } });
    await prisma.$disconnect();
    expect(await auditActions()).toEqual([{ tenantId: b.id, action: "b.after" }]);
  });
});
