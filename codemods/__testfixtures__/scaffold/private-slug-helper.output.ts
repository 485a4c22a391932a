// @tenant-kit-fixture path=src/lib/tenant.ts
// The default slug comes from a private helper, which the old fixed template could not see; V2 calls it as V1 does.
import type { NextRequest } from "next/server";
import type { TenantTransactionClient } from "prisma-tenant-kit";
import { prisma } from "@/lib/prisma";
import type { TenantReadView } from "prisma-tenant-kit";
import { readOnlyClient } from "prisma-tenant-kit";

/** The extended Prisma client of the app. */
export type TenantClient = typeof prisma;

/** What handlers receive as `db`: an interactive transaction client, or (V2) the tenant-scoped client. */
export type TenantDb = TenantTransactionClient<TenantClient>;

export const TENANT_ID_HEADER = "x-tenant-id";
export const TENANT_SLUG_HEADER = "x-tenant-slug";

/** Thrown when a request names no known tenant. */
export class TenantNotFoundError extends Error {
  constructor(what: string) {
    super(`No tenant matches ${what}.`);
    this.name = "TenantNotFoundError";
  }
}

/** The slug of the tenant used when a request names none. */
function defaultSlugOf(): string {
  return process.env.DEFAULT_TENANT_SLUG ?? "acme";
}

/**
 * Runs `fn` inside one interactive transaction whose RLS context is `tenantId`.
 */
export async function withTenant<T>(tenantId: string, fn: (tx: TenantDb) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
    return fn(tx);
  });
}

/**
 * Resolves the request's tenant (x-tenant-id, x-tenant-slug, else the default slug) INSIDE a transaction,
 * sets the RLS context and runs `fn(tenantId, tx)` in that same transaction (the V1 pattern of 002).
 */
export async function withTenantFromRequest<T>(
  request: NextRequest,
  fn: (tenantId: string, db: TenantDb) => Promise<T>,
): Promise<{ result: T }> {
  return prisma.$transaction(async (tx) => {
    let tenantId = request.headers.get(TENANT_ID_HEADER);
    if (!tenantId) {
      const slug = request.headers.get(TENANT_SLUG_HEADER) ?? defaultSlugOf();
      const tenant = await tx.tenant.findUnique({ where: { slug }, select: { id: true } });
      if (!tenant) throw new TenantNotFoundError(`slug "${slug}"`);
      tenantId = tenant.id;
    }
    await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
    return { result: await fn(tenantId, tx) };
  });
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
): Promise<{ result: T }> {
  let tenantId = request.headers.get(TENANT_ID_HEADER);
  if (!tenantId) {
    const slug = request.headers.get(TENANT_SLUG_HEADER) ?? defaultSlugOf();
    const tenant = await prisma.tenant.findUnique({ where: { slug }, select: { id: true } });
    if (!tenant) throw new TenantNotFoundError(`slug "${slug}"`);
    tenantId = tenant.id;
  }
  return { result: await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId))) };
}
