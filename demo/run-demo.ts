/**
 * `npm run demo`: both halves of the kit on the zero-setup default (embedded Postgres; DATABASE_URL or
 * TEST_DB=container work too).
 * 1. Starts Postgres, creates the owner/app/admin roles and a database with the fixture schema and its RLS policies.
 * 2. Seeds 3 tenants through the admin escape hatch.
 * 3. As the application role: reads through $forTenant (per query, no transaction) and one write through $withTenant
 *    per tenant, printing what each tenant saw; then shows the bare client seeing nothing.
 * 4. Runs the codemods over a copy of fixtures/sales-app: scan and a dry run of each phase, printing the diffs.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pc from "picocolors";
import { createDatabaseRoles, createFixtureDatabase } from "../fixtures/database/create-fixture-database.ts";
import { roleUrl } from "../fixtures/database/database-roles.ts";
import { ensurePrismaClient } from "../fixtures/database/ensure-prisma-client.ts";
import { startPostgres } from "../fixtures/database/postgres-server.ts";
import { exitOnPostgresStartError } from "../fixtures/database/postgres-start-error.ts";
import { seedTenants } from "../fixtures/database/seed-tenants.ts";
import { createAdminAdapter } from "prisma-tenant-kit/admin";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";

const heading = (text: string) => console.log(`\n${pc.bold(pc.cyan(`== ${text}`))}`);

await ensurePrismaClient();
const { PrismaClient } = await import("../fixtures/sales-app/src/generated/prisma/client.ts");

heading("1. Postgres with the RLS schema");
const server = await startPostgres().catch(exitOnPostgresStartError);
try {
  await createDatabaseRoles(server.superuserUrl);
  await createFixtureDatabase(server.superuserUrl, "tenant_kit_demo");
  console.log(
    `${server.kind} Postgres on ${server.host}:${server.port}; database tenant_kit_demo; ` +
      "app role tenant_kit_app (no BYPASSRLS, owns nothing)",
  );

  heading("2. Seed 3 tenants (admin escape hatch: createAdminAdapter, a BYPASSRLS role)");
  const admin = new PrismaClient({
    adapter: createAdminAdapter({ connectionString: roleUrl(server.superuserUrl, "admin", "tenant_kit_demo") }),
  });
  const tenants = await seedTenants(admin, { tenants: 3, customersPerTenant: 3, skusPerTenant: 2, stock: 50 });
  await admin.$disconnect();
  console.log(tenants.map((t) => `${t.slug} (${t.id})`).join("\n"));

  heading("3. The application: createTenantAdapter + tenantExtension, pool max 17");
  const adapter = createTenantAdapter({
    connectionString: roleUrl(server.superuserUrl, "app", "tenant_kit_demo"),
    pool: { max: 17 },
  });
  const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());
  for (const tenant of tenants) {
    const db = prisma.$forTenant(tenant.id);
    const [customers, stock] = await Promise.all([
      db.customer.findMany({ select: { name: true, tenantId: true } }),
      db.inventory.findMany({ select: { skuId: true, quantity: true } }),
    ]);
    const order = await prisma.$withTenant(tenant.id, async (tx) => {
      const created = await tx.order.create({
        data: { tenantId: tenant.id, customerId: tenant.customerIds[0]!, totalCents: 1999 },
      });
      await tx.inventory.update({
        where: { tenantId_skuId: { tenantId: tenant.id, skuId: tenant.skuIds[0]! } },
        data: { quantity: { decrement: 1 } },
      });
      await tx.auditLog.create({ data: { tenantId: tenant.id, action: "order.created", entityId: created.id } });
      return created;
    });
    const seenTenants = new Set(customers.map((c) => c.tenantId));
    const onlyItself = [...seenTenants].length === 1 && seenTenants.has(tenant.id);
    const seen = onlyItself ? pc.green("only itself") : pc.red([...seenTenants].join(","));
    const stockList = stock.map((s) => `${s.skuId}=${s.quantity}`).join(" ");
    console.log(
      `${pc.bold(tenant.slug)}: read ${customers.length} customers (${customers.map((c) => c.name).join(", ")}), ` +
        `tenants seen: ${seen}; ` +
        `stock ${stockList}; wrote order ${order.id.slice(0, 8)} + audit log in one $withTenant`,
    );
  }
  const bare = await prisma.customer.count();
  console.log(`bare client (no tenant): ${bare === 0 ? pc.green("0 rows") : pc.red(`${bare} rows`)}: fail closed`);
  await prisma.$disconnect();
} finally {
  await server.stop();
}

const codemodDemo = join(import.meta.dirname, "..", "codemods", "demo", "codemod-demo.ts");
if (existsSync(codemodDemo)) {
  heading("4. Codemods over a copy of fixtures/sales-app (scan, then a dry run of each phase)");
  const { runCodemodDemo } = (await import(codemodDemo)) as { runCodemodDemo: () => Promise<void> };
  await runCodemodDemo();
}
