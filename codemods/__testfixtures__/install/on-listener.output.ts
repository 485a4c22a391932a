// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const slowQueryMillis = 200;

function createPrismaClient() {
  const client = new PrismaClient({
    log: [{ emit: "event", level: "query" }],
    adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.tenant_id" }),
    transactionOptions: { maxWait: 10_000 },
  });
  // Slow queries go to the log; the listener belongs to the base client, which owns the events.
  client.$on("query", (event) => {
    if (event.duration > slowQueryMillis) console.warn(`slow query (${event.duration} ms): ${event.query}`);
  });
  return client.$extends(tenantExtension());
}

/** The shared client's type: the Prisma client extended with the tenant kit. */
export type TenantPrismaClient = ReturnType<typeof createPrismaClient>;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

export const prisma = createPrismaClient();

