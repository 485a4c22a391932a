import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Stable codes of {@link SupabaseClaimsError}:
 * - `SUPABASE_CLAIMS_MISSING`: no claims, with `strict: true` (without it the request runs as `anon`);
 * - `SUPABASE_CLAIMS_UNVERIFIED`: the claims did not come from the kit's verifier (pass `claimsVerified: true` only
 *   for claims another verifier checked, e.g. `supabase.auth.getClaims()`);
 * - `SUPABASE_ROLE_NOT_ALLOWED`: the `role` claim is not `authenticated` or `anon` (e.g. `service_role`, which
 *   bypasses RLS on Supabase: use createAdminAdapter for server-side admin work);
 * - `SUPABASE_CLAIMS_INVALID`: an `authenticated` token without a `sub`.
 */
export type SupabaseClaimsErrorCode =
  | "SUPABASE_CLAIMS_MISSING"
  | "SUPABASE_CLAIMS_UNVERIFIED"
  | "SUPABASE_ROLE_NOT_ALLOWED"
  | "SUPABASE_CLAIMS_INVALID";

/**
 * Thrown by `supabaseContext` for claims it will not turn into a query context. Nothing was sent to the database.
 *
 * @example
 * ```ts
 * supabaseContext({ role: "service_role" }, { claimsVerified: true }); // SUPABASE_ROLE_NOT_ALLOWED
 * ```
 */
export class SupabaseClaimsError extends TenantKitError {
  override readonly name = "SupabaseClaimsError";

  constructor(
    readonly code: SupabaseClaimsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
