// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

type Db = TenantTransactionClient<typeof prisma>;

const TENANT_HEADER = "x-tenant-id";

// An arrow function that is not async (it returns the transaction's promise) and sets the context with a positional
// parameter through $executeRawUnsafe.
export const withTenantFromRequest = <T>(request: NextRequest, fn: (tenantId: string, db: Db) => Promise<T>): Promise<{ result: T }> =>
  prisma.$transaction(async (tx) => {
    const tenantId = request.headers.get(TENANT_HEADER);
    if (!tenantId) throw new Error(`${TENANT_HEADER} missing`);
    await tx.$executeRawUnsafe("SELECT set_config('app.tenant_id', $1, true)", tenantId);
    return { result: await fn(tenantId, tx) };
  });

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export const withTenantFromRequestV2 = async <T>(request: NextRequest, fn: (tenantId: string, db: TenantReadView<Db>) => Promise<T>): Promise<{ result: T }> => {
  const tenantId = request.headers.get(TENANT_HEADER);
  if (!tenantId) throw new Error(`${TENANT_HEADER} missing`);
  return { result: await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId))) };
};
