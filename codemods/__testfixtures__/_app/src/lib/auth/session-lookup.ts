import type { TenantDb } from "@/lib/tenant";

/** Loads an unexpired session of `tenantId` with its user, sales profile, roles and permissions. */
export async function findActiveSession(db: TenantDb, tenantId: string, sessionId: string) {
  const session = await db.salesSession.findUnique({
    where: { id: sessionId },
    include: {
      user: {
        include: {
          salesRepProfile: true,
          roles: { include: { role: { include: { permissions: { include: { permission: true } } } } } },
        },
      },
    },
  });
  if (!session || session.tenantId !== tenantId || session.expiresAt < new Date()) return null;
  return session;
}

export type ActiveSession = NonNullable<Awaited<ReturnType<typeof findActiveSession>>>;

/** Role codes and permission codes of a session's user. */
export function rolesAndPermissions(session: ActiveSession): { roles: string[]; permissions: Set<string> } {
  const roles = session.user.roles.map((userRole) => userRole.role.code);
  const permissions = new Set<string>();
  for (const userRole of session.user.roles) {
    for (const rolePermission of userRole.role.permissions) permissions.add(rolePermission.permission.code);
  }
  return { roles, permissions };
}
