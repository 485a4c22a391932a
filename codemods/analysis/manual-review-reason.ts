/**
 * Why a transform left something for a human. Each code is explained, with the fix by hand, in
 * docs/migration-guide.md ("Manual-review reasons").
 *
 * @example const reason: ManualReviewReason = "dynamic-db-access";
 */
export type ManualReviewReason =
  | "dynamic-db-access"
  | "db-escapes"
  | "unresolved-callee"
  | "db-captured-by-callback"
  | "unknown-db-operation"
  | "context-escapes"
  | "handler-not-inline"
  | "wrapper-shape-unknown"
  | "no-v2-wrapper"
  | "mixed-own-transaction"
  | "span-not-provable"
  | "v1-still-used"
  | "scaffold-precondition"
  | "no-pool-timeout-handler"
  | "install-precondition"
  | "extra-prisma-client"
  | "bare-client-tenant-query";

/** One sentence per reason, shown in the CLI, the report and the docs. @example MANUAL_REVIEW_HINTS["db-escapes"] */
export const MANUAL_REVIEW_HINTS: Readonly<Record<ManualReviewReason, string>> = {
  "dynamic-db-access": "db is indexed with a computed key (db[model]); the kit cannot tell which model or operation runs.",
  "db-escapes": "db (or one of its model delegates) is stored, returned or put in an object, so its later use cannot be followed.",
  "unresolved-callee": "db is passed to a function whose code is not in the repo or cannot be found statically.",
  "db-captured-by-callback": "db is used inside a callback that may run after the handler (or the transaction) has finished.",
  "unknown-db-operation": "a call on db is not a Prisma operation the kit knows (an extension method, or a misspelling).",
  "context-escapes": "the handler context object is passed on or destructured later, so where db goes cannot be followed.",
  "handler-not-inline": "the handler passed to the wrapper is not an inline function, so the kit cannot rewrite it in place.",
  "wrapper-shape-unknown": "the wrapper hands db and tenantId to its handler in a way the kit does not recognize.",
  "no-v2-wrapper": "the V2 of this wrapper does not exist yet; run the scaffold phase first.",
  "mixed-own-transaction": "the handler opens its own db.$transaction and also writes outside it; merge them by hand.",
  "span-not-provable": "the transaction span cannot be placed without changing behavior (see the detail).",
  "v1-still-used": "a V1 wrapper is still used here, so finalize cannot remove it yet.",
  "scaffold-precondition": "the module lacks something the generated V2 code needs (see the detail).",
  "no-pool-timeout-handler": "the V2 wrapper has no catch that turns a pool timeout into a 503 with Retry-After, so under load clients get 500s; add the two poolTimeoutResponse lines to its catch by hand.",
  "install-precondition": "install cannot rebuild this client or transaction helper on the kit without guessing (see the detail).",
  "extra-prisma-client": "a PrismaClient other than the shared one: its own pool, without the tenant adapter; use the shared client or an admin client.",
  "bare-client-tenant-query": "a tenant-table query on the shared client outside any tenant wrapper: with the adapter installed it sees no rows.",
};
