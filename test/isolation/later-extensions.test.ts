import { Prisma } from "@prisma/client/extension";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { createAppClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

// Extensions applied AFTER tenantExtension() (soft-delete filters, field masking, model and client methods) must run
// for every tenant-scoped query: $forTenant clients, $withTenant transactions and $forTenant(id).$transaction(fn).
let database: TestDatabase;
let a: SeededTenant;
let hiddenEmail: string;

beforeAll(async () => {
  database = await initTest();
  [a] = (await seedTestTenants(database, { tenants: 2 })) as [SeededTenant];
  const sql = `SELECT email FROM "Customer" WHERE id = $1`;
  const { rows } = await database.admin.query<{ email: string }>(sql, [a.customerIds[0]]);
  hiddenEmail = rows[0]!.email;
});
afterAll(() => database.drop());

/** The app's client plus extensions applied after the kit's, recording the order their query hooks ran in. */
function clientWithLaterExtensions(strict: boolean) {
  const hooks: string[] = [];
  const { prisma } = createAppClient(database, { extension: { strict } });
  const extended = prisma
    .$extends({
      name: "soft-delete",
      query: {
        customer: {
          findMany({ args, query }) {
            hooks.push("soft-delete");
            return query({ ...args, where: { ...args.where, email: { not: hiddenEmail } } });
          },
          count({ args, query }) {
            hooks.push("soft-delete");
            return query({ ...args, where: { ...args.where, email: { not: hiddenEmail } } });
          },
        },
      },
    })
    .$extends({
      name: "masking",
      query: {
        $allOperations({ args, query }) {
          hooks.push("masking");
          return query(args);
        },
      },
      result: { customer: { email: { needs: { email: true }, compute: () => "***" } } },
      model: {
        customer: {
          visibleCount(): Promise<number> {
            return (Prisma.getExtensionContext(this) as unknown as { count(): Promise<number> }).count();
          },
        },
      },
      client: {
        $visibleCustomers(): Promise<number> {
          const client = Prisma.getExtensionContext(this) as unknown as { customer: { count(): Promise<number> } };
          return client.customer.count();
        },
      },
    });
  return { prisma: extended, hooks };
}

type Extended = ReturnType<typeof clientWithLaterExtensions>["prisma"];

/** The scoped clients under test: each runs `use` with a client of tenant A. */
const scopes: [string, (prisma: Extended, use: (db: Extended) => Promise<void>) => Promise<void>][] = [
  ["$forTenant(A)", (prisma, use) => use(prisma.$forTenant(a.id))],
  ["$withTenant(A, fn)", (prisma, use) => prisma.$withTenant(a.id, (tx) => use(tx as unknown as Extended))],
  [
    "$forTenant(A).$transaction(fn)",
    (prisma, use) => prisma.$forTenant(a.id).$transaction((tx) => use(tx as unknown as Extended)),
  ],
];

describe.each([false, true])("extensions applied after tenantExtension({ strict: %s })", (strict) => {
  let prisma: Extended;
  let hooks: string[];
  beforeAll(() => ({ prisma, hooks } = clientWithLaterExtensions(strict)));
  afterAll(() => prisma.$disconnect());

  it.each(scopes)("run for %s: query hooks in order, result fields, model and client methods", async (_, inScope) => {
    await inScope(prisma, async (db) => {
      hooks.splice(0);
      const customers = await db.customer.findMany();
      expect(hooks).toEqual(["soft-delete", "masking"]);
      expect(customers).toHaveLength(4);
      expect(customers.every((customer) => customer.tenantId === a.id && customer.email === "***")).toBe(true);
      expect(await db.customer.visibleCount()).toBe(4);
      expect(await db.$visibleCustomers()).toBe(4);
    });
  });
});
