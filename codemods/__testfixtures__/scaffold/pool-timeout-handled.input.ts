// @tenant-kit-fixture path=src/lib/auth/portal.ts
import type { NextRequest } from "next/server";
import { isPoolTimeoutError as isBusy } from "prisma-tenant-kit";
import { withTenantFromRequest, type TenantDb } from "@/lib/tenant";

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
