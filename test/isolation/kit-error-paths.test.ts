import { createServer, type Server, type Socket } from "node:net";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import {
  createTenantAdapter,
  DatabaseUnreachableError,
  PoolTimeoutError,
  RlsBypassingRoleError,
  tenantExtension,
  TenantKitError,
  WriteWithoutTenantError,
} from "prisma-tenant-kit";
import {
  type AppClient,
  availableRoutes,
  createAppClient,
  initReplicatedTest,
  initTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";
import { appUrlAt, createReplicatedAppClient, serverAddress } from "../setup/replicated-app.ts";
import { importPrismaClient } from "../setup/prisma-client-under-test.ts";

const PrismaClient = await importPrismaClient();

let database: TestDatabase;
let tenant: SeededTenant;

beforeAll(async () => {
  database = await initTest();
  [tenant] = (await seedTestTenants(database, { tenants: 1 })) as [SeededTenant];
});
afterAll(() => database.drop());

/** What the caller of each path gets: the rejection of one call, whatever it is. */
function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
}

/**
 * One call per way a query can reach the pool: a model read, a model write, `$queryRaw`, `$executeRaw`, a batch
 * `$transaction([...])` and an interactive one (`$withTenant`), all as `tenantId`.
 */
function everyPath(prisma: AppClient, tenantId: string): [string, () => Promise<unknown>][] {
  const db = prisma.$forTenant(tenantId);
  return [
    ["model read", () => db.customer.findMany()],
    ["model write", () => db.customer.create({ data: { tenantId, name: "N", email: `n-${Math.random()}@x.test` } })],
    ["raw query", () => db.$queryRaw`SELECT 1 AS one`],
    ["raw execute", () => db.$executeRaw`UPDATE "Customer" SET name = name WHERE false`],
    ["batch $transaction", () => db.$transaction([db.customer.count(), db.customer.findMany()])],
    ["interactive $withTenant", () => prisma.$withTenant(tenantId, (tx) => tx.customer.count())],
  ];
}

describe("a kit error raised below Prisma reaches the caller as the kit's own instance", () => {
  it("RlsBypassingRoleError on every path (a BYPASSRLS role)", async () => {
    const adapter = createTenantAdapter({ connectionString: database.adminUrl });
    const prisma = new PrismaClient({ adapter }).$extends(tenantExtension()) as unknown as AppClient;
    try {
      for (const [path, call] of everyPath(prisma, tenant.id)) {
        const error = await rejectionOf(call);
        expect(error, path).toBeInstanceOf(RlsBypassingRoleError);
        expect(error, path).toMatchObject({ code: "RLS_BYPASSING_ROLE", role: "tenant_kit_admin" });
      }
    } finally {
      await prisma.$disconnect();
    }
  });

  it("PoolTimeoutError on every path (the pool's one connection held)", async () => {
    const { prisma, adapter } = createAppClient(database, { pool: { max: 1, acquireTimeoutMillis: 300 } });
    try {
      await prisma.$forTenant(tenant.id).customer.count(); // connected and role-checked
      const held: pg.PoolClient = await adapter.pool.connect();
      try {
        for (const [path, call] of everyPath(prisma, tenant.id)) {
          const error = await rejectionOf(call);
          expect(error, path).toBeInstanceOf(PoolTimeoutError);
          expect(error, path).toMatchObject({ code: "POOL_TIMEOUT", poolMax: 1 });
        }
      } finally {
        held.release();
      }
      expect(await prisma.$forTenant(tenant.id).customer.count()).toBe(tenant.customerIds.length);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("query extensions around the kit's", () => {
  it("one applied after the kit sees Prisma's error with the kit's code; one before it, the kit's instance", async () => {
    const seen: Record<"before" | "after", unknown[]> = { before: [], after: [] };
    const recorder = (where: "before" | "after") => ({
      query: {
        async $allOperations({ args, query }: { args: unknown; query: (args: unknown) => Promise<unknown> }) {
          try {
            return await query(args);
          } catch (error) {
            seen[where].push(error);
            throw error;
          }
        },
      },
    });
    const adapter = createTenantAdapter({ connectionString: database.adminUrl });
    const prisma = new PrismaClient({ adapter })
      .$extends(recorder("before"))
      .$extends(tenantExtension())
      .$extends(recorder("after")) as unknown as AppClient;
    try {
      const error = await rejectionOf(() => prisma.$forTenant(tenant.id).customer.findMany());
      expect(error).toBeInstanceOf(RlsBypassingRoleError);
      expect(seen.before).toEqual([error]);
      expect(seen.after).toHaveLength(1);
      expect(seen.after[0]).not.toBeInstanceOf(TenantKitError);
      expect(seen.after[0]).toMatchObject({ name: "PrismaClientKnownRequestError", code: "RLS_BYPASSING_ROLE" });
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe.each(availableRoutes())("a write refused by row-level security while no tenant was set (%s)", (route) => {
  let prisma: AppClient;
  beforeAll(() => void ({ prisma } = createAppClient(database, { route })));
  afterAll(() => prisma.$disconnect());

  const customerRows = async () => (await database.admin.query('SELECT count(*)::int AS n FROM "Customer"')).rows[0].n;
  const data = () => ({ tenantId: tenant.id, name: "No tenant", email: `none-${Math.random()}@x.test` });

  it.each([
    ["a model create on the bare client", (p: AppClient) => p.customer.create({ data: data() })],
    [
      "an upsert on the bare client",
      (p: AppClient) => p.customer.upsert({ where: { id: "x" }, create: data(), update: {} }),
    ],
    [
      "a raw INSERT on the bare client",
      (p: AppClient) =>
        p.$executeRaw`INSERT INTO "Customer" (id, "tenantId", name, email) VALUES ('c-raw', ${tenant.id}, 'n', 'e')`,
    ],
    [
      "a batch $transaction of the bare client",
      (p: AppClient) => p.$transaction([p.customer.create({ data: data() })]),
    ],
    [
      "a plain interactive $transaction (no tenant)",
      (p: AppClient) => p.$transaction((tx) => tx.customer.create({ data: data() })),
    ],
  ])("%s gets WriteWithoutTenantError, its cause the server's 42501, and nothing written", async (_, write) => {
    const before = await customerRows();
    const error = await rejectionOf(() => write(prisma));
    expect(error).toBeInstanceOf(WriteWithoutTenantError);
    expect(error).toMatchObject({
      code: "WRITE_WITHOUT_TENANT",
      table: "Customer",
      message: expect.stringMatching(/no tenant was set.*\$withTenant\(tenantId.*\$forTenant\(tenantId\)/),
      cause: { code: "42501", message: expect.stringContaining("row-level security") },
    });
    expect(await customerRows()).toBe(before);
  });

  it("keeps the server's error when a tenant was set (the row is another tenant's)", async () => {
    const error = await rejectionOf(() => prisma.$forTenant("someone-else").customer.create({ data: data() }));
    expect(error).not.toBeInstanceOf(TenantKitError);
    expect(String((error as Error).message)).toContain("row-level security");
  });
});

describe("an unreachable database", () => {
  /** The app role's URL with its password, pointing at `host:port`. */
  const urlAt = (host: string, port: number) => database.appUrl({ host, port });
  const password = () => new URL(database.appUrl()).password;

  async function firstError(connectionString: string, acquireTimeoutMillis?: number) {
    const adapter = createTenantAdapter({ connectionString, pool: { max: 1, acquireTimeoutMillis } });
    const prisma = new PrismaClient({ adapter }).$extends(tenantExtension()) as unknown as AppClient;
    try {
      return {
        read: await rejectionOf(() => prisma.$forTenant(tenant.id).customer.findMany()),
        transaction: await rejectionOf(() => prisma.$withTenant(tenant.id, (tx) => tx.customer.count())),
      };
    } finally {
      await prisma.$disconnect();
    }
  }

  it("a closed port: DatabaseUnreachableError naming host:port, refused, without the password", async () => {
    const port = await closedPort();
    const { read, transaction } = await firstError(urlAt("127.0.0.1", port));
    for (const error of [read, transaction]) {
      expect(error).toBeInstanceOf(DatabaseUnreachableError);
      expect(error).toMatchObject({
        code: "DATABASE_UNREACHABLE",
        host: "127.0.0.1",
        port,
        reason: "refused",
        message: expect.stringContaining(`Cannot reach the database at 127.0.0.1:${port}: nothing accepts connections`),
        cause: { code: "ECONNREFUSED" },
      });
      expect((error as Error).message).toContain("ECONNREFUSED");
      expect((error as Error).message).not.toContain(password());
    }
  });

  it("a host name that does not resolve: host-not-found", async () => {
    const { read } = await firstError(urlAt("no-such-host.invalid", 5432));
    expect(read).toBeInstanceOf(DatabaseUnreachableError);
    expect(read).toMatchObject({ host: "no-such-host.invalid", port: 5432, reason: "host-not-found" });
    expect((read as Error).message).toContain("Cannot reach the database at no-such-host.invalid:5432");
  });

  it("a server that never answers: timeout after acquireTimeoutMillis", async () => {
    // A real socket that accepts the connection and then says nothing, as a server behind a stalled link would.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const { read } = await firstError(urlAt("127.0.0.1", port), 300);
      expect(read).toBeInstanceOf(DatabaseUnreachableError);
      expect(read).toMatchObject({ port, reason: "timeout", message: expect.stringContaining("within 300 ms") });
    } finally {
      for (const socket of sockets) socket.destroy();
      await closeServer(silent);
    }
  });
});

describe.skipIf(!replicationAvailable())("a replica read", () => {
  let replicated: ReplicatedTestDatabase;
  beforeAll(async () => {
    replicated = await initReplicatedTest();
    await replicated.caughtUp();
  });
  afterAll(() => replicated?.drop());

  it("a replica whose role bypasses RLS: RlsBypassingRoleError, not a read served elsewhere", async () => {
    const replicaAdminUrl = new URL(appUrlAt(replicated, serverAddress("replica")));
    const admin = new URL(replicated.adminUrl);
    [replicaAdminUrl.username, replicaAdminUrl.password] = [admin.username, admin.password];
    const { prisma } = createReplicatedAppClient({
      primaryUrl: replicated.appUrl("primary"),
      replicaUrls: [replicaAdminUrl.href],
    });
    try {
      const error = await rejectionOf(() => prisma.$forTenant("any-tenant").customer.findMany());
      expect(error).toBeInstanceOf(RlsBypassingRoleError);
      expect(error).toMatchObject({ code: "RLS_BYPASSING_ROLE", role: "tenant_kit_admin" });
    } finally {
      await prisma.$disconnect();
    }
  });
});

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await closeServer(server);
  return port;
}

function closeServer(server: Server): Promise<void> {
  server.unref();
  return new Promise((resolve) => server.close(() => resolve()));
}
