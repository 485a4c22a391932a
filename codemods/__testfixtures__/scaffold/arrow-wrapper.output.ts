// @tenant-kit-fixture path=src/lib/auth/kiosk.ts
import type { NextRequest } from "next/server";
import { withTenantFromRequest as tenantScope, type TenantDb, withTenantFromRequestV2 } from "@/lib/tenant";
import type { TenantReadHandler } from "prisma-tenant-kit";

type KioskHandler = (context: { tenantId: string; db: TenantDb; kioskId: string }) => Promise<Response>;

// A kiosk wrapper written as an exported arrow function, importing the tenant wrapper under an alias.
export const withKioskSession = async (request: NextRequest, handler: KioskHandler): Promise<Response> => {
  const kioskId = request.headers.get("x-kiosk-id");
  if (!kioskId) return new Response("kiosk id required", { status: 401 });
  const { result } = await tenantScope(request, async (tenantId, db) => handler({ tenantId, db, kioskId }));
  return result;
};

/**
 * tenant-kit scaffold: V2 of withKioskSession: the same options, checks and error responses, but the tenant is resolved and the session checked without a transaction, and the handler's `db` is the tenant-scoped client from withTenantFromRequestV2; wrap writes in withTenant(tenantId, async (tx) => ...).
 */
export const withKioskSessionV2 = async (request: NextRequest, handler: TenantReadHandler<KioskHandler>): Promise<Response> => {
  const kioskId = request.headers.get("x-kiosk-id");
  if (!kioskId) return new Response("kiosk id required", { status: 401 });
  const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => handler({ tenantId, db, kioskId }));
  return result;
};
