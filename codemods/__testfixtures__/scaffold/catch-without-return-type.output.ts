// @tenant-kit-fixture path=src/lib/auth/kiosk.ts
import type { NextRequest } from "next/server";
import { withTenantFromRequest, type TenantDb, withTenantFromRequestV2 } from "@/lib/tenant";
import { poolTimeoutResponse } from "prisma-tenant-kit";
import type { TenantReadHandler } from "prisma-tenant-kit";

type KioskHandler = (context: { tenantId: string; db: TenantDb }) => Promise<Response>;

// No declared return type, a catch variable named `e`, an inner try/catch inside the tenant callback, and tab indents.
export const withKioskSession = async (request: NextRequest, handler: KioskHandler) => {
	try {
		const { result } = await withTenantFromRequest(request, async (tenantId, db) => {
			try {
				return await handler({ tenantId, db });
			} catch (inner) {
				return new Response(String(inner), { status: 400 });
			}
		});
		return result;
	} catch (e) {
		return new Response("kiosk check failed", { status: 500 });
	}
};

/**
 * tenant-kit scaffold: V2 of withKioskSession: the same options, checks and error responses, but the tenant is resolved and the session checked without a transaction, and the handler's `db` is the tenant-scoped client from withTenantFromRequestV2; wrap writes in withTenant(tenantId, async (tx) => ...). A pool timeout answers 503 with Retry-After (poolTimeoutResponse).
 */
export const withKioskSessionV2 = async (request: NextRequest, handler: TenantReadHandler<KioskHandler>) => {
	try {
		const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => {
			try {
				return await handler({ tenantId, db });
			} catch (inner) {
				return new Response(String(inner), { status: 400 });
			}
		});
		return result;
	} catch (e) {
		const busy = poolTimeoutResponse(e);
		if (busy) return busy;
		return new Response("kiosk check failed", { status: 500 });
	}
};
