// @tenant-kit-fixture path=src/lib/billing/in-tenant.ts
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/prisma";

/** Runs `work` in a transaction scoped to `accountId`'s rows (transaction-local setting). */
export function inTenant<T>(accountId: string, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (tx) => {
    // Scope the policies to the account before anything else runs.
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${accountId}, true)`;
    const result = await work(tx);
    return result;
  });
}
// @tenant-kit-fixture file=src/lib/prisma.ts
import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";

// Installed by hand, before the kit's install existed: it only lacks the types of the shared client.
const adapter = createTenantAdapter({ connectionString: process.env.DATABASE_URL, pool: { max: 17 } });
export const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());
