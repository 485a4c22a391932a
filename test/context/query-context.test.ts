import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { roleUrl } from "../../fixtures/database/database-roles.ts";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import type { WireProxy } from "../../fixtures/database/wire-proxy.ts";
import { inject } from "vitest";
import { ContextRoleUnusableError, InvalidQueryContextError, type TenantContextMode } from "prisma-tenant-kit";
import { availableRoutes, initTest, seedTestTenants, startProxyFor, type TestDatabase } from "../setup/init-test.ts";
import { type ContextClient, createContextClient, grantContextRoles } from "./context-client.ts";

// A query context of several settings and a role (`$forContext`), per query, in both context modes, direct and
// through PgBouncer in transaction mode. The login role is `tenant_kit_authenticator`: NOINHERIT, a member of
// `authenticated` and `anon`, no grants of its own, so a query reads rows only while it runs as one of those roles.
// On top of the fixture's tenant policies this database adds a per-user rule: `authenticated` sees and writes only
// audit log rows whose actorId is `app.user_id`.
let database: TestDatabase;
let a: SeededTenant;
let b: SeededTenant;

const MODES: TenantContextMode[] = ["set-config", "transaction-block"];

beforeAll(async () => {
  database = await initTest();
  [a, b] = (await seedTestTenants(database, { tenants: 2 })) as [SeededTenant, SeededTenant];
  await grantContextRoles(database);
  for (const [tenant, actor, count] of [
    [a, "u1", 2],
    [a, "u2", 3],
    [b, "u1", 1],
  ] as const) {
    for (let i = 0; i < count; i++) {
      await database.admin.query(`INSERT INTO "AuditLog" (id, "tenantId", "actorId", action) VALUES ($1, $2, $3, $4)`, [
        crypto.randomUUID(),
        tenant.id,
        actor,
        "seed",
      ]);
    }
  }
});
afterAll(() => database.drop());

const user = (tenant: SeededTenant, userId: string, role: "authenticated" | "anon" = "authenticated") => ({
  settings: { "app.tenant_id": tenant.id, "app.user_id": userId },
  role,
});

type Session = { current_user: string; tenant: string | null; user_id: string | null; role: string; pid: number };
const SESSION_SQL =
  "SELECT current_user, current_setting('app.tenant_id', true) AS tenant, " +
  "current_setting('app.user_id', true) AS user_id, current_setting('role') AS role, pg_backend_pid() AS pid";

/** What the pool's connection holds right now, read with pg's own query (no kit prelude) on a checked-out client. */
async function leftOnConnection(pool: pg.Pool): Promise<Session> {
  const client = await pool.connect();
  try {
    const raw = pg.Client.prototype.query as (this: pg.ClientBase, text: string) => Promise<pg.QueryResult<Session>>;
    return (await raw.call(client, SESSION_SQL)).rows[0]!;
  } finally {
    client.release();
  }
}

describe.each(MODES.flatMap((mode) => availableRoutes().map((route) => [mode, route] as const)))(
  "$forContext (%s, %s)",
  (contextMode, route) => {
    let prisma: ContextClient;
    let pool: pg.Pool;
    beforeAll(() => {
      const client = createContextClient(database, { route, contextMode, max: 1 });
      prisma = client.prisma;
      pool = client.adapter.pool;
    });
    afterAll(() => prisma.$disconnect());

    it("runs a query with every setting and the role, and leaves neither on the connection", async () => {
      const db = prisma.$forContext(user(a, "u1"));
      const [during] = await db.$queryRawUnsafe<Session[]>(SESSION_SQL);
      expect(during).toMatchObject({ current_user: "authenticated", tenant: a.id, user_id: "u1" });
      const after = await leftOnConnection(pool);
      // The same server session (PgBouncer too: one client, one idle server connection), back to the login role.
      expect(after.pid).toBe(during!.pid);
      expect(after).toMatchObject({ current_user: "tenant_kit_authenticator", role: "none" });
      expect(after.tenant ?? "").toBe("");
      expect(after.user_id ?? "").toBe("");
    });

    it("applies the tenant policy and the per-user policy of the role together", async () => {
      const logs = await prisma.$forContext(user(a, "u1")).auditLog.findMany();
      expect(logs.map((log) => [log.tenantId, log.actorId])).toEqual([
        [a.id, "u1"],
        [a.id, "u1"],
      ]);
      expect(await prisma.$forContext(user(a, "u2")).auditLog.count()).toBe(3);
      expect(await prisma.$forContext(user(b, "u1")).auditLog.count()).toBe(1);
      const customers = await prisma.$forContext(user(b, "u9")).customer.findMany();
      expect(customers).toHaveLength(5);
      expect(new Set(customers.map((c) => c.tenantId))).toEqual(new Set([b.id]));
    });

    it("runs as anon what anon may, and nothing anon may not", async () => {
      const anon = prisma.$forContext(user(a, "", "anon"));
      expect(await anon.customer.count()).toBe(5);
      await expect(anon.auditLog.findMany()).rejects.toThrow(/permission denied/);
      // Without a role the query runs as the login role, which has no grants of its own.
      const noRole = prisma.$forContext({ settings: { "app.tenant_id": a.id } });
      await expect(noRole.customer.findMany()).rejects.toThrow(/permission denied/);
      expect((await leftOnConnection(pool)).current_user).toBe("tenant_kit_authenticator");
    });

    it("$withContext writes as the role with the settings, for that transaction only", async () => {
      const marker = `ctx-write-${contextMode}-${route}`;
      const inside = await prisma.$withContext(user(a, "u7"), async (tx) => {
        await tx.auditLog.create({ data: { tenantId: a.id, actorId: "u7", action: marker } });
        return (await tx.$queryRawUnsafe<Session[]>(SESSION_SQL))[0]!;
      });
      expect(inside).toMatchObject({ current_user: "authenticated", tenant: a.id, user_id: "u7" });
      const written = await database.admin.query(`SELECT "tenantId", "actorId" FROM "AuditLog" WHERE action = $1`, [
        marker,
      ]);
      expect(written.rows).toEqual([{ tenantId: a.id, actorId: "u7" }]);
      // Another user's row is refused by the per-user WITH CHECK, and the transaction leaves nothing.
      await expect(
        prisma.$withContext(user(a, "u7"), async (tx) => {
          await tx.auditLog.create({ data: { tenantId: a.id, actorId: "u7", action: `${marker}-2` } });
          await tx.auditLog.create({ data: { tenantId: a.id, actorId: "u8", action: `${marker}-2` } });
        }),
      ).rejects.toThrow(/row-level security/);
      const refused = await database.admin.query(`SELECT 1 FROM "AuditLog" WHERE action = $1`, [`${marker}-2`]);
      expect(refused.rowCount).toBe(0);
      const after = await leftOnConnection(pool);
      expect(after).toMatchObject({ current_user: "tenant_kit_authenticator", role: "none" });
      expect(after.user_id ?? "").toBe("");
    });

    it("runs a query without a role as the login role, even after a raw session-level SET ROLE", async () => {
      const client = await pool.connect();
      const raw = pg.Client.prototype.query as (this: pg.ClientBase, text: string) => Promise<pg.QueryResult>;
      try {
        await raw.call(client, "SET ROLE anon"); // a raw statement's leftover on a pooled connection
      } finally {
        client.release();
      }
      try {
        const noRole = prisma.$forContext({ settings: { "app.tenant_id": a.id } });
        const [session] = await noRole.$queryRawUnsafe<Session[]>(SESSION_SQL);
        expect(session?.current_user).toBe("tenant_kit_authenticator");
        const [viaTenant] = await prisma.$forTenant(a.id).$queryRawUnsafe<Session[]>(SESSION_SQL);
        expect(viaTenant?.current_user).toBe("tenant_kit_authenticator");
      } finally {
        const again = await pool.connect();
        await raw.call(again, "RESET ROLE").finally(() => again.release());
      }
    });

    it("refuses a role that is not one of the adapter's roles, before sending anything", async () => {
      const db = prisma.$forContext({ settings: { "app.tenant_id": a.id }, role: "service_role" });
      await expect(db.customer.findMany()).rejects.toThrow(/not one of the adapter's roles/);
      await expect(db.$transaction(async (tx) => tx.customer.findMany())).rejects.toThrow(
        /not one of the adapter's roles/,
      );
    });

    it("keeps concurrent contexts on one pool apart", async () => {
      const { prisma: shared } = createContextClient(database, { route, contextMode, max: 2 });
      try {
        const contexts = Array.from({ length: 40 }, (_, i) =>
          user(i % 2 ? a : b, `u${i % 5}`, i % 3 ? "authenticated" : "anon"),
        );
        const seen = await Promise.all(
          contexts.map(
            async (context) => (await shared.$forContext(context).$queryRawUnsafe<Session[]>(SESSION_SQL))[0]!,
          ),
        );
        seen.forEach((session, i) => {
          const { settings, role } = contexts[i]!;
          expect([session.current_user, session.tenant, session.user_id]).toEqual([
            role,
            settings["app.tenant_id"],
            settings["app.user_id"],
          ]);
        });
      } finally {
        await shared.$disconnect();
      }
    });
  },
);

describe("$forContext on the wire", () => {
  let proxy: WireProxy;
  beforeAll(async () => void (proxy = await startProxyFor(database)));
  afterAll(() => proxy.stop());
  beforeEach(() => proxy.clear());
  const url = () => roleUrl(inject("database").superuserUrl, "authenticator", database.name, proxy);

  it("set-config: ONE statement of set_configs for every setting and the role, before the query's one Sync", async () => {
    const { prisma } = createContextClient(database, { contextMode: "set-config", connectionString: url() });
    try {
      await prisma.$connect();
      proxy.clear();
      await prisma.$forContext(user(a, "u1")).customer.findMany();
      expect(proxy.messages.map((m) => m.type).join("")).toBe("PBEPBDES");
      expect(proxy.messages[0]!.sql).toBe(
        "SELECT set_config($1, $2, true), set_config($3, $4, true), set_config('role', $5, true)",
      );
      // With the adapter's roles, a query without one resets the role to the login role in the same statement.
      proxy.clear();
      await prisma.$forTenant(a.id).$queryRawUnsafe("SELECT 1");
      expect(proxy.messages[0]!.sql).toBe("SELECT set_config($1, $2, true), set_config('role', $3, true)");
    } finally {
      await prisma.$disconnect();
    }
  });

  it("transaction-block: BEGIN, a SET LOCAL per setting and for the role, the query, COMMIT, one Sync", async () => {
    const { prisma } = createContextClient(database, { contextMode: "transaction-block", connectionString: url() });
    try {
      await prisma.$connect();
      proxy.clear();
      await prisma.$forContext(user(a, "o'brien")).customer.findMany();
      const sql = proxy.messages.filter((m) => m.sql !== undefined).map((m) => m.sql);
      expect(sql.slice(0, 4)).toEqual([
        "BEGIN",
        `SET LOCAL app.tenant_id = '${a.id}'`,
        "SET LOCAL app.user_id = 'o''brien'",
        'SET LOCAL ROLE "authenticated"',
      ]);
      expect(sql.at(-1)).toBe("COMMIT");
      expect(proxy.messages.filter((m) => m.type === "S" || m.type === "Q")).toHaveLength(1);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("the adapter's roles", () => {
  const firstQuery = async (roles: string[], login: "authenticator" | "app" = "authenticator") => {
    const connectionString = roleUrl(inject("database").superuserUrl, login, database.name);
    const { prisma } = createContextClient(database, { contextMode: "set-config", roles, connectionString });
    try {
      // A transaction's path hands the adapter's error over as the kit's class today (a per-query read wraps it).
      await prisma.$withTenant(a.id, (tx) => tx.$queryRawUnsafe("SELECT 1"));
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await prisma.$disconnect();
    }
  };

  it("are checked once per pool: each exists, the login role may become it, and it bypasses nothing", async () => {
    expect(await firstQuery(["authenticated", "anon"])).toBeUndefined();
    const bypassing = await firstQuery(["authenticated", "service_role"]);
    expect(bypassing).toBeInstanceOf(ContextRoleUnusableError);
    expect(bypassing).toMatchObject({
      code: "CONTEXT_ROLE_UNUSABLE",
      loginRole: "tenant_kit_authenticator",
      problems: [{ role: "service_role", problem: "bypasses-rls" }],
    });
    expect(await firstQuery(["no_such_role_for_context"])).toMatchObject({
      problems: [{ role: "no_such_role_for_context", problem: "missing" }],
    });
    expect(await firstQuery(["authenticated"], "app")).toMatchObject({
      loginRole: "tenant_kit_app",
      problems: [{ role: "authenticated", problem: "not-member" }],
    });
  });
});

describe("a malformed context", () => {
  it("throws InvalidQueryContextError before anything is sent", () => {
    const { prisma } = createContextClient(database, { contextMode: "set-config" });
    const bad: unknown[] = [
      undefined,
      {},
      { settings: { role: "authenticated" } },
      { settings: { "app.user_id": 42 } },
      { settings: { "app.user_id": "a\u0000b" } },
      { role: "" },
      { settings: { "app.user_id": "u" }, writer: "" },
    ];
    for (const context of bad) {
      expect(() => prisma.$forContext(context as never)).toThrow(InvalidQueryContextError);
    }
  });
});
