import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when `$forTenant` / `$withTenant` receive something that cannot be a tenant id (not a string, empty, too long
 * or containing a NUL byte). The message shows what was received (`undefined`, `null`, `the number 42`, ...). Nothing
 * was sent to the database.
 *
 * @example
 * ```ts
 * prisma.$forTenant(""); // throws InvalidTenantIdError (code INVALID_TENANT_ID)
 * ```
 */
export class InvalidTenantIdError extends TenantKitError {
  override readonly name = "InvalidTenantIdError";
  readonly code = "INVALID_TENANT_ID";

  constructor(received: unknown) {
    super(
      `The tenant id ${describe(received)} is not valid: pass a non-empty string of at most 255 characters ` +
        `without NUL bytes, usually the tenant's primary key as resolved from the session.`,
    );
  }
}

function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      if (value.length <= 80) return JSON.stringify(value);
      return `${JSON.stringify(value.slice(0, 80))}... (${value.length} characters)`;
    case "undefined":
      return "undefined";
    case "number":
    case "bigint":
    case "boolean":
      return `the ${typeof value} ${String(value)}`;
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
    default:
      return `a ${typeof value}`;
  }
}
