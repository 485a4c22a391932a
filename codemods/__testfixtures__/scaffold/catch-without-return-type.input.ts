// @tenant-kit-fixture path=src/lib/auth/kiosk.ts
import type { NextRequest } from "next/server";
import { withTenantFromRequest, type TenantDb } from "@/lib/tenant";

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
