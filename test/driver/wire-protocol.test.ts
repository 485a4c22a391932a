import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { WireProxy } from "../../fixtures/database/wire-proxy.ts";
import type { TenantAdapterFactory } from "prisma-tenant-kit";
// The prelude exactly as the kit sends it: a user reading the wire sees this statement before each query.
const SET_TENANT_SQL = "SELECT set_config($1, $2, true)";
import {
  type AppClient,
  createAppClient,
  initTest,
  seedTestTenants,
  startProxyFor,
  type TestDatabase,
} from "../setup/init-test.ts";

// What the kit puts on the wire, read by a proxy between pg and Postgres: the statements and the Syncs (one Sync =
// one ReadyForQuery = one round trip). These tests also pin the pg internals TenantQuery relies on. Each client names
// its context mode, so this file asserts both modes whatever TENANT_KIT_CONTEXT_MODE says.
let database: TestDatabase;
let tenants: SeededTenant[];
let proxy: WireProxy;
let prisma: AppClient;
let adapter: TenantAdapterFactory;
/** The same application in the transaction-block context mode. */
let blockPrisma: AppClient;
let blockAdapter: TenantAdapterFactory;

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2 });
  proxy = await startProxyFor(database);
  ({ prisma, adapter } = createAppClient(database, { route: proxy, contextMode: "set-config" }));
  ({ prisma: blockPrisma, adapter: blockAdapter } = createAppClient(database, {
    route: proxy,
    contextMode: "transaction-block",
  }));
  await prisma.$connect();
  await blockPrisma.$connect();
});
afterAll(async () => {
  await prisma.$disconnect();
  await blockPrisma.$disconnect();
  await proxy.stop();
  await database.drop();
});
beforeEach(() => proxy.clear());

const statements = (proxy: WireProxy) => proxy.messages.filter((m) => m.sql !== undefined).map((m) => m.sql!);
// Each Sync (extended protocol) or Query (simple protocol) message is answered by one ReadyForQuery: one round trip.
const roundTrips = (proxy: WireProxy) => proxy.messages.filter((m) => m.type === "S" || m.type === "Q").length;

describe("a $forTenant query on the wire", () => {
  it("is set_config + the query, pipelined before ONE Sync, with no BEGIN or COMMIT", async () => {
    await prisma.$forTenant(tenants[0]!.id).customer.findMany();
    expect(proxy.messages.map((m) => m.type).join("")).toBe("PBEPBDES");
    const [prelude, query] = statements(proxy);
    expect(prelude).toBe(SET_TENANT_SQL);
    expect(query).toMatch(/^SELECT .* FROM "public"\."Customer"/);
    expect(statements(proxy).some((sql) => /^\s*(BEGIN|COMMIT|ROLLBACK)/i.test(sql))).toBe(false);
  });

  it("carries the tenant on every statement of a relation load, each its own round trip", async () => {
    await prisma.$forTenant(tenants[0]!.id).user.findMany({ include: { roles: { include: { role: true } } } });
    const sent = statements(proxy);
    expect(roundTrips(proxy)).toBe(sent.length / 2);
    sent.forEach((sql, i) => expect(i % 2 === 0 ? sql : SET_TENANT_SQL).toBe(SET_TENANT_SQL));
  });

  it("sets an explicitly empty tenant for the bare client, so a leaked session setting cannot apply", async () => {
    await prisma.customer.findMany();
    expect(statements(proxy)[0]).toBe(SET_TENANT_SQL);
    expect(roundTrips(proxy)).toBe(1);
  });

  it("runs raw queries the same way", async () => {
    await prisma.$forTenant(tenants[0]!.id).$queryRaw`SELECT 1`;
    await prisma.$forTenant(tenants[0]!.id).$executeRaw`UPDATE "Inventory" SET quantity = quantity WHERE false`;
    expect(statements(proxy)).toEqual([
      SET_TENANT_SQL,
      "SELECT 1",
      SET_TENANT_SQL,
      'UPDATE "Inventory" SET quantity = quantity WHERE false',
    ]);
    expect(roundTrips(proxy)).toBe(2);
  });
});

describe("a $withTenant transaction on the wire", () => {
  it("sets the tenant with its first statement after BEGIN, without an extra round trip", async () => {
    await prisma.$withTenant(tenants[0]!.id, async (tx) => {
      await tx.customer.count();
      await tx.inventory.findMany();
    });
    const sent = statements(proxy);
    expect(sent[0]).toBe("BEGIN");
    expect(sent[1]).toBe(SET_TENANT_SQL);
    expect(sent.filter((sql) => sql === SET_TENANT_SQL)).toHaveLength(1);
    expect(sent.at(-1)).toBe("COMMIT");
    // BEGIN, count (+prelude), findMany, COMMIT.
    expect(roundTrips(proxy)).toBe(4);
  });

  it("keeps SET TRANSACTION ISOLATION LEVEL before the tenant prelude", async () => {
    await prisma.$withTenant(tenants[0]!.id, (tx) => tx.customer.count(), { isolationLevel: "Serializable" });
    const sent = statements(proxy);
    expect(sent.slice(0, 3)).toEqual(["BEGIN", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", SET_TENANT_SQL]);
  });
});

describe("a transaction checkout on the wire", () => {
  // Pins pg's Query#submit (an Error it returns refuses the query unsent) and getTransactionStatus() (the status byte
  // of the last ReadyForQuery), which TenantCheckout and TenantPool rely on.
  it("sends nothing after its transaction ended or it was released, and refuses with STALE_STATEMENT", async () => {
    const client = await adapter.pool.connect();
    await client.query("BEGIN");
    expect(client.getTransactionStatus()).toBe("T");
    await client.query("SELECT 1 AS in_transaction");
    await client.query("COMMIT");
    expect(client.getTransactionStatus()).toBe("I");
    await expect(client.query("SELECT 2 AS after_commit")).rejects.toMatchObject({
      code: "STALE_STATEMENT",
      reason: "transaction-ended",
    });
    client.release();
    await expect(client.query("SELECT 3 AS after_release")).rejects.toMatchObject({
      code: "STALE_STATEMENT",
      reason: "released",
    });
    expect(statements(proxy)).toEqual(["BEGIN", SET_TENANT_SQL, "SELECT 1 AS in_transaction", "COMMIT"]);
  });

  it(
    "reads the ReadyForQuery status after a per-query round trip: " + "a raw BEGIN fails and its connection is closed",
    async () => {
      const error = await prisma
        .$forTenant(tenants[0]!.id)
        .$executeRawUnsafe("BEGIN")
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "TRANSACTION_LEFT_OPEN" });
      expect(statements(proxy)).toEqual([SET_TENANT_SQL, "BEGIN"]);
      // pg-pool closes a discarded connection with Terminate ("X"); no ROLLBACK needed, the server ends the block.
      await expect.poll(() => proxy.messages.some((m) => m.type === "X")).toBe(true);
    },
  );
});

describe("the transaction-block context mode on the wire", () => {
  const setLocal = (tenantId: string) => `SET LOCAL app.tenant_id = '${tenantId}'`;

  it("wraps a $forTenant query in BEGIN, SET LOCAL and COMMIT, pipelined before ONE Sync", async () => {
    const rows = await blockPrisma.$forTenant(tenants[0]!.id).customer.findMany();
    expect(rows.map((row) => row.tenantId)).toEqual(Array(5).fill(tenants[0]!.id));
    // BEGIN, SET LOCAL and COMMIT without Describe; the caller's query with it; one Sync = one round trip.
    expect(proxy.messages.map((m) => m.type).join("")).toBe("PBE" + "PBE" + "PBDE" + "PBE" + "S");
    const [begin, set, query, commit] = statements(proxy);
    expect([begin, set, commit]).toEqual(["BEGIN", setLocal(tenants[0]!.id), "COMMIT"]);
    expect(query).toMatch(/^SELECT .* FROM "public"\."Customer"/);
    expect(statements(proxy).some((sql) => sql.includes("set_config"))).toBe(false);
  });

  it("quotes the tenant id as a literal (SET takes no bind parameters) and it reads back exactly", async () => {
    const tenantId = "o'brien\\x 🏢";
    const rows = await blockPrisma.$forTenant(tenantId).$queryRaw`SELECT current_setting('app.tenant_id') AS tenant`;
    expect(rows).toEqual([{ tenant: tenantId }]);
    expect(statements(proxy)[1]).toBe("SET LOCAL app.tenant_id = E'o''brien\\\\x 🏢'");
  });

  it("sets an explicitly empty tenant for the bare client", async () => {
    expect(await blockPrisma.customer.findMany()).toEqual([]);
    expect(statements(proxy).slice(0, 2)).toEqual(["BEGIN", "SET LOCAL app.tenant_id = ''"]);
    expect(roundTrips(proxy)).toBe(1);
  });

  it("returns exactly pg's result of the caller's statement: BEGIN, SET and COMMIT replies are swallowed", async () => {
    const result: pg.QueryResult = await blockAdapter.pool.query("SELECT 1 AS one, 'x' AS two UNION ALL SELECT 2, 'y'");
    expect(result.command).toBe("SELECT");
    expect(result.rowCount).toBe(2);
    expect(result.fields.map((field) => field.name)).toEqual(["one", "two"]);
    expect(result.rows).toEqual([
      { one: 1, two: "x" },
      { one: 2, two: "y" },
    ]);
    const updated: pg.QueryResult = await blockAdapter.pool.query(
      `UPDATE "Inventory" SET quantity = quantity WHERE false`,
    );
    expect([updated.command, updated.rowCount, updated.rows]).toEqual(["UPDATE", 0, []]);
    expect(roundTrips(proxy)).toBe(2);
  });

  it("adds SET LOCAL statement_timeout when the pool has one", async () => {
    const { prisma: timed } = createAppClient(database, {
      route: proxy,
      contextMode: "transaction-block",
      pool: { statementTimeoutMillis: 1500 },
    });
    try {
      await timed.$connect();
      proxy.clear();
      await timed.$forTenant(tenants[0]!.id).$queryRaw`SELECT 1`;
      expect(statements(proxy)).toEqual([
        "BEGIN",
        setLocal(tenants[0]!.id),
        "SET LOCAL statement_timeout = '1500ms'",
        "SELECT 1",
        "COMMIT",
      ]);
      expect(roundTrips(proxy)).toBe(1);
    } finally {
      await timed.$disconnect();
    }
  });

  it("sets a $withTenant's tenant with SET LOCAL on its first statement after BEGIN, no extra round trip", async () => {
    await blockPrisma.$withTenant(tenants[0]!.id, async (tx) => {
      await tx.customer.count();
      await tx.inventory.findMany();
    });
    const sent = statements(proxy);
    expect(sent[0]).toBe("BEGIN");
    expect(sent[1]).toBe(setLocal(tenants[0]!.id));
    expect(sent.filter((sql) => sql.startsWith("SET LOCAL"))).toHaveLength(1);
    expect(sent.filter((sql) => sql === "BEGIN" || sql === "COMMIT")).toEqual(["BEGIN", "COMMIT"]);
    expect(sent.at(-1)).toBe("COMMIT");
    // BEGIN, count (+SET LOCAL), findMany, COMMIT.
    expect(roundTrips(proxy)).toBe(4);
  });

  it("keeps SET TRANSACTION ISOLATION LEVEL before the SET LOCAL", async () => {
    await blockPrisma.$withTenant(tenants[0]!.id, (tx) => tx.customer.count(), { isolationLevel: "Serializable" });
    expect(statements(proxy).slice(0, 3)).toEqual([
      "BEGIN",
      "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
      setLocal(tenants[0]!.id),
    ]);
  });

  it("rolls back the block a failing query aborted, in a second round trip on that error path only", async () => {
    const error = await blockPrisma
      .$forTenant(tenants[0]!.id)
      .$queryRawUnsafe("SELECT 1 / 0")
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/division by zero/);
    expect(statements(proxy)).toEqual(["BEGIN", setLocal(tenants[0]!.id), "SELECT 1 / 0", "COMMIT", "ROLLBACK"]);
    expect(roundTrips(proxy)).toBe(2);
  });
});

describe("a query pipeline (the internals both modes are built on)", () => {
  // What read-replica routing builds on: statements of its own before and after the caller's query, in the same Sync,
  // whose rows reach a callback and never the caller's result. The method is internal (on the pool's pg.Client).
  type PipelineStatement = { text: string; values?: string[]; onRow?: (fields: (string | null)[]) => void };
  type PipelineClient = {
    queryInPipeline(
      pipeline: { before: PipelineStatement[]; after: PipelineStatement[] },
      text: string,
    ): Promise<{ rows: unknown[]; command: string }>;
  };

  it("hands the rows of its own statements to their callbacks and returns only the caller's result", async () => {
    const seen: (string | null)[][] = [];
    const client = await blockAdapter.pool.connect();
    try {
      const result = await (client as unknown as PipelineClient).queryInPipeline(
        {
          before: [{ text: "SELECT $1::text AS a, NULL AS b", values: ["before"], onRow: (f) => seen.push(f) }],
          after: [{ text: "SELECT 'after', pg_current_wal_lsn()::text", onRow: (f) => seen.push(f) }],
        },
        "SELECT 42 AS answer",
      );
      expect(result.rows).toEqual([{ answer: 42 }]);
      expect(result.command).toBe("SELECT");
      expect(seen[0]).toEqual(["before", null]);
      expect(seen[1]![0]).toBe("after");
      expect(seen[1]![1]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(roundTrips(proxy)).toBe(1);
    } finally {
      client.release();
    }
  });
});
