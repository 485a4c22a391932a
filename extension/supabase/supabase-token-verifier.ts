import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { InvalidTenantKitOptionError } from "../errors/invalid-tenant-kit-option-error.ts";
import { SupabaseTokenError } from "../errors/supabase-token-error.ts";
import { markVerified, type SupabaseClaims } from "./verified-claims.ts";

/** Options of {@link createSupabaseTokenVerifier}: `projectUrl` or `jwks` (current projects), `jwtSecret` (legacy). */
export interface SupabaseTokenVerifierOptions {
  /**
   * The project's URL, `https://<ref>.supabase.co`. The verifier fetches its signing keys from
   * `<projectUrl>/auth/v1/.well-known/jwks.json` (cached; refetched for an unknown `kid`, at most every 30 s) and
   * requires `iss` to be `<projectUrl>/auth/v1`.
   */
  readonly projectUrl?: string;
  /**
   * The signing keys as a JWKS object (`{ keys: [...] }`, the JSON the project serves), instead of fetching them
   * (tests, air-gapped setups).
   */
  readonly jwks?: { readonly keys: readonly Readonly<Record<string, unknown>>[] };
  /** The legacy shared JWT secret (HS256), for projects that have not moved to signing keys. */
  readonly jwtSecret?: string;
  /** Expected `iss`. Default `<projectUrl>/auth/v1` when `projectUrl` is given, else not checked. */
  readonly issuer?: string;
  /** Expected `aud`. Default `"authenticated"`, what Supabase Auth puts in user access tokens. */
  readonly audience?: string;
  /** Accepted clock skew on `exp` / `nbf` / `iat`, in seconds. Default 0. */
  readonly clockToleranceSeconds?: number;
  /** Longest wait for the JWKS, in ms. Default 5,000. */
  readonly jwksTimeoutMillis?: number;
}

/** A verifier of Supabase access tokens (see {@link createSupabaseTokenVerifier}). */
export interface SupabaseTokenVerifier {
  /**
   * The verified claims of `token`.
   * @throws {SupabaseTokenError} `SUPABASE_TOKEN_MISSING`, `_EXPIRED`, `_INVALID` or `SUPABASE_JWKS_UNAVAILABLE`.
   */
  verify(token: string): Promise<SupabaseClaims>;
  /**
   * The verified claims of an `Authorization: Bearer <token>` header, or `null` without a header (an anonymous
   * request: `supabaseContext(null)` runs it as `anon`, or refuses it in strict mode).
   * @throws {SupabaseTokenError} for a header that is not `Bearer <token>`, or a token `verify` refuses.
   */
  verifyAuthorization(header: string | null | undefined): Promise<SupabaseClaims | null>;
}

/** Asymmetric algorithms Supabase signing keys use (ES256 by default, RS256), and EdDSA. */
const ASYMMETRIC = ["ES256", "RS256", "EdDSA"];

/**
 * Creates a verifier of Supabase access tokens with `jose`: the signature against the project's signing keys
 * (JWKS: `projectUrl` or `jwks`) or, for tokens signed `HS256`, the legacy `jwtSecret`; then `exp`, `nbf`, `aud`
 * and `iss`. Nothing here touches the database: verify before a connection is taken, and answer 401 on failure.
 *
 * @example
 * ```ts
 * import { createSupabaseTokenVerifier, supabaseContext } from "prisma-tenant-kit/supabase";
 * const verifier = createSupabaseTokenVerifier({ projectUrl: process.env.SUPABASE_URL });
 * const claims = await verifier.verifyAuthorization(request.headers.get("authorization")); // null: anonymous
 * const notes = await prisma.$forContext(supabaseContext(claims)).note.findMany();
 * // SELECT set_config($1, $2, true), set_config($3, $4, true), set_config('role', $5, true); SELECT ... FROM note
 * //   -- 'app.tenant_id' = '', 'request.jwt.claims' = '{"sub":"…","role":"authenticated",…}', role 'authenticated'
 * ```
 * @throws {InvalidTenantKitOptionError} without any of `projectUrl`, `jwks`, `jwtSecret`, or for a malformed one.
 */
export function createSupabaseTokenVerifier(options: SupabaseTokenVerifierOptions): SupabaseTokenVerifier {
  const { projectUrl, jwks, jwtSecret, audience = "authenticated", clockToleranceSeconds = 0 } = options ?? {};
  if (!projectUrl && !jwks && !jwtSecret) {
    throw new InvalidTenantKitOptionError(
      "createSupabaseTokenVerifier",
      "pass projectUrl (https://<ref>.supabase.co), a jwks, or the legacy jwtSecret.",
    );
  }
  let base: URL | undefined;
  if (projectUrl) {
    try {
      base = new URL(projectUrl);
    } catch {
      throw new InvalidTenantKitOptionError("projectUrl", `${JSON.stringify(projectUrl)} is not a URL.`);
    }
  }
  if (jwtSecret !== undefined && (typeof jwtSecret !== "string" || jwtSecret.length < 32)) {
    throw new InvalidTenantKitOptionError("jwtSecret", "the legacy JWT secret is a string of at least 32 characters.");
  }
  const root = base ? base.href.replace(/\/$/, "") : undefined;
  const issuer = options.issuer ?? (root ? `${root}/auth/v1` : undefined);
  const keySet: JWTVerifyGetKey | undefined = jwks
    ? createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0])
    : root
      ? createRemoteJWKSet(new URL(`${root}/auth/v1/.well-known/jwks.json`), {
          timeoutDuration: options.jwksTimeoutMillis ?? 5_000,
        })
      : undefined;
  const secret = jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined;
  const algorithms = [...(secret ? ["HS256"] : []), ...(keySet ? ASYMMETRIC : [])];
  // The key follows the token's alg, and only among the configured ones: an HS256 token never meets a public key
  // (the algorithm-confusion attack), an asymmetric one never the secret.
  const getKey: JWTVerifyGetKey = (header, token) => {
    if (header.alg === "HS256" && secret) return secret;
    if (keySet && header.alg !== "HS256") return keySet(header, token);
    throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed: ${header.alg}`);
  };

  async function verify(token: string): Promise<SupabaseClaims> {
    if (typeof token !== "string" || token.length === 0) {
      throw new SupabaseTokenError("SUPABASE_TOKEN_MISSING", "an empty token");
    }
    try {
      const { payload } = await jwtVerify(token, getKey, {
        algorithms,
        audience,
        ...(issuer ? { issuer } : {}),
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ["exp", "role"],
      });
      return markVerified(payload as SupabaseClaims);
    } catch (error) {
      throw tokenError(error);
    }
  }

  return {
    verify,
    async verifyAuthorization(header) {
      if (header === null || header === undefined || header === "") return null;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match)
        throw new SupabaseTokenError("SUPABASE_TOKEN_INVALID", "the Authorization header is not Bearer <token>");
      return verify(match[1]!);
    },
  };
}

function tokenError(error: unknown): SupabaseTokenError {
  if (error instanceof errors.JWTExpired) {
    return new SupabaseTokenError("SUPABASE_TOKEN_EXPIRED", "exp has passed", { cause: error });
  }
  if (error instanceof errors.JWKSTimeout || isFetchFailure(error)) {
    return new SupabaseTokenError("SUPABASE_JWKS_UNAVAILABLE", (error as Error).message, { cause: error });
  }
  if (error instanceof errors.JOSEError) {
    return new SupabaseTokenError("SUPABASE_TOKEN_INVALID", `${error.code}: ${error.message}`, { cause: error });
  }
  return new SupabaseTokenError("SUPABASE_TOKEN_INVALID", String((error as Error)?.message ?? error), { cause: error });
}

/** fetch() rejects with a TypeError (undici: "fetch failed") when the JWKS host cannot be reached. */
function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed|network/i.test(error.message);
}
