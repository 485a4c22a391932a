import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `$forContext` / `$withContext` for a context that cannot be sent: a setting name that is not a custom
 * setting (`prefix.name`), a value that is not a string, a role name Postgres cannot take, or a context that sets
 * nothing. The message names the field. Nothing was sent to the database.
 *
 * @example
 * ```ts
 * prisma.$forContext({ settings: { role: "admin" } }); // throws InvalidQueryContextError (INVALID_QUERY_CONTEXT)
 * ```
 */
export class InvalidQueryContextError extends TenantKitError {
  override readonly name = "InvalidQueryContextError";
  readonly code = "INVALID_QUERY_CONTEXT";

  /**
   * @param field what is wrong, e.g. `settings["app.user_id"]`
   * @param problem what was wrong with it and what to pass instead
   */
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`The query context's ${field} is invalid: ${problem}`);
  }
}
