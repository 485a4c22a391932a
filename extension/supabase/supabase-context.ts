import type { QueryContext } from "../context-scope.ts";
import { SupabaseClaimsError } from "../errors/supabase-claims-error.ts";
import { isVerified, type SupabaseClaims } from "./verified-claims.ts";

/** The setting Supabase's `auth.uid()`, `auth.role()` and `auth.jwt()` read: the JWT payload as JSON text. */
export const SUPABASE_CLAIMS_SETTING = "request.jwt.claims";

/** The roles a Supabase request may run as; add them to `createTenantAdapter({ roles: SUPABASE_ROLES })`. */
export const SUPABASE_ROLES = ["authenticated", "anon"] as const;

/** Options of {@link supabaseContext}. */
export interface SupabaseContextOptions {
  /** Refuse a request without claims (`SUPABASE_CLAIMS_MISSING`) instead of running it as `anon`. Default false. */
  readonly strict?: boolean;
  /**
   * The claims were verified by something other than the kit's verifier (e.g. `supabase.auth.getClaims()` of
   * supabase-js, which checks the signature): accept them. Default false: only claims returned by
   * `createSupabaseTokenVerifier(...).verify*()` are accepted, so unverified input never becomes a role.
   */
  readonly claimsVerified?: boolean;
  /** More settings for the same queries, e.g. `{ "app.tenant_id": tenantId }` from the user's membership. */
  readonly settings?: Readonly<Record<string, string>>;
}

/**
 * Turns verified Supabase claims into a query context for `prisma.$forContext(...)` / `$withContext(...)`: the claims
 * as `request.jwt.claims` (what `auth.uid()` / `auth.jwt()` / `auth.role()` read) and the role from the `role`
 * claim, `authenticated` or `anon`, set per query; read-your-writes keyed by the user (`sub`), so a refreshed token
 * still sees its user's writes. Without claims it fails closed: the `anon` role with `{"role":"anon"}` as claims, or
 * `SUPABASE_CLAIMS_MISSING` with `strict`.
 *
 * ```sql
 * SELECT set_config($1, $2, true), set_config($3, $4, true), set_config('role', $5, true)
 * -- $1 'app.tenant_id' $2 '' $3 'request.jwt.claims' $4 '{"sub":"…","role":"authenticated",…}' $5 'authenticated'
 * ```
 * @example
 * ```ts
 * const claims = await verifier.verifyAuthorization(request.headers.get("authorization"));
 * const db = prisma.$forContext(supabaseContext(claims));
 * // Supabase-style policies apply: TO authenticated USING ((select auth.uid()) = user_id)
 * const notes = await db.note.findMany();
 * ```
 * @throws {SupabaseClaimsError} `SUPABASE_CLAIMS_MISSING` (strict), `SUPABASE_CLAIMS_UNVERIFIED`,
 *   `SUPABASE_ROLE_NOT_ALLOWED` (e.g. `service_role`), `SUPABASE_CLAIMS_INVALID` (authenticated without `sub`).
 */
export function supabaseContext(
  claims: SupabaseClaims | null | undefined,
  options: SupabaseContextOptions = {},
): QueryContext {
  if (claims === null || claims === undefined) {
    if (options.strict) {
      throw new SupabaseClaimsError(
        "SUPABASE_CLAIMS_MISSING",
        "The request has no Supabase claims and the context is strict: answer 401, or drop `strict` to run it as anon.",
      );
    }
    return { settings: { ...options.settings, [SUPABASE_CLAIMS_SETTING]: ANON_CLAIMS }, role: "anon", writer: "anon" };
  }
  if (!options.claimsVerified && !isVerified(claims)) {
    throw new SupabaseClaimsError(
      "SUPABASE_CLAIMS_UNVERIFIED",
      "These claims did not come from createSupabaseTokenVerifier: verify the access token first (or pass " +
        "claimsVerified: true for claims another verifier checked, e.g. supabase.auth.getClaims()).",
    );
  }
  const { role, sub } = claims;
  if (role !== "authenticated" && role !== "anon") {
    throw new SupabaseClaimsError(
      "SUPABASE_ROLE_NOT_ALLOWED",
      `The token's role ${JSON.stringify(role)} is not "authenticated" or "anon"; nothing was sent. Server-side ` +
        "work across users belongs to createAdminAdapter, not to a request's token.",
    );
  }
  if (role === "authenticated" && (typeof sub !== "string" || sub.length === 0)) {
    throw new SupabaseClaimsError(
      "SUPABASE_CLAIMS_INVALID",
      "The token's role is authenticated but it has no sub (user id): it is not a Supabase user access token.",
    );
  }
  return {
    settings: { ...options.settings, [SUPABASE_CLAIMS_SETTING]: JSON.stringify(claims) },
    role,
    writer: role === "authenticated" ? `user:${sub}` : "anon",
  };
}

const ANON_CLAIMS = JSON.stringify({ role: "anon" });
