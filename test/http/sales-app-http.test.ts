import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { prepareVariant, type AppVariant } from "../../bench/loadtest/app-variants.ts";
import { auditFailures, auditLoadRun } from "../../bench/loadtest/load-audit.ts";
import { INITIAL_STOCK, type LoadDatabase } from "../../bench/loadtest/load-database.ts";
import { runScenario } from "../../bench/loadtest/load-scenario.ts";
import { salesRepHeaders } from "../../bench/loadtest/sales-mix.ts";
import { startNextApp, type RunningNextApp } from "../../bench/loadtest/next-app.ts";
import { createAdminClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

// fixtures/sales-app for real: `next build` + `next start` of V1 (as written) and of V2 (made by the kit's own
// codemods), against Postgres with the RLS schema, as the application role.
describe("fixtures/sales-app over HTTP", () => {
  let database: TestDatabase;
  let tenantA: SeededTenant;
  let tenantB: SeededTenant;
  const variants: AppVariant[] = [];
  const apps = new Map<string, RunningNextApp>();

  beforeAll(async () => {
    database = await initTest();
    [tenantA, tenantB] = (await seedTestTenants(database, { tenants: 2, stock: INITIAL_STOCK })) as [
      SeededTenant,
      SeededTenant,
    ];
    for (const name of ["V1", "V2"] as const) {
      const variant = await prepareVariant(name);
      variants.push(variant);
      apps.set(name, await startNextApp(variant.dir, { DATABASE_URL: database.appUrl(), POOL_MAX: "17" }));
    }
  }, 300_000);
  afterAll(async () => {
    for (const app of apps.values()) await app.stop();
    for (const variant of variants) variant.cleanup();
    await database?.drop();
  });

  const get = async (variant: string, path: string, headers: Record<string, string> = {}) => {
    const response = await request(`${apps.get(variant)!.url}${path}`, { headers });
    const text = await response.body.text();
    return { status: response.statusCode, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  it("V1 and V2 serve the same routes with the same answers", async () => {
    for (const path of ["/api/customers", "/api/dashboard", "/api/orders", "/api/me"]) {
      const [v1, v2] = [
        await get("V1", path, salesRepHeaders(tenantA)),
        await get("V2", path, salesRepHeaders(tenantA)),
      ];
      expect([path, v1.status]).toEqual([path, 200]);
      expect([path, v2.status, v2.json()]).toEqual([path, 200, v1.json()]);
    }
    const customers = (await get("V2", "/api/customers", salesRepHeaders(tenantA))).json() as unknown as Array<{
      tenantId: string;
    }>;
    expect(customers).toHaveLength(tenantA.customerIds.length);
    expect(new Set(customers.map((c) => c.tenantId))).toEqual(new Set([tenantA.id]));
  });

  describe.each(["V1", "V2"])("bad input to %s", (variant) => {
    it("no session cookie gives 401", async () => {
      const response = await get(variant, "/api/customers", { "x-tenant-id": tenantA.id });
      expect([response.status, response.json().code]).toEqual([401, "NO_SESSION"]);
    });

    it("an expired session gives 401 SESSION_EXPIRED", async () => {
      const admin = createAdminClient(database);
      const expired = await admin.salesSession.create({
        data: { tenantId: tenantA.id, userId: tenantA.userId, expiresAt: new Date(Date.now() - 60_000) },
      });
      await admin.$disconnect();
      const response = await get(variant, "/api/customers", {
        ...salesRepHeaders(tenantA),
        cookie: `sales_session=${expired.id}; sales_tenant=${tenantA.id}`,
      });
      expect([response.status, response.json().code]).toEqual([401, "SESSION_EXPIRED"]);
    });

    it("a tenant header naming another tenant than the session's gives 403 and none of its data", async () => {
      const otherTenant: Array<Record<string, string>> = [
        { "x-tenant-id": tenantB.id },
        { "x-tenant-slug": tenantB.slug },
      ];
      for (const header of otherTenant) {
        const response = await get(variant, "/api/customers", { cookie: salesRepHeaders(tenantA).cookie!, ...header });
        expect([response.status, response.json().code]).toEqual([403, "TENANT_MISMATCH"]);
        expect(response.text).not.toContain(tenantB.id);
      }
      // Without the tenant cookie the session is looked up under B's RLS context, where it does not exist.
      const bare = await get(variant, "/api/customers", {
        cookie: `sales_session=${tenantA.sessionId}`,
        "x-tenant-id": tenantB.id,
      });
      expect([bare.status, bare.json().code]).toEqual([401, "SESSION_EXPIRED"]);
      expect(bare.text).not.toContain(tenantB.id);
    });

    it("malformed ids give 400", async () => {
      const cases = [
        { ...salesRepHeaders(tenantA), "x-tenant-id": "1 OR 1=1" },
        { ...salesRepHeaders(tenantA), cookie: `sales_session=not-a-uuid; sales_tenant=${tenantA.id}` },
        { ...salesRepHeaders(tenantA), cookie: `sales_session=${tenantA.sessionId}; sales_tenant=%27` },
      ];
      for (const headers of cases) {
        const response = await get(variant, "/api/customers", headers);
        expect([response.status, response.json().code]).toEqual([400, "MALFORMED_ID"]);
      }
      const unknownSlug = await get(variant, "/api/customers", {
        cookie: `sales_session=${tenantA.sessionId}`,
        "x-tenant-slug": "no-such-tenant",
      });
      expect([unknownSlug.status, unknownSlug.json().error]).toEqual([400, "Tenant not found"]);
    });
  });

  // The CI-sized load test: V2 at 100 users, 80/20, 50–200 ms of work per handler, pool max 17, for 15 s.
  it("smoke load: V2 at 100 users has zero pool timeouts and zero errors, and the audit is clean", async () => {
    const loadDatabase: LoadDatabase = {
      appUrl: database.appUrl(),
      adminUrl: database.adminUrl,
      tenants: [tenantA, tenantB],
      initialStock: INITIAL_STOCK,
      stop: async () => undefined,
    };
    const run = await runScenario({ variant: variants[1]!, database: loadDatabase, users: 100, durationMs: 15_000 });
    expect(run.summary.requests).toBeGreaterThan(100);
    expect(run.summary.write.count).toBeGreaterThan(0);
    expect(run.summary.errors, JSON.stringify(run.samples.filter((s) => s.error).slice(0, 5))).toEqual({
      "pool-timeout": 0,
      "5xx": 0,
      "4xx": 0,
      network: 0,
    });
    expect(run.summary.poolTimeouts).toBe(0);
    expect(run.pool.length).toBeGreaterThan(10);
    expect(Math.max(...run.pool.map((p) => p.total))).toBeLessThanOrEqual(17);
    expect(auditFailures(await auditLoadRun(database.adminUrl, INITIAL_STOCK))).toEqual([]);
  }, 180_000);
});
