// @tenant-kit-fixture path=src/lib/auth/staff.ts
import type { NextRequest } from "next/server";
import { withTenantFromRequest, type TenantDb, withTenantFromRequestV2, withTenant } from "@/lib/tenant";
import { findActiveSession, type ActiveSession } from "@/lib/auth/session-lookup";
import { sessionExpired, unauthorized } from "@/lib/auth/responses";
import type { TenantReadHandler } from "prisma-tenant-kit";

export type StaffSessionContext = { tenantId: string; db: TenantDb; session: ActiveSession };
export type StaffSessionHandler = (context: StaffSessionContext) => Promise<Response>;

/** Marks the session seen now and records the visit: two writes that belong together. */
async function touchSession(db: TenantDb, sessionId: string): Promise<void> {
  await db.session.update({ where: { id: sessionId }, data: { lastSeenAt: new Date() } });
  await db.auditLog.create({ data: { action: "session.seen", entityId: sessionId } });
}

/** Authenticates a staff member; the check writes (the session's last visit, an expired session's removal). */
export async function withStaffSession(request: NextRequest, handler: StaffSessionHandler): Promise<Response> {
  const sessionId = request.cookies.get("staff_session")?.value;
  if (!sessionId) return unauthorized();
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => {
    const session = await findActiveSession(db, tenantId, sessionId);
    if (!session) {
      await db.session.deleteMany({ where: { id: sessionId } });
      return sessionExpired();
    }
    await touchSession(db, sessionId);
    return await handler({ tenantId, db, session });
  });
  return result;
}

/** Authenticates a staff member; the check writes (the session's last visit, an expired session's removal).
 *
 * tenant-kit scaffold: V2 of withStaffSession: the same options, checks and error responses, but the tenant is resolved and the session checked without a transaction, and the handler's `db` is the tenant-scoped client from withTenantFromRequestV2; wrap writes in withTenant(tenantId, async (tx) => ...).
 */
export async function withStaffSessionV2(request: NextRequest, handler: TenantReadHandler<StaffSessionHandler>): Promise<Response> {
  const sessionId = request.cookies.get("staff_session")?.value;
  if (!sessionId) return unauthorized();
  const { result } = await withTenantFromRequestV2(request, async (tenantId, db) => {
    const session = await findActiveSession(db, tenantId, sessionId);
    if (!session) {
      await withTenant(tenantId, (tx) => tx.session.deleteMany({ where: { id: sessionId } }));
      return sessionExpired();
    }
    await withTenant(tenantId, (tx) => touchSession(tx, sessionId));
    return await handler({ tenantId, db, session });
  });
  return result;
}
