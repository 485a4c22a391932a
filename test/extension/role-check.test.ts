import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import type { WireProxy } from "../../fixtures/database/wire-proxy.ts";
import { PrismaClient } from "../../fixtures/sales-app/src/generated/prisma/client.ts";
import {
  ConnectionStringMissingError,
  createTenantAdapter,
  InvalidTenantKitOptionError,
  RlsBypassingRoleError,
  tenantExtension,
} from "prisma-tenant-kit";
import type { TenantAdapterOptions } from "prisma-tenant-kit";
import {
  availableRoutes,
  createAppClient,
  initTest,
  seedTestTenants,
  startProxyFor,
  type TestDatabase,
} from "../setup/init-test.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";

let database: TestDatabase;
let tenants: SeededTenant[];
let proxy: WireProxy;
const clients: Array<{ $disconnect(): Promise<void> }> = [];

beforeAll(async () => {
  database = await initTest();
  tenants = await seedTestTenants(database, { tenants: 2, customersPerTenant: 3 });
  proxy = await startProxyFor(database);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.$disconnect()));
});
afterAll(async () => {
  await proxy.stop();
  await database.drop();
});

function clientFor(options: TenantAdapterOptions) {
  const adapter = createTenantAdapter({ pool: { max: 3 }, ...options });
  const prisma = new PrismaClient({ adapter }).$extends(tenantExtension({ strict: true }));
  clients.push(prisma);
  return { adapter, prisma };
}

/** The superuser of the test server, on this test's database. */
function superuserUrl(): string {
  const url = new URL(inject("database").superuserUrl);
  url.pathname = `/${database.name}`;
  return url.toString();
}

// The role check, recognised on the wire by what it reads.
const roleChecks = () => proxy.messages.filter((m) => m.sql?.includes("rolbypassrls") === true).length;

describe.each(availableRoutes())("a role that bypasses row-level security (%s)", (route) => {
  const { superuserUrl: serverUrl, pgbouncer } = inject("database");
  const urls: Record<string, () => string> = {
    "BYPASSRLS admin": () =>
      route === "direct" ? database.adminUrl : roleUrl(serverUrl, "admin", database.name, pgbouncer),
  };
  // PgBouncer's userlist has only the fixture roles, so the superuser is tested direct.
  if (route === "direct") urls.superuser = superuserUrl;

  it.each(Object.keys(urls))("is refused on the first connection: %s", async (kind) => {
    const connectionString = urls[kind]!();
    const { adapter, prisma } = clientFor({ connectionString });
    const error = await adapter.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RlsBypassingRoleError);
    expect(error).toMatchObject({ code: "RLS_BYPASSING_ROLE", name: "RlsBypassingRoleError" });
    const role = new URL(connectionString).username;
    expect((error as RlsBypassingRoleError).role).toBe(role);
    expect((error as Error).message).toContain(`"${role}"`);
    expect((error as Error).message).toContain(kind === "superuser" ? "SUPERUSER" : "BYPASSRLS");
    expect((error as Error).message).toContain("NOSUPERUSER NOBYPASSRLS");
    // Through Prisma Client the query fails with the same message, and no row comes back.
    const query = prisma.$forTenant(tenants[0]!.id).customer.findMany();
    await expect(query).rejects.toThrow(/row-level security does not apply/);
  });
});

it("serves a bypassing role when the documented opt-out is given (and then RLS does not apply)", async () => {
  proxy.clear();
  const url = roleUrl(inject("database").superuserUrl, "admin", database.name, proxy);
  const { prisma } = clientFor({ connectionString: url, allowRlsBypassingRole: "i-know-this-serves-every-tenant" });
  const rows = await prisma.$forTenant(tenants[0]!.id).customer.findMany();
  // This is exactly what the check prevents: tenant 0's scope returns both tenants' customers.
  expect(new Set(rows.map((row) => row.tenantId))).toEqual(new Set(tenants.map((t) => t.id)));
  expect(roleChecks()).toBe(0);
});

it("rejects an opt-out value other than the documented one", () => {
  const options = { connectionString: database.adminUrl, allowRlsBypassingRole: "yes" };
  // @ts-expect-error: the type admits only the documented value; a JavaScript caller can still pass another.
  expect(() => createTenantAdapter(options)).toThrow(InvalidTenantKitOptionError);
});

describe.each(availableRoutes())("the application role (%s)", (route) => {
  it("is accepted and serves only its tenant", async () => {
    const { prisma } = createAppClient(database, { route });
    clients.push(prisma);
    const rows = await prisma.$forTenant(tenants[1]!.id).customer.findMany();
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.tenantId === tenants[1]!.id)).toBe(true);
  });
});

it("checks the role once per pool, not per query", async () => {
  proxy.clear();
  const { prisma } = createAppClient(database, { route: proxy });
  clients.push(prisma);
  const [a, b] = tenants.map((t) => prisma.$forTenant(t.id));
  // Concurrent first queries share one check; later queries and transactions send none.
  await Promise.all([a!.customer.findMany(), b!.customer.findMany(), a!.order.count(), b!.inventory.findMany()]);
  await a!.customer.count();
  await prisma.$withTenant(tenants[1]!.id, (tx) => tx.customer.findMany());
  expect(roleChecks()).toBe(1);
  expect(proxy.messages.filter((m) => m.sql?.includes('"Customer"')).length).toBeGreaterThanOrEqual(4);

  // $disconnect ends the pool; the next connection builds a new pool, which is checked again.
  await prisma.$disconnect();
  await a!.customer.count();
  expect(roleChecks()).toBe(2);
});

describe("a missing connection string", () => {
  it.each([undefined, ""])("does not throw at construction but at first connection: %j", async (connectionString) => {
    const { adapter, prisma } = clientFor({ connectionString }); // what `next build` does: import, never query
    const error = await adapter.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionStringMissingError);
    expect(error).toMatchObject({ code: "CONNECTION_STRING_MISSING", name: "ConnectionStringMissingError" });
    expect((error as Error).message).toMatch(/DATABASE_URL/);
    const query = prisma.$forTenant(tenants[0]!.id).customer.findMany();
    await expect(query).rejects.toThrow(/CONNECTION_STRING_MISSING|DATABASE_URL/);
  });
});
