import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { createTenantAdapter, InvalidTenantKitOptionError, type TenantAdapterFactory } from "prisma-tenant-kit";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

// The failure paths of the transaction-block context mode, where a per-query call is
// BEGIN; SET LOCAL app.tenant_id = '<id>'; <query>; COMMIT before one Sync. A failing query (or COMMIT) leaves the
// connection in an aborted block: the caller must get the query's own error, and the next user of the connection
// (pool max 1, so it is the same connection) a clean one without the tenant. The happy paths and the isolation fuzz
// run in this mode through the `prisma7-transaction-block` project (vitest.config.ts); the exact wire messages are in
// wire-protocol.test.ts.
let database: TestDatabase;
let a: SeededTenant;
let b: SeededTenant;

beforeAll(async () => {
  database = await initTest();
  [a, b] = (await seedTestTenants(database, { tenants: 2, prefix: "block" })) as [SeededTenant, SeededTenant];
  // A deferred unique constraint makes COMMIT itself fail (the statement before it succeeds).
  const owner = createPgClient({ connectionString: database.ownerUrl });
  await owner.connect();
  await owner.query(
    `ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_deferred" UNIQUE (action) DEFERRABLE INITIALLY DEFERRED`,
  );
  await owner.end();
});
afterAll(() => database.drop());

/** Backends of the application role in this database that are not idle, as the admin role sees them. */
async function busyAppBackends(): Promise<string[]> {
  const { rows } = await database.admin.query<{ state: string }>(
    `SELECT state FROM pg_stat_activity
      WHERE datname = current_database() AND usename = 'tenant_kit_app' AND state IS DISTINCT FROM 'idle'`,
  );
  return rows.map((row) => row.state);
}

const auditCount = async () =>
  (await database.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditLog"`)).rows[0]!.n;

it("rejects an unknown contextMode with INVALID_OPTION naming the accepted values", () => {
  const options = { connectionString: database.appUrl(), contextMode: "set-local" };
  // @ts-expect-error: the type admits only the two modes; a JavaScript caller can still pass another.
  const create = () => createTenantAdapter(options);
  expect(create).toThrow(InvalidTenantKitOptionError);
  expect(create).toThrow(/contextMode.*"set-local".*"set-config".*"transaction-block"/);
});

describe.each(availableRoutes())("the transaction-block context mode (%s)", (route) => {
  let prisma: AppClient;
  let adapter: TenantAdapterFactory;
  let discarded = 0;
  beforeAll(async () => {
    ({ prisma, adapter } = createAppClient(database, { route, pool: { max: 1 }, contextMode: "transaction-block" }));
    await prisma.$connect();
    adapter.pool.on("remove", () => discarded++);
  });
  afterAll(() => prisma.$disconnect());

  /** The backend and the tenant setting the next statement of the bare client runs with. */
  const nextStatement = async () => {
    const [row] = await prisma.$queryRaw<[{ pid: number; tenant: string | null; timeout: string }]>`
      SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id', true) AS tenant,
             current_setting('statement_timeout') AS timeout`;
    return row;
  };

  /** The connection went back to the pool clean: reused (not discarded), idle, no tenant on its next statement. */
  const expectReusedClean = async (before: { pid: number }) => {
    const after = await nextStatement();
    expect(after.tenant).toBe("");
    expect(after.timeout).toBe("0");
    // PgBouncer may hand the next transaction another server connection; directly, pool max 1 means the same one.
    if (route === "direct") expect(after.pid).toBe(before.pid);
    expect(discarded).toBe(0);
    expect(await busyAppBackends()).toEqual([]);
    const rows = await prisma.$forTenant(b.id).customer.findMany();
    expect(rows.map((row) => row.tenantId)).toEqual(Array(5).fill(b.id));
  };

  it("surfaces a unique violation as P2002, rolls the block back and reuses the connection clean", async () => {
    const before = await nextStatement();
    const taken = await prisma.$forTenant(a.id).customer.findFirstOrThrow();
    await expect(
      prisma.$forTenant(a.id).customer.create({ data: { tenantId: a.id, name: "dup", email: taken.email } }),
    ).rejects.toMatchObject({ code: "P2002" });
    await expectReusedClean(before);
  });

  it("surfaces statement_timeout (sent with SET LOCAL) and reuses the connection clean", async () => {
    const { prisma: timed, adapter: timedAdapter } = createAppClient(database, {
      route,
      pool: { max: 1, statementTimeoutMillis: 200 },
      contextMode: "transaction-block",
    });
    try {
      await expect(timed.$forTenant(a.id).$queryRaw`SELECT pg_sleep(1)`).rejects.toThrow(/statement timeout/);
      await expect(timed.$withTenant(a.id, (tx) => tx.$queryRaw`SELECT pg_sleep(1)`)).rejects.toThrow(
        /statement timeout/,
      );
      expect(timedAdapter.pool.totalCount).toBe(1);
      const rows = await timed.$forTenant(b.id).customer.findMany();
      expect(rows.map((row) => row.tenantId)).toEqual(Array(5).fill(b.id));
      expect(await busyAppBackends()).toEqual([]);
    } finally {
      await timed.$disconnect();
    }
  });

  it("leaves the database as it was when a write fails in its statement", async () => {
    const before = await nextStatement();
    const count = await auditCount();
    const error = await prisma
      .$forTenant(a.id)
      .$executeRawUnsafe(
        `WITH written AS (INSERT INTO "AuditLog" (id, "tenantId", action) VALUES ($1, $2, $3) RETURNING 1)
         SELECT 1 / 0 FROM written`,
        randomUUID(),
        a.id,
        `failed:${randomUUID()}`,
      )
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/division by zero/);
    expect(await auditCount()).toBe(count);
    await expectReusedClean(before);
  });

  it("surfaces a failing COMMIT (deferred constraint) and leaves the database as it was", async () => {
    const before = await nextStatement();
    const count = await auditCount();
    const action = `deferred:${randomUUID()}`;
    const error = await prisma
      .$forTenant(a.id)
      .$executeRawUnsafe(
        `INSERT INTO "AuditLog" (id, "tenantId", action) VALUES ($1, $3, $4), ($2, $3, $4)`,
        randomUUID(),
        randomUUID(),
        a.id,
        action,
      )
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/AuditLog_action_deferred/);
    expect(await auditCount()).toBe(count);
    await expectReusedClean(before);
  });

  it("runs a per-query call inside an explicit transaction block (SAVEPOINT needs one)", async () => {
    // In the set-config mode this fails with 25P01: the implicit transaction of a Sync is not a block.
    await expect(prisma.$forTenant(a.id).$executeRawUnsafe("SAVEPOINT in_block")).resolves.toBe(0);
    expect(await busyAppBackends()).toEqual([]);
  });

  it("commits a successful write with its own COMMIT", async () => {
    const action = `committed:${randomUUID()}`;
    await prisma.$forTenant(a.id).auditLog.create({ data: { tenantId: a.id, action } });
    const { rows } = await database.admin.query(`SELECT "tenantId" FROM "AuditLog" WHERE action = $1`, [action]);
    expect(rows).toEqual([{ tenantId: a.id }]);
  });

  it("refuses a raw BEGIN with TRANSACTION_LEFT_OPEN: the kit's COMMIT closed it, nothing is left", async () => {
    await expect(prisma.$forTenant(a.id).$executeRawUnsafe("BEGIN")).rejects.toMatchObject({
      code: "TRANSACTION_LEFT_OPEN",
    });
    const after = await nextStatement();
    expect(after.tenant).toBe("");
    expect(await busyAppBackends()).toEqual([]);
    discarded = 0;
  });

  it.each(["COMMIT", "ROLLBACK"])(
    "lets a raw %s end the kit's block early: the tenant ends with it, the connection stays clean",
    async (statement) => {
      const before = await nextStatement();
      await prisma.$forTenant(a.id).$executeRawUnsafe(statement);
      await expectReusedClean(before);
    },
  );

  it("never shows the tenant of a failed query to the next checkout", async () => {
    await expect(prisma.$forTenant(a.id).$queryRawUnsafe(`SELECT 1 / 0`)).rejects.toThrow(/division by zero/);
    const client: pg.PoolClient = await adapter.pool.connect();
    try {
      const { rows } = await client.query<{ tenant: string | null; customers: number }>(
        `SELECT current_setting('app.tenant_id', true) AS tenant, (SELECT count(*)::int FROM "Customer") AS customers`,
      );
      expect(rows).toEqual([{ tenant: expect.toSatisfy((t) => t === "" || t === null), customers: 0 }]);
      expect(client.getTransactionStatus()).toBe("I");
    } finally {
      client.release();
    }
  });

  it("closes the block when pg fails to bind a value (the error is pg's, nothing is left open)", async () => {
    const unbindable = {
      toPostgres() {
        throw new Error("cannot serialize this value");
      },
    };
    await expect(adapter.pool.query("SELECT $1::text", [unbindable])).rejects.toThrow(/cannot serialize/);
    expect((await nextStatement()).tenant).toBe("");
    expect(await busyAppBackends()).toEqual([]);
    discarded = 0;
  });

  // SET takes no bind parameters, so the id is a quoted literal in the SQL text: it must come back byte for byte.
  it.each([
    "o'brien\\x",
    "'; RESET app.tenant_id; --",
    "back\\slash\\'quote''",
    "E'\\x41'",
    "$$dollar$$",
    "ünïcødé 租户 🏢👩‍💻",
  ])("carries the tenant id %j exactly through SET LOCAL, per query and in $withTenant", async (tenantId) => {
    const query =
      "SELECT current_setting('app.tenant_id', true) AS tenant, " + `(SELECT count(*)::int FROM "Customer") AS n`;
    expect(await prisma.$forTenant(tenantId).$queryRawUnsafe(query)).toEqual([{ tenant: tenantId, n: 0 }]);
    expect(await prisma.$withTenant(tenantId, (tx) => tx.$queryRawUnsafe(query))).toEqual([{ tenant: tenantId, n: 0 }]);
    expect((await nextStatement()).tenant).toBe("");
  });
});
