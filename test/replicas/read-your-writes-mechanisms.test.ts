import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { createTenantAdapter, type TenantContextMode, tenantExtension } from "prisma-tenant-kit";
import {
  availableRoutes,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
  type Route,
} from "../setup/init-test.ts";
import {
  appUrlAt,
  createReplicatedAppClient,
  type DedicatedReplica,
  seedReplicatedTenants,
  startDedicatedReplica,
  waitUntil,
} from "../setup/replicated-app.ts";
import { importPrismaClient } from "../setup/prisma-client-under-test.ts";
import { type PipelineGateProxy, startPipelineGateProxy } from "./pipeline-gate-proxy.ts";

const PrismaClient = await importPrismaClient();

// Where a write's position comes from, what identifies a tenant, what counts as a write and when a replica read's
// snapshot is taken: each on a replica of this file's own, in both context modes, the primary direct and through
// PgBouncer. Every read must return the tenant's own last acknowledged write.
const MODES: TenantContextMode[] = ["set-config", "transaction-block"];
const CASES = availableRoutes().flatMap((route) => MODES.map((mode) => [route, mode] as const));

describe.skipIf(!replicationAvailable())("read-your-writes mechanisms", () => {
  let database: ReplicatedTestDatabase;
  let replica: DedicatedReplica;
  let gate: PipelineGateProxy;
  let tenants: SeededTenant[];
  let owner: pg.Client;

  beforeAll(async () => {
    database = await initReplicatedTest();
    tenants = await seedReplicatedTenants(database, { tenants: 2, customersPerTenant: 2 });
    owner = new pg.Client({
      connectionString: roleUrl(inject("database").replication!.primary.superuserUrl, "owner", database.name),
    });
    await owner.connect();
    // Customer's policy compares as uuid, as generateRlsSql({ columnType: "uuid" }) writes it for a uuid column: the
    // upper- and lower-case spellings of one tenant id are the same tenant for the database.
    const setting = "NULLIF(current_setting('app.tenant_id', true), '')";
    const uuid = "'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'";
    const tenant = `(CASE WHEN ${setting} ~* ${uuid} THEN ${setting}::uuid END)`;
    const check = `"tenantId"::uuid = ${tenant}`;
    await owner.query(`ALTER POLICY tenant_isolation ON "Customer" USING (${check}) WITH CHECK (${check})`);
    // A write that looks like a read: what `SELECT touch_customer(id)` does cannot be told from its text.
    await owner.query(`CREATE FUNCTION touch_customer(customer text, new_name text) RETURNS int LANGUAGE sql AS
      $$ UPDATE "Customer" SET name = new_name WHERE id = customer RETURNING 1 $$`);
    replica = await startDedicatedReplica();
    await replica.caughtUp();
    gate = await startPipelineGateProxy(replica.node);
  });
  afterAll(async () => {
    await gate?.stop();
    await owner?.end();
    await replica?.node.stop();
    await database?.drop();
  });

  const pause = async () => {
    await replica.superuser("SELECT pg_wal_replay_resume()");
    await replica.caughtUp();
    await replica.superuser("SELECT pg_wal_replay_pause()");
    await waitUntil(
      async () => (await replica.superuser("SELECT pg_get_wal_replay_pause_state() AS s")).rows[0].s === "paused",
      "replay is paused",
    );
  };
  const resume = () => replica.superuser("SELECT pg_wal_replay_resume()");
  /** A database-level setting for the next connections, on both servers (the replica replays it). */
  const setForDatabase = async (setting: string, value: string | undefined) => {
    await owner.query(
      value === undefined
        ? `ALTER DATABASE "${database.name}" RESET ${setting}`
        : `ALTER DATABASE "${database.name}" SET ${setting} = '${value}'`,
    );
    await replica.caughtUp();
  };
  const client = (route: Route, contextMode: TenantContextMode, replicaUrl = replica.appUrl(database)) =>
    createReplicatedAppClient({
      primaryUrl: database.appUrl("primary", route),
      replicaUrls: [replicaUrl],
      replicaPolicy: { maxLagMillis: 3_600_000 },
      contextMode,
    });

  describe.each(CASES)("(%s, %s)", (route, contextMode) => {
    it("reads its writes made with synchronous_commit = off (the position is where the commit record is)", async () => {
      const [a] = tenants as [SeededTenant];
      const id = a.customerIds[0]!;
      await resume();
      await setForDatabase("synchronous_commit", "off");
      const { prisma } = client(route, contextMode);
      try {
        const stale: string[] = [];
        for (let i = 0; i < 20; i++) {
          const name = `async-${contextMode}-${route}-${i}`;
          if (i % 2 === 0) {
            await prisma.$withTenant(a.id, (tx) => tx.customer.update({ where: { id }, data: { name } }));
          } else {
            await prisma.$forTenant(a.id).customer.update({ where: { id }, data: { name } });
          }
          const read = await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } });
          if (read.name !== name) stale.push(`${read.name} instead of ${name}`);
        }
        expect(stale).toEqual([]);
      } finally {
        await prisma.$disconnect();
        await setForDatabase("synchronous_commit", undefined);
      }
    });

    it("reads a write made with one spelling of a uuid tenant id through another spelling", async () => {
      const [a] = tenants as [SeededTenant];
      const id = a.customerIds[1]!;
      await pause();
      const { prisma, adapter } = client(route, contextMode);
      try {
        const upper = a.id.toUpperCase();
        expect(upper).not.toBe(a.id);
        // The database takes both spellings for one tenant: the replica serves the upper-case one its rows.
        expect(await prisma.$forTenant(upper).customer.count()).toBeGreaterThanOrEqual(2);
        expect(adapter.replicaStats().replicas[0]!.reads).toBe(1);
        const name = `spelling-${contextMode}-${route}`;
        await prisma.$withTenant(a.id, (tx) => tx.customer.update({ where: { id }, data: { name } }));
        expect((await prisma.$forTenant(upper).customer.findUniqueOrThrow({ where: { id } })).name).toBe(name);
        const other = `spelling-back-${contextMode}-${route}`;
        await prisma.$forTenant(upper).customer.update({ where: { id }, data: { name: other } });
        expect((await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } })).name).toBe(other);
        // Never another tenant's effect: tenant b still reads the paused replica.
        const [, b] = tenants as [SeededTenant, SeededTenant];
        const before = adapter.replicaStats().replicas[0]!.reads;
        await prisma.$forTenant(b.id).customer.findMany();
        expect(adapter.replicaStats().replicas[0]!.reads).toBe(before + 1);
      } finally {
        await prisma.$disconnect();
        await resume();
      }
    });

    it("records a write made by a SELECT under a read mark once it ran on the primary", async () => {
      const [a] = tenants as [SeededTenant];
      const id = a.customerIds[0]!;
      await pause();
      const adapter = createTenantAdapter({
        connectionString: database.appUrl("primary", route),
        replicas: [{ connectionString: replica.appUrl(database) }],
        replicaPolicy: { maxLagMillis: 3_600_000, logger: () => undefined },
        contextMode,
      });
      const base = new PrismaClient({ adapter });
      const name = `touched-${contextMode}-${route}`;
      // A later extension's read hook that writes through the client the kit was applied to.
      const prisma = base.$extends(tenantExtension()).$extends({
        query: {
          customer: {
            async count({ args, query }) {
              await base.$queryRawUnsafe("SELECT touch_customer($1, $2)", id, name);
              return query(args);
            },
          },
        },
      });
      try {
        await prisma.$forTenant(a.id).customer.count();
        expect((await prisma.$forTenant(a.id).customer.findUniqueOrThrow({ where: { id } })).name).toBe(name);
      } finally {
        await prisma.$disconnect();
        await resume();
      }
    });

    it("reads with the snapshot taken after the replay position was checked (default REPEATABLE READ)", async () => {
      const [a] = tenants as [SeededTenant];
      await resume();
      await setForDatabase("default_transaction_isolation", "repeatable read");
      // No dead row left to prune: replaying a prune would wait for (and then cancel) the held read's snapshot.
      await owner.query(`VACUUM "Customer"`);
      const { prisma } = client(route, contextMode, appUrlAt(database, gate));
      try {
        await pause();
        const email = `snapshot-${contextMode}-${route}@a.test`;
        const { id } = await prisma.$withTenant(a.id, (tx) =>
          tx.customer.create({ data: { tenantId: a.id, name: "snapshot", email } }),
        );
        // The replica read's first statement runs before the insert is replayed, the rest after. (A Prisma query is
        // lazy: then() starts it.)
        const held = gate.arm("pg_last_wal_replay_lsn");
        const read = prisma
          .$forTenant(a.id)
          .customer.findUnique({ where: { id } })
          .then((row) => row);
        await held;
        await resume();
        await replica.caughtUp();
        gate.release();
        expect(await read).toMatchObject({ id, email });
      } finally {
        gate.release();
        await prisma.$disconnect();
        await resume();
        await setForDatabase("default_transaction_isolation", undefined);
      }
    });
  });
});
