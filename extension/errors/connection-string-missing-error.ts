import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `createTenantAdapter`'s adapter on its first connection when `connectionString` was undefined or empty.
 * The check waits for the first connection (not module import) so `next build`, which imports the module without the
 * runtime environment, still works. Nothing was sent: pg would otherwise fall back to PGHOST/localhost.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString: process.env.DATABASE_URL }); // fine at build time
 * await prisma.customer.findMany(); // rejects with CONNECTION_STRING_MISSING when DATABASE_URL is unset at run time
 * ```
 */
export class ConnectionStringMissingError extends TenantKitError {
  override readonly name = "ConnectionStringMissingError";
  readonly code = "CONNECTION_STRING_MISSING";

  constructor(received: "" | undefined, databaseUrlSet: boolean) {
    super(
      `createTenantAdapter got ${received === undefined ? "no connectionString" : "an empty connectionString"} ` +
        `and cannot connect. ` +
        (databaseUrlSet
          ? `DATABASE_URL is set in this process, so pass it: ` +
            `createTenantAdapter({ connectionString: process.env.DATABASE_URL }).`
          : `Set DATABASE_URL (or the environment variable you pass as connectionString) to the application role's ` +
            `Postgres URL, e.g. postgres://app:secret@db:5432/app, in the environment the server runs in.`),
    );
  }
}
