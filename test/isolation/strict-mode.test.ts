import { afterAll, beforeAll, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { WireProxy } from "../../fixtures/database/wire-proxy.ts";
import { TenantContextMissingError } from "prisma-tenant-kit";
import {
  type AppClient,
  createAppClient,
  initTest,
  seedTestTenants,
  startProxyFor,
  type TestDatabase,
} from "../setup/init-test.ts";

let database: TestDatabase;
let tenants: SeededTenant[];
let proxy: WireProxy;
let prisma: AppClient;

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2 });
  proxy = await startProxyFor(database);
  ({ prisma } = createAppClient(database, { route: proxy, extension: { strict: true } }));
  await prisma.$connect();
});
afterAll(async () => {
  await prisma.$disconnect();
  await proxy.stop();
  await database.drop();
});

it("throws TenantContextMissingError for a bare query before anything reaches the database", async () => {
  proxy.clear();
  await expect(prisma.customer.findMany()).rejects.toBeInstanceOf(TenantContextMissingError);
  await expect(prisma.$queryRaw`SELECT 1`).rejects.toMatchObject({ code: "TENANT_CONTEXT_MISSING" });
  await expect(prisma.customer.findMany()).rejects.toThrow(/prisma\.customer\.findMany\(\) ran without a tenant/);
  expect(proxy.messages).toEqual([]);
});

it("still runs tenant-scoped reads, writes and transactions", async () => {
  const [a] = tenants as [SeededTenant];
  const db = prisma.$forTenant(a.id);
  expect(await db.customer.count()).toBe(5);
  expect(await db.$transaction([db.customer.count()])).toEqual([5]);
  const log = await prisma.$withTenant(a.id, (tx) =>
    tx.auditLog.create({ data: { tenantId: a.id, action: "strict" } }),
  );
  expect(log.tenantId).toBe(a.id);
});
