// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";

const adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL! });

export const prisma = new PrismaClient({
  adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL!, setting: "app.tenant_id" }),
  transactionOptions: { maxWait: 10_000 },
}).$extends(tenantExtension());
void adapter;
