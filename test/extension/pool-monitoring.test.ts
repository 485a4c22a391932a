import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { isPoolTimeoutError, InvalidTenantKitOptionError } from "prisma-tenant-kit";
import { instrumentPool, monitorPool, type PoolAlert, recommendPoolSize } from "prisma-tenant-kit/pool";
import { createAppClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

let database: TestDatabase;
let tenant: SeededTenant;
beforeAll(async () => {
  database = await initTest();
  [tenant] = (await seedTestTenants(database, { tenants: 1 })) as [SeededTenant];
});
afterAll(() => database.drop());

describe("instrumentPool", () => {
  it("exports pool gauges and acquire/hold histograms in Prometheus text format", async () => {
    const { prisma, adapter } = createAppClient(database, { pool: { max: 3 } });
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    const stop = instrumentPool(adapter.pool, { meter: provider.getMeter("test"), name: "app" });
    await Promise.all(Array.from({ length: 10 }, () => prisma.$forTenant(tenant.id).customer.findMany()));
    const { resourceMetrics } = await reader.collect();
    const text = new PrometheusSerializer().serialize(resourceMetrics);
    stop();
    await prisma.$disconnect();
    expect(text).toMatch(/db_client_connections_max\{pool="app",otel_scope_name="test"\} 3/);
    expect(text).toMatch(/db_client_connections_in_use\{pool="app",otel_scope_name="test"\} 0/);
    expect(text).toMatch(/db_client_connections_waiting\{pool="app",otel_scope_name="test"\} 0/);
    const holdCount = Number(
      /db_client_connections_hold_time_count\{pool="app",otel_scope_name="test"\} (\d+)/.exec(text)?.[1],
    );
    const waitCount = Number(
      /db_client_connections_acquire_wait_count\{pool="app",otel_scope_name="test"\} (\d+)/.exec(text)?.[1],
    );
    expect(holdCount).toBeGreaterThanOrEqual(10);
    expect(waitCount).toBe(holdCount);
  });
});

describe("monitorPool", () => {
  it("alerts on utilization and persistent waiters before the first request fails", async () => {
    const { prisma, adapter } = createAppClient(database, { pool: { max: 2, acquireTimeoutMillis: 800 } });
    const events: Array<{ at: number; what: string }> = [];
    const stop = monitorPool(adapter.pool, {
      utilizationThreshold: 1,
      waitersForMillis: 200,
      onAlert: (alert: PoolAlert) =>
        events.push({ at: performance.now(), what: `${alert.kind}${alert.resolved ? ":resolved" : ""}` }),
    });
    const slow = () => prisma.$forTenant(tenant.id).$executeRaw`SELECT pg_sleep(1.2)`;
    const fast = () =>
      prisma
        .$forTenant(tenant.id)
        .customer.count()
        .catch((error: unknown) => {
          if (isPoolTimeoutError(error)) events.push({ at: performance.now(), what: "request failed" });
          else throw error;
        });
    await Promise.all([slow(), slow(), new Promise((r) => setTimeout(r, 50)).then(fast)]);
    await new Promise((r) => setTimeout(r, 120));
    stop();
    await prisma.$disconnect();
    const order = events.map((e) => e.what);
    expect(order.indexOf("utilization")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("waiters")).toBeGreaterThan(order.indexOf("utilization"));
    expect(order.indexOf("request failed")).toBeGreaterThan(order.indexOf("waiters"));
    expect(order).toContain("utilization:resolved");
  });
});

describe("recommendPoolSize", () => {
  it("applies Little's law with headroom per instance", () => {
    const advice = recommendPoolSize({
      checkoutsPerSecond: 2000,
      holdTimeMillis: 4,
      maxConnections: 100,
      instances: 2,
    });
    expect(advice).toMatchObject({ averageBusy: 8, max: 6, budgetPerInstance: 48, fits: true });
  });

  it("flags a size the server cannot give, checked against the real max_connections", async () => {
    const { rows } = await database.admin.query<{ max_connections: string }>("SHOW max_connections");
    const maxConnections = Number(rows[0]!.max_connections);
    // 002's world: every request holds a connection ~5 s; 100 requests/s need ~500 connections.
    const v1 = recommendPoolSize({ checkoutsPerSecond: 100, holdTimeMillis: 5_000, maxConnections, instances: 1 });
    expect(v1.fits).toBe(false);
    expect(v1.explanation).toMatch(/does NOT fit/);
    const v2 = recommendPoolSize({ checkoutsPerSecond: 100 * 6, holdTimeMillis: 5, maxConnections });
    expect(v2).toMatchObject({ max: 5, fits: true });
  });

  it("rejects unmeasured input with a typed error", () => {
    expect(() => recommendPoolSize({ checkoutsPerSecond: 0, holdTimeMillis: 5, maxConnections: 100 })).toThrow(
      InvalidTenantKitOptionError,
    );
  });
});
