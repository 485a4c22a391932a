import { TenantKitError } from "./tenant-kit-error.ts";

/** The `pg` versions the kit runs on: its peer dependency range (the kit uses pg's Query internals). */
export const SUPPORTED_PG_VERSIONS = "~8.23.1";

/**
 * Thrown on connect when `@prisma/adapter-pg` loads a different copy of `pg` than prisma-tenant-kit. The adapter only
 * adopts a pool that is an `instanceof` its own `pg.Pool`; handed the kit's pool from another copy it would silently
 * open a plain pool instead, and no query would carry the tenant. Install one `pg` that satisfies both (`npm ls pg`).
 */
export class DuplicatePgError extends TenantKitError {
  override readonly name = "DuplicatePgError";
  readonly code = "DUPLICATE_PG";

  constructor() {
    super(
      "@prisma/adapter-pg loads a different copy of the pg package than prisma-tenant-kit, so it would not use the " +
        `kit's tenant pool. Run \`npm ls pg\`, install the pg version prisma-tenant-kit asks for ` +
        `(npm install pg@${SUPPORTED_PG_VERSIONS}) in your app and run \`npm dedupe\` until one copy is left.`,
    );
  }
}
