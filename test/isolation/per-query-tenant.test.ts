import pg from "pg";
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

let database: TestDatabase;
let tenants: SeededTenant[];

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 3 });
});
afterAll(() => database.drop());

describe.each(availableRoutes())("per-query tenant context (%s)", (route) => {
  let prisma: AppClient;
  let adapter: ReturnType<typeof createAppClient>["adapter"];
  beforeAll(() => ({ prisma, adapter } = createAppClient(database, { route })));
  afterAll(() => prisma.$disconnect());

  it("shows each tenant only its own rows", async () => {
    for (const tenant of tenants) {
      const customers = await prisma.$forTenant(tenant.id).customer.findMany();
      expect(customers).toHaveLength(5);
      expect(new Set(customers.map((c) => c.tenantId))).toEqual(new Set([tenant.id]));
    }
  });

  it("shows the bare client no tenant rows and lets it write none", async () => {
    expect(await prisma.customer.findMany()).toEqual([]);
    expect(await prisma.customer.count()).toBe(0);
    await expect(
      prisma.customer.create({ data: { tenantId: tenants[0]!.id, name: "x", email: "bare@x.test" } }),
    ).rejects.toThrow(/row-level security/);
  });

  it("carries the tenant through raw queries and relation loads", async () => {
    const [tenant] = tenants;
    const db = prisma.$forTenant(tenant!.id);
    const rows = await db.$queryRaw<{ tenant: string }[]>`SELECT current_setting('app.tenant_id', true) AS tenant`;
    expect(rows).toEqual([{ tenant: tenant!.id }]);
    const updated = await db.$executeRaw`UPDATE "Inventory" SET quantity = quantity WHERE true`;
    expect(updated).toBe(5);
    const user = await db.user.findFirst({
      include: { roles: { include: { role: { include: { permissions: true } } } }, salesRepProfile: true },
    });
    expect(user?.roles[0]?.role.permissions.length).toBeGreaterThan(0);
    expect(user?.salesRepProfile?.tenantId).toBe(tenant!.id);
  });

  it("leaves no tenant setting on the connection", async () => {
    const { prisma: single, adapter: singleAdapter } = createAppClient(database, { route, pool: { max: 1 } });
    await single.$forTenant(tenants[0]!.id).customer.findMany();
    const client = await singleAdapter.pool.connect();
    try {
      // pg.Client's own query, bypassing the kit's prelude: what is really left on this session.
      const raw = pg.Client.prototype.query as (this: pg.ClientBase, text: string) => Promise<pg.QueryResult>;
      const { rows } = await raw.call(client, "SELECT current_setting('app.tenant_id', true) AS tenant");
      expect(rows[0].tenant ?? "").toBe("");
    } finally {
      client.release();
      await single.$disconnect();
    }
  });
});
