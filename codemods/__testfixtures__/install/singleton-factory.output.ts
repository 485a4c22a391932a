// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@prisma/client";
import { createTenantAdapter, tenantClient } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const prismaClientSingleton = () => {
  return new PrismaClient({
    adapter: createTenantAdapter({ connectionString: process.env.POSTGRES_PRISMA_URL, setting: "app.tenant_id" }),
    transactionOptions: { maxWait: 10_000 },
  });
};

declare const globalThis: {
  prismaGlobal: ReturnType<typeof prismaClientSingleton>;
} & typeof global;

const client = globalThis.prismaGlobal ?? prismaClientSingleton();

/** The shared client with the tenant kit: `$forTenant(tenantId)` per query, `$withTenant(tenantId, fn)` for writes. */
export const tenantPrisma = tenantClient(client);
/** The type of the shared client with the tenant kit. */
export type TenantPrismaClient = typeof tenantPrisma;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

export { client as prisma };
export default client;

if (process.env.NODE_ENV !== "production") globalThis.prismaGlobal = client;
