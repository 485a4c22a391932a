// @tenant-kit-fixture path=src/lib/tenant.ts
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTransactionClient<typeof prisma>;

export class TenantNotFoundError extends Error {
  override readonly name = "TenantNotFoundError";
}

/** Resolves the tenant by slug before the transaction and hands back both the tenant id and the handler's result. */
export async function withTenantFromRequest<T>(
  request: NextRequest,
  fn: (tenantId: string, db: TenantDb) => Promise<T>,
): Promise<{ tenantId: string; result: T }> {
  const slug = request.nextUrl.searchParams.get("tenant") ?? request.headers.get("x-tenant-slug");
  const tenant = slug ? await prisma.tenant.findUnique({ where: { slug } }) : null;
  if (!tenant) throw new TenantNotFoundError(`No tenant for slug ${slug ?? "(none)"}`);
  const tenantId = tenant.id;

  const result = await prisma.$transaction(async (tx) => {
    // RLS context for everything the handler runs.
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
    return fn(tenantId, tx);
  });
  return { tenantId, result };
}

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(
  request: NextRequest,
  fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>,
): Promise<{ tenantId: string; result: T }> {
  const slug = request.nextUrl.searchParams.get("tenant") ?? request.headers.get("x-tenant-slug");
  const tenant = slug ? await prisma.tenant.findUnique({ where: { slug } }) : null;
  if (!tenant) throw new TenantNotFoundError(`No tenant for slug ${slug ?? "(none)"}`);
  const tenantId = tenant.id;

  const result = await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId)));
  return { tenantId, result };
}
