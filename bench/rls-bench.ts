/**
 * `npm run bench:rls`: what carrying the tenant costs, three ways, on one server and one pool size, in one run:
 *   floor    no per-query RLS context: the tenant is fixed at connect (`-c app.tenant_id=...`), plain adapter-pg
 *   official Prisma's row-level-security extension pattern: $transaction([set_config(...), query]) per query
 *   kit      createTenantAdapter + tenantExtension: set_config pipelined with the query, one round trip
 *   kit-block the same with contextMode "transaction-block": BEGIN, SET LOCAL, the query, COMMIT, one round trip
 *   kit-ctx  $forContext with three settings and a role: ONE statement of four set_configs, then the query
 *   kit-base (with BENCH_KIT_BASELINE=<a built extension/dist>) another build of the kit, e.g. main's, measured in
 *            the same rounds: the effect of a hot-path change side by side (docs/benchmarks.md has the commands)
 * Each on loopback and through a proxy adding ~2 ms per round trip. Sequential latency (p50/p95) and throughput
 * with 50 callers on a pool of 10. Variants are interleaved round by round so drift hits all alike.
 * Options (env): BENCH_SEQUENTIAL (calls per round, default 300), BENCH_CONCURRENT (calls per round, default 2000),
 * BENCH_ROUNDS (default 3), BENCH_DELAY_MS (one-way delay, default 1), BENCH_NETWORKS (`loopback` for loopback only).
 * Besides latency and throughput it reports the benchmark process's own CPU per sequential call (user + system,
 * process.cpuUsage): what Prisma, the kit and pg cost on the client, far less sensitive to a loaded machine than
 * wall-clock time; and the server's CPU per sequential call (every process of the benchmark's own Postgres, from
 * /proc): what the statements cost the server.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
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
/** The role the kit-ctx variant runs as: NOLOGIN, granted to the app role, allowed to read customers. */
const BENCH_ROLE = "tenant_kit_bench_user";
const BASELINE = process.env.BENCH_KIT_BASELINE;
const baselineKit = BASELINE
  ? ((await import(pathToFileURL(resolve(BASELINE, "index.mjs")).href)) as typeof import("prisma-tenant-kit"))
  : undefined;

/** CPU time (user + system, µs) of the postmaster `postmaster` and all its children, live or exited (Linux /proc). */
function serverCpuMicros(postmaster: number): number {
  const ticks = 1_000_000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime(15).
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(entry) !== postmaster && Number(fields[1]) !== postmaster) continue;
      total += (Number(fields[11]) + Number(fields[12])) * ticks;
      // The postmaster's cutime + cstime: children that exited (e.g. connections the pools closed) keep counting.
      if (Number(entry) === postmaster) total += (Number(fields[13]) + Number(fields[14])) * ticks;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

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
  const setupUrl = new URL(server.superuserUrl);
  setupUrl.pathname = "/tenant_kit_bench";
  const setup = new pg.Client({ connectionString: setupUrl.toString() });
  await setup.connect();
  await setup.query(`DO $$ BEGIN CREATE ROLE ${BENCH_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  await setup.query(`GRANT ${BENCH_ROLE} TO tenant_kit_app`);
  await setup.query(`GRANT SELECT ON "Customer" TO ${BENCH_ROLE}`);
  const { rows: backend } = await setup.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const backendStat = readFileSync(`/proc/${backend[0]!.pid}/stat`, "utf8");
  const postmaster = Number(backendStat.slice(backendStat.lastIndexOf(")") + 2).split(" ")[1]);
  await setup.end();
  const benchContext = {
    settings: { "app.tenant_id": tenantId, "app.user_id": "bench-user", "app.team_id": "bench-team" },
    role: BENCH_ROLE,
  };

  const results: string[] = [];
  const networks = process.env.BENCH_NETWORKS === "loopback" ? ["loopback"] : ["loopback", `+${2 * DELAY_MS} ms RTT`];
  for (const network of networks) {
    const proxy = network === "loopback" ? undefined : await startWireProxy(server, DELAY_MS, false);
    const url = roleUrl(server.superuserUrl, "app", "tenant_kit_bench", proxy);
    const query = { take: 10, orderBy: { name: "asc" as const } };
    const floorClient = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: POOL, options: `-c app.tenant_id=${tenantId}` }),
    });
    // 50 callers queue for 10 connections each holding one for a batch transaction: Prisma's default maxWait (2 s)
    // fails them on a loaded machine, which would measure the machine, not the pattern.
    const officialClient = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: POOL }),
      transactionOptions: { maxWait: 60_000, timeout: 60_000 },
    }).$extends(officialRlsExtension(tenantId));
    const kitClient = new PrismaClient({
      adapter: createTenantAdapter({ connectionString: url, pool: { max: POOL } }),
    }).$extends(tenantExtension());
    const kitDb = kitClient.$forTenant(tenantId);
    const blockClient = new PrismaClient({
      adapter: createTenantAdapter({ connectionString: url, pool: { max: POOL }, contextMode: "transaction-block" }),
    }).$extends(tenantExtension());
    const blockDb = blockClient.$forTenant(tenantId);
    const contextClient = new PrismaClient({
      adapter: createTenantAdapter({ connectionString: url, pool: { max: POOL }, roles: [BENCH_ROLE] }),
    }).$extends(tenantExtension());
    const contextDb = contextClient.$forContext(benchContext);
    const baseClient = baselineKit
      ? new PrismaClient({
          adapter: baselineKit.createTenantAdapter({ connectionString: url, pool: { max: POOL } }),
        }).$extends(baselineKit.tenantExtension())
      : undefined;
    const baseDb = baseClient?.$forTenant(tenantId);
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
      {
        name: "kit-ctx",
        call: () => contextDb.customer.findMany(query),
        disconnect: () => contextClient.$disconnect(),
      },
      ...(baseClient && baseDb
        ? [
            {
              name: "kit-base",
              call: () => baseDb.customer.findMany(query),
              disconnect: () => baseClient.$disconnect(),
            },
          ]
        : []),
    ];
    for (const v of variants) {
      const rows = (await v.call()) as Array<{ tenantId: string }>;
      if (rows.length !== 10 || rows.some((r) => r.tenantId !== tenantId))
        throw new Error(`${v.name} returned wrong rows`);
      await sequential(v.call, 50); // warm-up: connections, plan caches, JIT
    }
    const latencies = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const cpu = new Map<string, number>(variants.map((v) => [v.name, 0]));
    const serverCpu = new Map<string, number>(variants.map((v) => [v.name, 0]));
    const sequentialCount = network === "loopback" ? SEQUENTIAL : Math.ceil(SEQUENTIAL / 3);
    const concurrentCount = network === "loopback" ? CONCURRENT : Math.ceil(CONCURRENT / 2);
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) {
        const before = process.cpuUsage();
        const serverBefore = serverCpuMicros(postmaster);
        latencies.get(v.name)!.push(...(await sequential(v.call, sequentialCount)));
        const used = process.cpuUsage(before);
        cpu.set(v.name, cpu.get(v.name)! + used.user + used.system);
        serverCpu.set(v.name, serverCpu.get(v.name)! + serverCpuMicros(postmaster) - serverBefore);
      }
      for (const v of variants) rates.get(v.name)!.push(await throughput(v.call, concurrentCount, CALLERS));
    }
    const stats = new Map(
      variants.map((v) => {
        const sorted = latencies.get(v.name)!.sort((a, b) => a - b);
        const rate = rates.get(v.name)!.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
        const cpuPerCall = cpu.get(v.name)! / (ROUNDS * sequentialCount);
        const serverCpuPerCall = serverCpu.get(v.name)! / (ROUNDS * sequentialCount);
        return [
          v.name,
          { p50: percentile(sorted, 50), p95: percentile(sorted, 95), rate, cpuPerCall, serverCpuPerCall },
        ];
      }),
    );
    const floor = stats.get("floor")!;
    const official = stats.get("official")!;
    const kit = stats.get("kit")!;
    const block = stats.get("kit-block")!;
    const context = stats.get("kit-ctx")!;
    const base = stats.get("kit-base");
    console.log(
      pc.bold(
        `\n${network}: findMany(take 10), sequential p50/p95 (ms) and throughput with ${CALLERS} callers, pool ${POOL}`,
      ),
    );
    console.log("variant    p50      p95      req/s    p50 vs floor   client CPU µs/call   server CPU µs/call");
    for (const [name, s] of stats) {
      console.log(
        `${name.padEnd(10)} ${s.p50.toFixed(3).padStart(7)}  ${s.p95.toFixed(3).padStart(7)}  ` +
          `${s.rate.toFixed(0).padStart(7)}    ${(s.p50 / floor.p50).toFixed(2)}x` +
          `${s.cpuPerCall.toFixed(0).padStart(17)}${s.serverCpuPerCall.toFixed(0).padStart(21)}`,
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
      `${network}: kit-ctx (3 settings + role) p50 = ${(context.p50 / kit.p50).toFixed(2)}x kit, ` +
        `throughput ${(context.rate / kit.rate).toFixed(2)}x kit, ` +
        `client CPU ${(context.cpuPerCall / kit.cpuPerCall).toFixed(2)}x kit`,
      `${network}: client CPU per call: kit ${(kit.cpuPerCall / floor.cpuPerCall).toFixed(2)}x floor ` +
        `(+${(kit.cpuPerCall - floor.cpuPerCall).toFixed(0)} µs); server CPU per call: kit ` +
        `${(kit.serverCpuPerCall / floor.serverCpuPerCall).toFixed(2)}x floor ` +
        `(+${(kit.serverCpuPerCall - floor.serverCpuPerCall).toFixed(0)} µs), kit-ctx ` +
        `${(context.serverCpuPerCall / kit.serverCpuPerCall).toFixed(2)}x kit`,
      ...(base
        ? [
            `${network}: kit-base p50 = ${(base.p50 / floor.p50).toFixed(2)}x floor, kit p50 = ` +
              `${(kit.p50 / base.p50).toFixed(2)}x kit-base; throughput kit-base = ` +
              `${(base.rate / floor.rate).toFixed(2)}x floor, kit = ${(kit.rate / base.rate).toFixed(2)}x kit-base; ` +
              `client CPU kit-base +${(base.cpuPerCall - floor.cpuPerCall).toFixed(0)} µs over floor, ` +
              `kit +${(kit.cpuPerCall - floor.cpuPerCall).toFixed(0)} µs`,
          ]
        : []),
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
