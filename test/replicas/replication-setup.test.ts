import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  availableRoutes,
  initReplicatedTest,
  type ReplicatedTestDatabase,
  replicationAvailable,
} from "../setup/init-test.ts";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

// Needs Debian's postgresql-15 (pg_basebackup); without it the global setup printed one line saying how to install it.
describe.skipIf(!replicationAvailable())("the replication pair of the test setup", () => {
  let database: ReplicatedTestDatabase;
  beforeAll(async () => {
    database = await initReplicatedTest();
    await database.admin.query(`INSERT INTO "Tenant" (id, name, slug) VALUES ('r1', 'R1', 'r1')`);
    await database.admin.query(
      `INSERT INTO "Customer" (id, "tenantId", name, email) VALUES ('c1', 'r1', 'C1', 'c1@example.com')`,
    );
    await database.caughtUp();
  });
  afterAll(() => database?.drop());

  it.each(availableRoutes())("replays rows and RLS policies to a read-only replica (%s)", async (route) => {
    const replica = createPgClient({ connectionString: database.appUrl("replica", route) });
    await replica.connect();
    try {
      const count = `SELECT pg_is_in_recovery() AS standby, count(*)::int AS customers FROM "Customer"`;
      expect((await replica.query(count)).rows[0]).toEqual({ standby: true, customers: 0 });
      await replica.query("BEGIN");
      await replica.query("SELECT set_config('app.tenant_id', 'r1', true)");
      expect((await replica.query(count)).rows[0]).toEqual({ standby: true, customers: 1 });
      await replica.query("COMMIT");
      await expect(replica.query(`DELETE FROM "Customer"`)).rejects.toThrow(/read-only transaction/);
    } finally {
      await replica.end();
    }
  });
});
