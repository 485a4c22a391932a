// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const globalForPrisma = globalThis as unknown as {
  prisma: TenantPrismaClient | undefined;
};

function createPrismaClient() {
  return new PrismaClient({
    log: ["warn", "error"],
    adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.tenant_id" }),
    transactionOptions: { maxWait: 10_000 },
  }).$extends(tenantExtension());
}

/** The shared client's type: the Prisma client extended with the tenant kit. */
export type TenantPrismaClient = ReturnType<typeof createPrismaClient>;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

export const prisma =
  globalForPrisma.prisma ??
  createPrismaClient();

if (process.env.NODE_ENV !== "production") globalForPrisma.prisma = prisma;

export default prisma;
