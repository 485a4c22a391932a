import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseRoles, createFixtureDatabase } from "../../fixtures/database/create-fixture-database.ts";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import {
  type DebianPostgresNode,
  debianPostgresAvailable,
  startDebianPostgres,
} from "../../fixtures/database/debian-postgres-node.ts";
import { withClient } from "../../fixtures/database/pg-connection.ts";
import { type SeededTenant, seedTenants } from "../../fixtures/database/seed-tenants.ts";
import { startReplica, waitForReplay } from "../../fixtures/database/start-replication.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "../../fixtures/database/start-pgbouncer.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import type { ReplicaPolicy, ReplicaStateChange, TenantContextMode } from "prisma-tenant-kit";
import { importPrismaClient } from "../setup/prisma-client-under-test.ts";
import { createReplicatedAppClient, waitUntil } from "../setup/replicated-app.ts";

const PrismaClient = await importPrismaClient();
const DATABASE = "quiet";
const CONTEXT_MODES: TenantContextMode[] = ["set-config", "transaction-block"];
/** Direct, and through a PgBouncer (transaction pooling) in front of each server when it is installed. */
type Route = "direct" | "pgbouncer";
const ROUTES: readonly Route[] = pgbouncerAvailable() ? ["direct", "pgbouncer"] : ["direct"];

// A standby that has replayed no transaction since it started (pg_last_xact_replay_timestamp() is NULL) and is not
// streaming (pg_last_wal_receive_lsn() is NULL: restarted before its WAL receiver connected; here, kept from
// connecting) reports no lag of its own. Next to a primary that commits nothing, it used to count as "lagging
// (unknown)" for good: every read went to the primary. Its replay position has reached the primary's, so it is current.
// A pair of this file's own: the shared pair's primary commits whenever another test file runs, and this standby,
// cut off from its primary, must be exactly at the primary's position.
describe.skipIf(!debianPostgresAvailable())("a restarted standby of a quiet primary", () => {
  let primary: DebianPostgresNode;
  let standby: DebianPostgresNode;
  let tenants: SeededTenant[];
  const bouncers = new Map<DebianPostgresNode, PgBouncer>();
  /** The standby's primary_conninfo as pg_basebackup -R wrote it (in postgresql.auto.conf, where ALTER SYSTEM writes). */
  let conninfo: string;
  const apps: { $disconnect(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    // No autovacuum: its ANALYZE commits, and the primary must commit nothing the cut-off standby has not replayed.
    primary = await startDebianPostgres({ name: "Quiet primary", conf: ["autovacuum = off"] });
    standby = await startReplica(primary);
    await createDatabaseRoles(primary.superuserUrl);
    await createFixtureDatabase(primary.superuserUrl, DATABASE);
    const admin = new PrismaClient({ adapter: createAdminAdapter({ connectionString: url("admin", primary) }) });
    try {
      tenants = await seedTenants(admin, { tenants: 4, customersPerTenant: 2, skusPerTenant: 1 });
    } finally {
      await admin.$disconnect();
    }
    await quietPrimary();
    await waitForReplay(primary.superuserUrl, standby.superuserUrl);
    // Restarted with no primary to stream from: no receive position and no transaction replayed since it started.
    conninfo = (await superuser(standby, "SHOW primary_conninfo")).rows[0].primary_conninfo;
    await superuser(standby, "ALTER SYSTEM SET primary_conninfo = ''");
    await standby.halt();
    await standby.start();
    await waitForReplay(primary.superuserUrl, standby.superuserUrl);
    if (ROUTES.includes("pgbouncer"))
      for (const node of [primary, standby]) bouncers.set(node, await startPgBouncer(node));
  });
  afterAll(async () => {
    for (const app of apps) await app.$disconnect();
    for (const bouncer of bouncers.values()) await bouncer.stop();
    await standby?.stop();
    await primary?.stop();
  });

  function url(role: "app" | "admin", server: DebianPostgresNode, route: Route = "direct"): string {
    return roleUrl(primary.superuserUrl, role, DATABASE, route === "direct" ? server : bouncers.get(server)!);
  }

  /** Waits until the primary writes no WAL at all while nothing commits (see the comment inside). */
  async function quietPrimary(): Promise<void> {
    // Reads on a primary write WAL too, with no transaction: pruning a page that holds dead rows (the migrations' catalog
    // rows, ...) logs it, whole the first time after a checkpoint. A streaming standby replays that at once; this one
    // is cut off, so vacuum first, in every database the tests connect to, and leave nothing to prune.
    await superuser(primary, "VACUUM (FREEZE)");
    await superuser(primary, "VACUUM (FREEZE)", DATABASE);
    // After a CHECKPOINT the one record still to come is the background writer's snapshot of running transactions,
    // logged once within 15 s of the last record that matters (LOG_SNAPSHOT_INTERVAL_MS), then not again while only
    // such snapshots are written. With autovacuum off and no client, the primary then writes nothing.
    await superuser(primary, "CHECKPOINT");
    const checkpointed = await insertPosition();
    await waitUntil(
      async () => (await insertPosition()) !== checkpointed,
      "the background writer logs its snapshot",
      60_000,
    );
  }

  async function insertPosition(): Promise<string> {
    return (await superuser(primary, "SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0].lsn;
  }

  /** The standby reports no lag of its own: the health row's lag is -1 (see REPLICA_HEALTH_SQL). */
  async function expectNoLagOfItsOwn(): Promise<void> {
    const { rows } = await superuser(
      standby,
      "SELECT pg_is_in_recovery() AS standby, pg_last_wal_receive_lsn() AS received, " +
        "pg_last_xact_replay_timestamp() AS replayed",
    );
    expect(rows).toEqual([{ standby: true, received: null, replayed: null }]);
  }

  /** The app's client with the standby as its one replica, and a read that says whether the standby served it. */
  function client(contextMode: TenantContextMode, policy: ReplicaPolicy = {}, route: Route = "direct") {
    const changes: ReplicaStateChange[] = [];
    const app = createReplicatedAppClient({
      primaryUrl: url("app", primary, route),
      replicaUrls: [url("app", standby, route)],
      contextMode,
      replicaPolicy: { recheckAfterMillis: 20, logger: (_message, change) => changes.push(change), ...policy },
    });
    apps.push(app.prisma);
    /** Reads `tenant`'s customers (every one must come back) and says whether the standby served them. */
    const read = async (tenant: SeededTenant) => {
      const before = app.adapter.replicaStats().replicas[0]!.reads;
      const customers = await app.prisma.$forTenant(tenant.id).customer.findMany();
      expect(customers.map((c) => c.id).sort()).toEqual([...tenant.customerIds].sort());
      return app.adapter.replicaStats().replicas[0]!.reads > before;
    };
    return { ...app, changes, read };
  }

  const cells = CONTEXT_MODES.flatMap((mode) => ROUTES.map((route) => [mode, route] as const));
  describe.each(cells)("(%s, %s)", (contextMode, route) => {
    it("serves reads once its replay position has reached the primary's, with no transaction replayed", async () => {
      await expectNoLagOfItsOwn();
      const { adapter, changes, read } = client(contextMode, {}, route);
      const tenant = tenants[0]!;
      await waitUntil(() => read(tenant), "the standby serves reads", 20_000);
      // And keeps serving them: probes in the background keep its bound fresh while the primary stays quiet.
      for (let i = 0; i < 5; i++) expect(await read(tenant)).toBe(true);
      const { fallbacks, replicas } = adapter.replicaStats();
      expect(replicas[0]!.state).toBe("in-rotation");
      // At most its first read: the adapter had no sample of the primary's position yet.
      expect(fallbacks.lagging).toBeLessThanOrEqual(1);
      expect(fallbacks.unavailable + fallbacks.promoted + fallbacks["replica-error"]).toBe(0);
      expect(changes.every((change) => change.to === "lagging" || change.to === "in-rotation")).toBe(true);
      await expectNoLagOfItsOwn();
    });
  });

  it(
    "sends a tenant's reads to the primary after its write the standby has not replayed, and takes the standby " +
      "out once it has been behind the primary for maxLagMillis (both context modes)",
    async () => {
      // Clients that tolerate a minute of lag (the read-your-writes check), and clients that tolerate 300 ms.
      const patient = CONTEXT_MODES.map((mode) => client(mode, { maxLagMillis: 60_000 }));
      const strict = CONTEXT_MODES.map((mode) => client(mode, { maxLagMillis: 300 }));
      const bystander = tenants[3]!;
      for (const app of [...patient, ...strict]) {
        await waitUntil(() => app.read(bystander), "the standby serves reads", 20_000);
      }
      for (const [i, app] of patient.entries()) {
        const tenant = tenants[1 + i]!;
        const name = `written-${CONTEXT_MODES[i]}`;
        await app.prisma
          .$forTenant(tenant.id)
          .customer.update({ where: { id: tenant.customerIds[0]! }, data: { name } });
        // The standby cannot replay it (it is cut off): the tenant's read goes to the primary and sees its write.
        const before = app.adapter.replicaStats().fallbacks["behind-own-write"];
        expect(await app.read(tenant)).toBe(false);
        expect(app.adapter.replicaStats().fallbacks["behind-own-write"]).toBe(before + 1);
        const customer = await app.prisma.$forTenant(tenant.id).customer.findUnique({
          where: { id: tenant.customerIds[0]! },
        });
        expect(customer?.name).toBe(name);
        // Another tenant's reads still go to the standby: within the minute, it holds all the primary had then.
        expect(await app.read(bystander)).toBe(true);
      }
      // The primary has moved on; the standby has not: past 300 ms it is lagging, by how far it has replayed.
      for (const app of strict) {
        await waitUntil(
          async () => !(await app.read(bystander)) && app.adapter.replicaStats().replicas[0]!.state === "lagging",
          "the standby is out as lagging",
        );
        expect(app.changes.at(-1)).toMatchObject({ to: "lagging" });
      }
      // A new adapter (no sample of its own from before the writes) never puts it in rotation while it is behind.
      for (const mode of CONTEXT_MODES) {
        const { adapter, changes, read } = client(mode);
        for (let i = 0; i < 8; i++) {
          expect(await read(bystander)).toBe(false);
          await new Promise((resolve) => setTimeout(resolve, 25)); // past recheckAfterMillis: each read starts a probe
        }
        expect(adapter.replicaStats().replicas[0]!.state).toBe("lagging");
        expect(changes.map((change) => change.to)).toEqual(["lagging"]);
        expect(changes[0]!.detail).toMatch(/has not reached the primary's/);
      }
      await expectNoLagOfItsOwn();
      // Streaming again, it replays the writes (and has a lag of its own): back in rotation, with the written rows.
      await superuser(standby, `ALTER SYSTEM SET primary_conninfo = ${pg.escapeLiteral(conninfo)}`);
      await superuser(standby, "SELECT pg_reload_conf()");
      await waitForReplay(primary.superuserUrl, standby.superuserUrl);
      for (const app of strict) await waitUntil(() => app.read(tenants[1]!), "the standby serves reads again");
      expect(strict.map((app) => app.changes.at(-1)?.to)).toEqual(["in-rotation", "in-rotation"]);
    },
  );
});

/** Runs `sql` as the superuser of `node`, on `database` (default `postgres`). */
function superuser(node: DebianPostgresNode, sql: string, database = "postgres") {
  const url = new URL(node.superuserUrl);
  url.pathname = `/${database}`;
  return withClient(url.toString(), (client) => client.query(sql));
}
