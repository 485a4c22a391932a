// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma as db } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTransactionClient<typeof db>;

/**
 * The app's own setting name, set for the whole session (third argument false) with the transaction's long timeout.
 */
export async function withTenantFromRequest<T>(
  request: NextRequest,
  fn: (tenantId: string, db: TenantDb) => Promise<T>,
): Promise<{ result: T }> {
  const tenantId = request.headers.get("x-tenant-id") ?? "";
  return await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.current_tenant_id', ${tenantId}, false)`;
      return { result: await fn(tenantId, tx) };
    },
    { maxWait: 5_000, timeout: 60_000 },
  );
}

/**
 * Resolves the request's tenant and runs `fn` with `db.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(
  request: NextRequest,
  fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>,
): Promise<{ result: T }> {
  const tenantId = request.headers.get("x-tenant-id") ?? "";
  return { result: await fn(tenantId, readOnlyClient(db.$forTenant(tenantId))) };
}
