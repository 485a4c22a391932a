// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

export const prisma = new PrismaClient({
  transactionOptions: { timeout: 15000, maxWait: 10_000 },
  adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.tenant_id" }),
}).$extends(tenantExtension());

/** The shared client's type: the Prisma client extended with the tenant kit. */
export type TenantPrismaClient = typeof prisma;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;
