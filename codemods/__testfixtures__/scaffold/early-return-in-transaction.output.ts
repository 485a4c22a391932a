// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTransactionClient<typeof prisma>;

// The callback returns early and its result is assigned: its statements cannot replace the assignment, so V2 calls the
// callback itself, immediately, without the transaction (same returns, same names, same order).
export async function withTenantFromRequest<T>(request: NextRequest, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id") ?? "";
  const outcome = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
    const suspended = await tx.tenantFlag.findFirst({ where: { key: "suspended" } });
    if (suspended) return { suspended: true as const };
    return { suspended: false as const, result: await fn(tenantId, tx) };
  });
  if (outcome.suspended) throw new Error(`Tenant ${tenantId} is suspended`);
  return { result: outcome.result };
}

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(request: NextRequest, fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id") ?? "";
  const outcome = await (async () => {
    const suspended = await readOnlyClient(prisma.$forTenant(tenantId)).tenantFlag.findFirst({ where: { key: "suspended" } });
    if (suspended) return { suspended: true as const };
    return { suspended: false as const, result: await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId))) };
  })();
  if (outcome.suspended) throw new Error(`Tenant ${tenantId} is suspended`);
  return { result: outcome.result };
}
