import { afterAll, beforeAll, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { isPoolTimeoutError, poolTimeoutResponse, type TenantAdapterFactory } from "prisma-tenant-kit";
import { type AppClient, createAppClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

let database: TestDatabase;
let tenant: SeededTenant;
let prisma: AppClient;
let adapter: TenantAdapterFactory;

/** Resolves once the pool's only connection is checked out, however slow the machine is. */
async function poolBusy(): Promise<void> {
  while (adapter.pool.totalCount === 0 || adapter.pool.idleCount > 0) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  database = await initTest();
  [tenant] = (await seedTestTenants(database, { tenants: 1 })) as [SeededTenant];
  ({ prisma, adapter } = createAppClient(database, {
    pool: { max: 1, acquireTimeoutMillis: 2_000, idleTimeoutMillis: 0 },
  }));
  // Open the one connection now: on a loaded machine opening it can take a good part of the 2 s timeout.
  await prisma.$forTenant(tenant.id).customer.count();
});
afterAll(async () => {
  await prisma.$disconnect();
  await database.drop();
});

it("fails a query that cannot get a connection with a typed PoolTimeoutError instead of waiting forever", async () => {
  const holder = prisma.$withTenant(tenant.id, (tx) => tx.$executeRaw`SELECT pg_sleep(4)`, { timeout: 10_000 });
  await poolBusy();
  const error = await prisma
    .$forTenant(tenant.id)
    .customer.count()
    .catch((e: unknown) => e);
  await holder;
  // Prisma re-throws adapter errors as PrismaClientKnownRequestError, keeping our code and message.
  expect(isPoolTimeoutError(error)).toBe(true);
  expect(error).toMatchObject({ code: "POOL_TIMEOUT", message: expect.stringMatching(/within \d+ ms \(pool max 1/) });
  const response = poolTimeoutResponse(error)!;
  expect([response.status, response.headers.get("retry-after")]).toEqual([503, "1"]);
  expect(await response.json()).toMatchObject({ code: "POOL_TIMEOUT" });
  expect(poolTimeoutResponse(new Error("other"))).toBeUndefined();
  // The pool recovers by itself once the connection is free.
  expect(await prisma.$forTenant(tenant.id).customer.count()).toBe(5);
});

it("counts a transaction that could not start within maxWait (Prisma P2028) as a pool timeout", async () => {
  const holder = prisma.$withTenant(tenant.id, (tx) => tx.$executeRaw`SELECT pg_sleep(4)`, { timeout: 10_000 });
  await poolBusy();
  const error = await prisma
    .$withTenant(tenant.id, (tx) => tx.customer.count(), { maxWait: 100 })
    .catch((e: unknown) => e);
  await holder;
  expect(error).toMatchObject({
    code: "P2028",
    message: expect.stringContaining("Unable to start a transaction in the given time"),
  });
  expect(isPoolTimeoutError(error)).toBe(true);
  expect(poolTimeoutResponse(error)?.status).toBe(503);
});
