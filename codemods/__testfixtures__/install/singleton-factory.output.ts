// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
import type { TenantTransactionClient } from "prisma-tenant-kit";

const prismaClientSingleton = () => {
  return new PrismaClient({
    adapter: createTenantAdapter({ connectionString: process.env.POSTGRES_PRISMA_URL, setting: "app.tenant_id" }),
    transactionOptions: { maxWait: 10_000 },
  }).$extends(tenantExtension());
};

/** The shared client's type: the Prisma client extended with the tenant kit. */
export type TenantPrismaClient = ReturnType<typeof prismaClientSingleton>;
/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */
export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;

declare const globalThis: {
  prismaGlobal: ReturnType<typeof prismaClientSingleton>;
} & typeof global;

const client = globalThis.prismaGlobal ?? prismaClientSingleton();

export { client as prisma };
export default client;

if (process.env.NODE_ENV !== "production") globalThis.prismaGlobal = client;
