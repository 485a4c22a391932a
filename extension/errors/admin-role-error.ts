import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by an adapter from `createAdminAdapter` when its role cannot bypass row-level security: it would silently see
 * no tenant rows. Connect the admin adapter as a dedicated role with BYPASSRLS (never the application's role).
 */
export class AdminRoleError extends TenantKitError {
  override readonly name = "AdminRoleError";
  readonly code = "ADMIN_ROLE_CANNOT_BYPASS_RLS";

  constructor(role: string) {
    super(
      `createAdminAdapter connected as ${JSON.stringify(role)}, which has neither BYPASSRLS nor SUPERUSER. Give the ` +
        `admin adapter its own role (CREATE ROLE tenant_admin LOGIN BYPASSRLS ...) and its own connection string.`,
    );
  }
}
