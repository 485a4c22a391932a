import {
  ReadOnlyClientError,
  readOnlyClient,
  type TenantReadClient,
  type TenantReadHandler,
  type TenantReadView,
} from "prisma-tenant-kit";
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
let seeded: SeededTenant[];
const routes = availableRoutes();

beforeAll(async () => {
  database = await initTest();
  // Two tenants per route, so each route's writes start from the seeded rows.
  seeded = await seedTestTenants(database, { tenants: 2 * routes.length });
});
afterAll(() => database.drop());

describe.each(routes)("readOnlyClient (%s)", (route) => {
  let prisma: AppClient;
  let tenants: SeededTenant[];
  beforeAll(() => {
    ({ prisma } = createAppClient(database, { route }));
    const first = 2 * routes.indexOf(route);
    tenants = seeded.slice(first, first + 2);
  });
  afterAll(() => prisma.$disconnect());

  it("reads the tenant's rows per query, raw reads included", async () => {
    const [a] = tenants;
    const db = readOnlyClient(prisma.$forTenant(a!.id));
    const customers = await db.customer.findMany();
    expect(customers).toHaveLength(5);
    expect(new Set(customers.map((c) => c.tenantId))).toEqual(new Set([a!.id]));
    expect(await db.customer.count()).toBe(5);
    const rows = await db.$queryRaw<{ tenant: string }[]>`SELECT current_setting('app.tenant_id', true) AS tenant`;
    expect(rows).toEqual([{ tenant: a!.id }]);
  });

  it("refuses every write outside a transaction before anything is sent, and the rows stay as they were", async () => {
    const [a] = tenants;
    const db = readOnlyClient(prisma.$forTenant(a!.id));
    // The casts stand for code that got past the type; the type itself refuses these calls (see below).
    const loose = db as unknown as AppClient;
    const data = { tenantId: a!.id, name: "ro", email: `ro-${route}@x.test` };
    await expect(async () => loose.customer.create({ data })).rejects.toBeInstanceOf(ReadOnlyClientError);
    await expect(async () => loose.customer.updateMany({ data: { name: "x" } })).rejects.toThrow(ReadOnlyClientError);
    await expect(async () => loose.customer.deleteMany()).rejects.toThrow(/customer\.deleteMany/);
    await expect(async () => loose.$executeRaw`DELETE FROM "Customer"`).rejects.toThrow(ReadOnlyClientError);
    expect(() => loose.$forTenant(a!.id)).toThrow(ReadOnlyClientError);
    expect(await prisma.$forTenant(a!.id).customer.count()).toBe(5);
    expect(await prisma.$forTenant(a!.id).customer.count({ where: { name: "x" } })).toBe(0);
  });

  it("writes in its $transaction as one tenant transaction: all rows or none", async () => {
    const [a, b] = tenants;
    const db = readOnlyClient(prisma.$forTenant(a!.id));
    await db.$transaction(async (tx) => {
      await tx.customer.create({ data: { tenantId: a!.id, name: "span-1", email: `span-1-${route}@x.test` } });
      await tx.customer.create({ data: { tenantId: a!.id, name: "span-2", email: `span-2-${route}@x.test` } });
    });
    expect(await db.customer.count({ where: { name: { startsWith: "span-" } } })).toBe(2);
    await expect(
      db.$transaction(async (tx) => {
        await tx.customer.create({ data: { tenantId: a!.id, name: "gone-1", email: `gone-1-${route}@x.test` } });
        throw new Error("after the first write");
      }),
    ).rejects.toThrow("after the first write");
    expect(await db.customer.count({ where: { name: "gone-1" } })).toBe(0);
    expect(await readOnlyClient(prisma.$forTenant(b!.id)).customer.count({ where: { tenantId: a!.id } })).toBe(0);
  });
});

describe("TenantReadClient (types: checked by tsc -p .)", () => {
  it("keeps reads and transactions and drops every write", () => {
    type Reader = TenantReadClient<AppClient>;
    const assertTypes = (db: Reader, full: AppClient) => {
      void db.customer.findMany;
      void db.$transaction;
      void db.$queryRaw;
      // @ts-expect-error: a write outside a transaction is not on a read-only client
      void db.customer.create;
      // @ts-expect-error: nor are the Many forms
      void db.customer.deleteMany;
      // @ts-expect-error: nor raw execute
      void db.$executeRaw;
      // @ts-expect-error: nor a way back to a full client
      void db.$forTenant;
      const fromFull: Reader = full;
      // @ts-expect-error: a read-only client does not pass where a full client is needed
      const toFull: AppClient = db;
      return [fromFull, toFull];
    };
    expect(typeof assertTypes).toBe("function");
  });

  it("views V1's `client | transaction` union as its full client's read-only view, which opens transactions", () => {
    // Prisma 6's interactive transaction client: no $transaction (Prisma 7 keeps one).
    type Transaction = Omit<AppClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;
    type V1Db = AppClient | Transaction;
    const assertTypes = (view: TenantReadView<V1Db>, union: TenantReadClient<V1Db>, v1: V1Db) => {
      void view.$transaction;
      // @ts-expect-error: the union of read-only views has a member without $transaction
      void union.$transaction;
      // @ts-expect-error: still no writes outside a transaction
      void view.customer.create;
      // A helper typed with the union (V1 callers pass either client) takes the view and V1's clients alike.
      const fromView: TenantReadClient<V1Db> = view;
      const fromV1: TenantReadClient<V1Db> = v1;
      return [fromView, fromV1];
    };
    expect(typeof assertTypes).toBe("function");
  });

  it("makes the client a handler receives read-only, as an argument or a property of one", () => {
    type Handler = (context: { db: AppClient; tenantId: string }, tx: AppClient, label: string) => Promise<number>;
    const handler: TenantReadHandler<Handler> = async ({ db, tenantId }, tx, label) => {
      // @ts-expect-error: the context's client is read-only
      void db.customer.create;
      // @ts-expect-error: so is a client argument
      void tx.customer.update;
      return (await db.customer.count({ where: { tenantId } })) + label.length + (await tx.customer.count());
    };
    expect(typeof handler).toBe("function");
  });
});
