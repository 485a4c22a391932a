// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTransactionClient<typeof prisma>;

// V1 already on the kit's $withTenant (as after the install phase): still one transaction per request, which V2 drops.
export async function withTenantFromRequest<T>(request: NextRequest, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id");
  if (!tenantId) throw new Error("x-tenant-id header is required");
  return prisma.$withTenant(tenantId, async (tx) => ({ result: await fn(tenantId, tx) }));
}

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(request: NextRequest, fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id");
  if (!tenantId) throw new Error("x-tenant-id header is required");
  return { result: await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId))) };
}
