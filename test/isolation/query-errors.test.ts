import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";

// A failing query must surface as Prisma's normal error and give the connection back clean: with a pool of ONE
// connection, the next query (from another tenant) necessarily runs on the same connection.
let database: TestDatabase;
let tenants: SeededTenant[];

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2 });
});
afterAll(() => database.drop());

describe.each(availableRoutes())("query errors (%s)", (route) => {
  let prisma: AppClient;
  let a: SeededTenant;
  let b: SeededTenant;
  beforeAll(() => {
    ({ prisma } = createAppClient(database, { route, pool: { max: 1 } }));
    [a, b] = tenants as [SeededTenant, SeededTenant];
  });
  afterAll(() => prisma.$disconnect());

  const expectOnlyOwnRows = async (tenant: SeededTenant) => {
    const rows = await prisma.$forTenant(tenant.id).customer.findMany();
    expect(rows.map((r) => r.tenantId)).toEqual(Array(5).fill(tenant.id));
  };

  it("surfaces a unique violation as P2002 and stays clean for the next tenant", async () => {
    const taken = await prisma.$forTenant(a.id).customer.findFirstOrThrow();
    await expect(
      prisma.$forTenant(a.id).customer.create({ data: { tenantId: a.id, name: "dup", email: taken.email } }),
    ).rejects.toMatchObject({ code: "P2002" });
    await expectOnlyOwnRows(b);
  });

  it("surfaces a cancelled query and stays clean", async () => {
    const sleeping = prisma.$forTenant(a.id).$queryRaw`SELECT pg_sleep(5)`;
    const caught = sleeping.catch((error: unknown) => error);
    await waitForActiveQuery(database, "pg_sleep(5)");
    await database.admin.query(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() ` +
        `AND state = 'active' AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()`,
    );
    expect(String(await caught)).toMatch(/canceling statement due to user request/);
    await expectOnlyOwnRows(b);
  });

  it("surfaces statement_timeout (sent in the prelude, so it holds behind PgBouncer) and stays clean", async () => {
    const { prisma: timed } = createAppClient(database, { route, pool: { max: 1, statementTimeoutMillis: 200 } });
    try {
      await expect(timed.$forTenant(a.id).$queryRaw`SELECT pg_sleep(1)`).rejects.toThrow(/statement timeout/);
      await expect(timed.$withTenant(a.id, (tx) => tx.$queryRaw`SELECT pg_sleep(1)`)).rejects.toThrow(
        /statement timeout/,
      );
      const rows = await timed.$forTenant(b.id).customer.findMany();
      expect(rows.map((r) => r.tenantId)).toEqual(Array(5).fill(b.id));
    } finally {
      await timed.$disconnect();
    }
  });

  it("discards a terminated connection and recovers on a new one", async () => {
    const sleeping = prisma.$forTenant(a.id).$queryRaw`SELECT pg_sleep(4)`;
    const caught = sleeping.catch((error: unknown) => error);
    await waitForActiveQuery(database, "pg_sleep(4)");
    // Only this file's database and only a running statement: the server is shared by every test file, and an idle
    // session of another file (e.g. its admin pool, whose last statement was this very one) must survive.
    await database.admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() ` +
        `AND state = 'active' AND query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid()`,
    );
    expect(String(await caught)).toMatch(/terminat|connection|closed/i);
    await expectOnlyOwnRows(b);
    await expectOnlyOwnRows(a);
  });
});

// Direct only: behind PgBouncer the pool's connection goes to PgBouncer, which stays open when the server ends its own.
it("drops an idle pooled connection the server terminated, with no unhandled error, and opens a new one", async () => {
  const { prisma, adapter } = createAppClient(database, { pool: { max: 2 } });
  const [a] = tenants as [SeededTenant];
  try {
    await Promise.all([prisma.$forTenant(a.id).customer.count(), prisma.$forTenant(a.id).customer.count()]);
    expect(adapter.pool.idleCount).toBeGreaterThan(0);
    const { rowCount } = await database.admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND usename = $1 AND state = 'idle'`,
      [DATABASE_ROLES.app.name],
    );
    expect(rowCount).toBeGreaterThan(0);
    // An idle pg client emits 'error'; unheard by the pool's owner, Node throws it and vitest fails the run.
    await expect.poll(() => adapter.pool.totalCount).toBe(0);
    expect(await prisma.$forTenant(a.id).customer.count()).toBe(5);
  } finally {
    await prisma.$disconnect();
  }
});

async function waitForActiveQuery(database: TestDatabase, fragment: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rowCount } = await database.admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE $1
          AND pid <> pg_backend_pid()`,
      [`%${fragment}%`],
    );
    if (rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no active query like ${fragment}`);
}
