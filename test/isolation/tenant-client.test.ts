import { createTenantAdapter, type TenantClient, tenantClient } from "prisma-tenant-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../fixtures/sales-app/src/generated/prisma/client.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { importPrismaClient } from "../setup/prisma-client-under-test.ts";
import { availableRoutes, CONTEXT_MODE, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

const PrismaClient = await importPrismaClient();
type BaseClient = InstanceType<typeof PrismaClient>;
/** What an app's helpers are typed with: Prisma's own interactive transaction client. */
type AppTransaction = Prisma.TransactionClient;

let database: TestDatabase;
let seeded: SeededTenant[];
const routes = availableRoutes();

beforeAll(async () => {
  database = await initTest();
  seeded = await seedTestTenants(database, { tenants: 2 * routes.length });
});
afterAll(() => database.drop());

/** A helper written before the kit: it takes Prisma's transaction client and writes twice. */
async function addTwo(tx: AppTransaction, tenantId: string, name: string): Promise<void> {
  await tx.customer.create({ data: { tenantId, name: `${name}-1`, email: `${name}-1@x.test` } });
  await tx.customer.create({ data: { tenantId, name: `${name}-2`, email: `${name}-2@x.test` } });
}

describe.each(routes)("tenantClient (%s)", (route) => {
  let base: BaseClient;
  let kit: TenantClient<BaseClient>;
  let tenants: SeededTenant[];
  beforeAll(() => {
    const adapter = createTenantAdapter({ connectionString: database.appUrl(route), contextMode: CONTEXT_MODE });
    base = new PrismaClient({ adapter });
    kit = tenantClient(base);
    const first = 2 * routes.indexOf(route);
    tenants = seeded.slice(first, first + 2);
  });
  afterAll(() => base.$disconnect());

  it("scopes the view's queries to the tenant, while the client it was made from stays without one", async () => {
    const [a, b] = tenants;
    const customers = await kit.$forTenant(a!.id).customer.findMany();
    expect(customers).toHaveLength(5);
    expect(new Set(customers.map((c) => c.tenantId))).toEqual(new Set([a!.id]));
    expect(await kit.$forTenant(b!.id).customer.count({ where: { tenantId: a!.id } })).toBe(0);
    expect(await base.customer.count()).toBe(0);
    expect(await kit.customer.count()).toBe(0);
  });

  it("hands $withTenant's callback a client that passes as Prisma's transaction client: all rows or none", async () => {
    const [a, b] = tenants;
    await kit.$withTenant(a!.id, (tx) => addTwo(tx, a!.id, `both-${route}`));
    expect(await kit.$forTenant(a!.id).customer.count({ where: { name: { startsWith: `both-${route}` } } })).toBe(2);
    await expect(
      kit.$withTenant(a!.id, async (tx) => {
        await addTwo(tx, a!.id, `none-${route}`);
        throw new Error("after both writes");
      }),
    ).rejects.toThrow("after both writes");
    expect(await kit.$forTenant(a!.id).customer.count({ where: { name: { startsWith: `none-${route}` } } })).toBe(0);
    // RLS refuses a row of another tenant written through this tenant's transaction.
    await expect(kit.$withTenant(b!.id, (tx) => addTwo(tx, a!.id, `cross-${route}`))).rejects.toThrow();
    expect(await kit.$forTenant(a!.id).customer.count({ where: { name: { startsWith: `cross-${route}` } } })).toBe(0);
  });
});

describe("TenantClient (types: checked by tsc -p .)", () => {
  it("is the client's own types minus $on, plus the kit's methods", () => {
    const assertTypes = (kit: TenantClient<BaseClient>, base: BaseClient) => {
      const scoped: TenantClient<BaseClient> = kit.$forTenant("t");
      const asTransaction: AppTransaction = kit;
      void kit.$withTenant("t", async (tx) => {
        const passes: AppTransaction = tx;
        return passes;
      });
      // @ts-expect-error: an extended client has no $on
      void kit.$on;
      // @ts-expect-error: the client it was made from has no kit methods
      void base.$forTenant;
      return [scoped, asTransaction];
    };
    expect(typeof assertTypes).toBe("function");
  });
});
