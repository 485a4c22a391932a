/**
 * The payload of a Supabase access token, as Supabase Auth issues it: `sub` is the user's id (a uuid), `role`
 * `authenticated` (also for anonymous sign-ins, with `is_anonymous: true`) or `anon`.
 */
export interface SupabaseClaims {
  readonly sub?: string;
  readonly role?: string;
  readonly aud?: string | readonly string[];
  readonly iss?: string;
  readonly exp?: number;
  readonly iat?: number;
  readonly email?: string;
  readonly session_id?: string;
  readonly is_anonymous?: boolean;
  readonly app_metadata?: Readonly<Record<string, unknown>>;
  readonly user_metadata?: Readonly<Record<string, unknown>>;
  readonly [claim: string]: unknown;
}

/** Claim objects the kit's verifier returned: `supabaseContext` takes only these unless told otherwise. */
const verified = new WeakSet<object>();

/** Marks `claims` as verified by the kit's verifier and returns them, frozen. */
export function markVerified(claims: SupabaseClaims): SupabaseClaims {
  const frozen = Object.freeze({ ...claims });
  verified.add(frozen);
  return frozen;
}

/** True for claims {@link markVerified} returned. */
export function isVerified(claims: object): boolean {
  return verified.has(claims);
}
