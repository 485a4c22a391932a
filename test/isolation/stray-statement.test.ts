import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { TenantAdapterFactory } from "prisma-tenant-kit";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";

// Stray statements: a $withTenant(A) that closes (timeout, or fn throws) while a nested write of A is in flight.
// Prisma rolls back and releases the connection, but its query interpreter keeps sending the rest of that nested write
// on the connection it holds. Without a per-checkout guard those statements run inside the next checkout's
// transaction, as B.
//
// Made deterministic with a row lock: the admin role locks A's customer, so A's first statement (UPDATE "Customer")
// waits while A's transaction closes; B's transactions then wait for a connection (the pool is full) and the lock is
// let go. A's connection goes to a waiting B just as A's remaining statements (SELECT/INSERT "Order" or
// "CustomerNote", SELECT "Customer") are sent.
let database: TestDatabase;
let tenants: SeededTenant[];
beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2, prefix: "stray" });
});
afterAll(() => database.drop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; !(await condition()); tries++) {
    if (tries > 1_000) throw new Error(`gave up waiting until ${what}`);
    await sleep(20);
  }
}

const cases = availableRoutes().flatMap((route) =>
  [1, 3].flatMap((poolMax) =>
    (["explicit", "defaulted"] as const).flatMap((column) =>
      (["timeout", "throw"] as const).map((close) => ({ route, poolMax, column, close })),
    ),
  ),
);

const title =
  "a tenant transaction closed by $close during a nested write ($route, pool $poolMax, $column tenant column)";
describe.each(cases)(title, ({ route, poolMax, column, close }) => {
  let prisma: AppClient;
  let adapter: TenantAdapterFactory;
  beforeAll(() => ({ prisma, adapter } = createAppClient(database, { route, pool: { max: poolMax } })));
  afterAll(() => prisma.$disconnect());

  it(
    "refuses A's leftover statements: nothing of A is written, " + "B's transactions all commit and see only B",
    async () => {
      const [a, b] = tenants as [SeededTenant, SeededTenant];
      const marker = randomUUID();
      const customerId = a.customerIds[0]!;
      const locker = await database.admin.connect();
      await locker.query("BEGIN");
      await locker.query(`SELECT 1 FROM "Customer" WHERE id = $1 FOR UPDATE`, [customerId]);

      // "explicit": Order.tenantId is given, so under B's context WITH CHECK fails and aborts B's transaction.
      // "defaulted": CustomerNote.tenantId defaults to the setting, so under B's context A's row becomes B's row.
      const nested =
        column === "explicit"
          ? {
              orders: {
                upsert: {
                  where: { id: marker },
                  create: { id: marker, tenantId: a.id, totalCents: 7 },
                  update: { totalCents: 7 },
                },
              },
            }
          : {
              notes: {
                upsert: { where: { id: marker }, create: { id: marker, body: marker }, update: { body: marker } },
              },
            };
      let nestedWrite: Promise<unknown> | undefined;
      const timeout = 1_000;
      const aTransaction = prisma.$withTenant(
        a.id,
        async (tx) => {
          nestedWrite = tx.customer.update({ where: { id: customerId }, data: { name: marker, ...nested } });
          nestedWrite.catch(() => undefined);
          await until(async () => (await blockedUpdates()) > 0, "A's UPDATE waits for the row lock");
          if (close === "throw") throw new Error("fn threw while its nested write was in flight");
          await nestedWrite;
        },
        { timeout: close === "timeout" ? timeout : 30_000 },
      );
      aTransaction.catch(() => undefined);
      await until(
        async () => nestedWrite !== undefined && (await blockedUpdates()) > 0,
        "A's UPDATE waits for the row lock",
      );
      // Let Prisma queue its ROLLBACK behind the blocked UPDATE: the timeout fires, or the rejection of fn is handled.
      // Prisma's timer started at BEGIN, before the UPDATE was sent, and Node fires timers in deadline order: waiting
      // a full timeout from here outlasts it however late a loaded machine ran BEGIN.
      await sleep(close === "timeout" ? timeout + 300 : 300);

      // B: pool - 1 transactions hold the other connections, 2 more wait for one; the first waiter gets A's.
      const aSettled = aTransaction.then(
        () => undefined,
        () => undefined,
      );
      const bTransaction = (i: number, hold: boolean) =>
        prisma.$withTenant(
          b.id,
          async (tx) => {
            if (column === "explicit")
              await tx.auditLog.create({ data: { tenantId: b.id, action: `b:${marker}:${i}` } });
            else await tx.customerNote.create({ data: { customerId: b.customerIds[0]!, body: `b:${marker}:${i}` } });
            if (hold) await aSettled;
            return column === "explicit" ? tx.order.findMany() : tx.customerNote.findMany();
          },
          { maxWait: 30_000, timeout: 30_000 },
        );
      const holders = Array.from({ length: poolMax - 1 }, (_, i) => bTransaction(i, true));
      await until(() => adapter.pool.totalCount === poolMax && adapter.pool.idleCount === 0, "the pool is full");
      const waiters = Array.from({ length: 2 }, (_, i) => bTransaction(poolMax - 1 + i, false));
      await until(() => adapter.pool.waitingCount >= 2, "B's transactions wait for a connection");
      await locker.query("COMMIT");
      locker.release();

      const [aResult, nestedResult, ...bResults] = await Promise.allSettled([
        aTransaction,
        nestedWrite!,
        ...holders,
        ...waiters,
      ]);
      expect(aResult!.status).toBe("rejected");
      // B did nothing wrong: every transaction commits and reads only B's rows, none of A's.
      expect(bResults.map((result) => (result.status === "rejected" ? String(result.reason) : "fulfilled"))).toEqual(
        bResults.map(() => "fulfilled"),
      );
      for (const result of bResults) {
        const rows = (result as PromiseFulfilledResult<Array<{ tenantId: string; id: string }>>).value;
        expect(rows.filter((row) => row.tenantId !== b.id || row.id === marker)).toEqual([]);
      }
      // Nothing of A was written, under any tenant; every write B was told succeeded is there.
      const { rows } = await database.admin.query(
        `SELECT (SELECT count(*) FROM "Order" WHERE id = $1)::int ` +
          `+ (SELECT count(*) FROM "CustomerNote" WHERE id = $1)::int
            + (SELECT count(*) FROM "Customer" WHERE name = $1)::int AS a_rows,
              (SELECT count(*) FROM "AuditLog" WHERE action LIKE 'b:' || $1 || ':%' AND "tenantId" = $2)::int
            + (SELECT count(*) FROM "CustomerNote" WHERE body LIKE 'b:' || $1 || ':%' ` +
          `AND "tenantId" = $2)::int AS b_rows`,
        [marker, b.id],
      );
      expect(rows[0]).toEqual({ a_rows: 0, b_rows: poolMax + 1 });
      // And the leftover statements failed loudly, with the kit's typed error.
      expect(nestedResult).toMatchObject({ status: "rejected", reason: { code: "STALE_STATEMENT" } });
    },
  );
});

/** Statements of the app waiting for the row lock on "Customer" (the admin role reads every session's activity). */
async function blockedUpdates(): Promise<number> {
  const { rows } = await database.admin.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE "public"."Customer"%'`,
  );
  return rows[0].n;
}
