// @tenant-kit-fixture path=src/lib/auth/portal.ts
import type { NextRequest } from "next/server";
import { isPoolTimeoutError as isBusy, type TenantReadHandler } from "prisma-tenant-kit";
import { withTenantFromRequest, type TenantDb, withTenantFromRequestV2 } from "@/lib/tenant";

export type PortalContext = { tenantId: string; db: TenantDb; customerId: string };

/** A portal wrapper whose catch already answers pool timeouts itself: scaffold adds nothing to its V2's catch. */
export async function withPortalSession(request: NextRequest, handler: (context: PortalContext) => Promise<Response>): Promise<Response> {
  const customerId = request.headers.get("x-portal-customer");
  if (!customerId) return new Response("customer required", { status: 401 });
  try {
    const { result } = await withTenantFromRequest(request, async (tenantId, db) => handler({ tenantId, db, customerId }));
    return result;
  } catch (cause) {
    if (isBusy(cause)) return new Response("busy", { status: 503, headers: { "Retry-After": "2" } });
    return new Response("session check failed", { status: 500 });
  }
}

/** A portal wrapper whose catch already answers pool timeouts itself: scaffold adds nothing to its V2's catch.
 *
 * tenant-kit scaffold: V2 of withPortalSession: the same options, checks and error responses, but the tenant is resolved and the session checked without a transaction, and the handler's `db` is the tenant-scoped client from withTenantFromRequestV2; wrap writes in withTenant(tenantId, async (tx) => ...).
 */
export async function withPortalSessionV2(request: NextRequest, handler: TenantReadHandler<(context: PortalContext) => Promise<Response>>): Promise<Response> {
  const customerId = request.headers.get("x-portal-customer");
  if (!customerId) return new Response("customer required", { status: 401 });
  try {
    const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => handler({ tenantId, db, customerId }));
    return result;
  } catch (cause) {
    if (isBusy(cause)) return new Response("busy", { status: 503, headers: { "Retry-After": "2" } });
    return new Response("session check failed", { status: 500 });
  }
}
