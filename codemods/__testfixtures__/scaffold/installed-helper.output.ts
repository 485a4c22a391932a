// @tenant-kit-fixture path=src/lib/tenant.ts
import { prisma } from "@/lib/prisma";
import { inTenant, type TenantTx } from "@/lib/db/transaction";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTx;

/**
 * The app's transaction helper after the install phase rebuilt it on `$withTenant` (src/lib/db/transaction.ts); the
 * tenant module already imports the client it is built on, so V2 adds no import.
 */
export async function withTenantFromRequest<T>(request: Request, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  const clinic = await prisma.tenant.findUnique({ where: { id: request.headers.get("x-tenant-id") ?? "" } });
  if (!clinic) throw new Error("Unknown clinic");
  const result = await inTenant(clinic.id, async (tx) => {
    const value = await fn(clinic.id, tx);
    return value;
  });
  return { tenantId: clinic.id, result };
}

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(request: Request, fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>) {
  const clinic = await prisma.tenant.findUnique({ where: { id: request.headers.get("x-tenant-id") ?? "" } });
  if (!clinic) throw new Error("Unknown clinic");
  const value = await fn(clinic.id, readOnlyClient(prisma.$forTenant(clinic.id)));
  const result = value;
  return { tenantId: clinic.id, result };
}
