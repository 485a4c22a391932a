import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when an option passed to `createTenantAdapter`, `createAdminAdapter` or `generateRlsSql` is invalid. The
 * message names the option, what was received and what is accepted.
 *
 * @example
 * ```ts
 * createTenantAdapter({ connectionString, setting: "tenant" }); // throws: setting must look like "app.tenant_id"
 * ```
 */
export class InvalidTenantKitOptionError extends TenantKitError {
  override readonly name = "InvalidTenantKitOptionError";
  readonly code = "INVALID_OPTION";

  constructor(option: string, problem: string) {
    super(`The option ${option} is invalid: ${problem}`);
  }
}
