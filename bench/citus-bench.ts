/**
 * The Citus section of `npm run bench:rls` (also `tsx bench/citus-bench.ts` alone): what the transaction-block mode
 * costs on a Citus cluster (coordinator + 2 workers on loopback, tenant tables in 4 shards, see
 * fixtures/database/create-citus-fixture-database.ts), against an unscoped floor on the same cluster:
 *   floor  the admin role (BYPASSRLS) on a plain adapter-pg: the same query, no tenant context, no RLS
 *   kit    createTenantAdapter({ contextMode: "transaction-block" }) + $forTenant: BEGIN, SET LOCAL
 *          citus.propagate_set_commands, SET LOCAL app.tenant_id, the query, COMMIT, before one Sync
 *   by hand  what an app writes without the kit (Prisma's RLS-extension pattern made to work on Citus): the query in
 *          $transaction([SET LOCAL citus.propagate_set_commands, SET LOCAL app.tenant_id, query]), each statement
 *          its own round trip (router shape only)
 * Two query shapes: "router" filters on the tenant column (Citus sends it to the tenant's one shard), "multi-shard"
 * leaves the tenant to RLS (a task per shard; the floor's run of it returns any tenant's rows: it is the cost floor of
 * the plan, not a correct answer). Sequential p50/p95 and throughput with 50 callers on a pool of 10, variants
 * interleaved round by round. Skipped with one line when Citus is not installed.
 * Options (env): BENCH_CITUS_SEQUENTIAL (calls per round, default 200), BENCH_CITUS_CONCURRENT (default 1000),
 * BENCH_ROUNDS (default 3).
 */
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma } from "@prisma/client/extension";
import pg from "pg";
import pc from "picocolors";
import { createCitusFixtureDatabase } from "../fixtures/database/create-citus-fixture-database.ts";
import { roleUrl } from "../fixtures/database/database-roles.ts";
import { ensurePrismaClient } from "../fixtures/database/ensure-prisma-client.ts";
import { exitOnPostgresStartError } from "../fixtures/database/postgres-start-error.ts";
import { seedTenants } from "../fixtures/database/seed-tenants.ts";
import { citusAvailable, ENABLE_CITUS_HINT, startCitusCluster } from "../fixtures/database/start-citus-cluster.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import { type BenchCall, percentile, sequential, throughput } from "./bench-timing.ts";

const SEQUENTIAL = Number(process.env.BENCH_CITUS_SEQUENTIAL ?? 200);
const CONCURRENT = Number(process.env.BENCH_CITUS_CONCURRENT ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLERS = 50;
const POOL = 10;
const DATABASE = "tenant_kit_citus_bench";

/** The tenant set by hand per query: every statement of the transaction is its own round trip. */
function setLocalByHand(tenantId: string) {
  return Prisma.defineExtension((client) => {
    // The extension callback's client type omits raw queries; at runtime it is the full client.
    const prisma = client as typeof client & {
      $executeRawUnsafe(sql: string): Promise<number>;
      $transaction(queries: Promise<unknown>[]): Promise<unknown[]>;
    };
    return prisma.$extends({
      query: {
        $allModels: {
          async $allOperations({ args, query }) {
            const [, , result] = await prisma.$transaction([
              prisma.$executeRawUnsafe("SET LOCAL citus.propagate_set_commands = 'local'"),
              prisma.$executeRawUnsafe(`SET LOCAL app.tenant_id = ${pg.escapeLiteral(tenantId)}`),
              query(args),
            ]);
            return result;
          },
        },
      },
    });
  });
}

/** Runs the Citus benchmark and prints its table and ratios, or one line saying how to enable it. */
export async function runCitusBench(): Promise<void> {
  if (!citusAvailable()) {
    console.log(`\n${ENABLE_CITUS_HINT}`);
    return;
  }
  await ensurePrismaClient();
  const { PrismaClient } = await import("../fixtures/sales-app/src/generated/prisma/client.ts");
  const cluster = await startCitusCluster().catch(exitOnPostgresStartError);
  try {
    const superuserUrl = await createCitusFixtureDatabase(cluster, DATABASE);
    const admin = new PrismaClient({
      adapter: createAdminAdapter({ connectionString: roleUrl(superuserUrl, "admin", DATABASE) }),
    });
    const [tenant] = await seedTenants(admin, { tenants: 4, customersPerTenant: 20 });
    await admin.$disconnect();
    const tenantId = tenant!.id;

    const floor = new PrismaClient({
      adapter: new PrismaPg({ connectionString: roleUrl(superuserUrl, "admin", DATABASE), max: POOL }),
    });
    const kit = new PrismaClient({
      adapter: createTenantAdapter({
        connectionString: roleUrl(superuserUrl, "app", DATABASE),
        contextMode: "transaction-block",
        pool: { max: POOL },
      }),
    }).$extends(tenantExtension());
    const db = kit.$forTenant(tenantId);
    const byHand = new PrismaClient({
      adapter: new PrismaPg({ connectionString: roleUrl(superuserUrl, "app", DATABASE), max: POOL }),
    }).$extends(setLocalByHand(tenantId));
    const router = { where: { tenantId }, take: 10, orderBy: { name: "asc" as const } };
    const multiShard = { take: 10, orderBy: { name: "asc" as const } };
    const variants: Array<{ name: string; call: BenchCall; checked: boolean }> = [
      { name: "router floor", call: () => floor.customer.findMany(router), checked: true },
      { name: "router kit", call: () => db.customer.findMany(router), checked: true },
      { name: "router by hand", call: () => byHand.customer.findMany(router), checked: true },
      { name: "multi-shard floor", call: () => floor.customer.findMany(multiShard), checked: false },
      { name: "multi-shard kit", call: () => db.customer.findMany(multiShard), checked: true },
    ];
    for (const v of variants) {
      const rows = (await v.call()) as Array<{ tenantId: string }>;
      if (rows.length !== 10 || (v.checked && rows.some((r) => r.tenantId !== tenantId)))
        throw new Error(`${v.name} returned wrong rows`);
      await sequential(v.call, 50); // warm-up: connections to the coordinator and from it to the workers
    }
    const latencies = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) latencies.get(v.name)!.push(...(await sequential(v.call, SEQUENTIAL)));
      for (const v of variants) rates.get(v.name)!.push(await throughput(v.call, CONCURRENT, CALLERS));
    }
    const stats = new Map(
      variants.map((v) => {
        const sorted = latencies.get(v.name)!.sort((a, b) => a - b);
        const rate = rates.get(v.name)!.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
        return [v.name, { p50: percentile(sorted, 50), p95: percentile(sorted, 95), rate }];
      }),
    );
    console.log(
      pc.bold(
        `\nCitus (coordinator + 2 workers, loopback): findMany(take 10), transaction-block mode, sequential ` +
          `p50/p95 (ms) and throughput with ${CALLERS} callers, pool ${POOL}`,
      ),
    );
    console.log("variant             p50      p95      req/s    p50 vs floor");
    const ratios: string[] = [];
    for (const shape of ["router", "multi-shard"]) {
      const base = stats.get(`${shape} floor`)!;
      for (const name of [`${shape} floor`, `${shape} kit`, `${shape} by hand`]) {
        const s = stats.get(name);
        if (!s) continue;
        console.log(
          `${name.padEnd(18)} ${s.p50.toFixed(3).padStart(7)}  ${s.p95.toFixed(3).padStart(7)}  ` +
            `${s.rate.toFixed(0).padStart(7)}    ${(s.p50 / base.p50).toFixed(2)}x`,
        );
      }
      const mode = stats.get(`${shape} kit`)!;
      const hand = stats.get(`${shape} by hand`);
      ratios.push(
        `Citus ${shape}: kit p50 = ${(mode.p50 / base.p50).toFixed(2)}x floor, p95 = ` +
          `${(mode.p95 / base.p95).toFixed(2)}x floor; throughput kit = ${(mode.rate / base.rate).toFixed(2)}x floor` +
          (hand
            ? `; by hand p50 = ${(hand.p50 / mode.p50).toFixed(2)}x kit, throughput kit = ` +
              `${(mode.rate / hand.rate).toFixed(2)}x by hand`
            : ""),
      );
    }
    console.log(pc.bold("\nCitus ratios"));
    for (const line of ratios) console.log(line);
    await floor.$disconnect();
    await kit.$disconnect();
    await byHand.$disconnect();
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runCitusBench();
