export { createSupabaseTokenVerifier } from "./supabase-token-verifier.ts";
export type { SupabaseTokenVerifier, SupabaseTokenVerifierOptions } from "./supabase-token-verifier.ts";
export { SUPABASE_CLAIMS_SETTING, SUPABASE_ROLES, supabaseContext } from "./supabase-context.ts";
export type { SupabaseContextOptions } from "./supabase-context.ts";
export type { SupabaseClaims } from "./verified-claims.ts";
export { SupabaseTokenError } from "../errors/supabase-token-error.ts";
export type { SupabaseTokenErrorCode } from "../errors/supabase-token-error.ts";
export { SupabaseClaimsError } from "../errors/supabase-claims-error.ts";
export type { SupabaseClaimsErrorCode } from "../errors/supabase-claims-error.ts";
