import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Stable codes of {@link SupabaseTokenError}:
 * - `SUPABASE_TOKEN_MISSING`: `verify()` got no token (`verifyAuthorization` returns `null` instead: anonymous);
 * - `SUPABASE_TOKEN_EXPIRED`: the token's `exp` has passed: the client must refresh its session;
 * - `SUPABASE_TOKEN_INVALID`: malformed, a bad signature, an unknown key, a wrong `aud` / `iss`, not yet valid, or an
 *   algorithm the verifier was not configured for;
 * - `SUPABASE_JWKS_UNAVAILABLE`: the project's JWKS could not be fetched (network, timeout): retry later (503).
 */
export type SupabaseTokenErrorCode =
  | "SUPABASE_TOKEN_MISSING"
  | "SUPABASE_TOKEN_EXPIRED"
  | "SUPABASE_TOKEN_INVALID"
  | "SUPABASE_JWKS_UNAVAILABLE";

/**
 * Thrown by a Supabase token verifier (`prisma-tenant-kit/supabase`) for an access token it cannot accept. It is
 * thrown before any database connection is taken; answer 401 (503 for `SUPABASE_JWKS_UNAVAILABLE`). The jose error is
 * the `cause`.
 *
 * @example
 * ```ts
 * try { claims = await verifier.verifyAuthorization(request.headers.get("authorization")); }
 * catch (error) {
 *   if (error instanceof SupabaseTokenError) return new Response(error.code, { status: 401 });
 *   throw error;
 * }
 * ```
 */
export class SupabaseTokenError extends TenantKitError {
  override readonly name = "SupabaseTokenError";

  constructor(
    readonly code: SupabaseTokenErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${MESSAGES[code]} (${detail})`, options);
  }
}

const MESSAGES: Record<SupabaseTokenErrorCode, string> = {
  SUPABASE_TOKEN_MISSING:
    "No Supabase access token was given: pass the user's access token, or treat the request as anonymous.",
  SUPABASE_TOKEN_EXPIRED: "The Supabase access token has expired: the client must refresh its session and retry.",
  SUPABASE_TOKEN_INVALID:
    "The Supabase access token is not valid for this project: answer 401; check the project URL, JWT secret or " +
    "JWKS the verifier was created with if valid users get this.",
  SUPABASE_JWKS_UNAVAILABLE:
    "The Supabase project's signing keys (JWKS) could not be fetched: answer 503 and retry; check the project URL " +
    "and the network path to it.",
};
