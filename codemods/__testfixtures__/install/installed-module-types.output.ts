// @tenant-kit-fixture path=src/lib/billing/in-tenant.ts
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/prisma";

/** Runs `work` in a transaction scoped to `accountId`'s rows (transaction-local setting). */
export function inTenant<T>(accountId: string, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return prisma.$withTenant(accountId, async (tx) => {
    const result = await work(tx);
    return result;
  });
}
// @tenant-kit-fixture file=src/lib/prisma.ts
import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantExtension, type TenantTransactionClient } from "prisma-tenant-kit";

// Installed by hand, before the kit's install existed: it only lacks the types of the shared client.
const adapter = createTenantAdapter({ connectionString: process.env.DATABASE_URL, pool: { max: 17 } });
export const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());

/** The type of the shared client with the tenant kit. */
export type TenantPrismaClient = typeof prisma;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;
