import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { createTenantAdapter, type TenantAdapterFactory, tenantExtension } from "prisma-tenant-kit";
import {
  CONTEXT_MODE,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
} from "../setup/init-test.ts";
import { importPrismaClient } from "../setup/prisma-client-under-test.ts";
import {
  type DedicatedReplica,
  seedReplicatedTenants,
  startDedicatedReplica,
  waitUntil,
} from "../setup/replicated-app.ts";
import { CONTEXT_ROLES, grantContextRoles } from "./context-client.ts";

const PrismaClient = await importPrismaClient();

// Query contexts with a read replica whose replay is paused: a `$forContext` model read goes to the replica with the
// whole context (settings and role: the per-user rule of `authenticated` holds there too), and read-your-writes is
// keyed by the context's writer: after a write, reads of any context with the same writer go to the primary (and see
// the write), reads of other writers keep reading the replica.
describe.skipIf(!replicationAvailable())(`query contexts with a replica (${CONTEXT_MODE})`, () => {
  let database: ReplicatedTestDatabase;
  let replica: DedicatedReplica;
  let a: SeededTenant;
  let prisma: ReturnType<typeof createClient>["prisma"];
  let adapter: TenantAdapterFactory;

  const createClient = (primaryUrl: string, replicaUrl: string) => {
    const adapter = createTenantAdapter({
      connectionString: primaryUrl,
      roles: CONTEXT_ROLES,
      contextMode: CONTEXT_MODE,
      pool: { max: 2 },
      replicas: [{ connectionString: replicaUrl, pool: { max: 2 } }],
      replicaPolicy: { maxLagMillis: 3_600_000, logger: () => undefined },
    });
    return { prisma: new PrismaClient({ adapter }).$extends(tenantExtension()), adapter };
  };

  beforeAll(async () => {
    database = await initReplicatedTest();
    replica = await startDedicatedReplica();
    [a] = (await seedReplicatedTenants(database, { tenants: 1 })) as [SeededTenant];
    const { primary } = inject("database").replication!;
    await grantContextRoles({ ownerUrl: roleUrl(primary.superuserUrl, "owner", database.name) });
    for (const [actor, count] of [
      ["u1", 2],
      ["u2", 1],
    ] as const) {
      for (let i = 0; i < count; i++) {
        await database.admin.query(
          `INSERT INTO "AuditLog" (id, "tenantId", "actorId", action) VALUES (gen_random_uuid(), $1, $2, 'seed')`,
          [a.id, actor],
        );
      }
    }
    await replica.caughtUp();
    ({ prisma, adapter } = createClient(
      roleUrl(primary.superuserUrl, "authenticator", database.name),
      roleUrl(primary.superuserUrl, "authenticator", database.name, replica.node),
    ));
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await replica?.node.stop();
    await database?.drop();
  });
  beforeEach(async () => {
    await replica.superuser("SELECT pg_wal_replay_resume()");
    await replica.caughtUp();
    await replica.superuser("SELECT pg_wal_replay_pause()");
    await waitUntil(
      async () => (await replica.superuser("SELECT pg_get_wal_replay_pause_state() AS s")).rows[0].s === "paused",
      "replay is paused",
    );
  });

  const served = () => {
    const stats = adapter.replicaStats();
    return { replica: stats.replicas[0]!.reads, primary: stats.primaryReads };
  };
  const context = (userId: string, writer?: string) => ({
    settings: { "app.tenant_id": a.id, "app.user_id": userId },
    role: "authenticated",
    ...(writer ? { writer } : {}),
  });

  it("sends a $forContext model read to the replica with its settings and role", async () => {
    const start = served();
    const logs = await prisma.$forContext(context("u1")).auditLog.findMany();
    expect(logs.map((log) => log.actorId)).toEqual(["u1", "u1"]);
    expect(await prisma.$forContext(context("u2")).auditLog.count()).toBe(1);
    expect(served()).toEqual({ replica: start.replica + 2, primary: start.primary });
  });

  it("keys read-your-writes by the writer: same writer reads the write at once, another writer the replica", async () => {
    const id = a.customerIds[0]!;
    await prisma.$withContext(context("u1", "writer-1"), (tx) =>
      tx.customer.update({ where: { id }, data: { name: "written by writer-1" } }),
    );
    const start = served();
    // Another context (another user_id) with the same writer: the primary, and the write is there.
    const same = await prisma.$forContext(context("u3", "writer-1")).customer.findUniqueOrThrow({ where: { id } });
    expect(same.name).toBe("written by writer-1");
    expect(served()).toEqual({ replica: start.replica, primary: start.primary + 1 });
    // Another writer: the paused replica, which has not replayed the write.
    const other = await prisma.$forContext(context("u1", "writer-2")).customer.findUniqueOrThrow({ where: { id } });
    expect(other.name).not.toBe("written by writer-1");
    expect(served()).toEqual({ replica: start.replica + 1, primary: start.primary + 1 });
  });

  it("without a writer, keys it by the whole context", async () => {
    const id = a.customerIds[1]!;
    await prisma.$withContext(context("u5"), (tx) => tx.customer.update({ where: { id }, data: { name: "by u5" } }));
    const start = served();
    expect((await prisma.$forContext(context("u5")).customer.findUniqueOrThrow({ where: { id } })).name).toBe("by u5");
    expect(served().primary).toBe(start.primary + 1);
    await prisma.$forContext(context("u6")).customer.findUniqueOrThrow({ where: { id } });
    expect(served().replica).toBe(start.replica + 1);
  });
});
