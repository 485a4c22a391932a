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
  | "await-in-span"
  | "v1-still-used"
  | "scaffold-precondition"
  | "tenant-wrapper-not-derivable"
  | "no-pool-timeout-handler"
  | "install-precondition"
  | "extra-prisma-client"
  | "bare-client-tenant-query"
  | "client-hook"
  | "new-type-error";

/** One sentence per reason, shown in the CLI, the report and the docs. @example MANUAL_REVIEW_HINTS["db-escapes"] */
export const MANUAL_REVIEW_HINTS: Readonly<Record<ManualReviewReason, string>> = {
  "dynamic-db-access":
    "db is indexed with a computed key (db[model]); the kit cannot tell which model or operation runs.",
  "db-escapes":
    "db (or one of its model delegates) is stored, returned or put in an object, so its later use cannot be followed.",
  "unresolved-callee": "db is passed to a function whose code is not in the repo or cannot be found statically.",
  "db-captured-by-callback":
    "db is used inside a callback that may run after the handler (or the transaction) has finished.",
  "unknown-db-operation":
    "a call on db is not a Prisma operation the kit knows (an extension method, or a misspelling).",
  "context-escapes":
    "the handler context object is passed on or destructured later, so where db goes cannot be followed.",
  "handler-not-inline":
    "the handler passed to the wrapper is not an inline function, so the kit cannot rewrite it in place.",
  "wrapper-shape-unknown": "the wrapper hands db and tenantId to its handler in a way the kit does not recognize.",
  "no-v2-wrapper": "the V2 of this wrapper does not exist yet; run the scaffold phase first.",
  "mixed-own-transaction": "the handler opens its own db.$transaction and also writes outside it; merge them by hand.",
  "span-not-provable": "the transaction span cannot be placed without changing behavior (see the detail).",
  "await-in-span":
    "an await of non-database work stays inside the write transaction (it needs what the span computes before it), " +
    "so the transaction holds its connection while it waits.",
  "v1-still-used": "a V1 wrapper is still used here, so finalize cannot remove it yet.",
  "scaffold-precondition":
    "a V1 session wrapper cannot be copied as V2: it is not a top-level declaration, " +
    "reaches the tenant wrapper through an import the kit cannot follow, " +
    "or waits for a tenant-wrapper V2 that could not be derived.",
  "tenant-wrapper-not-derivable":
    "scaffold cannot prove how to take the transaction out of the tenant wrapper; " +
    "the detail names the code to change (file:line:col) and how.",
  "no-pool-timeout-handler":
    "the V2 wrapper has no catch that turns a pool timeout into a 503 with Retry-After, " +
    "so under load clients get 500s; add the two poolTimeoutResponse lines to its catch by hand.",
  "install-precondition":
    "install cannot rebuild this client or transaction helper on the kit without guessing (see the detail).",
  "extra-prisma-client":
    "a PrismaClient other than the shared one: its own pool, without the tenant adapter; " +
    "use the shared client or an admin client.",
  "bare-client-tenant-query":
    "a tenant-table query on the shared client outside any tenant wrapper: with the adapter installed it sees no rows.",
  "client-hook":
    "$use, $on or a property patched onto the shared client: an extended client has no $use or $on, " +
    "and $forTenant clients lack patched properties.",
  "new-type-error":
    "the phase's edit of this file made tsc report an error the app did not have (a write through the read-only V2 " +
    "client, a helper whose parameter allows writes, a lost narrowing...), so the file was left unchanged.",
};

/**
 * What to do, in a few words: the `<what to do>` of the `// tenant-kit: <reason> - <what to do>` marker and the `fix`
 * of the JSON output. The full fix, with an example, is in docs/migration-guide.md.
 *
 * @example MANUAL_REVIEW_FIXES["db-escapes"] // "pass db as a plain argument, or migrate by hand"
 */
export const MANUAL_REVIEW_FIXES: Readonly<Record<ManualReviewReason, string>> = {
  "dynamic-db-access": "replace db[model] with a switch over the models, or migrate by hand",
  "db-escapes": "pass db as a plain argument, or migrate by hand",
  "unresolved-callee": "check what the callee does with db, then migrate by hand",
  "db-captured-by-callback": "await the work in the handler, or give the callback its own withTenant",
  "unknown-db-operation": "decide if the call reads or writes, then migrate by hand",
  "context-escapes": "destructure { tenantId, db } from the context instead of passing it on",
  "handler-not-inline": "inline the handler at the wrapper call, or migrate by hand",
  "wrapper-shape-unknown": "pass { tenantId, db } to the handler as one object, or migrate by hand",
  "no-v2-wrapper": "run the scaffold phase, then this phase again",
  "mixed-own-transaction": "move the outside writes into the $transaction callback",
  "span-not-provable": "see the detail; make the code provable or write the withTenant span by hand",
  "await-in-span": "move the awaited work out of the transaction if it can run before or after it",
  "v1-still-used": "migrate the remaining V1 uses, then run finalize again",
  "scaffold-precondition": "make the session wrapper a top-level declaration importing the tenant wrapper, then re-run",
  "tenant-wrapper-not-derivable": "change the code named in the detail so the tenant is set once, then re-run scaffold",
  "no-pool-timeout-handler": "add the two poolTimeoutResponse lines to the V2 catch by hand",
  "install-precondition": "see the detail; make the client options an object literal or install the adapter by hand",
  "extra-prisma-client": "import the shared client instead, or use createAdminAdapter for admin work",
  "bare-client-tenant-query": "run it through the tenant wrapper or prisma.$forTenant(tenantId)",
  "client-hook":
    "move it into a $extends chained after tenantExtension() (or $on onto the base client), then re-run install",
  "new-type-error": "see the tsc error in the detail; make that code provable (or migrate it by hand), then re-run",
};
