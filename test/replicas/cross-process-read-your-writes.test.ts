import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { TenantContextMode } from "prisma-tenant-kit";
import {
  availableRoutes,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
} from "../setup/init-test.ts";
import {
  type DedicatedReplica,
  seedReplicatedTenants,
  startDedicatedReplica,
  waitUntil,
} from "../setup/replicated-app.ts";
import type { AppRequest, AppResponse } from "./app-process.ts";

// Two instances of the app (two Node processes, each with its own client) behind one "load balancer" (this test): a
// user's write lands on one, the user's next read on the other. The position the write reached travels with the user
// as a signed, tenant-bound token; the replica is paused, so a read it serves cannot hold the write.
const MODES: TenantContextMode[] = ["set-config", "transaction-block"];
const CASES = availableRoutes().flatMap((route) => MODES.map((mode) => [route, mode] as const));
const SECRET = "a-write-position-secret-shared-by-every-instance";

/** One app instance: a child process answering requests in order. */
class AppInstance {
  readonly #child: ChildProcess;
  constructor(env: Record<string, string>) {
    this.#child = fork(new URL("./app-process.ts", import.meta.url).pathname, {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  }
  async ready(): Promise<void> {
    await once(this.#child, "message");
  }
  async send(request: AppRequest): Promise<AppResponse & { ok: true }> {
    const reply = once(this.#child, "message");
    this.#child.send(request);
    const [response] = (await reply) as [AppResponse];
    if (!response.ok) throw new Error(response.error);
    return response;
  }
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, "exit");
    await this.send({ op: "stop" }).catch(() => undefined);
    await exited;
  }
}

describe.skipIf(!replicationAvailable())("read-your-writes across app instances", () => {
  let database: ReplicatedTestDatabase;
  let replica: DedicatedReplica;
  let tenants: SeededTenant[];

  beforeAll(async () => {
    database = await initReplicatedTest();
    tenants = await seedReplicatedTenants(database, { tenants: 2, customersPerTenant: 1 });
    replica = await startDedicatedReplica();
    // A transaction it has replayed, so its lag is measured from that one's commit time (not unknown) while paused.
    await database.admin.query(`UPDATE "Tenant" SET name = name WHERE id = $1`, [tenants[0]!.id]);
  });
  afterAll(async () => {
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

  describe.each(CASES)("(%s, %s)", (route, contextMode) => {
    let instances: [AppInstance, AppInstance];
    beforeAll(async () => {
      const env = {
        PRIMARY_URL: database.appUrl("primary", route),
        REPLICA_URL: replica.appUrl(database),
        CONTEXT_MODE: contextMode,
        WRITE_POSITION_SECRET: SECRET,
      };
      instances = [new AppInstance(env), new AppInstance(env)];
      await Promise.all(instances.map((instance) => instance.ready()));
    });
    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
    });

    it("reads on one instance the write made on the other when the user brings its token", async () => {
      const [a] = tenants as [SeededTenant];
      const [writer, reader] = instances;
      const name = `cross-${route}-${contextMode}`;
      const { token } = await writer.send({ op: "write", tenantId: a.id, customerId: a.customerIds[0]!, name });
      expect(token).toMatch(/^rw1\./);
      // Without the token, the other instance knows nothing of the write: the paused replica serves the old row.
      const blind = await reader.send({ op: "read", tenantId: a.id, customerId: a.customerIds[0]!, token: undefined });
      expect(blind).toMatchObject({ replicaServed: true });
      expect(blind.name).not.toBe(name);
      const read = await reader.send({ op: "read", tenantId: a.id, customerId: a.customerIds[0]!, token });
      expect(read).toMatchObject({ name, replicaServed: false });
    });

    it("sends reads to the primary, and nowhere else, for a forged, altered or other tenant's token", async () => {
      const [a, b] = tenants as [SeededTenant, SeededTenant];
      const [writer, reader] = instances;
      const { token } = await writer.send({ op: "write", tenantId: a.id, customerId: a.customerIds[0]!, name: "t" });
      const [version, lsn, issued, mac] = token!.split(".") as [string, string, string, string];
      const forged = [
        `${version}.ffffffffffffffff.${issued}.${mac}`,
        `${version}.${lsn}.${issued}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
        "not a token",
      ];
      for (const bad of forged) {
        const read = await reader.send({ op: "read", tenantId: a.id, customerId: a.customerIds[0]!, token: bad });
        expect(read).toMatchObject({ name: "t", replicaServed: false });
      }
      // Tenant a's token on tenant b's read: b's own row, from the primary; never a's.
      const other = await reader.send({ op: "read", tenantId: b.id, customerId: b.customerIds[0]!, token });
      expect(other.replicaServed).toBe(false);
      expect(other.name).not.toBe("t");
      // And the token changed nothing for anyone else: b's next read without it is the replica's again.
      const after = await reader.send({ op: "read", tenantId: b.id, customerId: b.customerIds[0]!, token: undefined });
      expect(after.replicaServed).toBe(true);
    });
  });
});
