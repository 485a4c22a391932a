import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when a query's context (`$forContext({ role })`) names a role that is not in the `roles` list the adapter
 * was created with. Roles come from that list only, never from a request: nothing was sent to the database. Add the
 * role to `createTenantAdapter({ roles: [...] })` if the application really runs as it.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString, roles: ["authenticated", "anon"] });
 * await prisma.$forContext({ role: "service_role", settings }).post.findMany(); // CONTEXT_ROLE_NOT_ALLOWED
 * ```
 */
export class ContextRoleNotAllowedError extends TenantKitError {
  override readonly name = "ContextRoleNotAllowedError";
  readonly code = "CONTEXT_ROLE_NOT_ALLOWED";

  constructor(
    /** The role the context asked for. */
    readonly role: string,
    /** The adapter's `roles`. */
    readonly allowed: readonly string[],
  ) {
    super(
      `The query context asks for role ${JSON.stringify(role)}, which is not one of the adapter's roles ` +
        `(${allowed.length === 0 ? "none configured" : allowed.map((r) => JSON.stringify(r)).join(", ")}); nothing ` +
        `was sent. List the roles the application may run as in createTenantAdapter({ roles: [...] }), and map ` +
        `anything a request says onto one of them.`,
    );
  }
}
