// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantClient } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const slowQueryMillis = 200;

export const prisma = new PrismaClient({
  log: [{ emit: "event", level: "query" }],
  adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.tenant_id" }),
  transactionOptions: { maxWait: 10_000 },
});

/** The shared client with the tenant kit: `$forTenant(tenantId)` per query, `$withTenant(tenantId, fn)` for writes. */
export const tenantPrisma = tenantClient(prisma);
/** The type of the shared client with the tenant kit. */
export type TenantPrismaClient = typeof tenantPrisma;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

// Slow queries go to the log; the listener belongs to the base client, which owns the events.
prisma.$on("query", (event) => {
  if (event.duration > slowQueryMillis) console.warn(`slow query (${event.duration} ms): ${event.query}`);
});
