// @tenant-kit-fixture path=src/lib/tenant.ts
import { runInTenant, tenantExists, type TenantTx } from "@/lib/db/transaction";
import { prisma } from "./prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

export type TenantDb = TenantTx;

// The tenant module never imports the Prisma client: the transaction is opened by the app's helper in another module
// (src/lib/db/transaction.ts). V2 runs the callback without the helper, on that module's client, which it imports.
export async function withTenantFromRequest<T>(request: Request, fn: (tenantId: string, db: TenantDb) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id");
  if (!tenantId || !(await tenantExists(tenantId))) throw new Error("Unknown or missing x-tenant-id");
  const result = await runInTenant(tenantId, (tx) => fn(tenantId, tx));
  return { tenantId, result };
}

/**
 * Resolves the request's tenant and runs `fn` with `prisma.$forTenant(tenantId)`, whose
 * every query carries the tenant's RLS context; no transaction is held.
 *
 * tenant-kit scaffold: V2 of withTenantFromRequest: V1's code without its transaction.
 */
export async function withTenantFromRequestV2<T>(request: Request, fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>) {
  const tenantId = request.headers.get("x-tenant-id");
  if (!tenantId || !(await tenantExists(tenantId))) throw new Error("Unknown or missing x-tenant-id");
  const result = await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId)));
  return { tenantId, result };
}
