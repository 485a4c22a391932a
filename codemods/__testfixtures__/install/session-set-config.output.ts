// @tenant-kit-fixture path=src/lib/tenant-session.ts
import { prisma } from "@/lib/prisma";

/** Points the connection at a tenant for the rest of the session. */
export async function useTenant(tenantId: string): Promise<void> {
  await prisma.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, false)`;
}
