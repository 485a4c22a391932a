// @tenant-kit-fixture path=src/lib/auth/partner.ts
import type { NextRequest } from "next/server";
import { withTenantFromRequest, type TenantDb } from "@/lib/tenant";

export type PartnerContext = { tenantId: string; db: TenantDb; partnerKey: string };

/** A partner API wrapper without a try/catch: whatever the tenant wrapper throws reaches Next as a 500. */
export async function withPartnerKey(request: NextRequest, handler: (context: PartnerContext) => Promise<Response>): Promise<Response> {
  const partnerKey = request.headers.get("x-partner-key");
  if (!partnerKey) return new Response("partner key required", { status: 401 });
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => handler({ tenantId, db, partnerKey }));
  return result;
}
