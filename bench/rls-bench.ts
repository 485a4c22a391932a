/**
 * `npm run bench:rls`: what carrying the tenant costs, three ways, on one server and one pool size, in one run:
 *   floor    no per-query RLS context: the tenant is fixed at connect (`-c app.tenant_id=...`), plain adapter-pg
 *   official Prisma's row-level-security extension pattern: $transaction([set_config(...), query]) per query
 *   kit      createTenantAdapter + tenantExtension: set_config pipelined with the query, one round trip
 *   kit-block the same with contextMode "transaction-block": BEGIN, SET LOCAL, the query, COMMIT, one round trip
 * Each on loopback and through a proxy adding ~2 ms per round trip. Sequential latency (p50/p95) and throughput
 * with 50 callers on a pool of 10. Variants are interleaved round by round so drift hits all alike.
 * Options (env): BENCH_SEQUENTIAL (calls per round, default 300), BENCH_CONCURRENT (calls per round, default 2000),
 * BENCH_ROUNDS (default 3), BENCH_DELAY_MS (one-way delay, default 1).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma } from "@prisma/client/extension";
import pc from "picocolors";
import { createDatabaseRoles, createFixtureDatabase } from "../fixtures/database/create-fixture-database.ts";
import { roleUrl } from "../fixtures/database/database-roles.ts";
import { ensurePrismaClient } from "../fixtures/database/ensure-prisma-client.ts";
import { startPostgres } from "../fixtures/database/postgres-server.ts";
import { exitOnPostgresStartError } from "../fixtures/database/postgres-start-error.ts";
import { seedTenants } from "../fixtures/database/seed-tenants.ts";
import { startWireProxy } from "../fixtures/database/wire-proxy.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import { type BenchCall, percentile, sequential, throughput } from "./bench-timing.ts";
import { runCitusBench } from "./citus-bench.ts";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 300);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 1);
const CALLERS = 50;
const POOL = 10;

await ensurePrismaClient();
const { PrismaClient } = await import("../fixtures/sales-app/src/generated/prisma/client.ts");

/** The pattern of prisma/prisma-client-extensions' row-level-security example, per query. */
function officialRlsExtension(tenantId: string) {
  return Prisma.defineExtension((client) => {
    // The extension callback's client type omits raw queries; at runtime it is the full client.
    const prisma = client as typeof client & {
      $executeRaw(sql: TemplateStringsArray, ...values: unknown[]): Promise<number>;
      $transaction(queries: Promise<unknown>[]): Promise<unknown[]>;
    };
    return prisma.$extends({
      query: {
        $allModels: {
          async $allOperations({ args, query }) {
            const [, result] = await prisma.$transaction([
              prisma.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, TRUE)`,
              query(args),
            ]);
            return result;
          },
        },
      },
    });
  });
}

interface Variant {
  name: string;
  call: BenchCall;
  disconnect(): Promise<void>;
}

const server = await startPostgres().catch(exitOnPostgresStartError);
try {
  await createDatabaseRoles(server.superuserUrl);
  await createFixtureDatabase(server.superuserUrl, "tenant_kit_bench");
  const admin = new PrismaClient({
    adapter: createAdminAdapter({ connectionString: roleUrl(server.superuserUrl, "admin", "tenant_kit_bench") }),
  });
  const [tenant] = await seedTenants(admin, { tenants: 3, customersPerTenant: 20 });
  await admin.$disconnect();
  const tenantId = tenant!.id;

  const results: string[] = [];
  for (const network of ["loopback", `+${2 * DELAY_MS} ms RTT`] as const) {
    const proxy = network === "loopback" ? undefined : await startWireProxy(server, DELAY_MS, false);
    const url = roleUrl(server.superuserUrl, "app", "tenant_kit_bench", proxy);
    const query = { take: 10, orderBy: { name: "asc" as const } };
    const floorClient = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: POOL, options: `-c app.tenant_id=${tenantId}` }),
    });
    const officialClient = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: POOL }) }).$extends(
      officialRlsExtension(tenantId),
    );
    const kitClient = new PrismaClient({
      adapter: createTenantAdapter({ connectionString: url, pool: { max: POOL } }),
    }).$extends(tenantExtension());
    const kitDb = kitClient.$forTenant(tenantId);
    const blockClient = new PrismaClient({
      adapter: createTenantAdapter({ connectionString: url, pool: { max: POOL }, contextMode: "transaction-block" }),
    }).$extends(tenantExtension());
    const blockDb = blockClient.$forTenant(tenantId);
    const variants: Variant[] = [
      { name: "floor", call: () => floorClient.customer.findMany(query), disconnect: () => floorClient.$disconnect() },
      {
        name: "official",
        call: () => officialClient.customer.findMany(query),
        disconnect: () => officialClient.$disconnect(),
      },
      { name: "kit", call: () => kitDb.customer.findMany(query), disconnect: () => kitClient.$disconnect() },
      {
        name: "kit-block",
        call: () => blockDb.customer.findMany(query),
        disconnect: () => blockClient.$disconnect(),
      },
    ];
    for (const v of variants) {
      const rows = (await v.call()) as Array<{ tenantId: string }>;
      if (rows.length !== 10 || rows.some((r) => r.tenantId !== tenantId))
        throw new Error(`${v.name} returned wrong rows`);
      await sequential(v.call, 50); // warm-up: connections, plan caches, JIT
    }
    const latencies = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const sequentialCount = network === "loopback" ? SEQUENTIAL : Math.ceil(SEQUENTIAL / 3);
    const concurrentCount = network === "loopback" ? CONCURRENT : Math.ceil(CONCURRENT / 2);
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) latencies.get(v.name)!.push(...(await sequential(v.call, sequentialCount)));
      for (const v of variants) rates.get(v.name)!.push(await throughput(v.call, concurrentCount, CALLERS));
    }
    const stats = new Map(
      variants.map((v) => {
        const sorted = latencies.get(v.name)!.sort((a, b) => a - b);
        const rate = rates.get(v.name)!.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
        return [v.name, { p50: percentile(sorted, 50), p95: percentile(sorted, 95), rate }];
      }),
    );
    const floor = stats.get("floor")!;
    const official = stats.get("official")!;
    const kit = stats.get("kit")!;
    const block = stats.get("kit-block")!;
    console.log(
      pc.bold(
        `\n${network}: findMany(take 10), sequential p50/p95 (ms) and throughput with ${CALLERS} callers, pool ${POOL}`,
      ),
    );
    console.log("variant    p50      p95      req/s    p50 vs floor");
    for (const [name, s] of stats) {
      console.log(
        `${name.padEnd(10)} ${s.p50.toFixed(3).padStart(7)}  ${s.p95.toFixed(3).padStart(7)}  ` +
          `${s.rate.toFixed(0).padStart(7)}    ${(s.p50 / floor.p50).toFixed(2)}x`,
      );
    }
    results.push(
      `${network}: kit p50 = ${(kit.p50 / floor.p50).toFixed(2)}x floor, ` +
        `official p50 = ${(official.p50 / kit.p50).toFixed(2)}x kit; ` +
        `throughput kit = ${(kit.rate / floor.rate).toFixed(2)}x floor, ` +
        `${(kit.rate / official.rate).toFixed(2)}x official`,
      `${network}: kit-block p50 = ${(block.p50 / floor.p50).toFixed(2)}x floor, ` +
        `${(block.p50 / kit.p50).toFixed(2)}x kit; ` +
        `throughput kit-block = ${(block.rate / floor.rate).toFixed(2)}x floor, ` +
        `${(block.rate / kit.rate).toFixed(2)}x kit`,
    );
    for (const v of variants) await v.disconnect();
    await proxy?.stop();
  }
  console.log(pc.bold("\nratios"));
  for (const line of results) console.log(line);
} finally {
  await server.stop();
}

// The transaction-block mode on a Citus cluster against an unscoped floor there (skipped when Citus is missing).
await runCitusBench();
