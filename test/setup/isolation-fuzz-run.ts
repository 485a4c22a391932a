import type pg from "pg";
import { expect } from "vitest";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { seededRandom } from "../../fixtures/seeded-random.ts";
import type { AppClient } from "./init-test.ts";

/**
 * How an operation may fail once failure paths run: its connection was terminated (in pg's, Prisma's or PgBouncer's
 * words), its transaction timed out or was closed (P2028), it was a leftover statement the pool refused
 * (STALE_STATEMENT), a write conflict (P2034), or the fuzz's own throw. Anything else (e.g. 25P02 "current transaction
 * is aborted", or a row-level security violation of a tenant writing its own rows) means a statement ran where it
 * should not have.
 */
export const EXPECTED_FAILURE = new RegExp(
  [
    "terminat|Connection ?(terminated|closed)|Server has closed the connection|server conn crashed|ECONNRESET",
    "administrator command|not queryable|P1017|P2028|P2034|STALE_STATEMENT|Transaction already closed",
    "expired transaction|fuzz: the callback threw",
    // PgBouncer's answer (08P01) when the server connection it was assigning is terminated while it logs in.
    "invalid server parameter",
  ].join("|"),
  "i",
);

class FuzzThrow extends Error {
  override message = "fuzz: the callback threw while its nested write was in flight";
}

/** One fuzz operation of tenant `t`; `n` is its number in the run, unique, for the rows it writes. */
export type FuzzOperation = (t: SeededTenant, n: number) => Promise<void>;

/** Options of {@link runIsolationFuzz}. */
export interface IsolationFuzzOptions {
  prisma: AppClient;
  tenants: SeededTenant[];
  seed: number;
  operations: number;
  concurrency: number;
  /** Share of operations that take a failure path (timeouts, throwing callbacks, terminated backends); 0 for none. */
  failurePathShare: number;
  /**
   * Connections allowed to `pg_terminate_backend` the application's sessions of the fuzz's database (the admin role
   * on the primary, a superuser on a replica): the terminate failure path picks one.
   */
  terminators: pg.Pool[];
  /**
   * More operations of the caller, picked as often as each built-in one, e.g. reads that check their freshness. They
   * draw from `random` (the run's PRNG) and record what they write in `outcome` (stock increments included).
   */
  extraOperations?: (context: { random: () => number; outcome: IsolationFuzzOutcome }) => FuzzOperation[];
  /** Awaited before operation `n` starts (holding back that one worker), e.g. to pause replication at some point. */
  beforeOperation?: (n: number) => Promise<void>;
}

/** What a run observed, for {@link expectIsolationHeld}. */
export interface IsolationFuzzOutcome {
  /** Every row a read or write returned (or changed) of another tenant than the one asking: must stay empty. */
  foreignReads: string[];
  /** Failures outside {@link EXPECTED_FAILURE}: must stay empty. */
  unexpectedFailures: string[];
  /** Stock each tenant's acknowledged `updateMany`s added. */
  increments: Map<string, number>;
  /** Own-row increments that failed: with terminated connections, a commit can happen without its acknowledgement. */
  unacknowledgedIncrements: Map<string, number>;
  /** Rows written by acknowledged writes, by table: [id or action, tenant]. */
  acknowledged: { AuditLog: string[][]; Order: string[][]; CustomerNote: string[][] };
  /** Attempts to write a row into another tenant, all of which must have failed. */
  rejectedForeignWrites: number;
}

/**
 * The seeded isolation fuzz: `operations` random reads, writes, `$withTenant`s, nested writes, batches and bare-client
 * reads of the seeded tenants, interleaved over `concurrency` workers, and (a `failurePathShare` of them) failure
 * paths: a `$withTenant` that times out or whose callback throws while a nested write (several statements, one on a
 * table whose tenant column defaults to the setting) is in flight, or `pg_terminate_backend` of a busy application
 * connection. Returns what it saw; {@link expectIsolationHeld} checks it and the database.
 */
export async function runIsolationFuzz(options: IsolationFuzzOptions): Promise<IsolationFuzzOutcome> {
  const { prisma, tenants } = options;
  const next = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const outcome: IsolationFuzzOutcome = {
    foreignReads: [],
    unexpectedFailures: [],
    increments: new Map(tenants.map((t) => [t.id, 0])),
    unacknowledgedIncrements: new Map(tenants.map((t) => [t.id, 0])),
    acknowledged: { AuditLog: [], Order: [], CustomerNote: [] },
    rejectedForeignWrites: 0,
  };
  const { foreignReads, increments, unacknowledgedIncrements, acknowledged } = outcome;
  const readsOwn = (tenant: SeededTenant, rows: Array<{ tenantId: string } | null>, what: string) => {
    for (const row of rows)
      if (row && row.tenantId !== tenant.id) foreignReads.push(`${what}: ${tenant.slug} got ${row.tenantId}`);
  };
  const allCustomerIds = tenants.flatMap((t) => t.customerIds);
  const allSkus = tenants.flatMap((t) => t.skuIds);

  const operations: FuzzOperation[] = [
    async (t) => readsOwn(t, await prisma.$forTenant(t.id).customer.findMany(), "findMany"),
    async (t) =>
      readsOwn(
        t,
        [await prisma.$forTenant(t.id).customer.findUnique({ where: { id: pick(allCustomerIds) } })],
        "findUnique",
      ),
    async (t) => {
      // Same-tick findUniques of different tenants: Prisma's batching path.
      const other = pick(tenants);
      const id = pick(allCustomerIds);
      const [mine, theirs] = await Promise.all([
        prisma.$forTenant(t.id).customer.findUnique({ where: { id } }),
        prisma.$forTenant(other.id).customer.findUnique({ where: { id } }),
      ]);
      readsOwn(t, [mine], "batched findUnique");
      readsOwn(other, [theirs], "batched findUnique");
    },
    async (t, n) => {
      const log = await prisma
        .$forTenant(t.id)
        .auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}` } });
      readsOwn(t, [log], "create");
      acknowledged.AuditLog.push([log.action, t.id]);
    },
    async (t, n) => {
      const victim = pick(tenants.filter((other) => other.id !== t.id));
      try {
        await prisma
          .$forTenant(t.id)
          .auditLog.create({ data: { tenantId: victim.id, action: `fuzz:${t.id}:${n}:foreign` } });
      } catch {
        outcome.rejectedForeignWrites++;
      }
    },
    async (t) => {
      const sku = pick(allSkus);
      const update = prisma
        .$forTenant(t.id)
        .inventory.updateMany({ where: { skuId: sku }, data: { quantity: { increment: 1 } } });
      const { count } = await update.catch((error: unknown) => {
        if (t.skuIds.includes(sku)) unacknowledgedIncrements.set(t.id, unacknowledgedIncrements.get(t.id)! + 1);
        throw error;
      });
      increments.set(t.id, increments.get(t.id)! + count);
      if (count > 0 && !t.skuIds.includes(sku)) foreignReads.push(`updateMany: ${t.slug} updated ${sku}`);
    },
    async (t, n) => {
      // update by primary key: succeeds only for the tenant's own row, P2025 (not found) for anyone else's.
      const id = pick(allCustomerIds);
      try {
        const row = await prisma
          .$forTenant(t.id)
          .customer.update({ where: { id }, data: { name: `fuzz ${t.id} ${n}` } });
        readsOwn(t, [row], "update");
      } catch (error) {
        if ((error as { code?: string }).code !== "P2025" || t.customerIds.includes(id)) throw error;
      }
    },
    async (t) =>
      readsOwn(
        t,
        await prisma.$forTenant(t.id).$queryRaw<{ tenantId: string }[]>`SELECT "tenantId" FROM "Customer"`,
        "queryRaw",
      ),
    async (t, n) => {
      const rows = await prisma.$withTenant(t.id, async (tx) => {
        await tx.auditLog.create({ data: { tenantId: t.id, action: `fuzz:${t.id}:${n}:tx` } });
        return tx.customer.findMany({ take: 2 });
      });
      readsOwn(t, rows, "$withTenant");
      acknowledged.AuditLog.push([`fuzz:${t.id}:${n}:tx`, t.id]);
    },
    async (t) => {
      const db = prisma.$forTenant(t.id);
      const [customers, inventory] = await db.$transaction([
        db.customer.findMany({ take: 3 }),
        db.inventory.findMany(),
      ]);
      readsOwn(t, [...customers, ...inventory], "batch $transaction");
    },
    async (t) => readsOwn(t, await prisma.customer.findMany(), "bare client"),
    ...(options.extraOperations?.({ random: next, outcome }) ?? []),
  ];

  // A nested write Prisma runs as several statements: UPDATE "Customer", then upsert "Order" (explicit tenant
  // column) and insert "CustomerNote" (tenant column defaulting to the setting), then SELECT "Customer".
  const nestedWrite = (tx: { customer: AppClient["customer"] }, t: SeededTenant, id: string) =>
    tx.customer.update({
      where: { id: pick(t.customerIds) },
      data: {
        orders: {
          upsert: { where: { id }, create: { id, tenantId: t.id, totalCents: 1 }, update: { totalCents: 2 } },
        },
        notes: { create: { id, body: id } },
      },
    });
  const failurePaths: FuzzOperation[] = [
    async (t, n) => {
      // The timeout (5-155 ms) often fires while the nested write waits behind a pg_sleep on the same connection. A
      // quarter get 30 s instead, so that some nested writes are acknowledged (expectIsolationHeld checks they are
      // there) however slow a loaded machine makes the short ones.
      const id = `fuzz:${t.id}:${n}:timeout`;
      const timeout = next() < 0.25 ? 30_000 : 5 + Math.floor(next() * 150);
      const customer = await prisma.$withTenant(
        t.id,
        async (tx) => (await Promise.all([tx.$executeRawUnsafe("SELECT pg_sleep(0.02)"), nestedWrite(tx, t, id)]))[1],
        { timeout },
      );
      readsOwn(t, [customer], "nested write");
      acknowledged.Order.push([id, t.id]);
      acknowledged.CustomerNote.push([id, t.id]);
    },
    async (t, n) => {
      const delay = Math.floor(next() * 4);
      await prisma.$withTenant(t.id, async (tx) => {
        nestedWrite(tx, t, `fuzz:${t.id}:${n}:throw`).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay));
        throw new FuzzThrow();
      });
    },
    async () => {
      await pick(options.terminators).query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND usename = $1 AND state <> 'idle' ORDER BY random() LIMIT 1`,
        [DATABASE_ROLES.app.name],
      );
    },
  ];

  let issued = 0;
  const worker = async () => {
    while (issued < options.operations) {
      const n = issued++;
      await options.beforeOperation?.(n);
      const operation = next() < options.failurePathShare ? pick(failurePaths) : pick(operations);
      await operation(pick(tenants), n).catch((error: unknown) => {
        const { code, message } = error as { code?: unknown; message?: unknown };
        if (!EXPECTED_FAILURE.test(`${String(code)} ${String(message)}`))
          outcome.unexpectedFailures.push(`${n}: ${String(code)} ${String(message)}`);
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return outcome;
}

/**
 * Asserts what a fuzz run must leave: no row read or written across tenants, no unexpected failure, every write in
 * the tenant that made it, no write into another tenant, every acknowledged write present and each tenant's stock
 * grown by exactly its acknowledged increments (up to the unacknowledged ones). `admin` sees every tenant (BYPASSRLS)
 * on the primary; `failurePaths` says whether the run took them (then some nested write must have been acknowledged);
 * `stock` is the seeded quantity of each SKU (default 1,000).
 */
export async function expectIsolationHeld(
  outcome: IsolationFuzzOutcome,
  admin: pg.Pool,
  tenants: SeededTenant[],
  { failurePaths, stock = 1_000 }: { failurePaths: boolean; stock?: number },
): Promise<void> {
  expect(outcome.foreignReads).toEqual([]);
  expect(outcome.unexpectedFailures).toEqual([]);
  const misplaced = await admin.query(
    `SELECT count(*)::int AS n FROM "AuditLog" WHERE action LIKE 'fuzz:%' AND split_part(action, ':', 2) <> "tenantId"`,
  );
  expect(misplaced.rows[0].n).toBe(0);
  const renamed = await admin.query(
    `SELECT count(*)::int AS n FROM "Customer" WHERE name LIKE 'fuzz %' AND split_part(name, ' ', 2) <> "tenantId"`,
  );
  expect(renamed.rows[0].n).toBe(0);
  const foreign = await admin.query(`SELECT count(*)::int AS n FROM "AuditLog" WHERE action LIKE '%:foreign'`);
  expect(foreign.rows[0].n).toBe(0);
  expect(outcome.rejectedForeignWrites).toBeGreaterThan(0);
  for (const [table, column] of [
    ["Order", "id"],
    ["CustomerNote", "body"],
  ] as const) {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM "${table}" ` +
        `WHERE "${column}" LIKE 'fuzz:%' AND split_part("${column}", ':', 2) <> "tenantId"`,
    );
    expect(rows[0].n, `${table} rows in another tenant than the one that wrote them`).toBe(0);
  }
  // No acknowledged write lost: every row a write was acknowledged for is there, in its tenant.
  for (const [table, written] of Object.entries(outcome.acknowledged)) {
    const column = table === "AuditLog" ? "action" : "id";
    const { rows } = await admin.query(
      `SELECT "${column}" AS key, "tenantId" FROM "${table}" WHERE "${column}" = ANY($1)`,
      [written.map(([key]) => key)],
    );
    const found = new Map(rows.map((row: { key: string; tenantId: string }) => [row.key, row.tenantId]));
    expect(
      written.filter(([key, tenantId]) => found.get(key!) !== tenantId),
      `acknowledged ${table} rows missing`,
    ).toEqual([]);
  }
  // Orders are written by the failure paths only.
  if (failurePaths) expect(outcome.acknowledged.Order.length).toBeGreaterThan(0);
  for (const tenant of tenants) {
    const { rows } = await admin.query(`SELECT sum(quantity)::int AS total FROM "Inventory" WHERE "tenantId" = $1`, [
      tenant.id,
    ]);
    const acknowledgedTotal = tenant.skuIds.length * stock + outcome.increments.get(tenant.id)!;
    expect(rows[0].total).toBeGreaterThanOrEqual(acknowledgedTotal);
    expect(rows[0].total).toBeLessThanOrEqual(acknowledgedTotal + outcome.unacknowledgedIncrements.get(tenant.id)!);
  }
}
