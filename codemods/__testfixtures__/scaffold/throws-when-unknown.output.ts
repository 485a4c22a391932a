// @tenant-kit-fixture path=src/lib/tenant.ts
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTransactionClient<typeof prisma>;

// Typed with the global Request (no next/server import) and no error class of its own: an unknown tenant is a plain
// Error. The id comes only from the header and is checked against the tenants table before the context is set.
export async function withTenantFromRequest<T>(request: Request, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  return prisma.$transaction(async (tx) => {
    const tenantId = request.headers.get("x-tenant-id");
    if (!tenantId) throw new Error("x-tenant-id header is required");
    const known = await tx.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
    if (!known) throw new Error(`Unknown tenant ${tenantId}`);

    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
    const result = await fn(tenantId, tx);
    return { result };
  });
}

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(request: Request, fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id");
  if (!tenantId) throw new Error("x-tenant-id header is required");
  const known = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
  if (!known) throw new Error(`Unknown tenant ${tenantId}`);

  const result = await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId)));
  return { result };
}
