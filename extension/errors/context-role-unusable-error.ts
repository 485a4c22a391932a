import { TenantKitError } from "./tenant-kit-error.ts";

/** Why a role of the adapter's `roles` list cannot be used. */
export type ContextRoleProblem = "missing" | "not-member" | "bypasses-rls";

/**
 * Thrown by `createTenantAdapter` on its first connection (once per pool) when a role of its `roles` option does not
 * exist, cannot be taken by the login role (`pg_has_role(current_user, role, 'MEMBER')` is false), or is a superuser
 * or has BYPASSRLS (row-level security would not apply to queries run as it). Nothing else ran on the pool.
 *
 * @example
 * ```ts
 * createTenantAdapter({ connectionString, roles: ["service_role"] }); // first query: CONTEXT_ROLE_UNUSABLE
 * ```
 */
export class ContextRoleUnusableError extends TenantKitError {
  override readonly name = "ContextRoleUnusableError";
  readonly code = "CONTEXT_ROLE_UNUSABLE";

  constructor(
    /** The login role (`current_user` of the pool's connections). */
    readonly loginRole: string,
    /** Each unusable role and why. */
    readonly problems: readonly { role: string; problem: ContextRoleProblem }[],
  ) {
    super(
      `createTenantAdapter's roles cannot be used by login role ${JSON.stringify(loginRole)}: ` +
        `${problems.map(({ role, problem }) => `${JSON.stringify(role)} ${PROBLEMS[problem]}`).join("; ")}. ` +
        `Create each role NOLOGIN NOSUPERUSER NOBYPASSRLS, GRANT it to the login role (CREATE ROLE ... NOINHERIT ` +
        `for the login role, so it gets the role's rights only while it runs as it), or remove it from roles.`,
    );
  }
}

const PROBLEMS: Record<ContextRoleProblem, string> = {
  missing: "does not exist",
  "not-member": "is not granted to the login role (it cannot SET ROLE to it)",
  "bypasses-rls": "is SUPERUSER or BYPASSRLS, so row-level security would not apply to its queries",
};
