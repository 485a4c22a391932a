// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL! });

export const prisma = new PrismaClient({
  adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.tenant_id" }),
  transactionOptions: { maxWait: 10_000 },
}).$extends(tenantExtension());

/** The shared client's type: the Prisma client extended with the tenant kit. */
export type TenantPrismaClient = typeof prisma;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

void adapter;
