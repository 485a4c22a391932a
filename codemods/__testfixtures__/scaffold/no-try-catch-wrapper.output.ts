// @tenant-kit-fixture path=src/lib/auth/partner.ts
import type { NextRequest } from "next/server";
import { withTenantFromRequest, type TenantDb, withTenantFromRequestV2 } from "@/lib/tenant";
import type { TenantReadHandler } from "prisma-tenant-kit";

export type PartnerContext = { tenantId: string; db: TenantDb; partnerKey: string };

/** A partner API wrapper without a try/catch: whatever the tenant wrapper throws reaches Next as a 500. */
export async function withPartnerKey(request: NextRequest, handler: (context: PartnerContext) => Promise<Response>): Promise<Response> {
  const partnerKey = request.headers.get("x-partner-key");
  if (!partnerKey) return new Response("partner key required", { status: 401 });
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => handler({ tenantId, db, partnerKey }));
  return result;
}

/** A partner API wrapper without a try/catch: whatever the tenant wrapper throws reaches Next as a 500.
 *
 * tenant-kit scaffold: V2 of withPartnerKey: the same options, checks and error responses, but the tenant is resolved and the session checked without a transaction, and the handler's `db` is the tenant-scoped client from withTenantFromRequestV2; wrap writes in withTenant(tenantId, async (tx) => ...).
 */
export async function withPartnerKeyV2(request: NextRequest, handler: TenantReadHandler<(context: PartnerContext) => Promise<Response>>): Promise<Response> {
  const partnerKey = request.headers.get("x-partner-key");
  if (!partnerKey) return new Response("partner key required", { status: 401 });
  const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => handler({ tenantId, db, partnerKey }));
  return result;
}
