// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";

export const prisma = new PrismaClient({
  transactionOptions: { timeout: 15000, maxWait: 10_000 },
  adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL!, setting: "app.tenant_id" }),
}).$extends(tenantExtension());
