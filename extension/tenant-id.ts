import { InvalidTenantIdError } from "./errors/invalid-tenant-id-error.ts";

const MAX_TENANT_ID_LENGTH = 255;

/**
 * Checks that `tenantId` can be a tenant id and returns it. The id reaches Postgres as a bind parameter of
 * `set_config`, never spliced into SQL, so this guards mistakes (an empty header, `undefined`), not injection.
 *
 * @throws {InvalidTenantIdError} for a non-string, an empty string, more than 255 characters or a NUL byte.
 */
export function assertTenantId(tenantId: unknown): string {
  if (
    typeof tenantId !== "string" ||
    tenantId.length === 0 ||
    tenantId.length > MAX_TENANT_ID_LENGTH ||
    tenantId.includes("\u0000")
  ) {
    throw new InvalidTenantIdError(tenantId);
  }
  return tenantId;
}
