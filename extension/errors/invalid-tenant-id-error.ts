import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when `$forTenant` / `$withTenant` receive something that cannot be a tenant id (not a string, empty, too long
 * or containing a NUL byte). Nothing was sent to the database.
 *
 * @example
 * ```ts
 * prisma.$forTenant(""); // throws InvalidTenantIdError (code INVALID_TENANT_ID)
 * ```
 */
export class InvalidTenantIdError extends TenantKitError {
  readonly code = "INVALID_TENANT_ID";

  constructor(received: unknown) {
    const shown = typeof received === "string" ? JSON.stringify(received.slice(0, 80)) : typeof received;
    super(
      `The tenant id ${shown} is not valid: pass a non-empty string of at most 255 characters without NUL bytes, ` +
        `usually the tenant's primary key as resolved from the session.`,
    );
  }
}
