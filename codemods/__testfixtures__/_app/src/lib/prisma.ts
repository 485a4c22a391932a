import { PrismaClient } from "@/generated/prisma/client";
import { createTenantAdapter, tenantExtension } from "prisma-tenant-kit";
const adapter = createTenantAdapter({ connectionString: process.env.DATABASE_URL!, pool: { max: 17 } });
export const prisma = new PrismaClient({ adapter }).$extends(tenantExtension());
