import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { createConsumer, packKit } from "../../fixtures/packed-kit.ts";
import { REPO_ROOT, SALES_APP } from "../../fixtures/sales-app-copy.ts";
import { initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

// The kit the way users get it: `npm pack` of extension/, installed with npm into a fresh project, used from plain
// Node (ESM and CJS, no TypeScript loader) and type-checked by a strict consumer tsc.
// Each case runs npm or tsc in a fresh project: minutes on a loaded 2-core machine.
describe("prisma-tenant-kit from its packed tarball", { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let tenants: SeededTenant[];
  let consumer: string;

  beforeAll(async () => {
    database = await initTest();
    tenants = await seedTestTenants(database, { tenants: 2 });
    consumer = createConsumer({ name: "kit-consumer" });
    // A prisma-client-js client (plain JavaScript), as Prisma 6 and 7 apps on that generator have it.
    const schema = path.join(consumer, "schema.prisma");
    writeFileSync(
      schema,
      execFileSync("cat", [path.join(SALES_APP, "prisma", "schema.prisma")], { encoding: "utf8" })
        .replace(/provider = "prisma-client"/, 'provider = "prisma-client-js"')
        .replace(/output\s*=\s*"[^"]*"/, 'output = "./gen"'),
    );
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, "node_modules/prisma/build/index.js"), "generate", "--schema", schema],
      {
        cwd: consumer,
        env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        stdio: "pipe",
      },
    );
  }, 180_000);
  afterAll(async () => {
    if (consumer) rmSync(consumer, { recursive: true, force: true });
    await database?.drop();
  });

  it("ships only dist/, its manifest and docs", () => {
    const { files } = packKit();
    expect(files.filter((file) => !/^(dist\/|package\.json$|README\.md$|CHANGELOG\.md$)/.test(file))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining(["dist/index.mjs", "dist/index.cjs", "dist/index.d.mts", "dist/index.d.cts"]),
    );
    expect(files.some((file) => file.endsWith(".ts") && !file.endsWith(".d.mts") && !file.endsWith(".d.cts"))).toBe(
      false,
    );
  });

  it("installs nothing but itself: the codemods' dependencies stay out of apps", () => {
    const installed = readdirSync(path.join(consumer, "node_modules")).filter((name) => !name.startsWith("."));
    expect(installed).toEqual(["prisma-tenant-kit"]);
  });

  const script = {
    esm: [
      'import generated from "./gen/index.js";',
      'import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";',
      'import { recommendPoolSize } from "prisma-tenant-kit/pool";',
      'import { createAdminAdapter } from "prisma-tenant-kit/admin";',
    ],
    cjs: [
      'const generated = require("./gen/index.js");',
      'const { createTenantAdapter, tenantExtension } = require("prisma-tenant-kit");',
      'const { recommendPoolSize } = require("prisma-tenant-kit/pool");',
      'const { createAdminAdapter } = require("prisma-tenant-kit/admin");',
    ],
  };
  const body = [
    "const adapter = createTenantAdapter({ connectionString: process.env.DATABASE_URL, pool: { max: 2 } });",
    "const prisma = new generated.PrismaClient({ adapter }).$extends(tenantExtension());",
    "const main = async () => {",
    "  const rows = await prisma.$forTenant(process.argv[2]).customer.findMany();",
    "  const bare = await prisma.customer.count();",
    "  await prisma.$disconnect();",
    "  const checks = [typeof recommendPoolSize, typeof createAdminAdapter];",
    "  console.log(JSON.stringify({ tenants: [...new Set(rows.map((r) => r.tenantId))], " +
      "count: rows.length, bare, checks }));",
    "};",
    "main().catch((error) => { console.error(error); process.exit(1); });",
  ];

  for (const format of ["esm", "cjs"] as const) {
    it(`runs a per-tenant query from a plain Node ${format.toUpperCase()} script`, () => {
      const file = path.join(consumer, format === "esm" ? "query.mjs" : "query.cjs");
      writeFileSync(file, [...script[format], ...body, ""].join("\n"));
      const [tenant] = tenants as [SeededTenant];
      const output = execFileSync(process.execPath, [file, tenant.id], {
        cwd: consumer,
        env: { ...process.env, DATABASE_URL: database.appUrl() },
        encoding: "utf8",
      });
      expect(JSON.parse(output)).toEqual({
        tenants: [tenant.id],
        count: tenant.customerIds.length,
        bare: 0,
        checks: ["function", "function"],
      });
    });
  }

  const consumerSource = [
    'import { PrismaClient } from "./gen/index.js";',
    "import { createTenantAdapter, tenantExtension, TenantKitError, type TenantAdapterOptions } " +
      'from "prisma-tenant-kit";',
    'import { instrumentPool, monitorPool } from "prisma-tenant-kit/pool";',
    'import { createAdminAdapter } from "prisma-tenant-kit/admin";',
    "",
    'const options: TenantAdapterOptions = { connectionString: "postgres://app@localhost/app", pool: { max: 3 } };',
    "const adapter = createTenantAdapter(options);",
    "instrumentPool(adapter.pool);",
    "monitorPool(adapter.pool, { onAlert: (alert) => console.warn(alert.message) });",
    "export const prisma = new PrismaClient({ adapter }).$extends(tenantExtension({ strict: true }));",
    'export const admin = new PrismaClient({ adapter: createAdminAdapter({ connectionString: "postgres://a@h/d" }) });',
    "",
    "export async function customerNames(tenantId: string): Promise<string[]> {",
    "  const rows = await prisma.$forTenant(tenantId).customer.findMany({ select: { name: true } });",
    "  const count: number = await prisma.$withTenant(tenantId, (tx) => tx.customer.count(), { timeout: 2_000 });",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the consumer's source code, with its own template literal.
    "  return rows.map((row) => `${row.name} of ${count}`);",
    "}",
    "",
    "export function codeOf(error: unknown): string | undefined {",
    "  return error instanceof TenantKitError ? error.code : undefined;",
    "}",
    "",
  ].join("\n");
  const strictOptions = {
    strict: true,
    skipLibCheck: false,
    exactOptionalPropertyTypes: true,
    erasableSyntaxOnly: true,
    noEmit: true,
    target: "ES2022",
    types: ["node"],
  };

  for (const resolution of ["node16", "bundler"] as const) {
    it(`type-checks in a strict consumer (moduleResolution ${resolution}, skipLibCheck false)`, () => {
      const file = resolution === "node16" ? "consumer.mts" : "consumer.ts";
      writeFileSync(path.join(consumer, file), consumerSource);
      const module = resolution === "node16" ? "node16" : "esnext";
      const tsconfig = `tsconfig.${resolution}.json`;
      writeFileSync(
        path.join(consumer, tsconfig),
        JSON.stringify({ compilerOptions: { ...strictOptions, module, moduleResolution: resolution }, files: [file] }),
      );
      const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
      const result = (() => {
        try {
          return execFileSync(process.execPath, [tsc, "-p", tsconfig], { cwd: consumer, encoding: "utf8" });
        } catch (error) {
          return String((error as { stdout?: string }).stdout);
        }
      })();
      expect(result).toBe("");
    });
  }
});
